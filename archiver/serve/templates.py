"""The web view's HTML: a page layout (a ``string.Template``) and fragments built with escaping.

Every value shown comes from captures or documents and is untrusted: it goes through ``e()``
(quotes too), and only http(s) URLs become links (``url_link``). The pages carry no script.
Plain data in, ``str`` out; the report's formatters (``timeline_svg``, ``iso``, the event
renderer) are reused so the web view and the HTML report show events the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from string import Template
from urllib.parse import urlencode

from archiver.models import Capture, Citation, Diff, Event, ImportedDocument, SourceSummary
from archiver.report import iso, timeline_svg
from archiver.report.htmlpage import _event as report_event  # the report's event renderer (diffs as ins/del)
from archiver.report.htmlpage import diff_html, e, url_link
from archiver.report.views import BLOCKED_NOTE, NOTHING_TO_CITE, Standing, document_order

_CSS_PATH = Path(__file__).resolve().parent.parent / "report" / "style.css"
_EXTRA_CSS = """
header nav a { margin-right: 1rem; } .crumbs { color: #555; font-size: .9em; }
iframe.replay { width: 100%; height: 70vh; border: 1px solid #ccc; background: #fff; }
pre.snippet { white-space: pre-wrap; word-break: break-all; background: #f6f6f6; padding: .5rem; }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; }
.kv dt { color: #555; } .kv dd { margin: 0; word-break: break-all; }
.fulldiff p { margin: .5rem 0; } form.pick { margin: .6rem 0; }
"""

PAGE = Template(
    """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>$title — archiver</title><style>$css</style></head>
<body><header><nav><a href="/">Dashboard</a></nav><h1>$heading</h1>$lede</header>
<main>$body</main>
<footer>archiver web view · times are UTC · archived pages are replayed from $replay, a separate origin,
with scripts disabled.</footer></body></html>
"""
)


def page(title: str, body: str, *, replay_origin: str, lede: str = "", heading: str | None = None) -> str:
    """A whole page; ``title``/``heading``/``lede`` are plain text (escaped here), ``body`` is HTML."""
    css = _CSS_PATH.read_text(encoding="utf-8") + _EXTRA_CSS
    return PAGE.substitute(
        title=e(title),
        heading=e(heading if heading is not None else title),
        css=css,
        body=body,
        lede=f'<p class="lede">{e(lede)}</p>' if lede else "",
        replay=e(replay_origin),
    )


# -- links --------------------------------------------------------------------------------------


def href(route: str, /, **params: str | None) -> str:
    """A path with a query string (values percent-encoded), ready for an attribute after ``e()``."""
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{route}?{query}" if query else route


def capture_href(capture_id: str) -> str:
    return f"/capture/{capture_id}"


def source_link(url: str) -> str:
    return f'<a class="url" href="{e(href("/source", url=url))}">{e(url)}</a>'


def document_link(path: str) -> str:
    return f'<a href="{e(href("/document", path=path))}">{e(path)}</a>'


def capture_link(capture_id: str | None) -> str:
    if not capture_id:
        return "none"
    return f'<a class="capture" href="{e(capture_href(capture_id))}"><code>{e(capture_id)}</code></a>'


def time_html(t: datetime | None) -> str:
    stamp = iso(t)
    return f'<time datetime="{e(stamp)}">{e(stamp)}</time>' if stamp else "never"


def status_html(status: object) -> str:
    """A status word; ``blocked`` also says why and which setting lifts it."""
    note = f'<br><small class="note">{e(BLOCKED_NOTE)}</small>' if str(status) == "blocked" else ""
    return f'<span class="status {e(status)}">{e(status)}</span>{note}'


# -- fragments ----------------------------------------------------------------------------------


def sources_table(sources: Sequence[SourceSummary]) -> str:
    rows = [
        f"<tr><td>{source_link(s.url)}</td><td>{status_html(s.status)}</td>"
        f"<td>{timeline_svg(s.timeline, link=capture_href)}</td><td>{time_html(s.last_checked)}</td>"
        f"<td>{s.captures}</td><td>{', '.join(document_link(d) for d in s.cited_by) or '—'}</td></tr>"
        for s in sources
    ]
    if not rows:
        return "<p>No sources yet: <code>archiver add URL</code> or <code>archiver import FILE</code>.</p>"
    return (
        "<table><thead><tr><th>Source</th><th>Status</th><th>Timeline</th><th>Last check</th>"
        "<th>Captures</th><th>Cited by</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def documents_list(documents: Sequence[ImportedDocument]) -> str:
    if not documents:
        return "<p>No documents imported.</p>"
    items = [
        f"<li>{document_link(d.path)} · {d.citations} citations"
        + (f" · {url_link(d.source_url)}" if d.source_url else "")
        + "</li>"
        for d in documents
    ]
    return "<ul>" + "".join(items) + "</ul>"


def events_html(events: Iterable[Event], *, diff_link: bool = True) -> str:
    out = []
    for event in events:
        html = report_event(event, capture_href)
        if diff_link and event.previous_capture and event.capture and event.diff is not None:
            link = href("/diff", url=event.url, a=event.previous_capture, b=event.capture)
            html = html.replace("</article>", f'<p><a href="{e(link)}">Full diff</a></p></article>', 1)
        out.append(html)
    return "".join(out) or "<p>No events.</p>"


def captures_table(url: str, captures: Sequence[Capture]) -> str:
    """Captures newest first; each good one links to its diff with the previous good one."""
    cells = []
    previous_good: str | None = None
    for c in captures:  # oldest first, so "previous" is known
        diff = ""
        if c.outcome == "ok" and previous_good:
            diff = f'<a href="{e(href("/diff", url=url, a=previous_good, b=c.id))}">diff</a>'
        if c.outcome == "ok":
            previous_good = c.id
        status = c.status if c.status is not None else "—"
        detail = f"<br><small>{e(c.detail)}</small>" if c.detail else ""
        cells.append(
            f"<tr><td>{capture_link(c.id)}</td><td>{time_html(c.captured_at)}</td><td>{e(c.outcome)}{detail}</td>"
            f"<td>{e(status)}</td><td>{e(c.record_type)}</td><td>{diff}</td></tr>"
        )
    return (
        "<table><thead><tr><th>Capture</th><th>Captured</th><th>Outcome</th><th>HTTP</th><th>Record</th>"
        "<th></th></tr></thead><tbody>" + "".join(reversed(cells)) + "</tbody></table>"
    )


def diff_form(url: str, captures: Sequence[Capture], a: str | None = None, b: str | None = None) -> str:
    good = [c for c in captures if c.outcome == "ok"]
    if len(good) < 2:
        return ""

    def options(selected: str | None) -> str:
        return "".join(
            f'<option value="{e(c.id)}"{" selected" if c.id == selected else ""}>'
            f"{e(iso(c.captured_at))} · {e(c.id)}</option>"
            for c in good
        )

    a = a or good[-2].id
    b = b or good[-1].id
    return (
        f'<form class="pick" method="get" action="/diff"><input type="hidden" name="url" value="{e(url)}">'
        f'Compare <select name="a">{options(a)}</select> with <select name="b">{options(b)}</select> '
        '<button type="submit">Diff</button></form>'
    )


def citations_html(citations: Sequence[Citation]) -> str:
    if not citations:
        return "<p>Not cited by any imported document.</p>"
    items = [
        f"<li>{document_link(c.document)}: “{e(c.anchor) or e(c.url_as_written)}”"
        + (f"<br><small>{e(c.context)}</small>" if c.context else "")
        + "</li>"
        for c in citations
    ]
    return "<ul>" + "".join(items) + "</ul>"


def standing_rows(
    sources: Sequence[SourceSummary], answers: Mapping[str, Standing], anchors: Mapping[str, list[str]]
) -> str:
    rows = []
    for s in document_order(sources, answers):
        answer = answers[s.url]
        changed = {True: "yes", False: "no", None: "unknown"}[answer.changed]
        if answer.cite_instead:
            cite = capture_link(answer.cite_instead)
        elif answer.dead_on_first_check:
            cite = NOTHING_TO_CITE
        elif s.last_good_capture:
            cite = f"the original (archived copy {capture_link(s.last_good_capture)})"
        else:
            cite = "the original"
        words = "; ".join(f"“{e(a)}”" for a in anchors.get(s.url, []) if a)
        rows.append(
            f"<tr><td>{source_link(s.url)}"
            + (f"<br><small>{words}</small>" if words else "")
            + f"</td><td>{status_html(s.status)}</td><td>{changed}</td>"
            f"<td>{cite}<br><small>{e(answer.advice)}</small></td></tr>"
        )
    return (
        "<table><thead><tr><th>Source</th><th>Status now</th><th>Changed since first capture</th>"
        "<th>Cite instead</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def full_diff(diff: Diff) -> str:
    """Every change of a diff, as the report shows it: each changed sentence before and after,
    side by side on a wide screen, inline on a narrow one."""
    return diff_html(diff, limit=None).replace('class="diff"', 'class="diff fulldiff"', 1)


def definition_list(items: Iterable[tuple[str, str]]) -> str:
    """``(label, html)`` pairs; labels are escaped here, values must already be HTML."""
    return '<dl class="kv">' + "".join(f"<dt>{e(k)}</dt><dd>{v}</dd>" for k, v in items) + "</dl>"
