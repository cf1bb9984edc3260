"""The index: migrations, URL registration, atomic check records, named queries, the lock.

The tests of what the index answers take ``at`` and run on both engines: SQLite in a temporary
folder, and a fresh database on the suite's PostgreSQL server (tests/pgserver.py). The migration
test reads SQLite's own tables; tests/test_engines.py has PostgreSQL's.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils

from archiver.engine import IndexUrl, parse_index_url
from archiver.errors import LockedError
from archiver.index import CheckRecord, Index, from_db_time, to_db_time
from archiver.lock import DataLock, lock_holder
from archiver.models import (
    Capture,
    Citation,
    Diff,
    EventType,
    Outcome,
    SourceStatus,
    StoredHistory,
    TextKey,
    TextSource,
    TextStatus,
    TextVersion,
    Verdict,
)

T0 = datetime(2026, 11, 23, 10, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
def at(index_url: str, tmp_path: Path) -> IndexUrl:
    """Where the index under test is, on each engine in turn."""
    return parse_index_url(index_url, tmp_path)


def cap(i: int, url: str = "https://example.org/a", outcome: Outcome = Outcome.OK, status: int | None = 200) -> Capture:
    return Capture(
        id=f"cap{i:09d}", url=url, captured_at=T0 + timedelta(minutes=i), outcome=outcome, status=status,
        final_url=url, redirects=(url,), content_type="text/html", payload_digest=f"sha1:{i}",
        warc_file="a.warc.gz", warc_offset=100 * i, warc_length=90, record_type="response",
    )


def record(c: Capture, verdicts: tuple[Verdict, ...] = (), status: SourceStatus = SourceStatus.OK) -> CheckRecord:
    text = TextVersion(status=TextStatus.OK, kind="html", paragraphs=(f"text {c.id}",), title="T", digest=c.id)
    return CheckRecord(
        capture=c, text_key=TextKey.parse(c.payload_digest or ""), text=text, verdicts=verdicts,
        diff=Diff(changed=True, summary="1 paragraph changed") if verdicts else None, status=status,
        consecutive_failures=0, good=c.outcome == Outcome.OK, next_due=c.captured_at + timedelta(days=1), changed=bool(verdicts),
    )


def test_times_round_trip_to_the_microsecond() -> None:
    assert from_db_time(to_db_time(T0)) == T0
    assert to_db_time(T0) == "2026-11-23T10:00:00.123456Z"


def test_schema_is_created_by_migrations_and_reopening_is_idempotent(tmp_path: Path) -> None:
    Index(tmp_path / "index.db").close()
    Index(tmp_path / "index.db").close()
    db = sqlite_utils.Database(tmp_path / "index.db")
    assert {"urls", "citations", "captures", "events", "texts", "probes", "documents"} <= set(db.table_names())
    applied = [r["name"] for r in db["_sqlite_migrations"].rows]
    assert applied[0] == "m001_initial" and "m_page_requisites_and_screenshots" in applied
    assert len(applied) == len(set(applied))  # each applied once, though opened twice
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_add_urls_merges_duplicates(at: IndexUrl) -> None:
    index = Index(at)
    assert index.add_urls(["https://a.example/", "https://b.example/"], now=T0) == 2
    assert index.add_urls(["https://a.example/", "https://c.example/"], now=T0) == 1
    index.close()
    reopened = Index(at)
    assert sorted(reopened.all_urls()) == ["https://a.example/", "https://b.example/", "https://c.example/"]
    reopened.close()


def test_record_checks_commits_capture_url_state_and_events_together(at: IndexUrl) -> None:
    index = Index(at)
    index.add_urls(["https://example.org/a"], now=T0)
    index.record_checks([record(cap(1))], now=T0)
    verdict = Verdict(EventType.EDITED, "text-changed", "1 paragraph changed", {"k": 1})
    events = index.record_checks([record(cap(2), (verdict,), SourceStatus.EDITED)], now=T0 + timedelta(minutes=2))
    assert [(e.type, e.reason, e.capture, e.previous_capture) for e in events] == [
        (EventType.EDITED, "text-changed", "cap000000002", "cap000000001")
    ]
    index.close()
    fresh = Index(at)
    state = fresh.url_state("https://example.org/a")
    assert state is not None and state.status == SourceStatus.EDITED and state.last_capture == "cap000000002"
    assert state.checks == 2 and state.last_good_capture == "cap000000002"
    assert [c.id for c in fresh.captures("https://example.org/a")] == ["cap000000001", "cap000000002"]
    stored = fresh.events_since(None)
    assert stored[0].diff is not None and stored[0].diff.summary == "1 paragraph changed"
    assert fresh.text("sha1:2") is not None and fresh.text("sha1:2").paragraphs == ("text cap000000002",)  # type: ignore[union-attr]


def test_replayed_commit_never_duplicates_an_event(at: IndexUrl) -> None:
    index = Index(at)
    index.add_urls(["https://example.org/a"], now=T0)
    verdict = Verdict(EventType.REMOVED, "http-404", "404")
    rec = record(cap(1, status=404, outcome=Outcome.HTTP_ERROR), (verdict,), SourceStatus.REMOVED)
    index.record_checks([rec], now=T0)
    assert index.record_checks([rec], now=T0) == []
    assert index.event_count() == 1


def test_source_history_is_the_last_and_last_good_captures_with_their_keys_and_texts(at: IndexUrl) -> None:
    """What a check starts from, in one named query: the keys come back typed, the texts with them."""
    index = Index(at)
    url = "https://example.org/a"
    index.add_urls([url, "https://example.org/new"], now=T0)
    index.record_checks([record(cap(1))], now=T0)
    failed = dataclasses.replace(cap(2, outcome=Outcome.TIMEOUT, status=None), payload_digest=None)
    index.record_checks([dataclasses.replace(record(failed), text_key=None, text=None)], now=T0)
    state = index.url_state(url)
    assert state is not None
    stored = index.source_history(state)
    assert stored.last is not None and stored.last_good is not None
    assert (stored.last.capture.id, stored.last.text_key, stored.last.text) == ("cap000000002", None, None)
    assert stored.last_good.capture.id == "cap000000001" and stored.last_good.capture.payload_digest == "sha1:1"
    assert stored.last_good.text_key == TextKey(TextSource.PAGE, "sha1:1")
    assert stored.last_good.text is not None and stored.last_good.text.paragraphs == ("text cap000000001",)
    assert stored.cached(TextKey.parse("sha1:1")) is stored.last_good.text and stored.cached(TextKey.parse("sha1:2")) is None
    never = index.url_state("https://example.org/new")
    assert never is not None and index.source_history(never) == StoredHistory()
    index.close()


def test_due_urls_orders_most_overdue_first(at: IndexUrl) -> None:
    index = Index(at)
    index.add_urls(["https://a.example/", "https://b.example/", "https://c.example/"], now=T0)
    index.set_next_due(["https://a.example/"], T0 + timedelta(hours=1))
    index.set_next_due(["https://b.example/"], T0 - timedelta(hours=1))
    index.set_next_due(["https://c.example/"], T0 + timedelta(days=9))
    assert index.due_urls(T0 + timedelta(hours=2)) == ["https://b.example/", "https://a.example/"]
    assert index.due_count(T0 + timedelta(hours=2)) == 2


def test_capture_near_picks_the_closest_good_capture(at: IndexUrl) -> None:
    index = Index(at)
    index.add_urls(["https://example.org/a"], now=T0)
    index.record_checks([record(cap(i)) for i in (1, 10, 20)] + [record(cap(12, outcome=Outcome.TIMEOUT, status=None))], now=T0)
    near = index.capture_near("https://example.org/a", T0 + timedelta(minutes=12))
    assert near is not None and near.id == "cap000000010"
    latest = index.capture_near("https://example.org/a", None)
    assert latest is not None and latest.id == "cap000000020"


def test_citations_replace_on_reimport(at: IndexUrl) -> None:
    index = Index(at)
    c1 = Citation("https://a.example/", "a.example", "doc.md", "A", "See A.", 0)
    c2 = Citation("https://b.example/", "https://b.example", "doc.md", "", "", 1)
    index.add_citations("doc.md", None, "d1", [c1, c2], now=T0)
    index.add_citations("doc.md", None, "d2", [c2], now=T0)
    assert [c.url for c in index.citations_of("doc.md")] == ["https://b.example/"]
    assert index.cited_by() == {"https://b.example/": ["doc.md"]}
    assert index.document_digest("doc.md") == "d2"


def test_lock_refuses_a_second_holder_and_names_the_first(tmp_path: Path) -> None:
    with DataLock(tmp_path, "archiver run"):
        assert lock_holder(tmp_path) == os.getpid()
        with pytest.raises(LockedError, match=r"archiver run \(pid \d+\)"):
            DataLock(tmp_path, "archiver check").acquire()
    assert lock_holder(tmp_path) is None


def test_lock_is_released_when_the_holder_is_killed(tmp_path: Path) -> None:
    code = (
        "import sys, time; from pathlib import Path; from archiver.lock import DataLock;"
        f"DataLock(Path({str(tmp_path)!r}), 'archiver run').acquire(); print('locked', flush=True); time.sleep(60)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        with pytest.raises(LockedError):
            DataLock(tmp_path, "archiver check").acquire()
    finally:
        proc.kill()
        proc.wait()
    with DataLock(tmp_path, "archiver check"):
        pass
