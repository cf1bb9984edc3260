"""``archiver run`` on a shared index: the one scheduler, standing by wherever else it runs.

Several ``archiver run`` may be started (one per machine, for failover); one holds the scheduler
role (a PostgreSQL session advisory lock, on a connection of its own) and imports watched folders,
sends notifications and checks due URLs; the others stand by, each saying so in one line, and the
first to get the role when the holder ends takes over. The holder asks the server whether it still
holds the role before each tick and each batch (``may_schedule``): when its session dropped (a
restart, a network cut) and another took the role meanwhile, it stands by in turn, so two never
schedule at once. Only a batch already under way when the session dropped runs on, and its URLs
are leased: the scheduler's checks are leased like a worker's, so the scheduler and the workers
never check one URL twice.
"""

from __future__ import annotations

import logging
import threading

from archiver.engine import DB_ERRORS
from archiver.models import UrlState
from archiver.worker.loop import WorkerArchive

logger = logging.getLogger(__name__)

ROLE = "archiver-scheduler"
_STANDBY_POLL = 5.0  # seconds between two tries for the role while another process holds it


class SchedulerArchive(WorkerArchive):
    """The scheduler's archive: a worker's (leases, its own WARC files, shared politeness) whose
    due URLs are taken by lease, so it and the workers share the work."""

    _holding = False  # whether the last look found the role ours

    def due_states(self, limit: int) -> list[UrlState]:
        # A worker's batch, not the daemon's: the scheduler's leases are not renewed while it checks.
        urls = self.queue.lease_due(self.clock(), lease=self.config.index.lease,
                                    limit=min(limit, self.config.index.batch))
        return self.url_states(urls)

    def may_schedule(self) -> bool:
        """Whether the scheduler role is still ours, asked of the server; when it was lost, taken
        again if nobody else holds it. One line each time that changes."""
        try:
            holding = self.queue.take_role(ROLE)
        except DB_ERRORS:
            holding = False  # the server is away: nobody can hold the role anew; ask again next tick
        if holding != self._holding:
            logger.warning("%s: %s", self.name, "the scheduler role is ours again" if holding
                           else "lost the scheduler role (its PostgreSQL session ended); standing by")
            self._holding = holding
        return holding

    def wait_for_role(self, stop: threading.Event) -> bool:
        """Block until this process holds the scheduler role (True), or ``stop`` is set (False)."""
        said = False
        while not stop.is_set():
            if self.queue.take_role(ROLE):
                self._holding = True
                if said:
                    logger.warning("%s: the scheduler role is ours now", self.name)
                return True
            if not said:
                logger.warning("%s: another archiver run is the scheduler; standing by", self.name)
                said = True
            stop.wait(_STANDBY_POLL)
        return False
