"""The facade's checks: capture URLs now (``archiver check``), or the batches the daemon and the
workers hand it, and send the notifications a check run from cron owes."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from archiver.archive.registering import Registering
from archiver.checker import Checker
from archiver.fetch import AddressPolicy, Fetcher
from archiver.leases import WorkQueue
from archiver.models import Event, UrlState
from archiver.notify import Notifier, deliver_now
from archiver.reading import ReadingPool, reading_processes
from archiver.robots import RobotsPolicy

logger = logging.getLogger(__name__)


@dataclass
class CheckResult:
    checked: int = 0
    events: list[Event] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    robots_skipped: list[str] = field(default_factory=list)  # disallowed by robots.txt (schedule.robots = "obey")


class Checking(Registering):
    """Checks, as the operator, the daemon or a worker asks for them."""

    def check(
        self,
        urls: Sequence[str] | None = None,
        *,
        progress: Callable[[int], None] | None = None,
        stop: threading.Event | None = None,
    ) -> CheckResult:
        """Capture the given URLs (registering them as the operator's), or every URL, once, now."""
        result = CheckResult()
        if urls is None:
            states = self._index.url_states()
        else:
            added = self.add(urls)
            result.errors += added.errors
            states = self._index.url_states(added.added + added.merged)
        if self.config.schedule.robots == "obey":  # the daemon applies it per batch (Daemon._obeying_robots)
            states = self._robots_allow(states, result)
        return self.check_states(states, progress=progress, stop=stop, result=result)

    def _robots_allow(self, states: Sequence[UrlState], result: CheckResult) -> list[UrlState]:
        """The states robots.txt lets archiver fetch; the others are listed in ``robots_skipped``."""
        fetch = self.config.fetch
        with Fetcher(fetch, policy=AddressPolicy(allow_private=fetch.allow_private)) as fetcher:
            robots = RobotsPolicy(fetcher, user_agent=fetch.user_agent)
            allowed = [s for s in states if robots.allowed(s.url, untrusted=s.origin == "document")]
        result.robots_skipped += [s.url for s in states if s not in allowed]
        for url in result.robots_skipped:
            logger.warning('robots.txt disallows %s for archiver; not checked (schedule.robots = "obey")', url)
        return allowed

    def notify_events(self, new: Sequence[Event]) -> None:
        """Send ``new`` (and any event not notified yet) to the configured notifications, now, as
        the daemon does: for `archiver check` run from cron."""
        notify = self.config.notify
        if not (notify.command or notify.webhook or notify.urls):
            return
        notifier = Notifier(notify, user_agent=self.config.fetch.user_agent, link=self.capture_link)
        wait = notify.timeout * (notify.retries + 1) * max(1, len(new)) + 2.0 ** notify.retries
        deliver_now(self._index, notifier, new, now=self.clock(), wait=wait)

    def check_states(
        self,
        states: Sequence[UrlState],
        *,
        progress: Callable[[int], None] | None = None,
        stop: threading.Event | None = None,
        result: CheckResult | None = None,
    ) -> CheckResult:
        result = result or CheckResult()
        if not states:
            return result
        self.lock()
        policy = AddressPolicy(allow_private=self.config.fetch.allow_private)
        with Fetcher(self.config.fetch, throttle=self._throttle, policy=policy) as fetcher:
            checker = Checker(self._index, self.store, fetcher, self.config, clock=self.clock,
                              pools=self._reading_pool)
            result.events += checker.run(states, progress=progress, stop=stop)
        self._mark_indexed()
        result.errors += [line for line in checker.errors if line not in result.errors]
        result.checked += len(states)  # each new HTML version's citation metadata came with its check
        return result

    def _reading_pool(self) -> ReadingPool:
        """The archive's reading processes (``[check] processes``), for the checker of a batch
        large enough to want them: started by the first such batch and kept for the next ones (a
        worker costs ~1 s of CPU to start: a daemon's batches would pay it each time), stopped
        by ``close``."""
        with self._guard:
            if self._pool is None:
                self._pool = ReadingPool(max(1, reading_processes(self.config.check.processes)))
            return self._pool

    def due_states(self, limit: int) -> list[UrlState]:
        return self._index.url_states(self._index.due_urls(self.clock(), limit))

    def may_schedule(self) -> bool:  # the data lock makes it the only scheduler (a shared index: SchedulerArchive)
        return True

    def work_queue(self, owner: str) -> WorkQueue:  # leases, shared politeness, roles, as ``owner``
        return WorkQueue(self._index, owner)
