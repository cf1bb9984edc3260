"""The Markdown report, for pasting into a chat or a ticket: ``ReportData`` → text.

A heading per event kind with its count, one bullet per event (newest first), a sources table;
in document mode, a table of the document's citations first. Untrusted text is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from archiver.models import Diff, Event, EventType, ReportData, ScreenshotFacts, SourceSummary
from archiver.report.detail import MAX_CHANGES, changes, evidence_items, marked, number_line
from archiver.report.shape import iso, screenshot_link
from archiver.report.views import (
    KIND_TITLES,
    NOTHING_TO_CITE,
    document_order,
    grouped,
    kind_counts,
    plural,
    standings,
    status_counts,
)

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#!])")
_TAKEDOWNS = (EventType.REMOVED, EventType.UNREACHABLE, EventType.MOVED)


def md_text(text: str) -> str:
    r"""``text`` on one line with Markdown's active characters backslash-escaped.

    >>> md_text("a *b* | [c](d)")
    'a \\*b\\* \\| \\[c\\](d)'
    """
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def md_url(url: str) -> str:
    """An http(s) URL as an autolink; anything else (``javascript:``…) as inert escaped text."""
    if re.match(r"(?i)https?://", url):
        for raw, encoded in ((" ", "%20"), ("<", "%3C"), (">", "%3E"), ("|", "%7C")):
            url = url.replace(raw, encoded)
        return f"<{url}>"
    return md_text(url)


def _capture(capture_id: str | None, link: Callable[[str], str] | None) -> str:
    if not capture_id:
        return "none"
    code = "`" + capture_id.replace("`", "") + "`"
    return f"[{code}]({link(capture_id).replace(')', '%29').replace(' ', '%20')})" if link else code


def _code(text: str) -> str:
    return "`" + text.replace("`", "") + "`"


def screenshot_markdown(label: str, shot: ScreenshotFacts) -> str:
    """A sub-bullet linking a screenshot where ``archiver serve`` shows it, with its record."""
    size = f"{shot.width}×{shot.height} PNG, {shot.size / 1024:.1f} KB"
    return (
        f"  - {label}: [{size}]({screenshot_link(shot.capture)}) · {_code(shot.target)} · "
        f"record {_code(shot.record.record_id)} in {_code(shot.record.warc_file)}"
    )


def _event_bullet(
    event: Event, link: Callable[[str], str] | None, shots: dict[str, ScreenshotFacts] | None = None
) -> list[str]:
    captures = f"capture {_capture(event.capture, link)}"
    if event.previous_capture:
        captures += f" (previous {_capture(event.previous_capture, link)})"
    line = (
        f"- {md_url(event.url)} — **{md_text(event.reason)}** — {md_text(event.summary)}"
        f" · detected {iso(event.detected_at)} · {captures}"
    )
    lines = [line]
    for label, cid in (("screenshot", event.capture), ("screenshot before", event.previous_capture)):
        shot = (shots or {}).get(cid or "")
        if shot is not None:
            lines.append(screenshot_markdown(label, shot))
    if event.diff is not None and event.diff.hunks:
        lines += diff_markdown(event.diff, indent="  ")
    if event.evidence and event.type in _TAKEDOWNS:
        items = "; ".join(f"{md_text(k)}: {md_text(v)}" for k, v in evidence_items(event.evidence))
        lines.append("  - evidence: " + items)
    return lines


def _marked(runs: list[tuple[bool, str]], mark: str) -> str:
    return " ".join(f"{mark}{md_text(text)}{mark}" if changed else md_text(text) for changed, text in runs)


def diff_markdown(diff: Diff, *, indent: str = "", limit: int | None = MAX_CHANGES) -> list[str]:
    """Each change as a bullet: its label (and changed figures), then the sentence before (the
    old words struck through) and after (the new words in bold)."""
    items = changes(diff)
    shown = items if limit is None else items[:limit]
    lines: list[str] = []
    for change in shown:
        left, right, _ = marked(change.before, change.after)
        numbers = number_line(change)
        head = f"**{change.label}**" + (f": {md_text(numbers)}" if numbers else "")
        lines.append(f"{indent}- {head}")
        lines.append(f"{indent}  - before: " + (_marked(left, "~~") if change.before else "_(not there)_"))
        lines.append(f"{indent}  - after: " + (_marked(right, "**") if change.after else "_(removed)_"))
    if len(items) > len(shown):
        lines.append(f"{indent}- … {len(items) - len(shown)} more changes")
    return lines


def _document_table(data: ReportData, link: Callable[[str], str] | None) -> list[str]:
    lines = [
        f"## Document: {md_text(data.document or '')}",
        "",
        "| Source | Status now | Changed since first capture | Cite instead |",
        "|---|---|---|---|",
    ]
    answers = standings(data.sources, data.events)
    for source in document_order(data.sources, answers):
        answer = answers[source.url]
        changed = {True: "yes", False: "no", None: "unknown"}[answer.changed]
        if answer.cite_instead:
            cite = _capture(answer.cite_instead, link)
        else:  # a link dead when first checked has nothing to cite: not "the original"
            cite = NOTHING_TO_CITE if answer.dead_on_first_check else "the original"
        lines.append(
            f"| {md_url(source.url)} | {source.status} | {changed} | {cite} — {md_text(answer.advice)} |"
        )
    return lines + [""]


def _source_row(source: SourceSummary) -> str:
    cited = ", ".join(md_text(d) for d in source.cited_by) or "—"
    target = f" → {md_url(source.expands_to)}" if source.expands_to else ""  # a short link's expansion
    status = str(source.status)
    if status == "blocked":  # the setting as code, so it reads (and pastes) exactly
        status += " (refused by the address policy: set `fetch.allow_private = true` to capture it)"
    return (
        f"| {md_url(source.url)}{target} | {status} | {iso(source.last_checked) or 'never'} "
        f"| {source.captures} | {cited} |"
    )


def to_markdown(data: ReportData, *, capture_link: Callable[[str], str] | None = None) -> str:
    """The report as Markdown. Captures show as code ids, or links when ``capture_link`` is given."""
    counts = kind_counts(data.events)
    tally = "events: " + (", ".join(f"{n} {kind}" for kind, n in counts.items() if n) or "none")
    now = ", ".join(f"{n} {status}" for status, n in status_counts(data.sources).items())
    since = f" · since {iso(data.since)}" if data.since else ""
    title = f"Sources cited by {md_text(data.document)}" if data.document is not None else "archiver report"
    lines = [
        f"# {title}",
        "",
        f"Generated {iso(data.generated_at)}{since} · {plural(len(data.sources), 'source')}"
        + (f" ({now})" if now else "") + f" · {tally}",
        "",
    ]
    if data.document is not None:
        lines += _document_table(data, capture_link)
    for kind, events in grouped(data.events):
        lines += [f"## {KIND_TITLES[kind]} ({len(events)})", ""]
        for event in events:
            lines += _event_bullet(event, capture_link, data.screenshots)
        lines.append("")
    if not data.events:
        lines += ["No events in this period.", ""]
    lines += [
        "## Sources",
        "",
        "| URL | Status | Last checked | Captures | Cited by |",
        "|---|---|---|---|---|",
    ]
    lines += [_source_row(s) for s in data.sources]
    return "\n".join(lines) + "\n"
