"""The daemon's own costs: start-up, idle CPU between ticks and peak RSS with many registered URLs,
and sustained throughput when everything is due, against ``archiver check --all`` in the same run.

    .venv/bin/python bench/schedule.py [--urls 100000] [--throughput-urls 5000] [--idle 10] [--tick 5]

Start-up, idle CPU and RSS are measured on ``--urls`` registered URLs, none of them due (so a tick
only asks the index and writes its heartbeat). Throughput uses a smaller set (``--throughput-urls``),
all due, served by a fast local server on 127.0.0.1 (one host, so the per-host delay is set to 0
and the per-host concurrency to the worker count: this measures archiver, not politeness);
screenshots are off, as in ``bench/capture.py``.
Both throughput figures count from process start to the last URL checked, start-up included.
Then both re-check the same URLs, unchanged: the daemon in due order (each URL's jittered
``next_due`` order), ``check --all`` in rowid order; bytes written to disk per URL come from the
child's ``ru_oublock``.
Figures come from /proc (utime+stime, VmHWM); nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from archiver.archive import Archive
from archiver.config import load_config

CLK_TCK = os.sysconf("SC_CLK_TCK")
ENV = {k: v for k, v in os.environ.items() if "proxy" not in k.lower() and not k.startswith("ARCHIVER_")}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = (f"<html><head><title>Page {self.path}</title></head><body><article>"
                f"<h1>Report {self.path}</h1><p>{'Figures rose again this quarter. ' * 40}</p>"
                "</article></body></html>").encode()
        self.send_response(200 if not self.path.endswith("-archiver-probe") else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14 and 15)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    try:
        with closing(sqlite3.connect(db, timeout=30)) as conn:
            return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []


def wait_until(predicate: Callable[[], bool], proc: subprocess.Popen[bytes], timeout: float,
               every: float = 0.02) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return time.monotonic()
        if proc.poll() is not None:
            raise SystemExit(f"archiver exited early ({proc.returncode})")
        time.sleep(every)
    raise SystemExit("timed out")


def write_config(path: Path, tick: float, batch: int | None = None, check_log: int = 0) -> Path:
    # Screenshots off, as in bench/capture.py: one Chromium render per new version is its own cost.
    batch_line = f"batch = {batch}\n" if batch else ""
    path.write_text(f"[schedule]\ntick = {tick}\nsummary_every = 3600\n{batch_line}\n"
                    "[check]\nper_host_delay = 0\nper_host_concurrency = 8\nworkers = 8\n\n"
                    f"[screenshot]\nenabled = false\n\n[index]\ncheck_log = {check_log}\n")
    return path


def register(data: Path, config: Path, urls: list[str], *, due_in: timedelta | None) -> float:
    began = time.monotonic()
    with Archive(data, load_config(config)) as archive:
        archive.add(urls)
        if due_in is not None:
            archive.reschedule(urls, datetime.now(UTC) + due_in)
    return time.monotonic() - began


def archiver(data: Path, config: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "archiver", "-q", "--data", str(data), "--config", str(config), *args],
                            env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(60)


def idle_figures(tmp: Path, base: str, n: int, tick: float, idle: float) -> None:
    data = tmp / "idle"
    took = register(data, write_config(tmp / "idle.toml", tick), [f"{base}/idle/{i}" for i in range(n)],
                    due_in=timedelta(days=1))
    print(f"registered {n:,} URLs (none due) in {took:.1f}s")
    db = data / "index.db"
    # The same data directory twice: at the configured tick, then at 0.2 s to see one tick's cost
    # above the 10 ms resolution of /proc's CPU counters.
    for every, seconds in ((tick, idle), (0.2, 5.0)):
        config = write_config(tmp / "idle.toml", every)
        query(db, "SELECT 1")
        spawned = time.monotonic()
        proc = archiver(data, config, "run")
        previous = query(db, "SELECT value FROM meta WHERE key = 'daemon.started_at'")
        wait_until(lambda previous=previous: query(db, "SELECT value FROM meta WHERE key = 'daemon.last_tick'") != []
                   and query(db, "SELECT value FROM meta WHERE key = 'daemon.started_at'") != previous, proc, 120)
        started = time.monotonic()
        time.sleep(1.0)  # let the first tick's work finish before sampling
        cpu0, t0 = cpu_seconds(proc.pid), time.monotonic()
        time.sleep(seconds)
        cpu1, t1 = cpu_seconds(proc.pid), time.monotonic()
        ticks = max(1.0, (t1 - t0) / every)
        if every == tick:
            print(f"start-up with {n:,} URLs (spawn → first heartbeat): {started - spawned:.2f}s")
            print(f"peak RSS (VmHWM) idle with {n:,} URLs: {peak_rss_mb(proc.pid):.0f} MB")
        print(f"idle CPU over {t1 - t0:.1f}s with tick = {every:g}s: {100 * (cpu1 - cpu0) / (t1 - t0):.2f}% of one core "
              f"(~{1000 * (cpu1 - cpu0) / ticks:.1f} ms CPU per tick)")
        stop(proc)


def throughput_figures(tmp: Path, base: str, n: int, batch: int | None = None,
                       modes: tuple[str, str] = ("run", "check --all"), check_log: int = 0) -> None:
    """``archiver run`` and ``archiver check --all`` on ``n`` due URLs, one after the other, each
    from process start to the last URL checked: URLs/s, CPU per URL (utime+stime) and peak RSS."""
    results: dict[str, tuple[float, float, float]] = {}
    for mode in modes:
        slug = mode.split()[0]
        data, config = tmp / f"tp-{slug}", write_config(tmp / f"tp-{slug}.toml", 0.5, batch, check_log)
        register(data, config, [f"{base}/{slug}/{i}" for i in range(n)], due_in=None)
        elapsed, usage = run_to_the_end(data, config, mode, checks=1)
        # The child's rusage once it has exited: its own CPU and that of the processes it waited
        # for (the reading pool's workers), so both modes count the same work; peak RSS its own.
        rss, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
        results[mode] = (n / elapsed, 1000 * cpu / n, rss)
        print(f"throughput, everything due, `archiver {mode}`: {results[mode][0]:.0f} URLs/s "
              f"({n:,} URLs in {elapsed:.1f}s), {results[mode][1]:.2f} ms CPU per URL, peak RSS {rss:.0f} MB; "
              f"load {os.getloadavg()[0]:.1f}")
    run, check = results["run"], results["check --all"]
    print(f"daemon / check --all: throughput {run[0] / check[0]:.2f}, CPU per URL {run[1] / check[1]:.2f}")


def due_again_in_due_order(data: Path, config: Path, chunk: int = 50) -> None:
    """Every URL due now, in the order its own schedule (jittered ``next_due``) put it: the daemon's
    next round then goes in due order, random against the index's rowid order."""
    urls = [r[0] for r in query(data / "index.db", "SELECT url FROM urls ORDER BY next_due")]
    start = datetime.now(UTC) - timedelta(seconds=len(urls))
    with Archive(data, load_config(config)) as archive:
        for i in range(0, len(urls), chunk):
            archive.reschedule(urls[i : i + chunk], start + timedelta(seconds=i))


def run_to_the_end(data: Path, config: Path, mode: str, *, checks: int) -> tuple[float, os.struct_rusage]:
    """``archiver <mode>`` from spawn until every URL has ``checks`` recorded checks (the daemon is
    then stopped with SIGTERM; ``check --all`` exits by itself): seconds taken, and the child's rusage."""
    db = data / "index.db"
    spawned = time.monotonic()
    proc = archiver(data, config, *mode.split())
    if mode != "run":
        usage = ended(proc)
        return time.monotonic() - spawned, usage
    # Polled every 0.25 s (a full scan of urls): often enough against a run of minutes, and it
    # leaves the CPU to the daemon (it commits every few seconds anyway).
    done = wait_until(lambda: query(db, f"SELECT count(*) FROM urls WHERE checks < {int(checks)}") == [(0,)], proc,
                      3600, every=0.25)
    return done - spawned, ended(proc, signal.SIGTERM)


def ended(proc: subprocess.Popen[bytes], sig: int | None = None) -> os.struct_rusage:
    """The child's own rusage once it has exited (after ``sig``, if given)."""
    if sig is not None:
        proc.send_signal(sig)
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    return usage


def recheck_figures(tmp: Path, n: int, modes: tuple[str, str] = ("run", "check --all")) -> None:
    """An unchanged re-check of the same ``n`` URLs: ``archiver run`` in due order, ``check --all`` in
    rowid order. Bytes written to disk per URL (the child's ``ru_oublock``, 512-byte units: Linux counts
    its ``write_bytes`` there), WARC and index included, from process start to exit."""
    figures: dict[str, tuple[float, float, float]] = {}
    for mode in modes:
        slug = mode.split()[0]
        data, config = tmp / f"tp-{slug}", tmp / f"tp-{slug}.toml"
        if mode == "run":
            due_again_in_due_order(data, config)
        elapsed, usage = run_to_the_end(data, config, mode, checks=2)
        figures[mode] = (n / elapsed, usage.ru_oublock * 512 / n / 1024,
                         1000 * (usage.ru_utime + usage.ru_stime) / n)
        print(f"unchanged re-check, `archiver {mode}`: {figures[mode][0]:.0f} URLs/s, "
              f"{figures[mode][2]:.2f} ms CPU per URL, written to disk per URL {figures[mode][1]:.2f} KB; "
              f"load {os.getloadavg()[0]:.1f}")
    run, check = figures["run"], figures["check --all"]
    print(f"re-check, daemon / check --all: throughput {run[0] / check[0]:.2f}, CPU per URL {run[2] / check[2]:.2f}, "
          f"written per URL {run[1] / check[1]:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--urls", type=int, default=100_000, help="registered URLs for start-up, idle and RSS")
    parser.add_argument("--throughput-urls", type=int, default=5_000, help="URLs checked for the throughput figures")
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of idle CPU sampling")
    parser.add_argument("--tick", type=float, default=5.0, help="the daemon's tick for the idle figures")
    parser.add_argument("--batch", type=int, default=None, help="[schedule] batch (default: archiver's)")
    parser.add_argument("--check-first", action="store_true",
                        help="run `check --all` before `run` in each pass (alternate runs to spread the load over both)")
    parser.add_argument("--check-log", type=int, default=0,
                        help="[index] check_log: unchanged re-checks to the check log, folded every this many (0: off)")
    args = parser.parse_args(argv)
    modes = ("check --all", "run") if args.check_first else ("run", "check --all")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; load {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        idle_figures(Path(tmp), base, args.urls, args.tick, args.idle)
        throughput_figures(Path(tmp), base, args.throughput_urls, args.batch, modes, args.check_log)
        recheck_figures(Path(tmp), args.throughput_urls, modes)
    server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
