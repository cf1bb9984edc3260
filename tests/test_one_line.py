"""Issue 15, points 4 and 5: bounded inputs, and one line per problem, everywhere.

Every test runs ``archiver`` as a real process against a real data directory. Permissions are
real too: when the tests run as root (containers), the child is started by ``setpriv`` without
CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH, so a read-only directory is read-only to it as it would be
to any user. A full disk is a real write failure: the child runs under RLIMIT_FSIZE (EFBIG, the
same path in the store as ENOSPC). Memory is the child's own peak RSS from ``wait4``.
"""

from __future__ import annotations

import os
import queue
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

import pytest
import requests
from pytest_httpserver import HTTPServer

from archiver.index import Index, to_db_time

MB = 1024 * 1024


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if "proxy" not in k.lower() and not k.startswith("ARCHIVER_")}


def _unprivileged() -> list[str]:
    """A prefix that runs a command without root's power to ignore file permissions."""
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"] if os.geteuid() == 0 else []


#: A small launcher that starts the command and writes its peak RSS to argv[1]. It exists because a
#: child forked straight from pytest starts with pytest's resident pages in its high-water mark
#: (Linux keeps it across exec), which late in a full run is hundreds of MB that are not archiver's.
_MEASURE = (
    "import os, sys\n"
    "pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)\n"
    "_, status, usage = os.wait4(pid, 0)\n"
    "open(sys.argv[1], 'w').write(str(usage.ru_maxrss))\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def run(data: Path, *args: str, config: Path | None = None, unprivileged: bool = False, stdin: object = None,
        preexec: Callable[[], None] | None = None) -> tuple[int, str, str, int]:
    """Run ``archiver``; (exit status, stdout, stderr, peak RSS in bytes)."""
    cmd = [sys.executable, "-m", "archiver", "--data", str(data)]
    if config is not None:
        cmd[3:3] = ["--config", str(config)]
    cmd = (_unprivileged() if unprivileged else []) + cmd + list(args)
    fd, name = tempfile.mkstemp(prefix="peak-rss-")
    os.close(fd)
    peak = Path(name)
    proc = subprocess.Popen([sys.executable, "-c", _MEASURE, str(peak), *cmd], env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=stdin if stdin is not None else subprocess.DEVNULL,
                            preexec_fn=preexec, start_new_session=True)  # noqa: PLW1509 - setrlimit only, before exec
    # A child that hangs (a FIFO read) fails the test, never hangs it: its whole group is killed.
    watchdog = threading.Timer(300, lambda: os.killpg(proc.pid, signal.SIGKILL))
    watchdog.start()
    try:
        out, err = proc.communicate()
    finally:
        watchdog.cancel()
    text = peak.read_text()
    rss = int(text) * 1024 if text else 0
    peak.unlink(missing_ok=True)
    return proc.returncode, out.decode(), err.decode(), rss


def error_lines(stderr: str) -> list[str]:
    assert "Traceback" not in stderr, stderr
    return [line for line in stderr.splitlines() if line.startswith(("error:", "Error:"))]


@pytest.fixture
def page(httpserver: HTTPServer) -> str:
    httpserver.expect_request("/a").respond_with_data(
        "<html><head><title>A source</title></head><body><article><p>Turnout reached 61 percent.</p></article></body></html>",
        content_type="text/html; charset=utf-8")
    return str(httpserver.url_for("/a"))


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text("[check]\nper_host_delay = 0\n[detect]\nsoft404_probe = false\n")
    return path


@pytest.fixture
def archived(tmp_path: Path, page: str, config: Path) -> Path:
    data = tmp_path / "data"
    rc, _, err, _ = run(data, "check", page, config=config)
    assert rc == 0, err
    return data


def _make_read_only(root: Path) -> Iterator[None]:
    modes = {p: p.stat().st_mode for p in [root, *root.rglob("*")]}
    for p in sorted(modes, key=lambda p: -len(p.parts)):
        p.chmod(0o555 if p.is_dir() else 0o444)
    yield
    for p, mode in modes.items():
        p.chmod(mode)


# ------------------------------------------------------------------ 5: one line per problem


@pytest.mark.parametrize("case", ["file-in-path", "read-only", "no-permission"])
def test_check_prints_one_line_when_the_data_directory_cannot_be_opened(
    tmp_path: Path, page: str, config: Path, case: str
) -> None:
    if case == "file-in-path":
        (tmp_path / "afile").write_text("not a folder")
        data, unprivileged = tmp_path / "afile" / "data", False
    else:
        data, unprivileged = tmp_path / "data", True
        data.mkdir()
        data.chmod(0o555 if case == "read-only" else 0o000)
    try:
        rc, _, err, _ = run(data, "check", page, config=config, unprivileged=unprivileged)
    finally:
        data.chmod(0o755) if data.exists() else None
    assert rc == 1 and len(error_lines(err)) == 1 and len(err.splitlines()) == 1, err


def test_check_exits_1_with_one_line_when_the_warc_folder_is_read_only(archived: Path, page: str, config: Path) -> None:
    warcs = archived / "warcs"
    warcs.chmod(0o555)
    try:
        rc, _, err, _ = run(archived, "check", page, page + "?b=1", config=config, unprivileged=True)
    finally:
        warcs.chmod(0o755)
    assert rc == 1 and len(error_lines(err)) == 1, err
    assert "cannot create WARC" in error_lines(err)[0]


def test_check_exits_1_with_one_line_when_the_disk_is_full(tmp_path: Path, httpserver: HTTPServer, config: Path) -> None:
    """A WARC write that fails half-way (EFBIG here, ENOSPC on a full disk) is cut back and reported."""
    httpserver.expect_request("/big").respond_with_data(os.urandom(3 * MB), content_type="application/octet-stream")
    data = tmp_path / "data"
    rc, _, err, _ = run(data, "add", httpserver.url_for("/big"), config=config)
    assert rc == 0, err

    def small_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (2 * MB, 2 * MB))

    rc, _, err, _ = run(data, "check", "--all", config=config, preexec=small_disk)
    assert rc == 1 and len(error_lines(err)) == 1, err
    assert "cannot write WARC" in error_lines(err)[0] and "File too large" in error_lines(err)[0]


@pytest.mark.parametrize("args", [["list"], ["report", "--format", "json"], ["history", "{page}"], ["cite", "{page}"],
                                  ["status"]], ids=lambda a: a[0])
def test_readers_work_on_a_data_directory_they_cannot_write(archived: Path, page: str, args: list[str]) -> None:
    for _ in _make_read_only(archived):
        rc, out, err, _ = run(archived, *[a.format(page=page) for a in args], unprivileged=True)
        assert rc in (0, 3), err  # status exits 3 when behind schedule, which a stopped daemon may be
        assert "readonly" not in err and "Traceback" not in err, err
        assert out.strip()


def test_serve_works_on_a_data_directory_it_cannot_write(archived: Path, page: str) -> None:
    for _ in _make_read_only(archived):
        cmd = [*_unprivileged(), sys.executable, "-m", "archiver", "--data", str(archived), "serve", "--port", "0"]
        with subprocess.Popen(cmd, env=_env(), stderr=subprocess.PIPE, text=True) as proc:
            assert proc.stderr is not None
            try:
                lines = lines_until(proc.stderr, "serving http://")
                app = lines[-1].split("serving ", 1)[1].split("/ ", 1)[0]
                pages = [requests.get(f"{app}{path}", timeout=60) for path in ("/", f"/source?url={page}")]
            finally:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=60)
        assert [r.status_code for r in pages] == [200, 200], [r.text[:300] for r in pages]


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[check]\nper_host_concurrency = 0\n", "check.per_host_concurrency"),
        ("[fetch]\nmax_bytes = -1\n", "fetch.max_bytes"),
        ('[fetch]\ndeadline = "0s"\n', "fetch.deadline"),
        ("[fetch]\nmax_redirects = -1\n", "fetch.max_redirects"),
        ("[schedule]\ninterval = 0\n", "schedule.interval"),
        ('[schedule]\ntick = "0m"\n', "schedule.tick"),
        ("[check]\nworkers = 0\n", "check.workers"),
    ],
)
def test_bad_config_values_are_one_line_naming_the_key_and_the_file(tmp_path: Path, toml: str, key: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(toml)
    rc, _, err, _ = run(tmp_path / "data", "list", config=config)
    assert rc == 1 and len(err.splitlines()) == 1, err
    assert key in err and str(config) in err


def test_add_every_reschedules_a_url_that_already_has_a_schedule(tmp_path: Path, page: str, config: Path) -> None:
    data = tmp_path / "data"
    assert run(data, "add", page, config=config)[0] == 0
    later = datetime.now(UTC) + timedelta(days=1)
    index = Index(data / "index.db")
    index.set_next_due([page], later)
    index.close()
    before = datetime.now(UTC)
    assert run(data, "add", page, "--every", "1s", config=config)[0] == 0
    with sqlite3.connect(data / "index.db") as db:
        due, interval = db.execute("SELECT next_due, interval FROM urls WHERE url = ?", (page,)).fetchone()
    assert interval == 1.0
    assert due <= to_db_time(datetime.now(UTC) + timedelta(seconds=1)) and due >= to_db_time(before)


def lines_until(stream: IO[str], marker: str, patience: float = 120.0) -> list[str]:
    """Lines from ``stream`` up to the first containing ``marker``; a test that waits here fails
    (never hangs) when the line does not come: a reader thread feeds a queue read with a deadline."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in stream], daemon=True).start()
    seen: list[str] = []
    while not seen or marker not in seen[-1]:
        try:
            seen.append(lines.get(timeout=patience))
        except queue.Empty:
            raise AssertionError(f"no line with {marker!r} after {patience:g}s; got {seen}") from None
    return seen


def test_quiet_does_not_hide_the_exposure_warning_and_the_host_check_stays_on(archived: Path) -> None:
    cmd = [sys.executable, "-m", "archiver", "-q", "--data", str(archived), "serve", "--host", "0.0.0.0", "--port", "0"]
    with subprocess.Popen(cmd, env=_env(), stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stderr is not None
        try:
            lines = lines_until(proc.stderr, "serving http://")
            port = int(lines[-1].split("http://0.0.0.0:", 1)[1].split("/", 1)[0])
            own = requests.get(f"http://127.0.0.1:{port}/", timeout=30)
            rebound = requests.get(f"http://127.0.0.1:{port}/", headers={"Host": f"attacker.example:{port}"}, timeout=30)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
    assert any(line.startswith("warning: serving on 0.0.0.0, which is not a loopback address") for line in lines), lines
    assert own.status_code == 200 and rebound.status_code == 421


# ------------------------------------------------------------------ 4: bounded inputs


def test_import_refuses_what_is_not_a_regular_file_in_one_line(tmp_path: Path) -> None:
    fifo = tmp_path / "notes.md"
    os.mkfifo(fifo)
    rc, _, err, rss = run(tmp_path / "data", "import", str(fifo), "/dev/zero", str(tmp_path))
    lines = error_lines(err)
    assert rc == 1 and len(lines) == 3 and len(err.splitlines()) == 3, err
    assert all(line.endswith("skipped: not a regular file") for line in lines), lines
    assert rss < 200 * MB


def test_import_refuses_a_document_over_the_size_cap(tmp_path: Path) -> None:
    big = tmp_path / "huge.md"
    with open(big, "wb") as fh:
        fh.truncate(50 * MB)  # sparse: 50 MB to read, nothing on disk
    rc, _, err, rss = run(tmp_path / "data", "import", str(big))
    assert rc == 1 and len(error_lines(err)) == 1 and "too large" in err, err
    with open("/dev/zero", "rb") as zero:
        rc, _, err, rss = run(tmp_path / "data", "import", "-", stdin=zero)
    assert rc == 1 and len(error_lines(err)) == 1 and "too large" in err, err
    assert rss < 200 * MB, f"reading /dev/zero on stdin peaked at {rss / MB:.0f} MB"


def test_a_hostile_page_is_checked_within_the_memory_budget(tmp_path: Path, httpserver: HTTPServer) -> None:
    """400,000 nested elements in 10 MB: before the tag cap, 291 MB and 37 s on the test machine."""
    soup = "<html><body>" + "<div><span>a</span></div>" * 400_000 + "</body></html>"
    httpserver.expect_request("/soup").respond_with_data(soup, content_type="text/html")
    config = tmp_path / "config.toml"  # archiver's own memory: no Chromium child for screenshots
    config.write_text("[check]\nper_host_delay = 0\n[detect]\nsoft404_probe = false\n[screenshot]\nenabled = false\n"
                      '[requisites]\nenabled = false\n[browser]\nexecutable = "/nonexistent/chromium"\n')
    rc, _, err, rss = run(tmp_path / "data", "check", httpserver.url_for("/soup"), config=config)
    assert rc == 0, err
    assert rss < 200 * MB, f"checking one hostile page peaked at {rss / MB:.0f} MB"


def test_random_bytes_named_html_are_not_a_text_document(tmp_path: Path) -> None:
    noise = bytes(b for b in os.urandom(400_000) if b)  # no NUL, so the NUL rule alone does not decide
    (tmp_path / "page.html").write_bytes(noise)
    (tmp_path / "page.md").write_bytes(noise)
    rc, _, err, _ = run(tmp_path / "data", "import", str(tmp_path / "page.html"), str(tmp_path / "page.md"))
    lines = error_lines(err)
    assert rc == 1 and len(lines) == 2 and all("not a text document" in line for line in lines), err


def test_a_fifo_in_a_watched_folder_neither_hangs_the_daemon_nor_stops_sigterm(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    os.mkfifo(docs / "draft.md")
    (docs / "real.md").write_text("See [the poll](http://127.0.0.1:9/poll).\n")
    config = tmp_path / "config.toml"
    config.write_text(f"[schedule]\ntick = 0.2\nwatch_dirs = [{str(docs)!r}]\n")
    data = tmp_path / "data"
    cmd = [sys.executable, "-m", "archiver", "--config", str(config), "--data", str(data), "run"]
    with subprocess.Popen(cmd, env=_env(), stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stderr is not None
        try:
            seen = lines_until(proc.stderr, "real.md")  # the skip is logged, then the real document imported
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                rest = proc.communicate(timeout=120)[1]
            except subprocess.TimeoutExpired:
                proc.kill()
                raise AssertionError("the daemon ignored SIGTERM") from None
    log = "".join(seen) + rest
    assert proc.returncode == 0, log
    assert "draft.md: skipped: not a regular file" in log
    with sqlite3.connect(data / "index.db") as db:
        assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == 1
