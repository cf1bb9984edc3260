"""The PostgreSQL side of the index: a connection that speaks as ``sqlite3`` does to ``archiver.index``.

``PgConnection`` takes the index's SQLite statements, has :class:`Dialect` translate them once,
and runs them through psycopg 3 in autocommit mode; ``with conn:`` is one transaction, as with
``sqlite3``. Migrations are the index's own (``archiver.index.migrations``), applied under an
advisory lock so that workers starting together do not race.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

import psycopg
from sqlite_utils import Migrations

from archiver.engine.dialect import COMPATIBILITY_FUNCTIONS, Dialect, schema

logger = logging.getLogger(__name__)

#: Where applied migrations are recorded (sqlite-utils keeps ``_sqlite_migrations`` on SQLite).
_MIGRATIONS_TABLE = "_archiver_migrations"
#: ``pg_advisory_xact_lock`` key of the migrations (any fixed 64-bit number; "archiver" in ASCII).
_MIGRATION_LOCK = 0x6172636869766572
_CONNECT_TIMEOUT = 10  # seconds: a server that is down is reported, not waited on forever


class PgCursor:
    """The part of ``sqlite3.Cursor`` the index uses: rows, ``rowcount`` and ``lastrowid``."""

    def __init__(self, cursor: psycopg.Cursor[Any], returning: bool) -> None:
        self._cursor = cursor
        self.lastrowid: int | None = None
        self.rowcount = cursor.rowcount
        if returning:
            row = cursor.fetchone()
            self.lastrowid = int(row[0]) if row else None
            self.rowcount = 1 if row else 0

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._cursor.fetchone()

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._cursor.fetchall()

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self._cursor)


class PgConnection:
    """One PostgreSQL connection with ``sqlite3.Connection``'s ``execute``, ``executemany`` and
    ``with conn:`` (a transaction; nested ones join the outer). A broken connection (the server
    restarted) is opened again at the next statement outside a transaction."""

    def __init__(self, dsn: str, dialect: Dialect | None = None) -> None:
        self.dsn = dsn
        self.dialect = dialect or Dialect({})
        self._conn = _connect(dsn)
        self._transactions: list[AbstractContextManager[Any]] = []

    def _live(self) -> psycopg.Connection[Any]:
        if (self._conn.closed or self._conn.broken) and not self._transactions:
            logger.info("%s: connecting again", safe_dsn(self.dsn))
            self._conn = _connect(self.dsn)
        return self._conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> PgCursor:
        statement = self.dialect.statement(sql)
        cursor = self._live().execute(statement, tuple(params))  # translated once, cached
        return PgCursor(cursor, statement.endswith(" RETURNING id"))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> PgCursor:
        statement = self.dialect.statement(sql)
        cursor = self._live().cursor()
        cursor.executemany(statement, [tuple(r) for r in rows])
        return PgCursor(cursor, False)

    def raw(self, statement: str, params: Sequence[Any] = ()) -> PgCursor:
        """A PostgreSQL statement as written (locks, leases): no translation."""
        return PgCursor(self._live().execute(statement, tuple(params)), False)

    def __enter__(self) -> Self:
        tx = self._live().transaction() if not self._transactions else None
        if tx is not None:
            tx.__enter__()
            self._transactions.append(tx)
        else:
            self._transactions.append(self._transactions[-1])
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        tx = self._transactions.pop()
        if not self._transactions:
            tx.__exit__(kind, exc, tb)

    def close(self) -> None:
        self._conn.close()


class PgDatabase:
    """What ``archiver.index`` holds of a database: its writer connection (``conn``), ``execute`` and ``close``."""

    def __init__(self, dsn: str, migrations: Migrations) -> None:
        self.dsn = dsn
        self.conn = PgConnection(dsn)
        apply_migrations(self.conn, migrations)
        self.dialect = load_dialect(self.conn)
        self.conn.dialect = self.dialect

    def connect(self) -> PgConnection:
        """Another connection (a reading thread's), with the same dialect."""
        return PgConnection(self.dsn, self.dialect)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> PgCursor:
        return self.conn.execute(sql, params)

    def close(self) -> None:
        self.conn.close()


class _Schema:
    """The object a migration function receives: ``db.execute(ddl)`` in PostgreSQL's words."""

    def __init__(self, conn: PgConnection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        for statement in schema(sql):
            self._conn.raw(statement, params)


def apply_migrations(conn: PgConnection, migrations: Migrations) -> list[str]:
    """Apply the pending migrations, each with its record in one transaction. Returns their names."""
    applied: list[str] = []
    with conn:
        conn.raw("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        conn.raw(
            f"CREATE TABLE IF NOT EXISTS {_MIGRATIONS_TABLE} (migration_set TEXT NOT NULL, name TEXT NOT NULL, "
            "applied_at TEXT NOT NULL, PRIMARY KEY (migration_set, name))"
        )
        for statement in COMPATIBILITY_FUNCTIONS:
            conn.raw(statement)
        done = {r[0] for r in conn.raw(f"SELECT name FROM {_MIGRATIONS_TABLE} WHERE migration_set = %s",
                                        (migrations.name,)).fetchall()}
        # sqlite-utils keeps the registered migrations, in order, in ``_migrations`` (4.0); its
        # ``apply`` needs a SQLite database, so the loop is ours.
        for migration in migrations._migrations:
            if migration.name in done:
                continue
            migration.fn(_Schema(conn))  # type: ignore[arg-type]
            conn.raw(f"INSERT INTO {_MIGRATIONS_TABLE} (migration_set, name, applied_at) VALUES (%s, %s, %s)",
                     (migrations.name, migration.name, datetime.now(UTC).isoformat()))
            applied.append(migration.name)
    return applied


def load_dialect(conn: PgConnection) -> Dialect:
    """The dialect of this database: each table's primary key and serial ``id`` read from the catalog."""
    keys: dict[str, list[str]] = {}
    for table, column in conn.raw(
        "SELECT tc.table_name, kcu.column_name FROM information_schema.table_constraints tc "
        "JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name "
        "AND kcu.constraint_schema = tc.constraint_schema "
        "WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema() "
        "ORDER BY tc.table_name, kcu.ordinal_position"
    ).fetchall():
        keys.setdefault(table, []).append(column)
    serial = {
        r[0]: "id"
        for r in conn.raw(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND column_name = 'id' AND column_default LIKE 'nextval(%%'"
        ).fetchall()
    }
    return Dialect({t: tuple(c) for t, c in keys.items()}, serial=serial)


class SessionLock:
    """A PostgreSQL session advisory lock on ``key``, held on a connection of its own.

    The lock lasts as long as that one session (TCP keepalives on: a holder cut off by the network
    finds out rather than waits; the server lets the lock go when it sees the session end, and
    until then nobody else takes it — slow, never double): when the connection drops (a restart of the
    server, a network cut, ``pg_terminate_backend``) it is gone, and another process may take it.
    So the holder asks ``held()`` before each thing only the holder may do; it answers from the
    server (``pg_locks`` of this session), and False once the session is gone. The connection is
    never opened again behind the holder's back, as the index's own connections are.
    """

    def __init__(self, dsn: str, key: str) -> None:
        self.dsn, self.key = dsn, key
        self._conn: psycopg.Connection[Any] | None = None

    def acquire(self) -> bool:
        """Take the lock if no session holds it (True), or say that one does (False)."""
        if self.held():
            return True
        conn = psycopg.connect(self.dsn, autocommit=True, connect_timeout=_CONNECT_TIMEOUT, keepalives=1,
                               keepalives_idle=10, keepalives_interval=3, keepalives_count=3)
        try:
            row = conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (self.key,)).fetchone()
        except psycopg.Error:
            conn.close()
            raise
        if row and row[0]:
            self._conn = conn
            return True
        conn.close()
        return False

    def held(self) -> bool:
        """Whether this session still holds the lock, asked of the server."""
        if self._conn is None:
            return False
        try:
            row = self._conn.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()"
            ).fetchone()
        except psycopg.Error:
            row = None
        if row and row[0]:
            return True
        self.release()
        return False

    def release(self) -> None:
        """Let the lock go (its session ends)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()


def _connect(dsn: str) -> psycopg.Connection[Any]:
    return psycopg.connect(dsn, autocommit=True, connect_timeout=_CONNECT_TIMEOUT)


def safe_dsn(dsn: str) -> str:
    """The DSN without its password, for log lines."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "postgresql"
    return f"postgresql {info.get('user', '')}@{info.get('host', '')}:{info.get('port', '')}/{info.get('dbname', '')}"
