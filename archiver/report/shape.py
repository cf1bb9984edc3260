"""The JSON report: ``ReportData`` → the dict of ``../shared/interface.md`` (and its string form).

``report_json`` is the one function that builds the JSON shape; ``report_schema.json`` (next to
the package) describes it. Keys may be added over time, never removed or renamed.
"""

from __future__ import annotations

import json
import math
from dataclasses import fields, is_dataclass
from datetime import UTC, date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from archiver.models import Diff, Event, ReportData, ScreenshotFacts, SourceSummary, TimelinePoint
from archiver.report.views import Standing, document_order, standings

#: Evidence nesting deeper than this is cut: evidence is free-form, and a report is not a dump.
_MAX_DEPTH = 6


def iso(t: datetime | None) -> str | None:
    """A UTC ISO 8601 timestamp with ``Z``, to the second; None stays None.

    Microseconds are dropped: a report is read by people, and a capture is named by its id, not
    its time. Naive datetimes are taken to be UTC already (archiver stores UTC everywhere).

    >>> iso(datetime(2026, 11, 23, 10, 0, 0, 123456))
    '2026-11-23T10:00:00Z'
    >>> from datetime import timedelta, timezone
    >>> iso(datetime(2026, 11, 23, 11, 0, tzinfo=timezone(timedelta(hours=1))))
    '2026-11-23T10:00:00Z'
    """
    if t is None:
        return None
    if t.tzinfo is not None:
        t = t.astimezone(UTC)
    return t.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def jsonable(value: Any, _depth: int = 0) -> Any:
    """``value`` as plain JSON data: datetimes → ``iso``, enums → their value, tuples → lists.

    Used for ``Event.evidence``, which the classifier fills freely. Bytes become a length note
    (a report never carries raw payload), anything unknown becomes its ``str``.
    """
    if _depth > _MAX_DEPTH:
        return "…"
    if isinstance(value, float) and not math.isfinite(value):
        return None  # NaN/Infinity are not JSON
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, Enum):
        return jsonable(value.value, _depth)
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    if isinstance(value, dict):
        return {str(k): jsonable(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v, _depth + 1) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name), _depth + 1) for f in fields(value)}
    return str(value)


def diff_json(diff: Diff | None) -> dict[str, Any] | None:
    """An event's diff: summary, word counts and hunks (every ``Diff`` field, additive keys)."""
    if diff is None:
        return None
    return {
        "summary": diff.summary,
        "changed": diff.changed,
        "words_added": diff.words_added,
        "words_removed": diff.words_removed,
        "paragraphs_changed": diff.paragraphs_changed,
        "paragraphs_added": diff.paragraphs_added,
        "paragraphs_removed": diff.paragraphs_removed,
        "similarity": diff.similarity,
        "hunks": [
            {"op": h.op, "old": h.old, "new": h.new, "paragraph": h.paragraph,
             "before": h.before or h.old, "after": h.after or h.new, "part": h.part}
            for h in diff.hunks
        ],
    }


def screenshot_link(capture_id: str) -> str:
    """Where ``archiver serve`` serves the screenshot a capture was taken with (a path on its
    app origin).

    >>> screenshot_link("2zf3x7eknhpr")
    '/screenshot/2zf3x7eknhpr.png'
    """
    return f"/screenshot/{capture_id}.png"


def screenshot_json(shot: ScreenshotFacts | None) -> dict[str, Any] | None:
    """A capture's screenshot: its WARC ``resource`` record, what it holds, where it is served."""
    if shot is None:
        return None
    return {
        "capture": shot.capture,
        "record_id": shot.record.record_id,
        "target": shot.target,
        "warc_file": shot.record.warc_file,
        "warc_offset": shot.record.offset,
        "content_type": shot.content_type,
        "digest": shot.digest,
        "bytes": shot.size,
        "width": shot.width,
        "height": shot.height,
        "taken_at": iso(shot.taken_at),
        "link": screenshot_link(shot.capture),
    }


def event_json(event: Event, screenshots: dict[str, ScreenshotFacts] | None = None) -> dict[str, Any]:
    """One event: the interface's eight keys, then ``evidence``, ``diff`` and, in a report
    (``screenshots``: capture id → screenshot), the screenshots of the versions its captures show."""
    out: dict[str, Any] = {
        "id": event.id,
        "url": event.url,
        "type": str(event.type),
        "reason": event.reason,
        "detected_at": iso(event.detected_at),
        "capture": event.capture,
        "previous_capture": event.previous_capture,
        "summary": event.summary,
        "evidence": jsonable(event.evidence),
        "diff": diff_json(event.diff),
    }
    if screenshots is not None:
        out["screenshot"] = screenshot_json(screenshots.get(event.capture or ""))
        out["previous_screenshot"] = screenshot_json(screenshots.get(event.previous_capture or ""))
    return out


def point_json(point: TimelinePoint) -> dict[str, Any]:
    """One capture on a source's timeline."""
    return {
        "capture": point.capture,
        "captured_at": iso(point.captured_at),
        "outcome": str(point.outcome),
        "status": point.status,
        "event": point.event,
    }


def source_json(source: SourceSummary, answer: Standing) -> dict[str, Any]:
    """One source: the interface's five keys, then the timeline and the document-mode answers."""
    return {
        "url": source.url,
        "status": str(source.status),
        "last_checked": iso(source.last_checked),
        "captures": source.captures,
        "cited_by": list(source.cited_by),
        "first_capture": source.first_capture,
        "last_good_capture": source.last_good_capture,
        "changed_since_first_capture": answer.changed,
        "dead_on_first_check": answer.dead_on_first_check,
        "cite_instead": answer.cite_instead,
        "advice": answer.advice,
        "tags": list(source.tags),
        "kind": source.kind,
        "expands_to": source.expands_to,
        "timeline": [point_json(p) for p in source.timeline],
    }


def report_json(data: ReportData) -> dict[str, Any]:
    """The JSON report. Events are in detection order (``id`` ascending), as the interface says.

    Beyond the interface's keys it carries ``since``, ``document``, per event ``evidence``,
    ``diff`` and the screenshots of its two captures, and per source its timeline and
    document-mode answers.
    """
    answers = standings(data.sources, data.events)
    return {
        "generated_at": iso(data.generated_at),
        "since": iso(data.since),
        "document": data.document,
        "events": [event_json(e, data.screenshots) for e in sorted(data.events, key=lambda e: e.id)],
        # One document's sources: the links already dead when first checked come first.
        "sources": [source_json(s, answers[s.url]) for s in (document_order(data.sources, answers) if data.document else data.sources)],
    }


def to_json(data: ReportData) -> str:
    """``report_json`` as indented UTF-8 text."""
    return json.dumps(report_json(data), indent=2, ensure_ascii=False)


def load_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the report, shipped as ``archiver/report_schema.json``."""
    # Path(__file__), not importlib.resources: the latter fails on editable installs under 3.11.
    text = (Path(__file__).resolve().parent.parent / "report_schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
