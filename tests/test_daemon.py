"""``archiver run`` as a real subprocess against a real local site: schedule, shutdown, crashes.

Each test starts ``python -m archiver ... run`` with the proxy variables removed from its
environment, then polls the SQLite index (a fresh connection each time) under a deadline. The
only timing assertion is a lower bound: after a 429 with ``Retry-After: 3``, the site sees no
request for about three seconds. Everything else is a property of the files left behind.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import warc_files, warcio_check
from warcio.archiveiterator import ArchiveIterator

from archiver.archive import Archive
from archiver.cli import cli
from archiver.config import load_config
from archiver.models import capture_id

DEADLINE = 30.0  # seconds any one awaited state may take on a loaded 2-core machine
_PROXY_VARS = {"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"}

Route = Callable[[BaseHTTPRequestHandler], None]


class Site:
    """A threaded HTTP server on 127.0.0.1 that records when each request arrived."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[tuple[float, str]] = []  # (time.monotonic(), path)
        self.lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with site.lock:
                    site.hits.append((time.monotonic(), self.path))
                route = site.routes.get(self.path)
                if route is None:
                    send(self, 404, b"not found")
                else:
                    route(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def times(self, path: str | None = None) -> list[float]:
        with self.lock:
            return [t for t, p in self.hits if path is None or p == path]


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def page(text: str) -> Route:
    body = f"<html><head><title>{text}</title></head><body><article><p>{text}</p></article></body></html>".encode()
    return lambda h: send(h, 200, body)


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site()
    s.thread.start()
    yield s
    s.server.shutdown()
    s.server.server_close()


def write_config(path: Path, *, extra: str = "", check: str = "per_host_delay = 0.05") -> Path:
    path.write_text(
        "[schedule]\ntick = 0.2\nsummary_every = 5\n" + extra
        + f"\n[check]\nworkers = 4\n{check}\n"
        + "\n[detect]\nsoft404_probe = false\n"
        + "\n[fetch]\nallow_private = true\nconnect_timeout = 5\nread_timeout = 10\ndeadline = 30\n"
    )
    return path


def child_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.upper() not in _PROXY_VARS and not k.startswith("ARCHIVER_")}


class Run:
    """One ``archiver run`` subprocess with its log file."""

    def __init__(self, tmp: Path, data: Path, config: Path, name: str = "run") -> None:
        self.log = tmp / f"{name}.log"
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "archiver", "--data", str(data), "--config", str(config), "run"],
                stdout=log, stderr=subprocess.STDOUT, env=child_env(), cwd=tmp,
            )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(DEADLINE)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            pytest.fail(f"the daemon did not stop within {DEADLINE}s; log:\n{self.text()}")


@pytest.fixture
def runs() -> Iterator[list[Run]]:
    started: list[Run] = []
    yield started
    for run in started:  # a failed test must not leave a daemon behind
        if run.proc.poll() is None:
            run.proc.kill()
            run.proc.wait()


def query(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """A fresh connection per query: what another process sees, not what a cache remembers."""
    if not db.exists():
        return []
    with closing(sqlite3.connect(db, timeout=10)) as conn:
        try:
            return conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError:  # tables not created yet
            return []


def captures_of(db: Path, url: str) -> int:
    rows = query(db, "SELECT count(*) FROM captures WHERE url = ?", (url,))
    return int(rows[0][0]) if rows else 0


def wait_for(what: str, predicate: Callable[[], bool], run: Run, timeout: float = DEADLINE) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if run.proc.poll() is not None:
            pytest.fail(f"the daemon exited ({run.proc.returncode}) while waiting for {what}; log:\n{run.text()}")
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout}s waiting for {what}; log:\n{run.text()}")


def register(data: Path, config: Path, urls: list[str], every: float | None = 1.0) -> None:
    with Archive(data, load_config(config)) as archive:
        archive.add(urls, every=every)


def archiver(data: Path, config: Path, *args: str) -> Result:
    """Another archiver command while the daemon runs (in process: the lock is per process anyway)."""
    return CliRunner().invoke(cli, ["--data", str(data), "--config", str(config), *args])


def found_after_crash(*logs: str) -> int:
    """How many captures a start-up found in the WARC files but not in the index (its log line)."""
    return sum(int(n) for log in logs for n in re.findall(r"(\d+) captures found in the WARC files", log))


def assert_consistent(data: Path, urls: list[str], *, found: int = 0) -> None:
    """Index and WARC files agree after any stop: every row reads back, nothing lost or doubled.

    ``found``: the captures a start-up indexed from the WARC files after a crash. ``checks``
    counts the checks whose verdict was recorded, and those were never judged (README "Data
    layout"), so they are the only capture rows without a recorded check."""
    db = data / "index.db"
    assert warcio_check(warc_files(data)) == 0
    rows = query(db, "SELECT id, url, warc_file, warc_offset FROM captures")
    assert rows, "no captures at all"
    for cid, url, warc_file, offset in rows:
        with (data / "warcs" / warc_file).open("rb") as fh:
            fh.seek(offset)
            record = next(iter(ArchiveIterator(fh)))
            assert capture_id(record.rec_headers.get_header("WARC-Record-ID")) == cid, (url, warc_file, offset)
    assert sorted(r[0] for r in query(db, "SELECT url FROM urls")) == sorted(urls)
    # A check is one transaction: its capture row and its URL's counters commit together.
    unjudged = 0
    for url, checks, next_due, last_capture in query(db, "SELECT url, checks, next_due, last_capture FROM urls"):
        assert checks <= captures_of(db, url), url
        unjudged += captures_of(db, url) - checks
        assert next_due is not None, url
        assert last_capture is None or query(db, "SELECT 1 FROM captures WHERE id = ?", (last_capture,)), url
    assert unjudged == found
    assert query(db, "SELECT capture, type FROM events GROUP BY capture, type HAVING count(*) > 1") == []
    assert query(db, "SELECT id FROM events WHERE capture NOT IN (SELECT id FROM captures)") == []


# --------------------------------------------------------------------------- the tests


def test_run_checks_on_schedule_refuses_a_second_writer_and_stops_on_sigterm(
    tmp_path: Path, site: Site, runs: list[Run]
) -> None:
    site.routes["/a"] = page("Poll: 41% approve")
    site.routes["/b"] = page("Budget up 3%")
    data, config = tmp_path / "data", write_config(tmp_path / "config.toml")
    urls = [site.url("/a"), site.url("/b")]
    register(data, config, urls)
    db = data / "index.db"

    runs.append(run := Run(tmp_path, data, config))
    wait_for("two captures of /a (interval 1s)", lambda: captures_of(db, urls[0]) >= 2, run)

    second = archiver(data, config, "run")
    assert second.exit_code == 1
    assert f"in use by archiver run (pid {run.proc.pid})" in second.output
    check = archiver(data, config, "check", "--all")
    assert check.exit_code == 1 and f"archiver run (pid {run.proc.pid})" in check.output
    status = archiver(data, config, "status")
    assert status.exit_code == 0, status.output
    assert f"running (pid {run.proc.pid})" in status.output

    assert run.stop(signal.SIGTERM) == 0
    log = run.text()
    assert f"check {urls[0]} outcome=ok status=200" in log  # one INFO line per check, shown by default
    assert "daemon stopped" in log
    assert query(db, "SELECT value FROM meta WHERE key = 'daemon.pid'") == [(str(run.proc.pid),)]
    assert query(db, "SELECT value FROM meta WHERE key = 'daemon.stopped_at'")[0][0]
    assert_consistent(data, urls)
    assert "not running" in archiver(data, config, "status").output


def test_sigterm_lets_the_capture_in_flight_finish(tmp_path: Path, site: Site, runs: list[Run]) -> None:
    answering = threading.Event()

    def slow(h: BaseHTTPRequestHandler) -> None:
        body = b"<html><body><p>" + b"slow news " * 2000 + b"</p></body></html>"
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        answering.set()
        for i in range(0, len(body), 1000):  # about two seconds for the whole body
            h.wfile.write(body[i : i + 1000])
            time.sleep(0.1)

    site.routes["/slow"] = slow
    data, config = tmp_path / "data", write_config(tmp_path / "config.toml")
    register(data, config, [site.url("/slow")], every=3600)
    runs.append(run := Run(tmp_path, data, config))
    wait_for("the slow response to start", answering.is_set, run)
    assert run.stop(signal.SIGTERM) == 0
    rows = query(data / "index.db", "SELECT status, truncated FROM captures WHERE url = ?", (site.url("/slow"),))
    assert rows == [(200, 0)], run.text()
    assert_consistent(data, [site.url("/slow")])


def test_kill_9_mid_capture_then_restart_loses_and_doubles_nothing(tmp_path: Path, site: Site, runs: list[Run]) -> None:
    size, chunk = 4 * 1024 * 1024, 64 * 1024
    requests_for_big: list[threading.Event] = []  # one per request, set once its body is half a MB in

    def big(h: BaseHTTPRequestHandler) -> None:
        streaming = threading.Event()
        requests_for_big.append(streaming)
        h.send_response(200)
        h.send_header("Content-Type", "text/plain")
        h.send_header("Content-Length", str(size))
        h.end_headers()
        try:
            for i in range(size // chunk):
                h.wfile.write(b"%-65535d\n" % i)
                if i == 8:
                    streaming.set()
                time.sleep(0.01)
        except OSError:
            pass  # the daemon died mid-body

    site.routes["/big"] = big
    site.routes["/a"] = page("Alpha")
    site.routes["/b"] = page("Beta")
    data, config = tmp_path / "data", write_config(tmp_path / "config.toml")
    urls = [site.url("/big"), site.url("/a"), site.url("/b")]
    register(data, config, urls)
    db = data / "index.db"

    runs.append(first := Run(tmp_path, data, config, "first"))
    wait_for("a first batch committed", lambda: all(captures_of(db, u) >= 1 for u in urls), first)
    wait_for("the big body streaming again", lambda: len(requests_for_big) >= 2 and requests_for_big[1].is_set(), first)
    assert first.stop(signal.SIGKILL) == -signal.SIGKILL  # in the middle of the second big response
    committed = {r[0] for r in query(db, "SELECT id FROM captures")}

    # A torn record at the end of the newest file, as a crash in the middle of a write leaves it.
    newest = warc_files(data)[-1]
    with newest.open("ab") as fh:
        fh.write(newest.read_bytes()[:300])  # the start of a gzip member, cut short

    runs.append(second := Run(tmp_path, data, config, "second"))
    wait_for("new captures of every URL", lambda: all(captures_of(db, u) >= 2 for u in urls), second)
    assert second.stop(signal.SIGTERM) == 0
    assert f"{newest.name}: torn record cut off" in second.text()  # repaired at start-up, before any tick
    assert committed <= {r[0] for r in query(db, "SELECT id FROM captures")}
    assert query(db, "SELECT count(*) FROM captures WHERE url = ? AND (status != 200 OR truncated)", (urls[0],)) == [(0,)]
    assert_consistent(data, urls, found=found_after_crash(second.text()))


def test_retry_after_defers_the_whole_host(tmp_path: Path, site: Site, runs: list[Run]) -> None:
    limited = {"n": 0}

    def rate_limited(h: BaseHTTPRequestHandler) -> None:
        limited["n"] += 1
        if limited["n"] == 1:
            send(h, 429, b"slow down", {"Retry-After": "3"})
        else:
            page("Fine now")(h)

    site.routes["/limited"] = rate_limited
    site.routes["/other"] = page("Other page on the same host")
    data = tmp_path / "data"
    # One request at a time per host, so no request is already on the wire when the 429 arrives.
    config = write_config(tmp_path / "config.toml", check="per_host_delay = 0.2\nper_host_concurrency = 1")
    register(data, config, [site.url("/limited"), site.url("/other")])

    runs.append(run := Run(tmp_path, data, config))
    wait_for("the 429", lambda: bool(site.times("/limited")), run)
    wait_for("two more requests to the host", lambda: len([t for t in site.times() if t > site.times("/limited")[0]]) >= 2, run)
    assert run.stop() == 0

    t429 = site.times("/limited")[0]
    later = [t - t429 for t in site.times() if t > t429]
    assert min(later) >= 2.9, f"requests {later} s after a Retry-After: 3"
    assert site.times("/limited")[1] - t429 >= 2.9
    assert "deferring requests to 127.0.0.1" in run.text()


def test_a_document_dropped_into_a_watched_folder_gets_captured(tmp_path: Path, site: Site, runs: list[Run]) -> None:
    site.routes["/cited"] = page("The cited source")
    docs = tmp_path / "articles"
    docs.mkdir()
    data = tmp_path / "data"
    config = write_config(tmp_path / "config.toml", extra=f"watch_dirs = [{str(docs)!r}]\n")
    db = data / "index.db"

    runs.append(run := Run(tmp_path, data, config))
    wait_for("the first tick", lambda: bool(query(db, "SELECT 1 FROM meta WHERE key = 'daemon.last_tick'")), run)
    draft = docs / "story.md.partial"  # written elsewhere, then renamed in: never read half-written
    draft.write_text(f"# Story\n\nAs [the report]({site.url('/cited')}) says, it rose.\n")
    draft.rename(docs / "story.md")

    wait_for("a capture of the cited URL", lambda: captures_of(db, site.url("/cited")) >= 1, run)
    assert run.stop() == 0
    assert query(db, "SELECT path FROM documents") == [(str(docs / "story.md"),)]
    assert f"imported {docs / 'story.md'}" in run.text()
    assert_consistent(data, [site.url("/cited")])
