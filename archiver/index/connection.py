"""The index's connections: the writer's (opening, migrating, a read-only fallback) and each
reading thread's own, on SQLite or PostgreSQL.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from archiver.engine import DB_ERRORS, IndexUrl, error_line
from archiver.engine.postgres import PgDatabase, safe_dsn
from archiver.errors import StoreError
from archiver.index.checklog import IdCache, with_ukey
from archiver.index.schema import migrations

logger = logging.getLogger(__name__)


class IndexBase:
    """An open index: its engine, the writer's connection and the reading threads' connections."""

    def __init__(self, path: Path | IndexUrl) -> None:
        where = path if isinstance(path, IndexUrl) else IndexUrl("sqlite", path=Path(path))
        self.engine = where.engine
        self._local = threading.local()
        self._readers: list[tuple[threading.Thread, Any]] = []  # reading threads' connections
        self._readers_lock = threading.Lock()
        #: Set on a worker (``archiver worker``): a check is recorded only while this worker holds
        #: the URL's lease, and recording it releases the lease in the same transaction.
        self.lease_owner: str | None = None
        self.read_only = False
        self._uri: str | None = None  # set when the index could only be opened for reading
        #: Unchanged re-checks go to the check log (``checklog``), folded every this many; 0: off.
        #: SQLite only (``[index] check_log``, experimental).
        self.check_log_fold = 0
        self._log = False  # whether reads overlay the check log (SQLite, once migrated)
        self._log_rows = 0  # rows this writer knows in the log (when to fold)
        self._log_ids = IdCache()
        self._closed = False
        if where.dsn is not None:
            self._open_postgres(where.dsn)
            return
        assert where.path is not None
        self.path = where.path
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a file in the path, a read-only mount, no permission: one line
            raise StoreError(f"{self.path.parent}: cannot open the data directory: {exc.strerror or exc}") from None
        try:
            self.db = Database(self.path)
            self.db.enable_wal()
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA busy_timeout=30000")
            migrations.apply(self.db)
        except sqlite3.OperationalError as exc:
            # A data directory one may read but not write (a read-only mount, another user's
            # archive): readers (list, report, cite, serve) still work; a write says why it cannot.
            if not os.path.isfile(self.path) or not _cannot_write(exc):  # isfile: False on EACCES too
                raise StoreError(f"{self.path}: cannot open the index: {exc}") from None
            self.db = self._open_read_only(exc)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot open the index: {exc}") from None
        with_ukey(self.db.conn)
        self._log = bool(self.db.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'check_log'").fetchone())
        if self._log:
            self._log_rows = int(self.db.conn.execute("SELECT count(*) FROM check_log").fetchone()[0])
        self._local.conn = self.db.conn
        self._owner = threading.get_ident()

    # -- connections ------------------------------------------------------------------------

    def _open_postgres(self, dsn: str) -> None:
        """A shared index in PostgreSQL: the same schema, migrated under an advisory lock."""
        self.path = Path(safe_dsn(dsn))  # names the index in messages (no password)
        try:
            self.db = PgDatabase(dsn, migrations)  # type: ignore[assignment]
        except DB_ERRORS as exc:
            raise StoreError(f"{safe_dsn(dsn)}: cannot open the index: {error_line(exc)}") from None
        self._local.conn = self.db.conn
        self._owner = threading.get_ident()

    def _open_read_only(self, why: sqlite3.Error) -> Database:
        """The index opened for reading only: ``mode=ro`` while a writer may still append to its
        WAL, else ``immutable`` when not even the WAL's shared-memory file can be made."""
        with contextlib.suppress(sqlite3.Error):
            self.db.close()
        for mode in ("mode=ro", "immutable=1"):
            uri = f"{self.path.resolve().as_uri()}?{mode}"
            try:
                conn = sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.Error:
                continue
            logger.info("%s: opened read-only (%s)", self.path, why)
            self.read_only, self._uri = True, uri
            return Database(conn)
        raise StoreError(f"{self.path}: cannot open the index, not even to read it: {why}")

    def _conn(self) -> sqlite3.Connection:
        """This thread's connection (the owner's for writes; a read connection elsewhere)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._new_reader()
            self._local.conn = conn
        return conn

    def _new_reader(self) -> Any:
        """A connection for a reading thread: sqlite3's, or a ``PgConnection`` that speaks like one.

        A PostgreSQL connection of a thread that has ended is handed to the next new thread: the
        checker's pool is new for every batch, and a server has a bounded number of connections.
        """
        me = threading.current_thread()
        if isinstance(self.db, PgDatabase):
            with self._readers_lock:
                for i, (thread, conn) in enumerate(self._readers):
                    if not thread.is_alive():
                        self._readers[i] = (me, conn)
                        return conn
                conn = self.db.connect()
                self._readers.append((me, conn))
                return conn
        conn = self._new_sqlite_reader()
        with self._readers_lock:
            self._readers.append((me, conn))
        return conn

    def _new_sqlite_reader(self) -> sqlite3.Connection:
        if self._uri is not None:
            conn = sqlite3.connect(self._uri, uri=True, timeout=30, check_same_thread=False)
        else:
            conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=30000")
        with_ukey(conn)
        return conn

    def _overlaid(self) -> bool:
        """Whether reads overlay the check log: on SQLite, while this writer logs checks or the log
        holds any (written by another process, or left by a run with ``check_log`` on)."""
        return self._log and (self.check_log_fold > 0 or bool(self._q("SELECT 1 FROM check_log LIMIT 1")))

    def _q(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._conn().execute(sql, params).fetchall()

    def close(self) -> None:
        for _, conn in self._readers:
            conn.close()
        self.db.close()



def _cannot_write(exc: sqlite3.OperationalError) -> bool:
    """Whether SQLite refused because the file or its folder may not be written."""
    text = str(exc).lower()
    return "readonly" in text or "read-only" in text or "unable to open" in text or "disk i/o" in text


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
