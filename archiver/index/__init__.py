"""The index (SQLite through sqlite-utils, or PostgreSQL): watched URLs, citations, captures, texts, events, probes.

Schema is created and evolved only by the migrations (``schema``). Every SQL string of archiver
lives in this package, behind named queries (``due_urls``, ``latest_capture``, ``events_since``…).
The WARC files are the source of truth; captures can be rebuilt from them (``Archive.rebuild_index``).
Times are stored as fixed-width UTC ISO strings, so they compare as text.

The package, by what it does: ``schema`` (the migrations), ``rows`` (rows as records),
``connection`` (opening it), ``reads`` (named queries), ``writes`` (URLs and commits of checks);
the work queue of ``archiver worker`` (leases, shared politeness) is here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from archiver.engine.postgres import PgConnection, PgDatabase, SessionLock
from archiver.index.rows import CheckRecord, from_db_time, text_from_blob, text_to_blob, to_db_time
from archiver.index.schema import migrations
from archiver.index.writes import IndexWrites

__all__ = ["CheckRecord", "Index", "from_db_time", "migrations", "text_from_blob", "text_to_blob", "to_db_time"]


class Index(IndexWrites):
    """The index of one archive, in SQLite or PostgreSQL. One writer thread; reads from any thread."""

    # -- work leases and shared politeness (archiver worker) --------------------------------

    def lease_due(self, owner: str, now: datetime, *, lease: float, limit: int) -> list[str]:
        """Take up to ``limit`` due URLs no live lease holds, for ``lease`` seconds, most overdue first.

        On PostgreSQL the rows are picked ``FOR UPDATE SKIP LOCKED``, so workers taking at the
        same moment never take the same URL and never wait on each other.
        """
        t, until = to_db_time(now), to_db_time(now + timedelta(seconds=lease))
        self.fold_log()  # leases read urls.next_due: no check of this index is left in the log
        conn = self.db.conn
        pick = ("SELECT url FROM urls WHERE next_due IS NOT NULL AND next_due <= ? "
                "AND (lease_expires IS NULL OR lease_expires < ?) ORDER BY next_due LIMIT ?")
        with conn:
            if isinstance(conn, PgConnection):
                rows = conn.raw(
                    "UPDATE urls SET lease_owner = %s, lease_expires = %s WHERE url IN ("
                    + pick.replace("?", "%s") + " FOR UPDATE SKIP LOCKED) RETURNING url, next_due",
                    (owner, until, t, t, limit),
                ).fetchall()
            else:
                rows = conn.execute(
                    f"UPDATE urls SET lease_owner = ?, lease_expires = ? WHERE url IN ({pick}) RETURNING url, next_due",
                    (owner, until, t, t, limit),
                ).fetchall()
        return [r[0] for r in sorted(rows, key=lambda r: r[1])]

    def release_leases(self, owner: str) -> int:
        """Give back every lease ``owner`` holds (a worker stopping cleanly); returns how many."""
        with self.db.conn as conn:
            return int(conn.execute("UPDATE urls SET lease_owner = NULL, lease_expires = NULL WHERE lease_owner = ?",
                                    (owner,)).rowcount)

    def extend_leases(self, owner: str, now: datetime, *, lease: float) -> int:
        """Renew every lease ``owner`` holds to ``now + lease`` (a batch still running); returns how many.

        On the calling thread's own connection, so it never joins a transaction the writer has open.
        """
        with self._conn() as conn:
            return int(conn.execute("UPDATE urls SET lease_expires = ? WHERE lease_owner = ?",
                                    (to_db_time(now + timedelta(seconds=lease)), owner)).rowcount)

    def reserve_host_slot(self, host: str, delay: float) -> float:
        """Reserve the next request start to ``host`` among all workers; returns the seconds to wait.

        The server's clock decides (``statement_timestamp()``), so machines whose clocks differ still
        keep ``delay`` between two starts. On SQLite (one process) the local throttle is enough: 0.
        """
        conn = self._conn()
        if not isinstance(conn, PgConnection):
            return 0.0
        row = conn.raw(
            "INSERT INTO host_slots AS h (host, next_allowed) VALUES (%s, extract(epoch FROM statement_timestamp()) + %s) "
            "ON CONFLICT (host) DO UPDATE SET next_allowed = "
            "greatest(h.next_allowed, extract(epoch FROM statement_timestamp())) + %s "
            "RETURNING next_allowed - %s - extract(epoch FROM statement_timestamp())",
            (host, delay, delay, delay),
        ).fetchone()
        return max(0.0, float(row[0])) if row else 0.0

    def session_lock(self, key: str) -> SessionLock | None:
        """A lock one process at a time holds among all that share this index (the scheduler role),
        on a connection of its own (``SessionLock``); None on SQLite, where the data directory's
        lock already makes its holder the only one."""
        return SessionLock(self.db.dsn, key) if isinstance(self.db, PgDatabase) else None
