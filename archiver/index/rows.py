"""How the index's rows read and write: times as fixed-width UTC text, texts and diffs as
blobs and JSON, each table's columns as records, and the record of one check (``CheckRecord``).
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from archiver.models import (
    Capture,
    Diff,
    Event,
    EventType,
    Hunk,
    Outcome,
    RecordLocation,
    Requisite,
    Screenshot,
    SourceStatus,
    TextKey,
    TextStatus,
    TextVersion,
    UrlState,
    Verdict,
)

# --------------------------------------------------------------------------- time helpers


def to_db_time(t: datetime) -> str:
    """Fixed-width UTC text: ``2026-11-23T10:00:00.123456Z`` (sorts as time)."""
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_db_time(s: str | None) -> datetime | None:
    if not s:
        return None
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


# --------------------------------------------------------------------------- (de)serialisers


def text_to_blob(text: TextVersion) -> bytes:
    data = {
        "status": str(text.status),
        "kind": text.kind,
        "paragraphs": list(text.paragraphs),
        "title": text.title,
        "digest": text.digest,
        "detail": text.detail,
        "meta": text.meta,
        "raw_word_count": text.raw_word_count,
    }
    return zlib.compress(json.dumps(data, ensure_ascii=False, default=str).encode("utf-8"), 1)  # level 1: the index writer is one thread


def text_from_blob(blob: bytes) -> TextVersion:
    d = json.loads(zlib.decompress(blob))
    return TextVersion(
        status=TextStatus(d["status"]),
        kind=d["kind"],
        paragraphs=tuple(d["paragraphs"]),
        title=d["title"],
        digest=d["digest"],
        detail=d["detail"],
        meta=d.get("meta") or {},
        raw_word_count=d.get("raw_word_count", 0),
    )


def diff_to_json(diff: Diff | None) -> str | None:
    if diff is None:
        return None
    return json.dumps(asdict(diff), ensure_ascii=False)


def diff_from_json(s: str | None) -> Diff | None:
    if not s:
        return None
    d = json.loads(s)
    d["hunks"] = tuple(Hunk(**h) for h in d.get("hunks", ()))
    return Diff(**d)


_CAPTURE_COLUMNS = (
    "id, url, captured_at, outcome, status, final_url, redirects, content_type, payload_digest, "
    "warc_file, warc_offset, warc_length, record_type, refers_to, truncated, detail, ip, elapsed"
)


def _capture_from_row(r: Sequence[Any]) -> Capture:
    return Capture(
        id=r[0],
        url=r[1],
        captured_at=from_db_time(r[2]),  # type: ignore[arg-type]
        outcome=Outcome(r[3]),
        status=r[4],
        final_url=r[5],
        redirects=tuple(json.loads(r[6] or "[]")),
        content_type=r[7],
        payload_digest=r[8],
        warc_file=r[9],
        warc_offset=r[10],
        warc_length=r[11],
        record_type=r[12],
        refers_to=r[13],
        truncated=bool(r[14]),
        detail=r[15] or "",
        ip=r[16],
        elapsed=r[17] or 0.0,
    )


def _capture_values(c: Capture, text_key: str | None) -> tuple[Any, ...]:
    return (
        c.id, c.url, to_db_time(c.captured_at), str(c.outcome), c.status, c.final_url,
        json.dumps(list(c.redirects)), c.content_type, c.payload_digest, c.warc_file, c.warc_offset,
        c.warc_length, c.record_type, c.refers_to, int(c.truncated), c.detail, c.ip, c.elapsed, text_key,
    )


_EVENT_COLUMNS = "id, url, type, reason, detected_at, capture, previous_capture, summary, evidence, diff"


def _event_from_row(r: Sequence[Any]) -> Event:
    return Event(
        id=r[0],
        url=r[1],
        type=EventType(r[2]),
        reason=r[3],
        detected_at=from_db_time(r[4]),  # type: ignore[arg-type]
        capture=r[5],
        previous_capture=r[6],
        summary=r[7],
        evidence=json.loads(r[8] or "{}"),
        diff=diff_from_json(r[9]),
    )


_URL_COLUMNS = (
    "url, origin, kind, interval, tags, next_due, last_checked, status, consecutive_failures, "
    "last_capture, last_good_capture, checks, last_change, browser"
)


def _url_from_row(r: Sequence[Any]) -> UrlState:
    # Every URL's row is read at the start of a batch: its times are parsed by ``fromisoformat``
    # (the fixed-width ``to_db_time`` text; UTC from its ``Z``), ~50x faster than ``strptime``.
    due, checked, change = (datetime.fromisoformat(t) if t else None for t in (r[5], r[6], r[12]))
    return UrlState(
        url=r[0], origin=r[1], kind=r[2], interval=r[3], tags=tuple(json.loads(r[4]) if r[4] and r[4] != "[]" else ()),
        next_due=due, last_checked=checked, status=SourceStatus(r[7]),
        consecutive_failures=r[8], last_capture=r[9], last_good_capture=r[10], checks=r[11],
        last_change=change, browser=bool(r[13]),
    )


@dataclass(frozen=True, slots=True)
class CheckRecord:
    """Everything one check writes to the index, committed in one transaction."""

    capture: Capture
    text_key: TextKey | None
    text: TextVersion | None  # stored under text_key when not already there
    verdicts: tuple[Verdict, ...]
    diff: Diff | None
    status: SourceStatus
    consecutive_failures: int
    good: bool  # this capture becomes the URL's last good capture
    next_due: datetime
    changed: bool  # content changed (for the adaptive schedule)
    requisites: tuple[Requisite, ...] = ()  # what this new version needed to be seen
    screenshot: Screenshot | None = None
    page_meta: str | None = None  # the capture's citation metadata (``capture_meta`` JSON), read by the worker


_REQUISITE_COLUMNS = (
    "capture, url, kind, record_id, record_type, captured_at, status, content_type, payload_digest, "
    "warc_file, warc_offset, warc_length, payload_record, payload_file, payload_offset, payload_length, "
    "payload_uri, payload_date"
)


def _requisite_values(r: Requisite) -> tuple[Any, ...]:
    p = r.payload
    return (
        r.capture, r.url, r.kind, r.record.record_id, r.record_type, to_db_time(r.captured_at), r.status,
        r.content_type, r.payload_digest, r.record.warc_file, r.record.offset, r.record.length,
        p.record_id if p else None, p.warc_file if p else None, p.offset if p else None, p.length if p else None,
        r.payload_uri, r.payload_date,
    )


def _requisite_from_row(r: Sequence[Any]) -> Requisite:
    return Requisite(
        capture=r[0], url=r[1], kind=r[2], record=RecordLocation(r[9], r[10], r[11], r[3]), record_type=r[4],
        captured_at=from_db_time(r[5]),  # type: ignore[arg-type]
        status=r[6], content_type=r[7], payload_digest=r[8],
        payload=RecordLocation(r[13], r[14], r[15], r[12]) if r[13] else None, payload_uri=r[16], payload_date=r[17],
    )


def _insert_versions(conn: sqlite3.Connection, requisites: Iterable[Requisite], shots: Iterable[Screenshot]) -> None:
    """Requisite and screenshot rows (inside the caller's transaction)."""
    conn.executemany(
        f"INSERT OR REPLACE INTO requisites ({_REQUISITE_COLUMNS}) VALUES ({','.join('?' * 18)})",
        [_requisite_values(r) for r in requisites],
    )
    conn.executemany(
        "INSERT OR REPLACE INTO screenshots (capture, record_id, warc_file, warc_offset, warc_length, taken_at, "
        "width, height, thumbnail_record, thumbnail_file, thumbnail_offset, thumbnail_length) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(shot.capture, shot.record.record_id, shot.record.warc_file, shot.record.offset, shot.record.length,
          to_db_time(shot.taken_at), shot.width, shot.height, thumb.record_id if thumb else None,
          thumb.warc_file if thumb else None, thumb.offset if thumb else None, thumb.length if thumb else None)
         for shot in shots for thumb in (shot.thumbnail,)],
    )


def _record_checks_extras(conn: sqlite3.Connection, rec: CheckRecord) -> None:
    """The requisite, screenshot and page metadata rows of one check (inside ``record_checks``'
    transaction)."""
    if rec.requisites or rec.screenshot is not None:
        _insert_versions(conn, rec.requisites, () if rec.screenshot is None else (rec.screenshot,))
    if rec.page_meta is not None:
        conn.execute("INSERT OR REPLACE INTO capture_meta (capture, meta) VALUES (?, ?)",
                     (rec.capture.id, rec.page_meta))
