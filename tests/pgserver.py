"""A real PostgreSQL server for the tests: initdb into a temp folder, started on a free loopback port.

PostgreSQL refuses to run as root, and CI runs as root: there the server runs as the ``postgres``
user (``runuser -u postgres -- …``), in a folder that user owns. Debian's ``postgresql`` package
puts the binaries in ``/usr/lib/postgresql/<version>/bin`` (scripts/test.sh installs it).
Each test gets a database of its own (``PgServer.new_database``).
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    """One PostgreSQL cluster in a temp folder; ``stop``/``start`` again for the fault tests."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.sockets = root / "sockets"
        self.log = root / "server.log"
        self.port = _free_port()
        self._as_postgres = os.geteuid() == 0
        self._names = itertools.count(1)
        initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
        if not initdb or not pg_ctl:
            raise RuntimeError("PostgreSQL's initdb and pg_ctl not found (scripts/test.sh installs Debian's postgresql)")
        self._pg_ctl = pg_ctl
        root.chmod(0o755)
        for folder in (self.data, self.sockets):
            folder.mkdir()
        self.log.touch()
        if self._as_postgres:
            for path in (self.data, self.sockets, self.log):
                shutil.chown(path, "postgres", "postgres")
        self.data.chmod(0o700)
        self._run([initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync",
                   "--locale=C"])

    def _run(self, argv: list[str]) -> None:
        if self._as_postgres:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        done = subprocess.run(argv, check=False, capture_output=True, text=True, cwd=self.root)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed: {done.stderr.strip()} {self.log.read_text()[-2000:]}")

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run([self._pg_ctl, "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", options, "start"])

    def stop(self) -> None:
        self._run([self._pg_ctl, "-D", str(self.data), "-w", "-m", "fast", "stop"])

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; returns its URL."""
        name = f"t{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    root = Path(tempfile.mkdtemp(prefix="archiver-pg-"))
    server = PgServer(root)
    server.start()
    try:
        yield server
    finally:
        try:
            server.stop()
        finally:
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """A fresh PostgreSQL database for one test."""
    return pg_server.new_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def index_url(request: pytest.FixtureRequest) -> str:
    """The ``[index] url`` of a test run on both engines: "" (SQLite in the data dir) or a fresh database."""
    if request.param == "sqlite":
        return ""
    return str(request.getfixturevalue("pg_url"))
