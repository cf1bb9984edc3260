"""The daemon (around the pipeline): APScheduler 3.x ticks → import watched documents → ``Archive.check_states(due)``.

It holds no pipeline logic and no schedule of its own: each URL's next check time lives in the
index (``urls.next_due``, set by the checker after every capture), so a restarted daemon resumes
where it stopped. SIGTERM/SIGINT stop new fetches, let the captures in flight finish, close the
WARC file and return. A heartbeat in the index's ``meta`` table feeds ``archiver status``.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, timedelta
from itertools import zip_longest
from types import FrameType

from apscheduler.executors.debug import DebugExecutor
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from archiver import cadence
from archiver.archive import Archive
from archiver.daemon.status import (
    META_CHECK,
    META_NOTIFIED,
    META_PID,
    META_STARTED,
    META_STOPPED,
    META_TICK,
    daemon_status,
    human_duration,
)
from archiver.daemon.watch import FolderWatcher
from archiver.engine import DB_ERRORS
from archiver.errors import ArchiverError, ConfigError, StoreError, UrlError
from archiver.fetch import AddressPolicy, Fetcher
from archiver.models import UrlState
from archiver.notify import Notifier, notified_mark
from archiver.robots import POLICIES, RobotsPolicy
from archiver.urls import host_of

logger = logging.getLogger(__name__)

#: Longest a tick keeps taking new batches while a backlog lasts; then watched folders, the
#: summary and the heartbeat get their turn (the next tick resumes the backlog at once).
BACKLOG_BUDGET = 60.0
#: A URL whose check could not be recorded is tried again after this long (or its own interval
#: if shorter), instead of on every tick.
FAILED_CHECK_RETRY = 300.0
#: A tick that starts this late is still run: the schedule lives in the index, so a late tick
#: only means the due URLs wait a little longer, never that they are skipped.
MISFIRE_GRACE = 3600
#: What a summary line may fail on without stopping the daemon: our errors and the index engine's.
_SUMMARY_ERRORS: tuple[type[Exception], ...] = (ArchiverError, *DB_ERRORS)


@dataclass(slots=True)
class Counters:
    """What the daemon did since the last summary line."""

    ticks: int = 0
    checks: int = 0
    events: int = 0
    documents: int = 0
    robots_skipped: int = 0
    errors: int = 0


def in_write_order(states: Sequence[UrlState]) -> list[UrlState]:
    """A batch in the order its index writes cluster best, its hosts still taking turns.

    Due order is random against the index's keys: each commit of checks then dirties about one
    page per check in the ``urls`` rows and the ``captures(url, …)`` index. Sorted by URL, a
    commit's checks share pages (an unchanged re-check of 10,000 URLs: 7.4 against 10.6 KB written
    per URL, 6–14 % less CPU). The hosts take turns, each in URL order, in the order of their most
    overdue URL, so a batch never queues one host's URLs behind each other (its per-host delay
    would hold every check thread). The batch is the same most overdue URLs either way.
    """
    by_host: dict[str, list[UrlState]] = {}
    for state in states:  # due order: a host's place is that of its most overdue URL
        try:
            host = host_of(state.url)
        except UrlError:
            host = ""
        by_host.setdefault(host, []).append(state)
    queues = [sorted(group, key=lambda s: s.url) for group in by_host.values()]
    return [state for turn in zip_longest(*queues) for state in turn if state is not None]


class Daemon:
    """``archiver run``: one interval job every ``schedule.tick`` seconds, in the foreground.

    Jobs run on the calling (main) thread: the index is written by the thread that opened it, and
    the checker has its own worker pool for fetches, so a scheduler thread pool would add nothing.
    """

    def __init__(
        self,
        archive: Archive,
        *,
        notifier: Notifier | None = None,
        watcher: FolderWatcher | None = None,
        robots: RobotsPolicy | None = None,
    ) -> None:
        config = archive.config
        schedule = config.schedule
        if schedule.robots not in POLICIES:
            raise ConfigError(f"schedule.robots must be one of {', '.join(POLICIES)}, not {schedule.robots!r}")
        if schedule.tick <= 0 or schedule.batch < 1 or schedule.summary_every <= 0:
            raise ConfigError("schedule.tick and schedule.summary_every must be positive and schedule.batch at least 1")
        self.archive = archive
        self.schedule = schedule
        self.stop_event = threading.Event()
        self.notifier = notifier or Notifier(config.notify, user_agent=config.fetch.user_agent, link=archive.capture_link)
        self.watcher = watcher
        if watcher is None and schedule.watch_dirs:
            self.watcher = FolderWatcher(schedule.watch_dirs, known_digest=archive.document_digest,
                                         max_bytes=archive.config.documents.max_bytes)
        self.robots = robots
        self._robots_fetcher: Fetcher | None = None
        self.counters = Counters()  # since the last summary line
        self._total_checks = self._total_events = 0  # before it
        self._notified: str | None = None  # the notify.handled mark last written
        self._logged: dict[str, float] = {}  # repeated warning → monotonic time last logged

    # -- life cycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Take the data directory, repair the WARC tails a crash left, write the heartbeat."""
        self.archive.lock("archiver run")
        store = self.archive.store  # opening the store runs WarcStore.recover() before any tick
        self._beat(META_PID, str(os.getpid()))
        self._stamp(META_STARTED)
        self._beat(META_STOPPED, None)
        if self.robots is None and self.schedule.robots == "obey":
            fetch = self.archive.config.fetch
            self._robots_fetcher = Fetcher(fetch, policy=AddressPolicy(allow_private=fetch.allow_private))
            self.robots = RobotsPolicy(self._robots_fetcher, user_agent=fetch.user_agent)
        self.notifier.start()
        self._catch_up_notifications()
        logger.info(
            "daemon started: pid %d, data %s, WARCs in %s, %d URLs (%d due), tick %gs, batch %d, robots %s",
            os.getpid(), self.archive.data_dir, store.directory, self.archive.url_count(), self.archive.due_count(),
            self.schedule.tick, self.schedule.batch, self.schedule.robots,
        )

    def run(self) -> None:
        """Start, tick until SIGTERM/SIGINT (or ``request_stop``), then close. Returns normally.

        The handlers are installed before anything is said or opened: a SIGTERM sent as soon as
        "daemon started" is logged (or while the WARC tails are repaired) stops the daemon
        cleanly instead of killing it with the default action."""
        finished = threading.Event()
        with self._signals():
            self.start()
            try:
                scheduler = self._build_scheduler()
                stopper = threading.Thread(target=self._shut_down, args=(scheduler, finished), name="archiver-stop",
                                           daemon=True)
                stopper.start()
                if not self.stop_event.is_set():
                    scheduler.start()
            finally:
                finished.set()
                self.close()

    def request_stop(self, signum: int | None = None, frame: FrameType | None = None) -> None:
        """No new fetch starts; the tick in progress finishes its captures; ``run`` returns.

        Safe in a signal handler: it only sets an event. The scheduler is shut down by a helper
        thread, because a job runs inside the scheduler's loop (and holds its job store lock):
        shutting down from there would pull the job store from under the running tick.
        """
        self.stop_event.set()

    def _shut_down(self, scheduler: BlockingScheduler, finished: threading.Event) -> None:
        self.stop_event.wait()
        while not finished.is_set():
            if scheduler.running:
                try:
                    scheduler.shutdown(wait=True)  # waits for the tick in progress to return
                except SchedulerNotRunningError:
                    pass
                return
            finished.wait(0.05)  # stopped before the scheduler started: wait for it to

    def close(self) -> None:
        self.stop_event.set()
        self.notifier.close(timeout=self.archive.config.notify.timeout * 2)
        if self._robots_fetcher is not None:
            self._robots_fetcher.close()
        try:
            self._save_notified()
            self._stamp(META_STOPPED)
        except StoreError as exc:  # a read-only or full index must not keep the WARC file open
            logger.error("%s", exc)
        self.archive.close()
        checks, events = self._total_checks + self.counters.checks, self._total_events + self.counters.events
        logger.info("daemon stopped: %d checks, %d events since it started", checks, events)

    def _stamp(self, key: str) -> None:
        """Write the archive clock's time under a heartbeat key."""
        self.archive.stamp(key)

    def _beat(self, key: str, value: str | None) -> None:
        """Write one heartbeat key (StoreError when the index cannot take it)."""
        self.archive.set_meta(key, value)

    def _build_scheduler(self) -> BlockingScheduler:
        scheduler = BlockingScheduler(executors={"default": DebugExecutor()}, timezone=UTC)
        first = self.archive.clock().astimezone(UTC)
        scheduler.add_job(
            self.tick, IntervalTrigger(seconds=self.schedule.tick, timezone=UTC), id="tick", name="archiver tick",
            max_instances=1, coalesce=True, misfire_grace_time=MISFIRE_GRACE, next_run_time=first,
        )
        scheduler.add_job(
            self.summary, IntervalTrigger(seconds=self.schedule.summary_every, timezone=UTC), id="summary",
            name="archiver summary", max_instances=1, coalesce=True, misfire_grace_time=MISFIRE_GRACE,
        )
        return scheduler

    @contextmanager
    def _signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield  # signals reach only the main thread; the embedding program stops us itself
            return
        previous = {sig: signal.signal(sig, self.request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    # -- the job -----------------------------------------------------------------------------

    def tick(self) -> None:
        """Import changed documents, then check due URLs, batch after batch while a backlog lasts."""
        if self.stop_event.is_set() or not self.archive.may_schedule():
            return
        self.counters.ticks += 1
        began = time.monotonic()
        try:
            self._stamp(META_TICK)
            self._import_watched()
            while not self.stop_event.is_set():
                full = self._check_batch()
                if not full or time.monotonic() - began > BACKLOG_BUDGET:
                    break
            self._warn_if_behind()
            self._save_notified()
        except ArchiverError as exc:
            self.counters.errors += 1
            self._log_repeated(logging.ERROR, f"tick failed: {exc}; trying again next tick")
        except Exception as exc:  # the daemon outlives one bad tick; the traceback says where
            self.counters.errors += 1
            logger.exception("tick failed (%s); trying again next tick", type(exc).__name__)

    def _check_batch(self) -> bool:
        """Check one batch of due URLs. True when the batch was full and moved on (more may be due)."""
        if not self.archive.may_schedule():  # the role was lost meanwhile (a shared index)
            return False
        problem = self._storage_problem()
        if problem is not None:
            self._log_repeated(logging.ERROR, f"captures paused: {problem}; nothing is lost, trying again next tick")
            return False
        due = self.archive.due_states(self.schedule.batch)
        states = self._obeying_robots(due)
        if not states or self.stop_event.is_set():
            return len(due) >= self.schedule.batch
        result = self.archive.check_states(in_write_order(states), stop=self.stop_event)
        for line in result.errors:
            logger.error("%s", line)
        recorded = self._settle(states)
        self.counters.checks += recorded
        self.counters.events += len(result.events)
        if recorded:
            self._stamp(META_CHECK)
        self.notifier.submit(result.events)
        return len(due) >= self.schedule.batch and recorded > 0

    def _settle(self, before: Sequence[UrlState]) -> int:
        """How many of the batch's checks were recorded; put off the URLs whose check was lost.

        A check that raised (a bug, a write error: the checker logged it) leaves its URL exactly
        as it was, so due at once: without this, its host would be fetched again on every tick.
        """
        after = {s.url: s for s in self.archive.url_states([s.url for s in before])}
        lost = [s for s in before if s.url in after and after[s.url].checks == s.checks and after[s.url].next_due == s.next_due]
        if lost and not self.stop_event.is_set():  # after a stop, unchecked URLs are simply not started yet
            now = self.archive.clock()
            for state in lost:
                delay = min(FAILED_CHECK_RETRY, state.interval or self.schedule.interval)
                self.archive.reschedule([state.url], now + timedelta(seconds=delay))
            logger.warning("%d check(s) not recorded (errors above); tried again in up to %s",
                           len(lost), human_duration(FAILED_CHECK_RETRY))
        return sum(1 for s in before if s.url in after and after[s.url].checks > s.checks)

    def _import_watched(self) -> None:
        if self.watcher is None:
            return
        for path in self.watcher.pending():
            if self.stop_event.is_set():
                return
            result = self.archive.import_documents([path])
            if result.errors:
                continue  # import_documents logged it; the file is offered again next tick
            self.watcher.imported([path])
            self.counters.documents += 1
            logger.info("imported %s: %d cited URLs, %d new (due now)", path, len(result.urls), result.new_urls)

    def _catch_up_notifications(self) -> None:
        """Queue the events recorded since the last one notified (a crash, or `check` runs meanwhile).

        Delivery is at least once: an event notified just before a crash may be sent again, with
        the same ``id``. The first start with notifications on sends nothing old.
        """
        if not self.notifier.enabled:
            return
        self._notified = self.archive.meta(META_NOTIFIED)
        if self._notified is None:  # says what backlog it skips, instead of skipping it silently
            self._notified = self.archive.notify_mark_now()
            self._beat(META_NOTIFIED, self._notified)
            return
        events = self.archive.unnotified_events(self._notified)
        if events:
            logger.info("notify: %d event(s) recorded since the last notification queued", len(events))
            self.notifier.submit(events)

    def _save_notified(self) -> None:
        handled = self.notifier.handled
        mark = notified_mark(*handled) if handled is not None else self._notified
        if mark != self._notified:
            self._beat(META_NOTIFIED, mark)
            self._notified = mark

    def _obeying_robots(self, states: Sequence[UrlState]) -> list[UrlState]:
        """The states robots.txt lets archiver check; the others are put off by one interval."""
        if self.robots is None:
            return list(states)
        allowed: list[UrlState] = []
        for state in states:
            if self.stop_event.is_set():
                break
            if self.robots.allowed(state.url, untrusted=state.origin == "document"):
                allowed.append(state)
                continue
            now = self.archive.clock()
            due = cadence.next_due(now, config=self.schedule, interval=state.interval, last_change=state.last_change,
                                   changed=False)
            self.archive.reschedule([state.url], due)
            self.counters.robots_skipped += 1
            logger.info("robots.txt disallows %s for archiver; not checked, next try %s", state.url,
                        due.strftime("%Y-%m-%dT%H:%M:%SZ"))
        return allowed

    def _storage_problem(self) -> str | None:
        """Why captures cannot be written now (read-only or full data directory), or None."""
        for directory in (self.archive.data_dir, self.archive.warc_dir):
            if not os.access(directory, os.W_OK):
                return f"{directory} is not writable"
        try:
            fs = os.statvfs(self.archive.warc_dir)
        except OSError as exc:
            return f"{self.archive.warc_dir}: {exc.strerror}"
        free = fs.f_bavail * fs.f_frsize
        # Room for one body at the byte cap: a capture never starts that could not be written whole.
        if free < self.archive.config.fetch.max_bytes:
            return f"{self.archive.warc_dir}: only {free // 1_000_000} MB free"
        return None

    # -- observability -----------------------------------------------------------------------

    def summary(self) -> None:
        """One line: what happened since the last summary, and where the schedule stands."""
        try:
            status = daemon_status(self.archive)
        except _SUMMARY_ERRORS as exc:
            logger.error("summary failed: %s: %s", type(exc).__name__, exc)
            return
        c, self.counters = self.counters, Counters()
        self._total_checks += c.checks
        self._total_events += c.events
        counts = " ".join(f"{k}={v}" for k, v in status.counts.items() if v) or "-"
        logger.info(
            "summary: last %s: %d ticks, %d checks, %d events, %d documents imported, %d robots skips, %d errors; "
            "%d URLs, %d due, behind %s; %s",
            human_duration(self.schedule.summary_every), c.ticks, c.checks, c.events, c.documents, c.robots_skipped,
            c.errors, status.urls, status.due, human_duration(status.behind), counts,
        )

    def _warn_if_behind(self) -> None:
        oldest = self.archive.oldest_due()
        if oldest is None:
            return
        behind = (self.archive.clock() - oldest).total_seconds()
        if behind > self.schedule.behind_margin:
            self._log_repeated(
                logging.WARNING,
                f"behind schedule: the oldest due URL is {human_duration(behind)} late "
                f"(margin {human_duration(self.schedule.behind_margin)}); "
                f"{self.archive.due_count()} URLs due",
                key="behind",
            )

    def _log_repeated(self, level: int, message: str, *, key: str | None = None) -> None:
        """Log a condition that persists across ticks once per summary period, not every tick."""
        key = key or message
        now = time.monotonic()
        last = self._logged.get(key)
        if last is not None and now - last < self.schedule.summary_every:
            logger.debug("%s", message)
            return
        self._logged[key] = now
        logger.log(level, "%s", message)
