"""``archiver run`` on a shared index: the one scheduler, standing by wherever else it runs.

Several ``archiver run`` may be started (one per machine, for failover); one holds the scheduler
role (a PostgreSQL advisory lock) and imports watched folders, sends notifications and checks due
URLs; the others stand by, each saying so in one line, and the first to get the role when the
holder ends takes over. Its checks are leased like a worker's, so the scheduler and the workers
never check one URL twice.
"""

from __future__ import annotations

import logging
import threading

from archiver.models import UrlState
from archiver.worker.loop import WorkerArchive

logger = logging.getLogger(__name__)

ROLE = "archiver-scheduler"
_STANDBY_POLL = 5.0  # seconds between two tries for the role while another process holds it


class SchedulerArchive(WorkerArchive):
    """The scheduler's archive: a worker's (leases, its own WARC files, shared politeness) whose
    due URLs are taken by lease, so it and the workers share the work."""

    def due_states(self, limit: int) -> list[UrlState]:
        # A worker's batch, not the daemon's: the scheduler's leases are not renewed while it checks.
        urls = self._shared.lease_due(self.name, self.clock(), lease=self.config.index.lease,
                                      limit=min(limit, self.config.index.batch))
        return self._shared.url_states(urls)

    def wait_for_role(self, stop: threading.Event) -> bool:
        """Block until this process holds the scheduler role (True), or ``stop`` is set (False)."""
        said = False
        while not stop.is_set():
            if self._shared.try_role(ROLE):
                if said:
                    logger.warning("%s: the scheduler role is ours now", self.name)
                return True
            if not said:
                logger.warning("%s: another archiver run is the scheduler; standing by", self.name)
                said = True
            stop.wait(_STANDBY_POLL)
        return False
