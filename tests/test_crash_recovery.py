"""Issue 15, points 2 and 3: nothing in the WARCs is missing from the index after a crash, and no
check vanishes, whatever the server sends.

Real processes, killed for real: ``archiver check --all`` runs against a raw-socket server on
127.0.0.1 and is sent SIGKILL part-way through, again and again; ``archiver rebuild-index`` too.
After each kill the next writer starts, and every capture whose records are whole in a WARC file
must have its row in the index. The kill points are chosen by how much WARC has been written (the
only wait is for the child to get that far); no assertion depends on timing.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from servers import Server
from warcio.archiveiterator import ArchiveIterator

from archiver.archive import Archive
from archiver.config import Config, FetchConfig
from archiver.fetch import Fetcher
from archiver.models import Outcome, capture_id
from archiver.warcstore import WarcStore

PAGES, UTF8, V6 = 300, 10, 10
CONFIG = """\
[check]
workers = 8
per_host_delay = 0
per_host_concurrency = 8
[detect]
soft404_probe = false
"""


def site(server: Server, conn: socket.socket) -> None:
    """Small pages, and two kinds of redirect the campaign found fatal: a raw UTF-8 ``Location``
    and a broken IPv6 literal."""
    head = server.read_request(conn)
    if head is None:
        return
    path = head.split(b" ", 2)[1]
    if path.startswith(b"/utf8-"):
        reply = b"HTTP/1.1 302 Found\r\nLocation: /\xc3\xbcn\xc3\xafcode-ok\r\nContent-Length: 0\r\n"
    elif path.startswith(b"/v6-"):
        reply = b"HTTP/1.1 302 Found\r\nLocation: http://[::1\r\nContent-Length: 0\r\n"
    else:
        body = b"<html><head><title>Page</title></head><body><article><p>Page %s, a source.</p></article></body></html>" % path
        reply = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\n" % len(body)
        reply += b"Connection: close\r\n\r\n" + body
        conn.sendall(reply)
        return
    conn.sendall(reply + b"Connection: close\r\n\r\n")


def archiver(data: Path, config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "archiver", "--config", str(config), "--data", str(data), *args]


def child_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if "proxy" not in k.lower() and not k.startswith("ARCHIVER_")}


def warc_bytes(data: Path) -> int:
    return sum(p.stat().st_size for p in (data / "warcs").glob("*.warc.gz")) if (data / "warcs").is_dir() else 0


def warc_capture_ids(data: Path) -> set[str]:
    """Capture ids of every whole capture record in the WARC files (a torn tail is skipped)."""
    ids = set()
    for path in sorted((data / "warcs").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            try:
                for record in ArchiveIterator(fh):
                    if record.rec_headers.get_header("WARC-Archiver-Outcome") is not None:
                        ids.add(capture_id(record.rec_headers.get_header("WARC-Record-ID")))
            except Exception:  # noqa: BLE001, S110 - the torn tail a kill leaves; the whole records before it count
                pass
    return ids


def index_ids(data: Path) -> set[str]:
    with sqlite3.connect(data / "index.db") as db:
        return {r[0] for r in db.execute("SELECT id FROM captures")}


def kill_when_written(cmd: list[str], data: Path, grow: int) -> bool:
    """Start ``cmd``, SIGKILL it once the WARC files have grown by ``grow`` bytes. True if killed
    (False: it finished first)."""
    before = warc_bytes(data)
    proc = subprocess.Popen(cmd, env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while proc.poll() is None and warc_bytes(data) < before + grow:
            time.sleep(0.01)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        return False
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.broken_warc  # between a kill and the next start a WARC may end in a torn record
def test_kill_9_during_check_loses_no_whole_capture_and_no_check_vanishes(tmp_path: Path) -> None:
    data, config = tmp_path / "data", tmp_path / "config.toml"
    config.write_text(CONFIG)
    with Server(site) as server:
        urls = [server.url(f"/page-{i}") for i in range(PAGES)]
        urls += [server.url(f"/utf8-{i}") for i in range(UTF8)] + [server.url(f"/v6-{i}") for i in range(V6)]
        subprocess.run(archiver(data, config, "add", *urls), env=child_env(), check=True, capture_output=True)
        recovered = []
        for round_ in range(6):
            killed = kill_when_written(archiver(data, config, "check", "--all"), data, 40_000 + 30_000 * round_)
            missing = warc_capture_ids(data) - index_ids(data)
            # The next writer to start (here a one-URL check) indexes what the crash left out.
            after = subprocess.run(archiver(data, config, "check", server.url(f"/after-{round_}")),
                                   env=child_env(), check=False, capture_output=True, text=True)
            assert after.returncode == 0, after.stderr
            assert warc_capture_ids(data) <= index_ids(data), f"round {round_}: captures in WARC missing from the index"
            recovered.append((killed, len(missing)))
        assert any(killed and n > 0 for killed, n in recovered), recovered  # the kills did leave work to recover
        # A full run to the end: every URL checked has a capture row with an outcome.
        done = subprocess.run(archiver(data, config, "check", "--all"), env=child_env(), check=False, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    with Archive(data, Config()) as archive:
        for url in urls:
            outcomes = {c.outcome for c in archive.history(url)}
            assert outcomes, f"{url}: no capture row"
            if "/utf8-" in url:  # followed to the page it names, percent-encoded in the request record
                assert Outcome.OK in outcomes, (url, outcomes)
            if "/v6-" in url:
                assert Outcome.BAD_RESPONSE in outcomes, (url, outcomes)
        assert warc_capture_ids(data) == {c.id for c in archive._index.all_captures()}
    print(f"\nrecovered after each kill (killed, rows missing before restart): {recovered}")


@pytest.mark.broken_warc
def test_kill_9_of_the_daemon_loses_no_whole_capture(tmp_path: Path) -> None:
    """The same promise for ``archiver run``: killed mid-batch, the next daemon to start indexes
    what the crash left out before its first tick."""
    data, config = tmp_path / "data", tmp_path / "config.toml"
    config.write_text(CONFIG + "[schedule]\ntick = 0.2\ninterval = 1\njitter = 0\n")
    with Server(site) as server:
        urls = [server.url(f"/page-{i}") for i in range(PAGES)]
        subprocess.run(archiver(data, config, "add", *urls), env=child_env(), check=True, capture_output=True)
        missing = []
        for round_ in range(3):
            kill_when_written(archiver(data, config, "run"), data, 60_000 + 40_000 * round_)
            missing.append(len(warc_capture_ids(data) - index_ids(data)))
            # A new daemon: it must index the tail before anything else, then stop cleanly on SIGTERM.
            with subprocess.Popen(archiver(data, config, "run"), env=child_env(), stderr=subprocess.PIPE,
                                  text=True) as proc:
                assert proc.stderr is not None
                for line in proc.stderr:  # its first check: it is past start-up, signals handled
                    if " check http" in line:
                        break
                proc.send_signal(signal.SIGTERM)
                proc.communicate(timeout=120)
            assert proc.returncode == 0
            assert warc_capture_ids(data) <= index_ids(data), f"round {round_}: captures in WARC missing from the index"
    assert any(n > 0 for n in missing), missing
    print(f"\nrows missing after each kill of the daemon, before its restart: {missing}")


def test_a_capture_found_after_a_crash_is_history_not_a_recorded_check(tmp_path: Path) -> None:
    """``urls.checks`` counts the checks whose verdict was recorded. A capture that a crash left
    out of the index is indexed at the next start (history, replay, cite) but was never judged:
    its URL keeps the state its last recorded check left, and the next check is judged against
    that one, so the edit the lost check saw is still reported, once."""
    data, config = tmp_path / "data", tmp_path / "config.toml"
    config.write_text(CONFIG + "[screenshot]\nenabled = false\n[requisites]\nenabled = false\n")
    version = {"n": 1}

    def answer(server: Server, conn: socket.socket) -> None:
        if server.read_request(conn) is None:
            return
        n = version["n"]
        body = (f"<html><head><title>Minutes</title></head><body><article><h1>Minutes</h1>"
                f"<p>The report says the council met {n} times this year, and {n + 4} committees reported.</p>"
                f"<p>Its minutes run to many pages, version {n} of them, all of them public.</p></article>"
                "</body></html>").encode()
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\n"
                     b"Connection: close\r\n\r\n%s" % (len(body), body))

    def check(url: str) -> str:
        done = subprocess.run(archiver(data, config, "check", url), env=child_env(), check=False, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stderr

    db, saved = data / "index.db", tmp_path / "saved.db"
    with Server(answer) as server:
        url = server.url("/minutes")
        check(url)
        with sqlite3.connect(db) as live, sqlite3.connect(saved) as copy:
            live.backup(copy)  # the index as the first check's commit left it
        version["n"] = 2
        check(url)  # its records reach the WARC; then, as if killed before its commit:
        for leftover in (db, db.with_name("index.db-wal"), db.with_name("index.db-shm")):
            leftover.unlink(missing_ok=True)
        saved.rename(db)
        assert len(index_ids(data)) == 1 and len(warc_capture_ids(data)) == 2
        assert "1 captures found in the WARC files but not in the index" in check(url)
    with sqlite3.connect(db) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM captures WHERE url = ? ORDER BY captured_at", (url,))]
        checks, last = conn.execute("SELECT checks, last_capture FROM urls WHERE url = ?", (url,)).fetchone()
        events = conn.execute("SELECT type, capture, previous_capture FROM events WHERE url = ?", (url,)).fetchall()
    assert set(ids) == warc_capture_ids(data) and len(ids) == 3  # the found capture is in the history
    assert checks == 2  # the baseline and the last check: the found capture was never judged
    assert last == ids[2]
    assert events == [("edited", ids[2], ids[0])]  # judged against the last recorded check: the edit is not lost


@pytest.mark.broken_warc
def test_kill_9_during_rebuild_index_never_leaves_the_captures_table_empty(tmp_path: Path) -> None:
    data, config = tmp_path / "data", tmp_path / "config.toml"
    config.write_text(CONFIG)
    page = b"<html><body><p>One page, captured a thousand times.</p></body></html>"
    reply = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (
        len(page), page)

    def answer(server: Server, conn: socket.socket) -> None:
        if server.read_request(conn) is not None:
            conn.sendall(reply)

    with Server(answer) as server, Fetcher(FetchConfig()) as fetcher:
        result = fetcher.fetch(server.url("/page"))
    assert result.outcome is Outcome.OK
    with WarcStore(data / "warcs", Config().warc) as store:  # a real store, a real fetch, 1,000 captures
        for i in range(1000):
            store.write_capture(f"{server.url('/page')}?n={i}", result)
    subprocess.run(archiver(data, config, "rebuild-index"), env=child_env(), check=True, capture_output=True)
    assert len(index_ids(data)) == 1000
    counts = []
    for round_ in range(10):
        proc = subprocess.Popen(archiver(data, config, "rebuild-index"), env=child_env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.3 + 0.25 * round_)  # spread the kill points over start-up, the build and the swap
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        counts.append(len(index_ids(data)))
    assert counts == [1000] * 10, counts
    done = subprocess.run(archiver(data, config, "rebuild-index"), env=child_env(), check=False, capture_output=True, text=True)
    assert done.returncode == 0 and "1000 captures indexed" in done.stdout, done
    with sqlite3.connect(data / "index.db") as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "captures_rebuild" not in tables


def whole_records(path: Path) -> tuple[int, int]:
    """(records read, offset where the last whole record ends) of one WARC file; a torn record
    raises, and a tail of bytes after the last record leaves the offset short of the file's size."""
    with open(path, "rb") as fh:
        it = ArchiveIterator(fh)
        count, end = 0, 0
        for _ in it:
            count += 1
            end = it.get_record_offset() + it.get_record_length()
    return count, end


@pytest.mark.parametrize("delay", [pytest.param(0.0, id=f"at-once-{i}") for i in range(3)] + [pytest.param(0.3, id="mid-batch")])
def test_sigterm_right_after_daemon_started_stops_it_cleanly(tmp_path: Path, delay: float) -> None:
    """The campaign's finding: ``run`` logged "daemon started" before installing its SIGTERM
    handler, so a SIGTERM sent as soon as the line appeared killed it (status -15). The signal is
    sent by the reader of the daemon's stderr the moment the line arrives (or ``delay`` later,
    into the first batch): the daemon must exit 0, say it stopped, and leave whole WARC files
    whose captures are all in the index."""
    data, config = tmp_path / "data", tmp_path / "config.toml"
    config.write_text(CONFIG + "[schedule]\ntick = 0.2\ninterval = 1\njitter = 0\n")
    with Server(site) as server:
        urls = [server.url(f"/page-{i}") for i in range(60)]
        subprocess.run(archiver(data, config, "add", *urls), env=child_env(), check=True, capture_output=True)
        with subprocess.Popen(archiver(data, config, "run"), env=child_env(), stderr=subprocess.PIPE) as proc:
            assert proc.stderr is not None
            seen = b""
            try:
                while b"daemon started" not in seen:
                    line = proc.stderr.readline()
                    assert line, f"the daemon ended before saying it started: {seen.decode()}"
                    seen += line
                if delay:
                    time.sleep(delay)
                proc.send_signal(signal.SIGTERM)
                rest = proc.communicate(timeout=120)[1]
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
    log = (seen + rest).decode()
    assert proc.returncode == 0, f"exit status {proc.returncode}\n{log}"
    assert "daemon stopped" in log, log
    for path in sorted((data / "warcs").glob("*.warc.gz")):
        count, end = whole_records(path)
        assert count >= 1 and end == path.stat().st_size, f"{path.name}: torn after {count} records at {end}"
    assert warc_capture_ids(data) <= index_ids(data)
