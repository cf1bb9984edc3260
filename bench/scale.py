"""Scaling on a shared PostgreSQL index: 1 worker against 4, bound by waiting, not by the 2 cores.

    .venv/bin/python bench/scale.py [--urls N] [--hosts H] [--latency S] [--delay S] [--threads T]

Serves N small article pages from H loopback hosts (127.0.0.2 …), each response held ``--latency``
seconds (default 200 ms), starts a real PostgreSQL (tests/pgserver.py), and runs ``archiver
worker --until-idle`` as real processes: one worker over all N URLs, then four workers over the
same N URLs made due again (an unchanged re-check each, as most daily checks are). Throughput is
URLs per second between the first and the last recorded check; per-host politeness is measured
at the server: the smallest gap between two request starts to one host, and the most starts to
one host inside any ``--delay`` window (the limit is 1). Per-URL costs for sizing: worker CPU
seconds per check (from the children's rusage), WARC bytes per check, PostgreSQL WAL bytes per
check and database bytes per URL. Prints figures and ratios; asserts nothing.
"""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from pgserver import PgServer

PARAGRAPH = "The committee heard evidence from {n} witnesses over three days in the spring session. "


class Sites:
    """H threaded servers, one per loopback address, each logging (host, start) and holding ``latency``."""

    def __init__(self, hosts: int, latency: float) -> None:
        self.starts: list[tuple[str, float]] = []
        self._lock = threading.Lock()
        self.servers = []
        sites = self
        for i in range(hosts):
            address = f"127.0.0.{i + 2}"

            class Handler(BaseHTTPRequestHandler):
                def do_GET(self) -> None:
                    with sites._lock:
                        sites.starts.append((self.server.server_address[0], time.monotonic()))  # type: ignore[index]
                    time.sleep(latency)
                    n = self.path.rsplit("/", 1)[-1]
                    body = (f"<html><head><title>Story {n}</title></head><body><article><h1>Story {n}</h1>"
                            + "".join(f"<p>{PARAGRAPH.format(n=n)}</p>" for _ in range(12))
                            + "</article></body></html>").encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

                def log_message(self, *args: object) -> None:
                    pass

            server = ThreadingHTTPServer((address, 0), Handler)
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self.servers.append(server)

    def urls(self, n: int) -> list[str]:
        out = []
        for i in range(n):
            s = self.servers[i % len(self.servers)]
            out.append(f"http://{s.server_address[0]}:{s.server_address[1]}/story/{i}")
        return out

    def politeness(self, delay: float) -> tuple[float, float, int, int]:
        """Gaps between two starts to one host as the server saw them: (smallest, median, how many
        under 0.9 x ``delay``, how many in all). A start reserved ``delay`` after the previous one
        still reaches the server a little late or early with the client's scheduling (jitter)."""
        by_host: dict[str, list[float]] = {}
        for host, t in self.starts:
            by_host.setdefault(host, []).append(t)
        gaps: list[float] = []
        for times in by_host.values():
            times.sort()
            gaps += [b - a for a, b in itertools.pairwise(times)]
        gaps.sort()
        short = sum(1 for g in gaps if g < 0.9 * delay)
        return gaps[0], gaps[len(gaps) // 2], short, len(gaps)


def run_workers(count: int, cfg: Path, data: Path) -> float:
    """Start ``count`` workers, wait for all; returns their CPU seconds (user + system)."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    procs = [subprocess.Popen([sys.executable, "-m", "archiver", "--config", str(cfg), "--data", str(data),
                               "worker", "--until-idle"], env=env, stderr=(data.parent / f"worker-{count}-{i}.log").open("wb")) for i in range(count)]
    cpu = 0.0
    for p in procs:
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            raise SystemExit(f"a worker exited with {p.returncode}")
        cpu += usage.ru_utime + usage.ru_stime
    return cpu


def round_figures(url: str, since: str) -> tuple[int, float]:
    """(checks recorded since ``since``, seconds between the first and the last of them)."""
    with psycopg.connect(url) as db:
        row = db.execute("SELECT count(*), min(captured_at), max(captured_at) FROM captures WHERE captured_at > %s",
                         (since,)).fetchone()
    assert row is not None
    n, first, last = row
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ"
    return int(n), time.mktime(time.strptime(last, fmt)) + float("0." + last[20:26]) - (
        time.mktime(time.strptime(first, fmt)) + float("0." + first[20:26]))


def db_figures(url: str) -> tuple[int, str]:
    with psycopg.connect(url) as db:
        size = db.execute("SELECT pg_database_size(current_database())").fetchone()
        lsn = db.execute("SELECT pg_current_wal_lsn()::text").fetchone()
    assert size is not None and lsn is not None
    return int(size[0]), str(lsn[0])


def wal_bytes(url: str, a: str, b: str) -> int:
    with psycopg.connect(url) as db:
        row = db.execute("SELECT pg_wal_lsn_diff(%s, %s)", (b, a)).fetchone()
    assert row is not None
    return int(row[0])


def warc_bytes(data: Path) -> int:
    return sum(p.stat().st_size for p in (data / "warcs").glob("*.warc.gz"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--urls", type=int, default=400)
    ap.add_argument("--hosts", type=int, default=40)
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--delay", type=float, default=0.5, help="[check] per_host_delay")
    ap.add_argument("--threads", type=int, default=4, help="[check] workers: check threads per worker process")
    args = ap.parse_args()

    sys.path.insert(0, str(ROOT))
    from datetime import UTC, datetime

    from archiver.archive import Archive
    from archiver.config import load_config
    from archiver.engine import parse_index_url
    from archiver.index import Index, to_db_time

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # a stopped bench still stops its PostgreSQL
    root = Path(tempfile.mkdtemp(prefix="archiver-scale-"))
    root.chmod(0o755)  # the postgres user must reach its folder inside
    (root / "pg").mkdir()
    pg = PgServer(root / "pg")
    pg.start()
    try:
        url = pg.new_database()
        data = root / "data"
        cfg = root / "config.toml"
        cfg.write_text(
            f'[check]\nworkers = {args.threads}\nper_host_delay = "{args.delay}s"\nper_host_concurrency = 1\n'
            '[screenshot]\nenabled = false\n[requisites]\nenabled = false\n'
            f'[index]\nurl = "{url}"\nlease = "5m"\nbatch = 8\n'
        )
        sites = Sites(args.hosts, args.latency)
        urls = sites.urls(args.urls)
        Index(parse_index_url(url, data)).close()  # the schema, empty
        empty, _ = db_figures(url)
        with Archive(data, load_config(cfg)) as archive:
            archive.add(urls)
        results = {}
        for count in (1, 4):
            index = Index(parse_index_url(url, data))
            start = to_db_time(datetime.now(UTC))
            index.set_next_due(urls, datetime.now(UTC))
            index.close()
            sites.starts.clear()
            size0, lsn0 = db_figures(url)
            warc0 = warc_bytes(data)
            cpu = run_workers(count, cfg, data)
            n, seconds = round_figures(url, start)
            size1, lsn1 = db_figures(url)
            smallest, median, short, gaps = sites.politeness(args.delay)
            results[count] = n / seconds
            print(f"{count} worker(s) x {args.threads} threads: {n} checks in {seconds:.1f} s = {n / seconds:.1f} URLs/s; "
                  f"per host at the server: gaps between starts smallest {smallest:.3f} s, median {median:.3f} s "
                  f"(limit {args.delay} s), {short} of {gaps} under 0.9 x the limit", flush=True)
            print(f"    per check: {cpu / n * 1000:.1f} ms worker CPU, {(warc_bytes(data) - warc0) / n:.0f} WARC bytes, "
                  f"{wal_bytes(url, lsn0, lsn1) / n:.0f} WAL bytes; database {(size1 - empty) / len(urls):.0f} bytes "
                  f"per URL over the empty schema ({(size1 - size0) / n:+.0f} this round per check)", flush=True)
        print(f"throughput 4 workers / 1 worker: {results[4] / results[1]:.2f}x "
              f"({args.urls} URLs on {args.hosts} hosts, {args.latency * 1000:.0f} ms per response, this machine: "
              f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f})")
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
