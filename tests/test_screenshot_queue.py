"""The screenshot queue (``archiver.versions.ShotQueue``): a check hands its new version over and
goes on while one thread renders the queue; a full queue makes the next check wait for room; the
batch's end waits for every screenshot; a failing screenshot is logged and the queue goes on.

The queue's own threads and conditions, with a ``shoot`` that waits on an event the test sets
(Chromium itself is exercised by test_requisites.py and test_crash_recovery.py).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from archiver import versions
from archiver.models import Capture, FetchResult, Outcome, RecordLocation, Screenshot
from archiver.versions import ShotQueue, _Version

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def version(n: int, size: int = 1000) -> _Version:
    url = f"http://example.org/{n}"
    result = FetchResult(url=url, outcome=Outcome.OK, started_at=NOW, elapsed=0.0, content=b"x" * size)
    return _Version(url, result, Capture(id=f"c{n}", url=url, captured_at=NOW, outcome=Outcome.OK), {})


def shot_of(v: _Version) -> Screenshot:
    return Screenshot(capture=v.capture.id, record=RecordLocation("a.warc.gz", 0, 1, f"<urn:uuid:{v.capture.id}>"),
                      taken_at=NOW, width=1280, height=1000)


class Gated:
    """A ``shoot`` that takes each screenshot only once the test lets it."""

    def __init__(self) -> None:
        self.go = threading.Semaphore(0)
        self.started = threading.Semaphore(0)
        self.taken: list[str] = []

    def __call__(self, v: _Version) -> Screenshot | None:
        self.started.release()
        assert self.go.acquire(timeout=30)
        if v.capture.id == "c-bad":
            raise OSError("Chromium went away")
        self.taken.append(v.capture.id)
        return shot_of(v)


def put_in_thread(queue: ShotQueue, v: _Version) -> threading.Thread:
    t = threading.Thread(target=queue.put, args=(v,), daemon=True)
    t.start()
    return t


def test_a_check_hands_its_version_over_and_goes_on_while_the_screenshot_is_taken() -> None:
    shoot = Gated()
    queue = ShotQueue(shoot)
    queue.put(version(1))  # returns although nothing was rendered yet
    queue.put(version(2))
    assert shoot.started.acquire(timeout=30)  # the first is being rendered, on the queue's thread
    assert shoot.taken == [] and queue.finished() == []
    shoot.go.release()
    shoot.go.release()
    shots = queue.close()  # the batch's end waits for the rest
    assert [s.capture for s in shots] == ["c1", "c2"]
    assert queue.finished() == []  # handed over once


def test_a_full_queue_makes_the_next_check_wait_for_room(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(versions, "QUEUE_PAGES", 2)
    shoot = Gated()
    queue = ShotQueue(shoot)
    queue.put(version(1))
    queue.put(version(2))
    third = put_in_thread(queue, version(3))
    third.join(0.5)
    assert third.is_alive()  # two versions wait (one being rendered): no room for a third
    shoot.go.release()  # the first screenshot is done: room for one
    third.join(30)
    assert not third.is_alive()
    assert [s.capture for s in queue.finished()] == ["c1"]
    shoot.go.release()
    shoot.go.release()
    assert [s.capture for s in queue.close()] == ["c2", "c3"]


def test_the_queue_bounds_the_bytes_it_holds_but_takes_one_large_version_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(versions, "QUEUE_BYTES", 10_000)
    shoot = Gated()
    queue = ShotQueue(shoot)
    queue.put(version(1, size=50_000))  # larger than the bound, but the queue is empty: it goes in
    second = put_in_thread(queue, version(2, size=10))
    second.join(0.5)
    assert second.is_alive()
    shoot.go.release()
    second.join(30)
    assert not second.is_alive()
    shoot.go.release()
    assert [s.capture for s in queue.close()] == ["c1", "c2"]


def test_a_failed_screenshot_is_logged_and_the_queue_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    shoot = Gated()
    queue = ShotQueue(shoot)
    bad = version(0)
    bad = _Version(bad.page, bad.result, Capture(id="c-bad", url=bad.page, captured_at=NOW, outcome=Outcome.OK), {})
    queue.put(bad)
    queue.put(version(1))
    shoot.go.release()
    shoot.go.release()
    assert [s.capture for s in queue.close()] == ["c1"]
    assert "no screenshot" in caplog.text and "Chromium went away" in caplog.text


def test_closing_a_queue_that_never_had_work_returns_at_once() -> None:
    assert ShotQueue(Gated()).close() == []


def test_a_stop_abandons_the_screenshots_not_started_and_waits_only_for_the_one_being_taken(
    caplog: pytest.LogCaptureFixture,
) -> None:
    shoot = Gated()
    queue = ShotQueue(shoot)
    for n in (1, 2, 3):
        queue.put(version(n))
    assert shoot.started.acquire(timeout=30)  # the first is being rendered
    closing = threading.Thread(target=lambda: setattr(closing, "shots", queue.close(abandon=True)), daemon=True)
    closing.start()
    closing.join(0.3)
    assert closing.is_alive()  # the screenshot under way is finished, not cut
    shoot.go.release()
    closing.join(30)
    assert not closing.is_alive() and [s.capture for s in closing.shots] == ["c1"]  # type: ignore[attr-defined]
    assert shoot.taken == ["c1"] and "2 screenshot(s) not taken" in caplog.text
