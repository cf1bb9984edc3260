"""``archiver migrate --to postgresql://…``: a SQLite index copied whole into PostgreSQL, then counted.

Every table the migrations made (URLs, citations, documents, captures, texts, events, probes,
meta, seals, requisites, screenshots, templates) is copied row for row with COPY, in one
transaction, keeping ids and insertion order (``rowid``); the serial counters are moved past the
copied ids. Then each table is counted on both sides: a difference is an error naming the table.
The WARC files stay where they are (the data directory becomes the workers' shared storage).
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from archiver.engine import DB_ERRORS, error_line, parse_index_url
from archiver.engine.postgres import safe_dsn
from archiver.errors import StoreError
from archiver.index import Index

logger = logging.getLogger(__name__)

#: SQLite's own tables and the migrations' bookkeeping (PostgreSQL keeps its own).
_SKIP = {"sqlite_sequence", "_sqlite_migrations", "captures_rebuild"}


@dataclass(frozen=True, slots=True)
class TableCopy:
    """One table's rows in the SQLite index and, after the copy, in PostgreSQL."""

    table: str
    source: int
    copied: int

    @property
    def whole(self) -> bool:
        return self.source == self.copied


def migrate_index(source: Path, dsn: str) -> list[TableCopy]:
    """Copy the SQLite index at ``source`` into the (empty) PostgreSQL database ``dsn``; count each table.

    Raises ``StoreError`` with one line: the source or target cannot be opened, the target already
    holds an archive, or a table's counts differ after the copy (the copy is then rolled back).
    """
    if parse_index_url(dsn, source.parent).engine != "postgresql":
        raise StoreError(f"{dsn}: migrate --to needs a postgresql:// url")
    if not source.is_file():
        raise StoreError(f"{source}: no SQLite index to migrate")
    Index(source).close()  # brings the SQLite index to the latest migration first
    Index(parse_index_url(dsn, source.parent)).close()  # the same schema in PostgreSQL
    where = safe_dsn(dsn)
    lite = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        with psycopg.connect(dsn) as pg:  # one transaction: committed only when every table counts
            tables = _tables(lite)
            for table in tables:
                if pg.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0]:  # type: ignore[index]
                    raise StoreError(f"{where}: table {table} already holds rows; migrate into an empty database")
            copies = [_copy_table(lite, pg, table) for table in tables]
            short = [c for c in copies if not c.whole]
            if short:
                pg.rollback()
                raise StoreError(f"{where}: counts differ after the copy: "
                                 + ", ".join(f"{c.table} {c.source} in SQLite, {c.copied} copied" for c in short))
    except DB_ERRORS as exc:
        raise StoreError(f"{where}: migration failed, nothing kept: {error_line(exc)}") from None
    finally:
        lite.close()
    return copies


def _tables(lite: sqlite3.Connection) -> list[str]:
    rows = lite.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall()
    return [r[0] for r in rows if r[0] not in _SKIP]


def _pg_columns(pg: psycopg.Connection[Any], table: str) -> set[str]:
    rows = pg.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                      "AND table_name = %s", (table,)).fetchall()
    return {str(r[0]) for r in rows}


def _copy_table(lite: sqlite3.Connection, pg: psycopg.Connection[Any], table: str) -> TableCopy:
    columns = [r[1] for r in lite.execute(f"PRAGMA table_info({table})")]
    target = _pg_columns(pg, table)
    missing = [c for c in columns if c not in target]
    if missing:
        raise StoreError(f"{table}: columns {missing} have no place in PostgreSQL (is the schema older?)")
    with_rowid = "rowid" in target and "rowid" not in columns
    select = ", ".join((["rowid"] if with_rowid else []) + columns)
    names = (["rowid"] if with_rowid else []) + columns
    quoted = ", ".join(f'"{c}"' for c in names)
    source = int(lite.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    with pg.cursor().copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
        for row in lite.execute(f"SELECT {select} FROM {table} ORDER BY rowid"):
            copy.write_row(row)
    for serial in ("id", "rowid"):  # the next row gets an id past the copied ones
        sequence = pg.execute("SELECT pg_get_serial_sequence(%s, %s)", (table, serial)).fetchone() if serial in target else None
        if sequence and sequence[0]:
            pg.execute(f"SELECT setval(%s, coalesce((SELECT max({serial}) FROM {table}), 0) + 1, false)", (sequence[0],))
    copied = int(pg.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]
    logger.info("%s: %d rows copied", table, copied)
    return TableCopy(table, source, copied)
