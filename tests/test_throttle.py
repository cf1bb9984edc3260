"""HostThrottle with an injected clock (no real waiting), and Retry-After parsing.

Orderings and counts are asserted, never durations measured on the real clock.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from archiver.fetch import HostThrottle, parse_retry_after


class FakeClock:
    """``clock()`` reads fake time; ``sleep(s)`` records the wait and advances fake time by ``s``."""

    def __init__(self) -> None:
        self.now = 500.0
        self.sleeps: list[float] = []
        self.on_sleep: list[object] = []  # callables run at the first sleeps, one each
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds
            hook = self.on_sleep.pop(0) if self.on_sleep else None
        if callable(hook):
            hook()


def make(clock: FakeClock, **kwargs: float) -> HostThrottle:
    return HostThrottle(clock=clock, sleep=clock.sleep, **kwargs)  # type: ignore[arg-type]


def starts(throttle: HostThrottle, clock: FakeClock, hosts: list[str]) -> list[float]:
    """Take a slot for each host in turn; the fake time each request would start."""
    out = []
    for host in hosts:
        with throttle.slot(host):
            out.append(clock.now)
    return out


def test_first_request_to_a_host_starts_at_once() -> None:
    clock = FakeClock()
    assert starts(make(clock), clock, ["a.example"]) == [500.0]
    assert clock.sleeps == []


def test_request_starts_to_one_host_are_spaced_by_the_delay() -> None:
    clock = FakeClock()
    assert starts(make(clock, per_host_delay=2.0), clock, ["a.example"] * 3) == [500.0, 502.0, 504.0]
    assert clock.sleeps == [2.0, 2.0]


def test_other_hosts_are_not_delayed() -> None:
    clock = FakeClock()
    assert (
        starts(make(clock, per_host_delay=2.0), clock, ["a.example", "b.example", "c.example"]) == [500.0] * 3
    )
    assert clock.sleeps == []


def test_host_names_are_case_insensitive() -> None:
    clock = FakeClock()
    assert starts(make(clock, per_host_delay=1.0), clock, ["A.Example", "a.example"]) == [500.0, 501.0]


def test_no_delay_needed_when_enough_time_has_passed() -> None:
    clock = FakeClock()
    throttle = make(clock, per_host_delay=1.0)
    starts(throttle, clock, ["a.example"])
    clock.now += 5
    assert starts(throttle, clock, ["a.example"]) == [505.0] and clock.sleeps == []


def test_deferred_host_waits_until_the_deferral_ends() -> None:
    clock = FakeClock()
    throttle = make(clock, per_host_delay=1.0)
    throttle.defer("a.example", 30)
    assert throttle.deferred_until("a.example") == 530.0
    assert starts(throttle, clock, ["b.example", "a.example"]) == [500.0, 530.0]
    assert throttle.deferred_until("a.example") is None  # over once its time has come


def test_deferral_is_capped_at_max_retry_after() -> None:
    clock = FakeClock()
    throttle = make(clock, max_retry_after=3600.0)
    throttle.defer("a.example", 86400 * 7)
    assert throttle.deferred_until("a.example") == 500.0 + 3600.0


def test_a_shorter_deferral_never_shortens_a_longer_one() -> None:
    clock = FakeClock()
    throttle = make(clock)
    throttle.defer("a.example", 60)
    throttle.defer("a.example", 10)
    assert throttle.deferred_until("a.example") == 560.0


@pytest.mark.parametrize("seconds", [0, -5])
def test_zero_or_negative_deferral_is_ignored(seconds: float) -> None:
    clock = FakeClock()
    throttle = make(clock)
    throttle.defer("a.example", seconds)
    assert throttle.deferred_until("a.example") is None


def test_deferral_arriving_while_a_request_waits_moves_its_start() -> None:
    clock = FakeClock()
    throttle = make(clock, per_host_delay=1.0)
    starts(throttle, clock, ["a.example"])  # the next start is due at 501
    # While the second request sleeps towards 501, a concurrent 429 defers the host for 60 s.
    clock.on_sleep.append(lambda: throttle.defer("a.example", 60))
    assert starts(throttle, clock, ["a.example"]) == [561.0]


def test_at_most_n_requests_to_one_host_run_at_once() -> None:
    clock = FakeClock()
    throttle = make(clock, per_host_concurrency=2, per_host_delay=0.0)
    lock = threading.Lock()
    inside, most = 0, 0
    # Pairs meet at the barrier inside the slot: two at once is reachable, so `most == 2`
    # proves the limit is not lower; a third would have to enter alongside to break `<= 2`.
    barrier = threading.Barrier(2, timeout=10)

    def request() -> None:
        nonlocal inside, most
        with throttle.slot("a.example"):
            with lock:
                inside += 1
                most = max(most, inside)
            barrier.wait()
            with lock:
                inside -= 1

    threads = [threading.Thread(target=request) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most == 2 and inside == 0


def test_a_waiting_request_starts_when_a_slot_is_released() -> None:
    clock = FakeClock()
    throttle = make(clock, per_host_concurrency=1, per_host_delay=0.0)
    events: list[str] = []
    started = threading.Event()

    def second() -> None:
        with throttle.slot("a.example"):
            events.append("second starts")
            started.set()

    with throttle.slot("a.example"):
        waiter = threading.Thread(target=second)
        waiter.start()
        events.append("first ends")
    assert started.wait(10)
    waiter.join()
    assert events == ["first ends", "second starts"]


def test_slot_is_released_when_the_request_raises() -> None:
    clock = FakeClock()
    throttle = make(clock, per_host_concurrency=1, per_host_delay=0.0)
    with pytest.raises(RuntimeError), throttle.slot("a.example"):
        raise RuntimeError("boom")
    assert starts(throttle, clock, ["a.example"]) == [500.0]  # not blocked by a leaked slot


def test_concurrency_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="per_host_concurrency"):
        HostThrottle(per_host_concurrency=0)


# ---------------------------------------------------------------------- Retry-After

NOW = datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Mon, 23 Nov 2026 10:05:00 GMT", 300.0),  # IMF-fixdate
        ("Monday, 23-Nov-26 10:01:00 GMT", 60.0),  # obsolete RFC 850 form
        ("Mon Nov 23 10:00:30 2026", 30.0),  # asctime form
        ("Mon, 23 Nov 2026 09:00:00 GMT", 0.0),  # already past
        ("soon", None),
        ("-5", None),
        ("1.5", None),  # delta-seconds is a whole number
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, NOW) == seconds


def test_parse_retry_after_treats_a_naive_now_as_utc() -> None:
    naive = NOW.replace(tzinfo=None) + timedelta(seconds=10)
    assert parse_retry_after("Mon, 23 Nov 2026 10:05:00 GMT", naive) == 290.0
