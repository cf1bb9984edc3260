"""The index's SQL, as written for SQLite, said in PostgreSQL's words.

Every SQL string of archiver is written once, in ``archiver.index``, in SQLite's dialect. For a
PostgreSQL index each statement passes through :class:`Dialect` once (the result is cached):
placeholders, ``INSERT OR IGNORE/REPLACE`` and the few column names PostgreSQL reserves. The schema
(the migrations' DDL) is translated the same way, with a ``rowid`` column added where SQLite has an
implicit one, so the schema and its migrations live in one place for both engines.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: Column names PostgreSQL reserves that the schema uses; quoted wherever they appear in lower case
#: (SQL keywords are written in upper case throughout ``archiver.index``).
_RESERVED_COLUMNS = ("offset",)
_RESERVED = re.compile(r"(?<![\w.\"])(" + "|".join(_RESERVED_COLUMNS) + r")(?![\w\"])")
_INSERT = re.compile(r"^\s*INSERT\s+OR\s+(IGNORE|REPLACE)\s+INTO\s+(\w+)\s*\(([^)]*)\)", re.DOTALL)
_INSERT_OR = re.compile(r"^\s*INSERT\s+OR\s+(?:IGNORE|REPLACE)\s+INTO")
_INSERT_INTO = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)")
_CREATE_TABLE = re.compile(r"^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)\s*\(", re.DOTALL)
#: SQLite column types as PostgreSQL spells them. INTEGER is 64-bit in SQLite (WARC offsets pass 2 GiB).
_TYPES = (
    (re.compile(r"\bINTEGER\s+PRIMARY\s+KEY(\s+AUTOINCREMENT)?\b"), "BIGSERIAL PRIMARY KEY"),
    (re.compile(r"\bINTEGER\b"), "BIGINT"),
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
    (re.compile(r"\bBLOB\b"), "BYTEA"),
)

#: SQLite functions the queries use that PostgreSQL lacks, defined once in each PostgreSQL index.
COMPATIBILITY_FUNCTIONS = (
    (
        "CREATE OR REPLACE FUNCTION julianday(text) RETURNS double precision LANGUAGE sql IMMUTABLE AS "
        "$$ SELECT extract(epoch FROM $1::timestamp) / 86400.0 + 2440587.5 $$"
    ),
)


def _params(sql: str) -> str:
    """``?`` placeholders as ``%s`` (a literal ``%`` doubled), outside quoted strings.

    >>> _params("SELECT a FROM t WHERE b LIKE ? AND c = '50%?'")
    "SELECT a FROM t WHERE b LIKE %s AND c = '50%%?'"
    """
    out, quoted = [], False
    for ch in sql:
        if ch == "'":
            quoted = not quoted
        if ch == "%":
            out.append("%%")
        elif ch == "?" and not quoted:
            out.append("%s")
        else:
            out.append(ch)
    return "".join(out)


class Dialect:
    """Translates the index's SQLite statements for PostgreSQL, knowing each table's key.

    >>> d = Dialect({"meta": ("key",)}, serial={"events": "id"})
    >>> d.statement("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)")
    'INSERT INTO meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value'
    >>> d.statement("INSERT OR IGNORE INTO events (url, type) VALUES (?, ?)")
    'INSERT INTO events (url, type) VALUES (%s, %s) ON CONFLICT DO NOTHING RETURNING id'
    """

    def __init__(self, primary_keys: Mapping[str, tuple[str, ...]], *, serial: Mapping[str, str] | None = None) -> None:
        self.primary_keys = dict(primary_keys)
        self.serial = dict(serial or {})
        self._cache: dict[str, str] = {}

    def statement(self, sql: str) -> str:
        """One DML or query statement (cached: the index's statements are a fixed set)."""
        done = self._cache.get(sql)
        if done is None:
            done = self._cache[sql] = self._translate(sql)
        return done

    def returns_id(self, sql: str) -> bool:
        """Whether the translated ``sql`` ends in ``RETURNING`` (an insert into a table with a serial id)."""
        return self.statement(sql).endswith(" RETURNING id")

    def _translate(self, sql: str) -> str:
        out = _RESERVED.sub(r'"\1"', _params(sql))
        m = _INSERT.match(out)
        if m:
            verb, table, columns = m.group(1), m.group(2), [c.strip() for c in m.group(3).split(",")]
            out = _INSERT_OR.sub("INSERT INTO", out, count=1)
            if verb == "IGNORE":
                out += " ON CONFLICT DO NOTHING"
            else:
                key = self.primary_keys.get(table)
                if not key:
                    raise ValueError(f"INSERT OR REPLACE into {table}: no primary key known")
                rest = [c for c in columns if c.strip('"') not in key]
                quoted = ", ".join(_RESERVED.sub(r'"\1"', k) for k in key)
                if rest:
                    sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in rest)
                    out += f" ON CONFLICT ({quoted}) DO UPDATE SET {sets}"
                else:
                    out += f" ON CONFLICT ({quoted}) DO NOTHING"
        into = _INSERT_INTO.match(out)
        if into and into.group(1) in self.serial and " SELECT " not in out.upper():
            out += f" RETURNING {self.serial[into.group(1)]}"
        return out


def schema(sql: str) -> list[str]:
    """One migration statement (DDL) as PostgreSQL statements.

    A created table without an integer key gets a ``rowid`` column, as SQLite gives it one
    (``ORDER BY rowid`` keeps insertion order on both engines).

    >>> schema("CREATE TABLE IF NOT EXISTS t (id TEXT PRIMARY KEY, n INTEGER, b BLOB)")
    ['CREATE TABLE IF NOT EXISTS t (id TEXT PRIMARY KEY, n BIGINT, b BYTEA)', 'ALTER TABLE t ADD COLUMN IF NOT EXISTS rowid BIGSERIAL']
    """
    out = _RESERVED.sub(r'"\1"', sql)
    for pattern, replacement in _TYPES:
        out = pattern.sub(replacement, out)
    statements = [out]
    m = _CREATE_TABLE.match(out)
    if m and "BIGSERIAL PRIMARY KEY" not in out:
        statements.append(f"ALTER TABLE {m.group(1)} ADD COLUMN IF NOT EXISTS rowid BIGSERIAL")
    return statements
