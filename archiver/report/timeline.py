"""A source's captures as a small inline SVG strip, one mark per capture coloured by status.

Takes ``TimelinePoint`` values, returns SVG markup (no external references, no script), so it
can sit inside the self-contained HTML report and the web view.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from archiver.models import Outcome, TimelinePoint
from archiver.report.shape import iso
from archiver.report.views import utc_key

WIDTH = 240
HEIGHT = 20
_PAD = 4

#: Mark colours, by what the capture showed. Chosen to stay distinguishable in greyscale print
#: too: takedowns darkest, plain good captures lightest-but-visible.
COLOURS: dict[str, str] = {
    "ok": "#2e7d32",
    "edited": "#b26a00",
    "removed": "#b71c1c",
    "unreachable": "#e65100",
    "moved": "#1565c0",
    "restored": "#00897b",
    "failed": "#9e9e9e",
}

LABELS: dict[str, str] = {
    "ok": "good capture",
    "edited": "edited",
    "removed": "removed",
    "unreachable": "unreachable",
    "moved": "moved",
    "restored": "restored",
    "failed": "failed check (no event yet)",
}


def point_kind(point: TimelinePoint) -> str:
    """The colour key of a capture: the event it raised, else ``ok`` or ``failed``."""
    if point.event and point.event in COLOURS:
        return str(point.event)
    if point.outcome == Outcome.OK and (point.status is None or point.status < 400):
        return "ok"
    return "failed"


def _tooltip(point: TimelinePoint) -> str:
    status = str(point.status) if point.status is not None else str(point.outcome)
    parts = [iso(point.captured_at) or "", status, LABELS[point_kind(point)], f"capture {point.capture}"]
    return " · ".join(parts)


def timeline_svg(points: Sequence[TimelinePoint], *, link: Callable[[str], str] | None = None) -> str:
    """An SVG strip, ``WIDTH``×``HEIGHT``, captures placed by time; events drawn taller.

    Each mark has a ``<title>`` (time, status, kind, capture id); with ``link`` it also links
    to ``link(capture_id)``.

    >>> timeline_svg([]).startswith('<svg')
    True
    """
    ordered = sorted(points, key=lambda p: utc_key(p.captured_at))
    label = f"timeline of {len(ordered)} capture{'s' if len(ordered) != 1 else ''}"
    out = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{label}">'
        ),
        f'<line x1="{_PAD}" y1="{HEIGHT / 2}" x2="{WIDTH - _PAD}" y2="{HEIGHT / 2}" stroke="#bbb" stroke-width="1"/>',
    ]
    if ordered:
        t0 = utc_key(ordered[0].captured_at).timestamp()
        span = utc_key(ordered[-1].captured_at).timestamp() - t0
        for point in ordered:
            offset = (utc_key(point.captured_at).timestamp() - t0) / span if span > 0 else 0.5
            out.append(_mark(point, _PAD + offset * (WIDTH - 2 * _PAD), link))
    out.append("</svg>")
    return "".join(out)


def _mark(point: TimelinePoint, x: float, link: Callable[[str], str] | None) -> str:
    kind = point_kind(point)
    tall = point.event is not None
    w, h = (5.0, HEIGHT - 2.0) if tall else (3.0, HEIGHT - 8.0)
    rect = (
        f'<rect class="mark {kind}" x="{x - w / 2:.1f}" y="{(HEIGHT - h) / 2:.1f}" width="{w:.0f}" '
        f'height="{h:.0f}" fill="{COLOURS[kind]}"><title>{escape(_tooltip(point))}</title></rect>'
    )
    if link is None:
        return rect
    return f'<a href="{escape(link(point.capture))}">{rect}</a>'
