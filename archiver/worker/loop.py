"""The worker's loop: lease due URLs, check them with the ordinary pipeline, release, repeat.

A lease is taken with ``SELECT … FOR UPDATE SKIP LOCKED`` and released by the transaction that
records the check, so a URL is never checked by two workers at once, and a worker killed with
kill -9 loses nothing: its leases (renewed while its batch runs) expire and another worker takes the URLs; its torn WARC tail is
cut by whichever worker finds its ``.open`` file orphaned. While PostgreSQL cannot be reached the
worker says so in one line, waits, and goes on when it answers; nothing is half recorded, since a
check is recorded in one transaction or not at all.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from archiver.archive import Archive
from archiver.config import Config
from archiver.engine import DB_ERRORS
from archiver.errors import StoreError
from archiver.leases import WorkQueue
from archiver.warcstore import WarcStore
from archiver.worker.politeness import SharedThrottle
from archiver.worker.storage import owner, repair_orphans

logger = logging.getLogger(__name__)

#: What a worker pauses on when the index does not answer (otherwise it is a real failure).
_MAYBE_AWAY: tuple[type[Exception], ...] = (StoreError, *DB_ERRORS)
_RETRY = 2.0  # seconds between two tries to reach PostgreSQL while it is away
_ORPHAN_SCAN = 5.0  # seconds between two looks for orphaned .open files while idle
#: Index errors in a row tolerated while the index answers: a connection the server dropped when it
#: stopped fails once more after it is back, and a server still starting refuses a statement a moment
#: before it answers. More than that in a row is a real failure, raised.
_TRANSIENT = 3


def worker_name() -> str:
    """This worker's name: its machine and process (``host-pid``), as its WARC files carry it."""
    return f"{socket.gethostname()}-{os.getpid()}"


class WorkerArchive(Archive):
    """An ``Archive`` that is one worker among many: no data-directory lock (each worker writes
    only its own files), its WARC files marked ``.open``, politeness shared through the index,
    and checks recorded only under this worker's lease."""

    def __init__(self, data_dir: Path, config: Config, *, name: str, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(data_dir, config, clock=clock)
        self.name = name
        # Leases, politeness and roles: the shared index's work queue, as this worker.
        self.queue: WorkQueue = self.work_queue(name)
        check = config.check
        self._throttle = SharedThrottle(
            self.queue.reserve_host_slot, per_host_concurrency=check.per_host_concurrency,
            per_host_delay=check.per_host_delay, max_retry_after=check.max_retry_after,
        )

    def lock(self, role: str = "archiver worker") -> None:
        """Workers share the data directory: nothing to take (the index's leases order the work)."""

    @property
    def store(self) -> WarcStore:
        with self._guard:
            if self._store is None:
                self._store = WarcStore(self.warc_dir, self.config.warc, clock=self.clock, hostname=self.name,
                                        owner=owner())
            return self._store

    def lease_due(self) -> list[str]:
        return self.queue.lease_due(self.clock(), lease=self.config.index.lease, limit=self.config.index.batch)

    def release_leases(self) -> int:
        return self.queue.release_leases()

    def extend_leases(self) -> int:
        return self.queue.extend_leases(self.clock(), lease=self.config.index.lease)

    def idle_everywhere(self) -> bool:
        """Nothing is due and no worker holds a lease: the whole run is done."""
        now = self.clock()
        return self.due_count(now) == 0 and self.queue.leased_count(now) == 0

    def check_leased(self, urls: list[str], stop: threading.Event) -> int:
        """Check the leased ``urls``; returns how many were checked."""
        return self.check_states(self.url_states(urls), stop=stop).checked

    def repair_orphans(self) -> list[str]:
        """Cut the torn tails of files whose worker is gone, then index their whole captures."""
        store = self.store
        current = store.current()
        fixed = repair_orphans(store.storage, stale_after=self.config.index.lease, mine=current)
        still_open = {mark.name for mark in store.storage.open_marks()}  # other live workers' files
        found = self.index_written(store, skip=(still_open | {current}) if current else still_open)
        if found:
            logger.warning("%d captures found in orphaned WARC files but not in the index: indexed now", found)
        return fixed

    def close(self) -> None:
        self.queue.close()
        super().close()

    def heartbeat(self) -> None:
        store = self._store
        if store is not None:
            store.heartbeat()

    def reachable(self) -> bool:
        """Whether the index answers. Asked twice: a connection the server dropped while it restarted
        fails once, and the next statement opens a new one."""
        for _ in range(2):
            try:
                self.queue.ping()
            except _MAYBE_AWAY:
                continue
            return True
        return False


@dataclass(slots=True)
class WorkerStats:
    checked: int = 0
    batches: int = 0
    pauses: int = 0


class Worker:
    """Runs one ``WorkerArchive`` until ``stop`` is set (SIGTERM), or, with ``until_idle``, until
    nothing is due and no worker holds a lease."""

    def __init__(self, data_dir: Path, config: Config, *, name: str | None = None,
                 stop: threading.Event | None = None, until_idle: bool = False, idle_wait: float = 1.0) -> None:
        self.name = name or worker_name()
        self.archive = WorkerArchive(data_dir, config, name=self.name)
        self.stop = stop or threading.Event()
        self.until_idle = until_idle
        self.idle_wait = idle_wait
        self.stats = WorkerStats()
        self._paused = False
        self._last_scan = float("-inf")

    def run(self) -> WorkerStats:
        logger.info("worker %s: started on %s", self.name, self.archive.data_dir)
        failures = 0  # index errors in a row while the index answered
        try:
            while not self.stop.is_set():
                try:
                    if not self._step():
                        break
                    failures = 0
                except _MAYBE_AWAY as exc:
                    if not self.archive.reachable():
                        failures = 0
                        self._pause(exc)
                        continue
                    failures += 1
                    if failures >= _TRANSIENT:
                        raise
                    # It answers now: the error was the server going or coming back under this
                    # round (a stale connection, "starting up"). The round is done again; what
                    # it did not record is still leased to this worker or due.
                    logger.info("worker %s: index error while PostgreSQL answers, retrying (%s)", self.name,
                                " ".join(str(exc).split())[:200])
                    self.stop.wait(_RETRY)
            self._give_back()
        finally:
            self.archive.close()
        logger.info("worker %s: stopped after %d checks", self.name, self.stats.checked)
        return self.stats

    def _step(self) -> bool:
        """One round: returns False when the worker should end (``until_idle`` and all done)."""
        self.archive.heartbeat()
        if time.monotonic() - self._last_scan >= _ORPHAN_SCAN:
            self.archive.repair_orphans()
            self._last_scan = time.monotonic()
        urls = self.archive.lease_due()
        self._resume()
        if not urls:
            if self.until_idle and self.archive.idle_everywhere():
                return False
            self.stop.wait(self.idle_wait)
            return True
        done = threading.Event()
        renewal = threading.Thread(target=self._renew, args=(done,), name="lease-renewal", daemon=True)
        renewal.start()
        try:
            self.stats.checked += self.archive.check_leased(urls, self.stop)
        finally:
            done.set()
            renewal.join()
            self.stats.batches += 1
            # A URL still leased here was not recorded (a stop, an index that went away): it is
            # given back at once rather than when its lease would run out.
            if self.archive.reachable():
                self.archive.release_leases()
        return True

    def _renew(self, done: threading.Event) -> None:
        """While a batch runs, renew its leases every third of a lease: a slow batch (long per-host
        delays, slow sites) keeps its URLs; a worker that dies stops renewing and loses them."""
        while not done.wait(self.archive.config.index.lease / 3):
            try:
                self.archive.extend_leases()
            except _MAYBE_AWAY:
                pass  # the index is away: the batch's own commit will say so

    def _pause(self, exc: BaseException) -> None:
        if not self._paused:
            logger.warning("worker %s: PostgreSQL unreachable, pausing until it answers (%s)", self.name,
                           " ".join(str(exc).split())[:200])
            self._paused = True
            self.stats.pauses += 1
        self.stop.wait(_RETRY)

    def _resume(self) -> None:
        if self._paused:
            logger.warning("worker %s: PostgreSQL answers again, resuming", self.name)
            self._paused = False

    def _give_back(self) -> None:
        try:
            n = self.archive.release_leases()
        except _MAYBE_AWAY:
            return  # the leases run out by themselves
        if n:
            logger.info("worker %s: %d leases given back", self.name, n)
