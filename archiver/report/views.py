"""What the human-readable reports show, decided once for Markdown, HTML and JSON.

Takes ``Event``/``SourceSummary`` values; returns events grouped by kind (newest first) and a
source's standing for the document-centric view: changed since first capture? what to cite instead?
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from archiver.models import Event, EventType, Outcome, SourceStatus, SourceSummary, TimelinePoint

#: The order the issue asks for: what needs action first (takedowns), then edits, then the rest.
KIND_ORDER: tuple[EventType, ...] = (
    EventType.REMOVED,
    EventType.EDITED,
    EventType.MOVED,
    EventType.RESTORED,
    EventType.UNREACHABLE,
)

#: Headings for each kind, plural and capitalised.
KIND_TITLES: dict[str, str] = {
    "removed": "Removed",
    "edited": "Edited",
    "moved": "Moved",
    "restored": "Restored",
    "unreachable": "Unreachable",
}


def utc_key(t: datetime) -> datetime:
    """``t`` as an aware UTC datetime, so naive and aware times sort together."""
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def newest_first(events: Iterable[Event]) -> list[Event]:
    """Events by detection time, newest first; ``id`` breaks ties (it grows with detection)."""
    return sorted(events, key=lambda e: (utc_key(e.detected_at), e.id), reverse=True)


def grouped(events: Iterable[Event]) -> list[tuple[EventType, list[Event]]]:
    """Non-empty groups in ``KIND_ORDER``, each newest first."""
    by_kind: dict[str, list[Event]] = {}
    for event in events:
        by_kind.setdefault(str(event.type), []).append(event)
    return [(kind, newest_first(by_kind[kind])) for kind in KIND_ORDER if kind in by_kind]


def kind_counts(events: Iterable[Event]) -> dict[str, int]:
    """How many events of each kind, every kind present (zeros included), in ``KIND_ORDER``."""
    counts = {str(kind): 0 for kind in KIND_ORDER}
    for event in events:
        counts[str(event.type)] = counts.get(str(event.type), 0) + 1
    return counts


#: Source statuses in the order a reader needs them: gone first, fine last.
STATUS_ORDER: tuple[str, ...] = ("removed", "blocked", "unreachable", "edited", "moved", "restored", "ok", "new")


def status_counts(sources: Iterable[SourceSummary]) -> dict[str, int]:
    """How many sources have each status now (zeros left out), in ``STATUS_ORDER``: the header
    counts every removed source, not only those whose removal falls in the report's period."""
    counts: dict[str, int] = {}
    for source in sources:
        counts[str(source.status)] = counts.get(str(source.status), 0) + 1
    return {k: counts[k] for k in (*STATUS_ORDER, *sorted(counts)) if k in counts}


def plural(n: int, word: str) -> str:
    """``plural(1, "source") == "1 source"``; ``plural(2, "source") == "2 sources"``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def is_good(point: TimelinePoint) -> bool:
    """A capture worth citing: a response below 400 that raised no takedown."""
    return (
        point.outcome == Outcome.OK
        and (point.status is None or point.status < 400)
        and point.event not in (EventType.REMOVED, EventType.UNREACHABLE)
    )


@dataclass(frozen=True, slots=True)
class Standing:
    """A cited source's answer in the document view.

    ``changed`` is None when unknown (never captured, or unreachable now with no edit seen);
    ``cite_instead`` is a capture id, None when the original is fine to cite.
    """

    changed: bool | None
    cite_instead: str | None
    advice: str
    dead_on_first_check: bool = False  # gone before archiver ever saw it: the document cites a dead link


#: What the document view offers to cite for a link already dead when first checked.
NOTHING_TO_CITE = "nothing archived (dead when first checked)"

#: Why a source is ``blocked``, wherever its status is shown.
BLOCKED_NOTE = (
    "refused by archiver's address policy (it points at a loopback, private or link-local address); "
    "set fetch.allow_private = true to capture it"
)


def document_order(sources: Sequence[SourceSummary], answers: Mapping[str, Standing]) -> list[SourceSummary]:
    """A document's sources with the links already dead when first checked first (the finding an
    editor must act on), then the others in citation order."""
    return sorted(sources, key=lambda s: not answers[s.url].dead_on_first_check)


def first_good_capture(source: SourceSummary) -> str | None:
    """The earliest citable capture: the version a document most likely cited."""
    for point in sorted(source.timeline, key=lambda p: utc_key(p.captured_at)):
        if is_good(point):
            return point.capture
    return source.first_capture or source.last_good_capture


def standing(source: SourceSummary, events: Sequence[Event]) -> Standing:
    """Whether ``source`` changed since its first capture, and what to cite instead.

    A page that is gone, moved or unreachable: cite its last good capture. A page that was
    edited: cite the first good capture, the text the document relied on (the last good one is
    the edited text, still live). A page that is fine: cite the original.
    """
    return _standing(source, {str(e.type) for e in events if e.url == source.url})


def standings(sources: Iterable[SourceSummary], events: Iterable[Event]) -> dict[str, Standing]:
    """``standing`` of every source, keyed by URL, indexing the events once."""
    kinds_by_url: dict[str, set[str]] = {}
    for event in events:
        kinds_by_url.setdefault(event.url, set()).add(str(event.type))
    return {s.url: _standing(s, kinds_by_url.get(s.url, set())) for s in sources}


def _standing(source: SourceSummary, event_kinds: set[str]) -> Standing:
    kinds = event_kinds | {p.event for p in source.timeline if p.event}
    edited = EventType.EDITED in kinds
    status = source.status
    last_good = source.last_good_capture
    if status == SourceStatus.NEW or source.captures == 0:
        return Standing(None, None, "not captured yet")
    if status == SourceStatus.BLOCKED:
        return Standing(None, last_good, BLOCKED_NOTE)
    never_good = last_good is None and not any(is_good(p) for p in source.timeline)
    if status == SourceStatus.REMOVED and never_good:
        advice = "dead when first checked: the document cites a dead link (no archived copy exists)"
        return Standing(False, None, advice, dead_on_first_check=True)
    if status == SourceStatus.REMOVED:
        advice = "taken down: cite the last good capture" if last_good else "taken down, and no good capture"
        return Standing(True, last_good, advice)
    if status in (SourceStatus.MOVED, SourceStatus.UNREACHABLE):
        moved = status == SourceStatus.MOVED
        what = "moved" if moved else "unreachable now"
        advice = f"{what}: cite the last good capture" if last_good else f"{what}, and no good capture"
        # A move keeps the content; an outage hides it, so "changed?" is unknown unless an edit was seen.
        changed: bool | None = True if edited else (False if moved else None)
        return Standing(changed, last_good, advice)
    if edited or status == SourceStatus.EDITED:
        return Standing(True, first_good_capture(source), "edited: cite the capture as first taken")
    return Standing(False, None, "unchanged: cite the original")
