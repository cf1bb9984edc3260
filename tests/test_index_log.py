"""The check log (``archiver.index.checklog``) is invisible: the same random checks recorded in an
index with the log on and in one without it read back the same, through every read of captures and
URL state, after every step, on both engines (PostgreSQL keeps today's path: the log stays off).

The steps are what the checker, the daemon and the operator do: URLs added, unchanged re-checks
(the log's case), edits, failures, removals, moves, recoveries, several checks of a URL in one
commit, checks before they are due, rescheduling, new intervals, removed and re-added URLs,
captures found in the WARC files after a crash (some already in the log), rebuild-index, folds and
reopening. A third index, opened on the logged one's file, reads as another process would.
"""

from __future__ import annotations

import contextlib
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from archiver.engine import parse_index_url
from archiver.index import CheckRecord, Index
from archiver.models import (
    Capture,
    Diff,
    EventType,
    Outcome,
    SourceStatus,
    TextKey,
    TextStatus,
    TextVersion,
    Verdict,
)

T0 = datetime(2026, 12, 1, 8, 0, 0, 250000, tzinfo=UTC)
POOL = [f"https://h{i % 3}.example/page/{i}" for i in range(9)]
DAY = 86400.0


@pytest.fixture
def indexes(index_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    """(logged, plain, reader): the log on (folded when it holds 4 rows), the log off, and a second
    ``Index`` on the logged one's database."""
    other = request.getfixturevalue("pg_server").new_database() if index_url else ""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    logged = Index(parse_index_url(index_url, tmp_path / "a"))
    plain = Index(parse_index_url(other, tmp_path / "b"))
    reader = Index(parse_index_url(index_url, tmp_path / "a"))
    yield logged, plain, reader, (index_url, tmp_path / "a")
    for index in (reader, logged, plain):
        with contextlib.suppress(Exception):  # the test may have closed and reopened one
            index.close()


class World:
    """Makes the checks, from the plain index's state (the reference)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.now = T0
        self.n = 0
        self.found: list[Capture] = []  # written to a WARC, never recorded (a crash's)

    def tick(self) -> datetime:
        self.now += timedelta(seconds=self.rng.uniform(1, 3 * DAY))
        return self.now

    def capture(self, url: str, *, outcome: Outcome = Outcome.OK, status: int | None = 200, digest: str | None = None,
                revisit_of: Capture | None = None) -> Capture:
        self.n += 1
        at = self.now + timedelta(milliseconds=7 * (self.n % 100))  # apart more than julianday can tell
        rtype = "revisit" if revisit_of is not None else ("response" if status is not None else "metadata")
        return Capture(
            id=f"c{self.n:06d}-{self.rng.randrange(16**6):06x}", url=url, captured_at=at, outcome=outcome, status=status,
            final_url=url if status is not None else None, redirects=(url,) if status is not None else (),
            content_type="text/html" if status is not None else None,
            payload_digest=(revisit_of.payload_digest if revisit_of else digest) if status is not None else None,
            warc_file=f"w{self.n // 50}.warc.gz", warc_offset=1000 * self.n, warc_length=500 + self.n,
            record_type=rtype, refers_to=(revisit_of.refers_to or revisit_of.id) if revisit_of else None,
            ip="127.0.0.1", elapsed=0.01 * (self.n % 7),
        )

    def due(self, base: datetime) -> datetime:
        """A next check like the cadence's: mostly a jittered day on, sometimes sooner than now."""
        return base + timedelta(seconds=self.rng.choice([-3600.0, 60.0, DAY * self.rng.uniform(0.5, 1.5)]))

    def check(self, plain: Index, url: str, kind: str) -> CheckRecord | None:
        state = plain.url_state(url)
        if state is None:
            return None
        stored = plain.source_history(state)
        good = stored.last_good
        if kind == "unchanged" and good is not None and good.capture.outcome == Outcome.OK:
            c = self.capture(url, revisit_of=good.capture)
            status = state.status if self.rng.random() < 0.9 else SourceStatus.OK
            return CheckRecord(capture=c, text_key=good.text_key, text=good.text, verdicts=(), diff=None,
                               status=status, consecutive_failures=0, good=True, next_due=self.due(c.captured_at),
                               changed=False)
        if kind == "failed":
            c = self.capture(url, outcome=Outcome.TIMEOUT, status=None)
            return CheckRecord(capture=c, text_key=None, text=None, verdicts=(), diff=None, status=state.status,
                               consecutive_failures=state.consecutive_failures + 1, good=False,
                               next_due=self.due(c.captured_at), changed=False)
        if kind == "removed":
            c = self.capture(url, outcome=Outcome.HTTP_ERROR, status=404, digest=f"sha1:gone{self.n}")
            v = Verdict(EventType.REMOVED, "http-404", "404")
            return CheckRecord(capture=c, text_key=None, text=None, verdicts=(v,), diff=None, status=SourceStatus.REMOVED,
                               consecutive_failures=0, good=False, next_due=self.due(c.captured_at), changed=False)
        # a new version: a baseline, an edit, a move or a recovery
        c = self.capture(url, digest=f"sha1:{self.rng.randrange(10**9)}")
        text = TextVersion(status=TextStatus.OK, kind="html", paragraphs=(f"text {c.id}",), title="T",
                           digest=c.payload_digest or "")
        verdict = {"moved": Verdict(EventType.MOVED, "redirect", "moved"),
                   "restored": Verdict(EventType.RESTORED, "back", "back"),
                   "edited": Verdict(EventType.EDITED, "text-changed", "1 paragraph")}.get(kind)
        if good is None:
            verdict = None
        status = {"moved": SourceStatus.MOVED, "restored": SourceStatus.RESTORED, "edited": SourceStatus.EDITED}.get(kind)
        return CheckRecord(
            capture=c, text_key=TextKey.parse(c.payload_digest or ""), text=text, verdicts=(verdict,) if verdict else (),
            diff=Diff(changed=True, summary="1 paragraph") if kind == "edited" and verdict else None,
            status=status if verdict and status else SourceStatus.OK, consecutive_failures=0, good=True,
            next_due=self.due(c.captured_at), changed=kind == "edited" and verdict is not None,
        )


def reads(index: Index, ids: list[str], now: datetime) -> dict[str, Any]:
    """Every read of captures and URL state, for every URL of the pool and every capture id."""
    out: dict[str, Any] = {
        "url_states": index.url_states(), "some_states": index.url_states(POOL[::-1]), "all_urls": index.all_urls(),
        "due": [index.due_urls(now + timedelta(seconds=s), limit) for s in (-DAY, 0, DAY, 3 * DAY) for limit in (1, 3, 50)],
        "due_count": [index.due_count(now + timedelta(seconds=s)) for s in (-DAY, 0, DAY, 3 * DAY)],
        "oldest_due": index.oldest_due(), "last_checked": index.last_checked(), "by_status": index.counts_by_status(),
        "all_captures": list(index.all_captures()), "capture_count": index.capture_count(),
        "capture_counts": index.capture_counts(), "events": index.events_since(None),
        "ids": [(index.capture(i), index.text_key_of(i)) for i in [*ids, "no-such-id"]],
        # LIMIT 2 of several matches is any two (as on the table alone): the one match, or "ambiguous"
        "prefixes": [[c.id for c in found] if len(found) < 2 else 2
                     for p in ("c0000", "c0001", "c00012", "c000123", "c0001234") for found in (index.captures_by_prefix(p),)],
    }
    for url in POOL:
        state = index.url_state(url)
        out[url] = (
            state, index.captures(url), index.capture_count(url), index.latest_capture(url),
            index.source_history(state) if state else None, index.recent_good_texts(url, 3),
            index.capture_near(url, None), index.capture_near(url, now - timedelta(seconds=DAY), good_only=False),
            index.capture_near(url, T0 + (now - T0) / 2), index.timeline(url), index.timeline(url, 2),
        )
    return out


def apply(step: str, index: Index, rng: random.Random, arg: Any, now: datetime) -> None:
    if step == "add":
        index.add_urls(arg, now=now)
    elif step == "checks":
        index.record_checks(arg, now=now)
    elif step == "set_next_due":  # one time each: PostgreSQL orders ties of next_due as it likes
        for i, url in enumerate(arg):
            index.set_next_due([url], now + timedelta(seconds=60 + i))
    elif step == "interval":
        index.update_urls(arg, interval=3600.0, tags=("t",), now=now)
    elif step == "remove":
        index.remove_urls(arg)
    elif step == "found":
        index.insert_captures(arg)
    elif step == "rebuild":
        index.replace_captures(arg)
    elif step == "fold":
        index.fold_log()


@pytest.mark.parametrize("seed", range(6))
def test_the_check_log_reads_back_as_the_tables_would(indexes: Any, seed: int) -> None:
    logged, plain, reader, where = indexes
    logged.check_log_fold = (4, 9, 10**9)[seed % 3]
    plain._log = False  # today's queries and writes, as on an index without the log (the reference)
    rng = random.Random(seed)
    world = World(rng)
    ids: list[str] = []
    went_to_log = 0
    steps = 160 if logged.engine == "sqlite" else 50  # PostgreSQL: the log stays off; its server is slower
    for step_no in range(steps):
        now = world.tick()
        watched = plain.all_urls()
        step = rng.choices(
            ["add", "checks", "set_next_due", "interval", "remove", "found", "rebuild", "fold", "reopen"],
            [6, 60, 4, 3, 3, 4, 1, 2, 2],
        )[0]
        arg: Any = None
        if step == "add" or not watched:
            step, arg = "add", rng.sample(POOL, rng.randint(1, 4))
        elif step == "checks":
            records = []
            for _ in range(rng.choice([1, 1, 2, 4, 8])):
                kind = rng.choices(["unchanged", "edited", "failed", "removed", "moved", "restored"], [70, 8, 8, 5, 4, 5])[0]
                rec = world.check(plain, rng.choice(watched), kind)
                if rec is not None:
                    if rng.random() < 0.3:  # crash: written to the WARC, never recorded
                        world.found.append(rec.capture)
                    else:
                        records.append(rec)
                        ids.append(rec.capture.id)
            arg = records
        elif step in ("set_next_due", "interval", "remove"):
            arg = rng.sample(watched, rng.randint(1, min(3, len(watched))))
        elif step == "found":  # lost captures, and some already recorded (the log's among them)
            arg = world.found + [c for c in plain.all_captures() if rng.random() < 0.2]
            ids += [c.id for c in world.found]
            world.found = []
        elif step == "rebuild":
            arg = list(plain.all_captures())
        if step == "reopen":
            logged.close()
            logged = Index(parse_index_url(where[0], where[1]))
            logged.check_log_fold = (4, 9, 10**9)[seed % 3]
        else:
            for index in (logged, plain):
                apply(step, index, rng, arg, now)
        if logged.engine == "sqlite":
            went_to_log += bool(logged.db.conn.execute("SELECT count(*) FROM check_log").fetchone()[0])
        expected = reads(plain, ids, now)
        for index, name in ((logged, "logged"), (reader, "reader")):
            got = reads(index, ids, now)
            for key in expected:
                if got[key] != expected[key] and isinstance(got[key], tuple):
                    for j, (g, e) in enumerate(zip(got[key], expected[key])):
                        assert g == e, f"step {step_no} ({step}): {name} {key} part {j}"
                assert got[key] == expected[key], f"step {step_no} ({step}): {name} {key}"
    if logged.engine == "sqlite":
        assert went_to_log >= 10  # the log held checks after many steps, not only the tables
    logged.close()
