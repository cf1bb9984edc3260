"""The index's engine, named by ``[index] url``: SQLite (one machine, the default) or PostgreSQL (shared).

``sqlite:///path/index.db`` (or an empty url: ``<data dir>/index.db``, as always) and
``postgresql://user@host:port/db``. ``archiver.index.Index`` runs on either: its statements are
written once, and ``archiver.engine.dialect`` says them in PostgreSQL's words.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import psycopg

from archiver.errors import ConfigError

#: Errors either engine raises for a statement that failed (the index maps them to ``StoreError``).
DB_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, psycopg.Error)
#: Errors that mean the server could not be reached (workers pause and retry on these).
UNREACHABLE: tuple[type[Exception], ...] = (psycopg.OperationalError, psycopg.InterfaceError)


@dataclass(frozen=True, slots=True)
class IndexUrl:
    """Where the index lives: a SQLite file, or a PostgreSQL database (``dsn``)."""

    engine: str  # "sqlite" | "postgresql"
    path: Path | None = None
    dsn: str | None = None

    @property
    def shared(self) -> bool:
        """Whether several machines may share this index (workers, a scheduler in several places)."""
        return self.engine == "postgresql"


def parse_index_url(url: str, data_dir: Path) -> IndexUrl:
    """The index named by ``url`` (the config's ``[index] url``), relative to ``data_dir``.

    >>> parse_index_url("", Path("snapshots"))
    IndexUrl(engine='sqlite', path=PosixPath('snapshots/index.db'), dsn=None)
    >>> parse_index_url("sqlite:////srv/a/index.db", Path("x")).path
    PosixPath('/srv/a/index.db')
    >>> parse_index_url("postgresql://archiver@db.example/archive", Path("x")).engine
    'postgresql'
    """
    url = url.strip()
    if not url:
        return IndexUrl("sqlite", path=data_dir / "index.db")
    if url.startswith("sqlite:///"):
        rest = url.removeprefix("sqlite:///")
        if not rest:
            raise ConfigError(f"index url {url!r}: no file after sqlite:///")
        return IndexUrl("sqlite", path=Path(rest))
    if url.startswith(("postgresql://", "postgres://")):
        return IndexUrl("postgresql", dsn=url)
    raise ConfigError(f"index url {url!r}: expected sqlite:///PATH or postgresql://USER@HOST/DB")


def error_line(exc: BaseException) -> str:
    """An engine's error message on one line (libpq's span several: "…refused\\n\\tIs the server running…").

    >>> error_line(ValueError("connection refused\\n\\tIs the server running?"))
    'connection refused Is the server running?'
    """
    return " ".join(str(exc).split())
