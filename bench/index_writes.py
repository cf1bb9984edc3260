"""Bytes written to disk per unchanged re-check by the index alone, in the daemon's due order.

A simulation of the index's B-trees, in plain sqlite3 (the index's own schema for ``urls`` and
``captures``, WAL, ``synchronous=NORMAL``, 4 KB pages): N URLs with two earlier passes of
captures, then one measured pass of unchanged re-checks in due order (the jittered ``next_due``
order, random against the table's rowid order), ``--commit`` checks per transaction. Bytes are
the process's ``write_bytes`` (/proc/self/io) over the pass and a final checkpoint: the WAL and
the checkpoint both.

Layouts, each printed with its ratio to ``current`` measured in the same run:
- ``current``: the index today: a capture row (hash id key, ``captures(url, captured_at)``) and the
  URL's row with its ``next_due`` index updated per check.
- ``intkey``: captures keyed by an INTEGER rowid, the hash id and an integer URL id in plain indexes.
- ``log``: an append-only table of unchanged re-checks (INTEGER key), with indexes on its URL id
  and capture id; folded into ``captures`` and ``urls`` by one sorted merge every ``--fold`` checks.
- ``log-url``: the same, with the URL id index only (a capture id is looked up through its URL).
- ``log-noindex``: the same, with no index on the log (the lower bound of the design).
- ``index``: the real ``archiver.index.Index`` (its whole schema), each check through ``record_checks``.
- ``index-log``: the same with ``[index] check_log`` on (``archiver.index.checklog``), folded every ``--fold``.

Example:
    .venv/bin/python bench/index_writes.py --n 10000 --commit 1250
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sqlite3
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from archiver.index import CheckRecord, Index
from archiver.models import Capture, Outcome, SourceStatus, TextKey, TextStatus, TextVersion

LAYOUTS = ("current", "intkey", "log", "log-url", "log-noindex", "index", "index-log")
URLS = """CREATE TABLE urls (url TEXT PRIMARY KEY, first_seen TEXT NOT NULL, origin TEXT NOT NULL DEFAULT 'operator',
 kind TEXT NOT NULL DEFAULT 'page', interval REAL, tags TEXT NOT NULL DEFAULT '[]', next_due TEXT, last_checked TEXT,
 status TEXT NOT NULL DEFAULT 'new', consecutive_failures INTEGER NOT NULL DEFAULT 0, last_capture TEXT,
 last_good_capture TEXT, checks INTEGER NOT NULL DEFAULT 0, last_change TEXT, browser INTEGER NOT NULL DEFAULT 0,
 lease_owner TEXT, lease_expires TEXT)"""
CAPTURES = """CREATE TABLE captures (id TEXT PRIMARY KEY, url TEXT NOT NULL, captured_at TEXT NOT NULL, outcome TEXT NOT NULL,
 status INTEGER, final_url TEXT, redirects TEXT NOT NULL DEFAULT '[]', content_type TEXT, payload_digest TEXT,
 warc_file TEXT, warc_offset INTEGER, warc_length INTEGER, record_type TEXT NOT NULL, refers_to TEXT,
 truncated INTEGER NOT NULL DEFAULT 0, detail TEXT NOT NULL DEFAULT '', ip TEXT, elapsed REAL NOT NULL DEFAULT 0,
 text_key TEXT)"""
LOG = """CREATE TABLE recheck_log (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, url_id INTEGER NOT NULL,
 captured_at TEXT NOT NULL, next_due TEXT NOT NULL, warc_file TEXT, warc_offset INTEGER, warc_length INTEGER,
 refers_to TEXT, payload_digest TEXT, elapsed REAL, ip TEXT)"""
CAPTURE_COLUMNS = ("id, url, captured_at, outcome, status, final_url, redirects, content_type, payload_digest, warc_file, "
                   "warc_offset, warc_length, record_type, refers_to, truncated, detail, ip, elapsed, text_key")


def written() -> int:
    with open("/proc/self/io") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("write_bytes"))


class Simulation:
    def __init__(self, layout: str, n: int, seed: int = 1) -> None:
        self.layout, self.n = layout, n
        self.rng = random.Random(seed)
        self.dir = tempfile.TemporaryDirectory(prefix="archiver-index-writes-")
        self.db = sqlite3.connect(Path(self.dir.name) / "index.db", isolation_level=None)
        self.db.execute("PRAGMA journal_mode=wal")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute(URLS)
        self.db.execute("CREATE INDEX urls_next_due ON urls(next_due)")
        if layout == "intkey":
            self.db.execute(CAPTURES.replace("id TEXT PRIMARY KEY, url TEXT NOT NULL", "id TEXT NOT NULL, url TEXT NOT NULL")
                            .replace("text_key TEXT)", "text_key TEXT, url_id INTEGER)"))
            self.db.execute("CREATE INDEX captures_id ON captures(id)")
            self.db.execute("CREATE INDEX captures_url_time ON captures(url_id, captured_at)")
        else:
            self.db.execute(CAPTURES)
            self.db.execute("CREATE INDEX captures_url_time ON captures(url, captured_at)")
        if layout.startswith("log"):
            self.db.execute(LOG)
            if layout in ("log", "log-url"):
                self.db.execute("CREATE INDEX recheck_log_url ON recheck_log(url_id)")
            if layout == "log":
                self.db.execute("CREATE INDEX recheck_log_id ON recheck_log(id)")
        self.urls = [f"http://127.0.0.1:8080/news/2026/11/{i:06d}.html" for i in range(n)]

    def time(self, s: int) -> str:
        return (f"2026-12-{1 + s // 86400:02d}T{(s % 86400) // 3600:02d}:{(s % 3600) // 60:02d}:{s % 60:02d}."
                f"{self.rng.randrange(10**6):06d}Z")

    def capture(self, url: str, when: str, kind: str) -> tuple[object, ...]:
        cid = hashlib.sha1(uuid.uuid4().bytes).hexdigest()[:26]  # a hash: random against time, as capture ids are
        return (cid, url, when, "ok", 200, None, "[]", "text/html; charset=utf-8", "sha1:" + "A" * 32,
                "archiver-20261207-00001.warc.gz", self.rng.randrange(1 << 30), 1100, kind, None, 0, "", "127.0.0.1",
                0.012, None)

    def insert_capture(self, row: tuple[object, ...], url_id: int) -> None:
        if self.layout == "intkey":
            self.db.execute(f"INSERT INTO captures ({CAPTURE_COLUMNS}, url_id) VALUES ({','.join('?' * 20)})", (*row, url_id))
        else:
            self.db.execute(f"INSERT INTO captures ({CAPTURE_COLUMNS}) VALUES ({','.join('?' * 19)})", row)

    def earlier_passes(self, passes: int = 2) -> None:
        self.db.execute("BEGIN")
        self.db.executemany("INSERT INTO urls (url, first_seen, next_due) VALUES (?, ?, ?)",
                            [(u, self.time(0), self.time(self.rng.randrange(86400))) for u in self.urls])
        for p in range(passes):
            for i, url in enumerate(self.urls):
                row = self.capture(url, self.time(p * 86400 + i), "response" if p == 0 else "revisit")
                self.insert_capture(row, i + 1)
                self.db.execute("UPDATE urls SET last_capture = ?, checks = checks + 1 WHERE url = ?", (row[0], url))
        self.db.execute("COMMIT")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def fold(self) -> None:
        """The log folded into ``captures`` and ``urls`` by sorted merges, then emptied: one transaction."""
        self.db.execute("BEGIN")
        self.db.execute(
            "INSERT INTO captures (id, url, captured_at, outcome, status, content_type, payload_digest, warc_file, "
            "warc_offset, warc_length, record_type, refers_to, ip, elapsed) SELECT l.id, u.url, l.captured_at, 'ok', 200, "
            "'text/html', l.payload_digest, l.warc_file, l.warc_offset, l.warc_length, 'revisit', l.refers_to, l.ip, "
            "l.elapsed FROM recheck_log l JOIN urls u ON u.rowid = l.url_id ORDER BY u.url, l.captured_at")
        self.db.execute(
            "UPDATE urls SET next_due = l.next_due, last_checked = l.captured_at, last_capture = l.id, checks = checks + 1 "
            "FROM (SELECT url_id, next_due, captured_at, id FROM recheck_log WHERE seq IN "
            "(SELECT max(seq) FROM recheck_log GROUP BY url_id)) l WHERE urls.rowid = l.url_id")
        self.db.execute("DELETE FROM recheck_log")
        self.db.execute("COMMIT")

    def recheck_pass(self, commit: int, fold: int) -> float:
        """KB written per re-check over one pass in due order (the final checkpoint included)."""
        order = [r[0] for r in self.db.execute("SELECT rowid FROM urls ORDER BY next_due")]
        before, logged = written(), 0
        for k in range(0, self.n, commit):
            self.db.execute("BEGIN")
            for url_id in order[k:k + commit]:
                url, s = self.urls[url_id - 1], 2 * 86400 + k
                row = self.capture(url, self.time(s), "revisit")
                next_due = self.time(s + int(86400 * self.rng.uniform(0.9, 1.1)))
                if self.layout.startswith("log"):
                    self.db.execute(
                        "INSERT INTO recheck_log (id, url_id, captured_at, next_due, warc_file, warc_offset, warc_length, "
                        "refers_to, payload_digest, elapsed, ip) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (row[0], url_id, row[2], next_due, row[9], row[10], row[11], None, row[8], 0.012, "127.0.0.1"))
                    logged += 1
                    continue
                self.insert_capture(row, url_id)
                self.db.execute("SELECT last_capture, last_good_capture FROM urls WHERE url = ?", (url,)).fetchone()
                self.db.execute(
                    "UPDATE urls SET last_checked = ?, status = 'ok', consecutive_failures = 0, last_capture = ?, "
                    "last_good_capture = ?, checks = checks + 1, next_due = ? WHERE url = ?",
                    (row[2], row[0], row[0], next_due, url))
            self.db.execute("COMMIT")
            if logged >= fold:
                self.fold()
                logged = 0
        if logged:
            self.fold()
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return (written() - before) / self.n / 1024

    def close(self) -> None:
        self.db.close()
        self.dir.cleanup()


class RealIndex:
    """The same passes through ``archiver.index.Index.record_checks`` (the log on for ``index-log``)."""

    def __init__(self, layout: str, n: int, seed: int = 1) -> None:
        self.layout, self.n = layout, n
        self.rng = random.Random(seed)
        self.dir = tempfile.TemporaryDirectory(prefix="archiver-index-writes-")
        self.index = Index(Path(self.dir.name) / "index.db")
        self.urls = [f"http://127.0.0.1:8080/news/2026/11/{i:06d}.html" for i in range(n)]
        self.t0 = datetime(2026, 12, 1, tzinfo=UTC)

    def record(self, url: str, s: float, kind: str, previous: Capture | None) -> CheckRecord:
        cid = hashlib.sha1(uuid.uuid4().bytes).hexdigest()[:26]
        at = self.t0 + timedelta(seconds=s, microseconds=self.rng.randrange(10**6))
        capture = Capture(id=cid, url=url, captured_at=at, outcome=Outcome.OK, status=200, final_url=url, redirects=(url,),
                          content_type="text/html; charset=utf-8", payload_digest="sha1:" + "A" * 32,
                          warc_file="archiver-20261207-00001.warc.gz", warc_offset=self.rng.randrange(1 << 30),
                          warc_length=1100, record_type=kind, refers_to=previous.id if previous else None, ip="127.0.0.1",
                          elapsed=0.012)
        text = TextVersion(status=TextStatus.OK, kind="html", paragraphs=("p",), title="t", digest="A")
        return CheckRecord(capture=capture, text_key=TextKey.parse("sha1:" + "A" * 32), text=text, verdicts=(),
                           diff=None, status=SourceStatus.OK, consecutive_failures=0, good=True,
                           next_due=at + timedelta(seconds=86400 * self.rng.uniform(0.9, 1.1)), changed=False)

    def earlier_passes(self, passes: int = 2) -> None:
        self.index.add_urls(self.urls, now=self.t0)
        self.first: dict[str, Capture] = {}
        for p in range(passes):
            records = [self.record(u, p * 86400 + i, "response" if p == 0 else "revisit", self.first.get(u))
                       for i, u in enumerate(self.urls)]
            self.first = self.first or {r.capture.url: r.capture for r in records}
            self.index.record_checks(records, now=self.t0)
        self.index.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def recheck_pass(self, commit: int, fold: int) -> float:
        self.index.check_log_fold = fold if self.layout == "index-log" else 0
        order = self.index.due_urls(self.t0 + timedelta(days=30), limit=self.n)
        before = written()
        for k in range(0, self.n, commit):
            self.index.record_checks([self.record(u, 2 * 86400 + k, "revisit", self.first[u]) for u in order[k:k + commit]],
                                     now=self.t0)
        self.index.fold_log()
        self.index.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return (written() - before) / self.n / 1024

    def close(self) -> None:
        self.index.close()
        self.dir.cleanup()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="URLs (default 10,000)")
    parser.add_argument("--commit", type=int, default=1_250,
                        help="checks per commit (default 1,250: the daemon's 5 s at 250 checks a second)")
    parser.add_argument("--fold", type=int, default=0, help="log layouts: checks per fold (default: N)")
    parser.add_argument("--layout", default="all", help=f"all, or some of {', '.join(LAYOUTS)} (comma-separated)")
    args = parser.parse_args(argv)
    wanted = args.layout.split(",")
    if args.layout != "all" and not set(wanted) <= set(LAYOUTS):
        parser.error(f"--layout: one of all, {', '.join(LAYOUTS)}")
    layouts = LAYOUTS if args.layout == "all" else tuple(dict.fromkeys(("current", *wanted)))
    base = None
    print(f"N = {args.n:,}, {args.commit:,} checks per commit, due order; KB written per unchanged re-check")
    for layout in layouts:
        sim: Simulation | RealIndex = RealIndex(layout, args.n) if layout.startswith("index") else Simulation(layout, args.n)
        try:
            sim.earlier_passes()
            t0 = time.perf_counter()
            kb = sim.recheck_pass(args.commit, args.fold or args.n)
            took = time.perf_counter() - t0
        finally:
            sim.close()
        base = base or kb
        print(f"  {layout:12s} {kb:6.2f} KB  ({kb / base:.2f} of current)  {took:.1f} s", flush=True)


if __name__ == "__main__":
    main()
