"""The shared index's work queue: leases of due URLs, per-host politeness, the one-holder roles.

``Archive.work_queue(owner)`` hands it to a worker (``archiver worker``) or to the scheduler of a
shared index (``archiver run``), which reach the index through it and the ``Archive`` facade
only. Both engines answer it: on PostgreSQL a lease is taken ``FOR UPDATE SKIP LOCKED``, a host's
next start is reserved on the server's clock, a role is a session advisory lock; on SQLite (one
process) the same calls lease rows, reserve nothing and hold every role.
"""

from __future__ import annotations

from datetime import datetime

from archiver.engine.postgres import SessionLock
from archiver.index import Index


class WorkQueue:
    """The work-queue part of one index, as ``owner``.

    Made for a worker: from then on the index records a check only while ``owner`` holds the
    URL's lease, and releases the lease in the same transaction.
    """

    def __init__(self, index: Index, owner: str) -> None:
        self._index = index
        self.owner = owner
        index.lease_owner = owner
        self._roles: dict[str, SessionLock | None] = {}

    def lease_due(self, now: datetime, *, lease: float, limit: int) -> list[str]:
        """Take up to ``limit`` due URLs no live lease holds, for ``lease`` seconds, most overdue first."""
        return self._index.lease_due(self.owner, now, lease=lease, limit=limit)

    def release_leases(self) -> int:
        """Give back every lease this owner holds; how many."""
        return self._index.release_leases(self.owner)

    def extend_leases(self, now: datetime, *, lease: float) -> int:
        """Renew every lease this owner holds to ``now + lease``; how many."""
        return self._index.extend_leases(self.owner, now, lease=lease)

    def leased_count(self, now: datetime) -> int:
        """Live leases, of any owner."""
        return self._index.leased_count(now)

    def reserve_host_slot(self, host: str, delay: float) -> float:
        """Reserve the next request start to ``host`` among all workers; the seconds to wait first."""
        return self._index.reserve_host_slot(host, delay)

    def ping(self) -> None:
        """One trivial read: raises the engine's error when the index does not answer."""
        self._index.event_count()

    def take_role(self, role: str) -> bool:
        """Hold ``role`` (the scheduler of a shared index) if nobody does: True while this owner
        holds it. Asked again, it checks with the server that the hold still stands (a dropped
        connection loses it) and, when it was lost, tries to take it again."""
        if role not in self._roles:
            self._roles[role] = self._index.session_lock(role)
        lock = self._roles[role]
        return True if lock is None else lock.acquire()

    def close(self) -> None:
        """Let every role go."""
        for lock in self._roles.values():
            if lock is not None:
                lock.release()
        self._roles.clear()
