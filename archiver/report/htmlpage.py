"""The HTML report: ``ReportData`` → one self-contained page (inline CSS, inline SVG, no script).

It opens from disk and survives e-mail: nothing is fetched (a Content-Security-Policy meta tag
forbids it too). Everything taken from captures — URLs, summaries, evidence, diff text — is
untrusted page content and is escaped; only http(s) URLs become clickable links.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import datetime
from html import escape
from pathlib import Path

from archiver.models import Diff, Event, ReportData, SourceSummary, TimelinePoint
from archiver.report.detail import MAX_CHANGES, Change, changes, evidence_items, marked, number_line
from archiver.report.shape import iso
from archiver.report.timeline import COLOURS, LABELS, timeline_svg
from archiver.report.views import (
    BLOCKED_NOTE,
    KIND_TITLES,
    NOTHING_TO_CITE,
    document_order,
    grouped,
    kind_counts,
    plural,
    standings,
    status_counts,
)

#: Nothing may load: no scripts, no fonts, no images but inline data; styles inline only.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

Link = Callable[[str], str]


def e(value: object) -> str:
    """HTML-escape any value (quotes too, so it is safe in attributes)."""
    return escape(str(value), quote=True)


def default_capture_link(capture_id: str) -> str:
    """The in-page anchor of a capture in the report's Captures section."""
    return f"#capture-{capture_id}"


def url_link(url: str) -> str:
    """An original URL as a link the reader can click; non-http(s) URLs stay inert text."""
    if re.match(r"(?i)https?://", url):
        return f'<a class="url" href="{e(url)}" rel="noreferrer noopener">{e(url)}</a>'
    return f'<span class="url">{e(url)}</span>'


def _time(t: datetime | None) -> str:
    stamp = iso(t)
    return f'<time datetime="{e(stamp)}">{e(stamp)}</time>' if stamp else "never"


def _capture(capture_id: str | None, link: Link) -> str:
    if not capture_id:
        return "none"
    return f'<a class="capture" href="{e(link(capture_id))}"><code>{e(capture_id)}</code></a>'


def _runs(runs: list[tuple[bool, str]], tag: str) -> str:
    return " ".join(f"<{tag}>{e(text)}</{tag}>" if changed else e(text) for changed, text in runs)


def _change(change: Change) -> str:
    """One change: side by side (before | after) on a wide screen, inline on a narrow one (CSS)."""
    left, right, inline = marked(change.before, change.after)
    before = f"<p>{_runs(left, 'del')}</p>" if change.before else '<p class="none">(not there)</p>'
    after = f"<p>{_runs(right, 'ins')}</p>" if change.after else '<p class="none">(removed)</p>'
    flat = " ".join(
        f"<{op}>{e(text)}</{op}>" if op in ("del", "ins") else e(text) for op, text in inline
    )
    numbers = number_line(change)
    return (
        f'<li class="change {e(change.part)} {e(change.kind)}"><p class="label">{e(change.label)}</p>'
        + (f'<p class="numbers">{e(numbers)}</p>' if numbers else "")
        + f'<div class="sbs"><div class="before"><p class="side">Before</p>{before}</div>'
        f'<div class="after"><p class="side">After</p>{after}</div></div>'
        f'<p class="inline">{flat}</p></li>'
    )


def diff_html(diff: Diff, *, limit: int | None = MAX_CHANGES, summary: str | None = None) -> str:
    """A diff people read: every changed sentence or table row whole, before and after, with the
    changed words marked; headline, byline and dateline first; changed figures on their own line.
    ``limit`` changes at most (None: all); ``summary`` is shown above them when given."""
    items = changes(diff)
    shown = items if limit is None else items[:limit]
    stats = f"+{diff.words_added} −{diff.words_removed} words"
    out = ['<div class="diff">']
    out.append(f'<p class="meta">{e(f"{summary} ({stats})" if summary else stats)}</p>')
    if shown:
        out.append('<ol class="changes">' + "".join(_change(c) for c in shown) + "</ol>")
    else:
        out.append("<p>No textual change.</p>")
    hidden = len(items) - len(shown)
    if hidden:
        out.append(f'<p class="more">… {hidden} more change{"s" if hidden != 1 else ""}</p>')
    out.append("</div>")
    return "".join(out)


def _diff(event: Event) -> str:
    if event.diff is None or not event.diff.hunks:
        return ""
    summary = event.diff.summary if event.diff.summary and event.diff.summary != event.summary else None
    return diff_html(event.diff, summary=summary)


def _event(event: Event, link: Link) -> str:
    captures = f"capture {_capture(event.capture, link)}"
    if event.previous_capture:
        captures = f"previous {_capture(event.previous_capture, link)} → {captures}"
    shown_diff = event.diff is not None and bool(event.diff.hunks)  # an edit's evidence is its diff, shown below
    evidence = "" if shown_diff else "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in evidence_items(event.evidence))
    return (
        f'<article class="event {e(event.type)}" id="event-{e(event.id)}">'
        f"<h4>{url_link(event.url)}</h4>"
        f'<p class="meta"><span class="reason">{e(event.reason)}</span> · detected {_time(event.detected_at)}'
        f" · {captures}</p>"
        f'<p class="summary">{e(event.summary)}</p>'
        + (f'<dl class="evidence">{evidence}</dl>' if evidence else "")
        + _diff(event)
        + "</article>"
    )


def _events(data: ReportData, link: Link) -> str:
    out = ['<section id="events"><h2>Events</h2>']
    for kind, events in grouped(data.events):
        out.append(f'<section id="kind-{e(kind)}"><h3>{e(KIND_TITLES[kind])} ({len(events)})</h3>')
        out.extend(_event(ev, link) for ev in events)
        out.append("</section>")
    if not data.events:
        out.append("<p>No events in this period.</p>")
    out.append("</section>")
    return "".join(out)


def _document(data: ReportData, link: Link) -> str:
    rows = []
    answers = standings(data.sources, data.events)
    for source in document_order(data.sources, answers):
        answer = answers[source.url]
        changed = {True: "yes", False: "no", None: "unknown"}[answer.changed]
        if answer.cite_instead:
            cite = _capture(answer.cite_instead, link)
        elif answer.dead_on_first_check:
            cite = NOTHING_TO_CITE
        elif source.last_good_capture:
            cite = f"the original (archived copy {_capture(source.last_good_capture, link)})"
        else:
            cite = "the original"
        rows.append(
            f'<tr><td>{url_link(source.url)}</td><td class="status {e(source.status)}">{e(source.status)}</td>'
            f"<td>{changed}</td><td>{cite}<br><small>{e(answer.advice)}</small></td></tr>"
        )
    return (
        f'<section id="document"><h2>Document: {e(data.document)}</h2>'
        "<table><thead><tr><th>Source</th><th>Status now</th><th>Changed since first capture</th>"
        "<th>Cite instead</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></section>"
    )


def _note(status: str) -> str:
    return f'<br><small class="note">{e(BLOCKED_NOTE)}</small>' if status == "blocked" else ""


def _sources(data: ReportData, link: Link | None) -> str:
    rows = [
        f'<tr><td>{url_link(s.url)}{" → " + url_link(s.expands_to) if s.expands_to else ""}</td>'
        f'<td class="status {e(s.status)}">{e(s.status)}{_note(str(s.status))}</td>'
        f"<td>{timeline_svg(s.timeline, link=link)}</td><td>{_time(s.last_checked)}</td>"
        f"<td>{s.captures}</td><td>{e(', '.join(s.cited_by)) or '—'}</td></tr>"
        for s in data.sources
    ]
    legend = "".join(
        f'<span class="swatch" style="background:{COLOURS[k]}"></span>{e(LABELS[k])}' for k in COLOURS
    )
    return (
        '<section id="sources"><h2>Sources</h2><table><thead><tr><th>URL</th><th>Status</th>'
        "<th>Timeline</th><th>Last checked</th><th>Captures</th><th>Cited by</th></tr></thead><tbody>"
        + "".join(rows)
        + f'</tbody></table><p class="legend">Timeline:{legend}</p></section>'
    )


def _referenced(data: ReportData) -> list[str]:
    ids: list[str] = []
    for event in data.events:
        ids += [c for c in (event.previous_capture, event.capture) if c]
    answers = standings(data.sources, data.events)
    for source in data.sources:
        ids += [
            c for c in (source.first_capture, source.last_good_capture, answers[source.url].cite_instead) if c
        ]
    return list(dict.fromkeys(ids))


def _captures(data: ReportData, link: Link, custom: bool) -> str:
    known: dict[str, tuple[SourceSummary, TimelinePoint]] = {
        p.capture: (s, p) for s in data.sources for p in s.timeline
    }
    rows = []
    for cid in _referenced(data):
        name = _capture(cid, link) if custom else f"<code>{e(cid)}</code>"
        if cid in known:
            source, point = known[cid]
            status = point.status if point.status is not None else point.outcome
            cells = f"<td>{url_link(source.url)}</td><td>{_time(point.captured_at)}</td><td>{e(status)}</td>"
        else:
            cells = '<td colspan="3">details not in this report</td>'
        rows.append(f'<tr id="capture-{e(cid)}"><td>{name}</td>{cells}<td>{_thumbnail(data, cid)}</td></tr>')
    if not rows:
        return ""
    return (
        '<section id="captures"><h2>Captures</h2><table><thead><tr><th>Capture</th><th>URL</th>'
        "<th>Captured</th><th>Status</th><th>Screenshot</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></section>"
    )


def _thumbnail(data: ReportData, capture_id: str) -> str:
    """The top of the page as that capture's version looked (archiver's screenshot), inline."""
    jpeg = data.thumbnails.get(capture_id)
    if not jpeg:
        return ""
    src = "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")
    return f'<img class="thumbnail" src="{src}" alt="screenshot of capture {e(capture_id)}" width="320">'


def _tally(data: ReportData) -> str:
    """Sources by status now (every removed source, whenever it went), then events by kind."""
    sources = [
        f'<li class="status {e(status)}">{e(status)}: {plural(n, "source")}</li>' for status, n in status_counts(data.sources).items()
    ]
    events = [
        f'<li><a href="#kind-{e(kind)}">{e(KIND_TITLES[kind])}: {plural(n, "event")}</a></li>'
        if n
        else f"<li>{e(KIND_TITLES[kind])}: 0 events</li>"
        for kind, n in kind_counts(data.events).items()
    ]
    return (
        '<nav><ul class="tally sources">' + "".join(sources) + "</ul>"
        '<ul class="tally">' + "".join(events) + "</ul></nav>"
    )


def to_html(data: ReportData, *, capture_link: Link | None = None) -> str:
    """The report as one HTML file. ``capture_link(id)`` gives a capture's href (default: in-page)."""
    link = capture_link or default_capture_link
    css = (Path(__file__).resolve().parent / "style.css").read_text(encoding="utf-8")
    title = f"Sources cited by {data.document}" if data.document is not None else "Source report"
    since = f" · since {_time(data.since)}" if data.since else ""
    body = [
        f"<header><h1>{e(title)}</h1>",
        (
            f'<p class="lede">Generated {_time(data.generated_at)}{since} · {plural(len(data.events), "event")} · '
            f"{plural(len(data.sources), 'source')} · times are UTC</p>"
        ),
        _tally(data),
        "</header><main>",
        _document(data, link) if data.document is not None else "",
        _events(data, link),
        _sources(data, capture_link),
        _captures(data, link, custom=capture_link is not None),
        "</main><footer>archiver report · self-contained: it loads nothing from the network.</footer>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{e(CSP)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{e(title)} — {e(iso(data.generated_at))}</title><style>{css}</style></head>"
        "<body>" + "".join(body) + "</body></html>\n"
    )
