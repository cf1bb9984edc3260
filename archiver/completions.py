"""The owner thread's side of a pool of check threads: the checks done and not yet taken.

``Checker._run`` feeds each check's future here from its done-callback and takes them in
batches, so the owner is woken once per batch of finished checks rather than once per check.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Generic, TypeVar

T = TypeVar("T")


class Finished(Generic[T]):
    """Checks done and not yet taken by the owner thread. A check's thread wakes the owner only
    once as many are done as it asked for (``take``): one wake per batch of checks, not one per
    check (each wake had the owner take the GIL from the check threads; ``wait(FIRST_COMPLETED)``
    also made a waiter per future in flight at every call)."""

    def __init__(self) -> None:
        self._ready = threading.Condition(threading.Lock())
        self._done: list[Future[T]] = []
        self._wanted = 1

    def put(self, future: Future[T]) -> None:
        """A check's done-callback (in its thread)."""
        with self._ready:
            self._done.append(future)
            if len(self._done) >= self._wanted:
                self._ready.notify()

    def take(self, at_least: int) -> list[Future[T]]:
        """Every check done so far, once ``at_least`` are (the owner asks for no more than are in flight)."""
        with self._ready:
            self._wanted = max(1, at_least)
            self._ready.wait_for(lambda: len(self._done) >= self._wanted)
            done, self._done = self._done, []
            return done
