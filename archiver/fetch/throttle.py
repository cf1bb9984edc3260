"""Per-host politeness shared by ``check`` and the daemon, and ``Retry-After`` parsing.

``HostThrottle.slot(host)`` blocks until a request to ``host`` may start: at most N requests
in flight per host, at least ``delay`` seconds between two request starts, and never before a
``Retry-After`` deferral ends. The clock and sleep are injected so tests need no real time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

logger = logging.getLogger(__name__)

# Forget a host's state once it has been idle this long past its last start and deferral,
# so a daemon that has seen a million hosts does not keep a million entries.
_PRUNE_EVERY = 1024


@dataclass(slots=True)
class _HostState:
    active: int = 0  # slots held or reserved
    next_start: float = float("-inf")  # earliest start of the next request
    deferred_until: float = float("-inf")  # Retry-After end


class HostThrottle:
    """Thread-safe per-host limits: concurrency, spacing between starts, Retry-After."""

    def __init__(
        self,
        per_host_concurrency: int = 2,
        per_host_delay: float = 1.0,
        max_retry_after: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_host_concurrency < 1:
            raise ValueError(f"per_host_concurrency must be at least 1, not {per_host_concurrency}")
        self.per_host_concurrency = per_host_concurrency
        self.per_host_delay = max(0.0, per_host_delay)
        self.max_retry_after = max_retry_after
        self._clock = clock
        self._sleep = sleep
        self._cond = threading.Condition()
        self._hosts: dict[str, _HostState] = {}
        self._ops = 0

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        """Hold one of ``host``'s request slots for the duration of the ``with`` block."""
        state = self._acquire(host.lower())
        try:
            yield
        finally:
            self._release(state)

    def defer(self, host: str, seconds: float) -> None:
        """No request to ``host`` starts for ``seconds`` (capped at ``max_retry_after``)."""
        if seconds <= 0:
            return
        seconds = min(seconds, self.max_retry_after)
        key = host.lower()
        with self._cond:
            state = self._hosts.setdefault(key, _HostState())
            state.deferred_until = max(state.deferred_until, self._clock() + seconds)
        logger.info("deferring requests to %s for %.0fs (Retry-After)", host, seconds)

    def deferred_until(self, host: str) -> float | None:
        """The clock time a deferral of ``host`` ends, or None if it is not deferred."""
        with self._cond:
            state = self._hosts.get(host.lower())
            if state is None or state.deferred_until <= self._clock():
                return None
            return state.deferred_until

    def _acquire(self, key: str) -> _HostState:
        # A caller first reserves a start time under the lock (so waiters start in order,
        # `delay` apart), then sleeps outside it. A deferral that arrives while it sleeps
        # (a 429 on a concurrent request) moves its start again.
        with self._cond:
            state = self._hosts.setdefault(key, _HostState())
            while state.active >= self.per_host_concurrency:
                self._cond.wait()
            state.active += 1
            start = self._reserve(state)
            self._maybe_prune()
        try:
            while True:
                wait = start - self._clock()
                if wait > 0:
                    self._sleep(wait)
                with self._cond:
                    if state.deferred_until <= start:
                        return state
                    start = self._reserve(state)
        except BaseException:
            self._release(state)
            raise

    def _release(self, state: _HostState) -> None:
        with self._cond:
            state.active -= 1
            self._cond.notify_all()

    def _reserve(self, state: _HostState) -> float:
        start = max(self._clock(), state.next_start, state.deferred_until)
        state.next_start = start + self.per_host_delay
        return start

    def _maybe_prune(self) -> None:
        self._ops += 1
        if self._ops % _PRUNE_EVERY:
            return
        now = self._clock()
        idle = [
            k for k, s in self._hosts.items() if s.active == 0 and max(s.next_start, s.deferred_until) < now
        ]
        for k in idle:
            del self._hosts[k]


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP-date.

    A date in the past gives 0; anything unparseable gives None.

    >>> now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    >>> parse_retry_after("120", now), parse_retry_after("Mon, 23 Nov 2026 10:05:00 GMT", now)
    (120.0, 300.0)
    >>> parse_retry_after("soon", now) is None
    True
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return float(int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # "-0000" dates are UTC by RFC 5322
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
