"""Per-host politeness across every worker: the local throttle, then a start reserved in the index.

Each request start to a host is reserved in one shared row (``Index.reserve_host_slot``), at
least ``per_host_delay`` after the previous one by any worker on any machine; the worker waits
out its reservation. Ten workers therefore never hit one site ten times as hard as one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from archiver.fetch import HostThrottle


class SharedThrottle(HostThrottle):
    """``HostThrottle`` whose every start is also reserved among all workers by ``reserve(host, delay)``."""

    def __init__(self, reserve: Callable[[str, float], float], **limits: float) -> None:
        super().__init__(**limits)  # type: ignore[arg-type]
        self._reserve_shared = reserve

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        with super().slot(host):
            if self.per_host_delay > 0:
                wait = self._reserve_shared(host.lower(), self.per_host_delay)
                if wait > 0:
                    self._sleep(wait)
            yield
