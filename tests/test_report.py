"""The report formatters, from ReportData built by hand: JSON against the schema, Markdown, HTML."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from archiver.models import (
    Diff,
    Event,
    EventType,
    Hunk,
    Outcome,
    RecordLocation,
    ReportData,
    ScreenshotFacts,
    SourceStatus,
    SourceSummary,
    TimelinePoint,
)
from archiver.report import (
    iso,
    load_schema,
    render,
    report_json,
    standing,
    timeline_svg,
    to_html,
    to_json,
    to_markdown,
)

INTERFACE = Path(__file__).resolve().parents[2] / "shared" / "interface.md"
T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
UTC_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
INTERFACE_EVENT_KEYS = {
    "id",
    "url",
    "type",
    "reason",
    "detected_at",
    "capture",
    "previous_capture",
    "summary",
}
INTERFACE_SOURCE_KEYS = {"url", "status", "last_checked", "captures", "cited_by"}

A = "https://example.org/a"  # edited
B = "https://example.org/b"  # removed (soft-404)
C = "https://example.org/c"  # removed (404), then nothing
D = "https://news.example/d"  # fine
EVIL = "<script>alert('x')</script>"


def point(
    capture: str,
    hours: float,
    status: int | None = 200,
    event: str | None = None,
    outcome: Outcome = Outcome.OK,
) -> TimelinePoint:
    return TimelinePoint(capture, T0 + timedelta(hours=hours), outcome, status, event)


def edit_diff() -> Diff:
    return Diff(
        changed=True,
        summary="1 number changed: 61% → 59%",
        paragraphs_changed=1,
        words_added=1,
        words_removed=1,
        hunks=(
            Hunk("equal", "Support for the measure stood at", "Support for the measure stood at", 2),
            Hunk("replace", "61%", "59%", 2),
            Hunk("equal", "in the latest poll.", "in the latest poll.", 2),
            Hunk("equal", "An unchanged paragraph.", "An unchanged paragraph.", 3),
            Hunk("insert", "", f"Injected {EVIL} text", 4),
        ),
        similarity=0.97,
    )


def event(
    id: int,
    url: str,
    type: EventType,
    reason: str,
    hours: float,
    capture: str,
    previous: str,
    summary: str,
    **extra: Any,
) -> Event:
    return Event(id, url, type, reason, T0 + timedelta(hours=hours), capture, previous, summary, **extra)


def source(
    url: str,
    status: SourceStatus,
    hours: float,
    cited_by: tuple[str, ...],
    first: str,
    last_good: str,
    *timeline: TimelinePoint,
) -> SourceSummary:
    return SourceSummary(
        url, status, T0 + timedelta(hours=hours), len(timeline), cited_by, first, last_good, timeline
    )


SOFT_404_EVIDENCE = {
    "status_chain": [301, 200],
    "redirects": [B, "https://example.org/"],
    "probe": {"status": 200, "similarity": 0.98},
    "marker": "Page <b>not</b> found",
    "checked_at": T0,
}


@pytest.fixture
def data() -> ReportData:
    events = (
        event(
            1,
            C,
            EventType.REMOVED,
            "http-404",
            1,
            "c2",
            "c1",
            "404 Not Found",
            evidence={"status_chain": [404]},
        ),
        event(
            2,
            A,
            EventType.EDITED,
            "text-changed",
            2,
            "a2",
            "a1",
            "1 number changed: 61% → 59%",
            diff=edit_diff(),
        ),
        event(
            3, B, EventType.REMOVED, "soft-404", 3, "b2", "b1", "soft-404 | gone", evidence=SOFT_404_EVIDENCE
        ),
        event(4, D, EventType.UNREACHABLE, "timeout", 4, "d2", "d1", "timed out"),
    )
    poll = ("articles/poll.md",)
    sources = (
        source(A, SourceStatus.EDITED, 2, poll, "a1", "a2", point("a1", 0), point("a2", 2, event="edited")),
        source(B, SourceStatus.REMOVED, 3, poll, "b1", "b1", point("b1", 0), point("b2", 3, event="removed")),
        source(
            C,
            SourceStatus.REMOVED,
            1,
            poll + ("notes.md",),
            "c1",
            "c1",
            point("c1", 0),
            point("c2", 1, 404, "removed", Outcome.HTTP_ERROR),
        ),
        source(
            D,
            SourceStatus.OK,
            5,
            (),
            "d1",
            "d3",
            point("d1", 0),
            point("d2", 4, None, "unreachable", Outcome.TIMEOUT),
            point("d3", 5),
        ),
    )
    screenshots = {"a2": shot("a2", 2), "a1": shot("a1", 0)}
    return ReportData(generated_at=T0 + timedelta(days=3, microseconds=500), events=events, sources=sources,
                      screenshots=screenshots)


def shot(capture: str, hours: int) -> ScreenshotFacts:
    """The screenshot taken with a capture of A, as ``Archive.screenshot_facts`` reads it."""
    return ScreenshotFacts(
        capture=capture, record=RecordLocation(f"archiver-{capture}.warc.gz", 1000 + hours, 2000, f"<urn:uuid:{capture}>"),
        target=f"urn:view:{A}", content_type="image/png", digest=f"sha1:{capture.upper()}", size=25_700 + hours,
        width=1280, height=2400 + hours, taken_at=T0 + timedelta(hours=hours, microseconds=7),
    )


# --------------------------------------------------------------------------- helpers


def strict_checker() -> jsonschema.FormatChecker:
    """date-time as archiver writes it: UTC with Z, to the second."""
    checker = jsonschema.FormatChecker(formats=())

    def utc_z(value: object) -> bool:
        return not isinstance(value, str) or bool(UTC_Z.match(value))

    checker.checks("date-time")(utc_z)
    return checker


def validate(doc: Any, *, formats: bool = True) -> list[jsonschema.ValidationError]:
    validator = jsonschema.Draft202012Validator(
        load_schema(), format_checker=strict_checker() if formats else None
    )
    return list(validator.iter_errors(doc))


def interface_example() -> Any:
    text = INTERFACE.read_text(encoding="utf-8")
    blocks = re.findall(r"```json\n(.*?)```", text, re.DOTALL)
    assert len(blocks) == 1, "interface.md should hold exactly one JSON example"
    return json.loads(blocks[0])


class Tags(HTMLParser):
    """Every start tag with its attributes, plus the text of <style> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def parse(html: str) -> Tags:
    parser = Tags()
    parser.feed(html)
    parser.close()
    return parser


# --------------------------------------------------------------------------- iso and JSON


def test_iso_is_utc_with_z_to_the_second() -> None:
    assert iso(datetime(2026, 11, 23, 10, 0, 0, 999999, tzinfo=UTC)) == "2026-11-23T10:00:00Z"
    assert iso(datetime(2026, 11, 23, 5, 0, tzinfo=timezone(timedelta(hours=-5)))) == "2026-11-23T10:00:00Z"
    assert iso(datetime(2026, 11, 23, 10, 0)) == "2026-11-23T10:00:00Z"  # naive means UTC
    assert iso(None) is None


def test_report_json_validates_against_schema(data: ReportData) -> None:
    doc = report_json(data)
    assert validate(doc) == []
    assert doc["generated_at"] == "2026-11-23T08:00:00Z"


def test_interface_example_validates_against_schema() -> None:
    example = interface_example()
    assert validate(example, formats=False) == []
    # With formats asserted, the one failure is the example's placeholder "…" for last_checked.
    errors = validate(example)
    assert [(list(err.absolute_path), err.instance) for err in errors] == [
        (["sources", 0, "last_checked"], "…")
    ]


def test_schema_rejects_what_the_interface_forbids(data: ReportData) -> None:
    doc = report_json(data)
    for path, bad in [
        (("events", 0, "type"), "deleted"),
        (("events", 0, "id"), "17"),
        (("events", 0, "detected_at"), "2026-11-23T10:00:00+00:00"),
        (("sources", 0, "captures"), -1),
        (("events", 0, "reason"), "HTTP 404"),
    ]:
        broken = json.loads(json.dumps(doc))
        broken[path[0]][path[1]][path[2]] = bad
        assert validate(broken), f"{path} = {bad!r} should not validate"
    missing = json.loads(json.dumps(doc))
    del missing["sources"][0]["cited_by"]
    assert validate(missing)


def test_report_json_keeps_interface_keys_and_adds_only(data: ReportData) -> None:
    doc = report_json(data)
    for event in doc["events"]:
        assert INTERFACE_EVENT_KEYS <= event.keys()
        assert {"evidence", "diff"} <= event.keys()
    for source in doc["sources"]:
        assert INTERFACE_SOURCE_KEYS <= source.keys()
    assert [e["id"] for e in doc["events"]] == [1, 2, 3, 4]  # detection order, not newest first
    edited = doc["events"][1]
    hunk = edited["diff"]["hunks"][1]
    assert edited["diff"]["words_added"] == 1 and {k: hunk[k] for k in ("op", "old", "new", "paragraph")} == {
        "op": "replace",
        "old": "61%",
        "new": "59%",
        "paragraph": 2,
    }
    soft = doc["events"][2]
    assert soft["evidence"]["status_chain"] == [301, 200]
    assert soft["evidence"]["checked_at"] == "2026-11-20T08:00:00Z"  # datetimes inside evidence too
    assert doc["sources"][0]["timeline"][1] == {
        "capture": "a2",
        "captured_at": "2026-11-20T10:00:00Z",
        "outcome": "ok",
        "status": 200,
        "event": "edited",
    }


def test_report_json_names_each_events_screenshots_by_record(data: ReportData) -> None:
    doc = report_json(data)
    edited = doc["events"][1]
    assert edited["screenshot"] == {
        "capture": "a2", "record_id": "<urn:uuid:a2>", "target": f"urn:view:{A}",
        "warc_file": "archiver-a2.warc.gz", "warc_offset": 1002, "content_type": "image/png",
        "digest": "sha1:A2", "bytes": 25_702, "width": 1280, "height": 2402,
        "taken_at": "2026-11-20T10:00:00Z", "link": "/screenshot/a2.png",
    }
    assert edited["previous_screenshot"]["record_id"] == "<urn:uuid:a1>"
    assert edited["previous_screenshot"]["link"] == "/screenshot/a1.png"
    removed = doc["events"][0]  # a 404 showed no page: no screenshot, the keys still there
    assert removed["screenshot"] is None and removed["previous_screenshot"] is None
    assert validate(doc) == []
    broken = json.loads(json.dumps(doc))
    broken["events"][1]["screenshot"]["target"] = A  # a screenshot is never the page's own URL
    assert validate(broken)


def test_every_time_in_json_is_utc_z(data: ReportData) -> None:
    def times(node: Any, key: str = "") -> list[str]:
        if isinstance(node, dict):
            return [t for k, v in node.items() for t in times(v, k)]
        if isinstance(node, list):
            return [t for v in node for t in times(v, key)]
        return [node] if key.endswith(("_at", "_checked")) and node is not None else []

    found = times(report_json(data))
    assert len(found) > 10 and all(UTC_Z.match(t) for t in found)


def test_to_json_is_report_json_as_text(data: ReportData) -> None:
    text = to_json(data)
    assert json.loads(text) == report_json(data)
    assert "61% → 59%" in text  # ensure_ascii=False: readable, still valid JSON
    assert render(data, "json") == text


def test_report_json_empty() -> None:
    empty = ReportData(generated_at=T0, events=(), sources=())
    doc = report_json(empty)
    assert doc["events"] == [] and doc["sources"] == []
    assert validate(doc) == []


# --------------------------------------------------------------------------- markdown


def test_markdown_groups_by_kind_newest_first(data: ReportData) -> None:
    md = to_markdown(data)
    headings = re.findall(r"^## (.+)$", md, re.MULTILINE)
    assert headings == ["Removed (2)", "Edited (1)", "Unreachable (1)", "Sources"]
    removed = md.split("## Removed (2)")[1].split("## Edited")[0]
    assert removed.index(B) < removed.index(C)  # B detected later: first
    bullet = next(line for line in md.splitlines() if line.startswith(f"- <{C}>"))
    assert "http-404" in bullet and "404 Not Found" in bullet and "`c2`" in bullet and "`c1`" in bullet


def test_markdown_event_details_and_escaping(data: ReportData) -> None:
    md = to_markdown(data)
    assert "soft-404 \\| gone" in md  # a pipe in a summary cannot break a table or a line
    assert "61% → 59%" in md
    assert "evidence: status chain: 301 → 200" in md
    assert "\\<script\\>" in md and "<script>" not in md


def test_markdown_links_each_events_screenshots(data: ReportData) -> None:
    md = to_markdown(data)
    bullet = md[md.index(f"- <{A}>"):]
    bullet = bullet[: bullet.index("\n- ") if "\n- " in bullet else len(bullet)]
    assert (
        f"  - screenshot: [1280×2402 PNG, 25.1 KB](/screenshot/a2.png) · `urn:view:{A}` · "
        "record `<urn:uuid:a2>` in `archiver-a2.warc.gz`"
    ) in bullet.splitlines()
    assert "  - screenshot before: [1280×2400 PNG, 25.1 KB](/screenshot/a1.png)" in bullet
    assert md.count("](/screenshot/") == 2  # the 404, the soft-404 and the timeout have none


def test_markdown_sources_table(data: ReportData) -> None:
    md = to_markdown(data)
    table = md.split("## Sources")[1]
    assert "| URL | Status | Last checked | Captures | Cited by |" in table
    assert f"| <{C}> | removed | 2026-11-20T09:00:00Z | 2 | articles/poll.md, notes.md |" in table


def test_markdown_capture_links(data: ReportData) -> None:
    md = to_markdown(data, capture_link=lambda cid: f"../replay/{cid}")
    assert "[`c2`](../replay/c2)" in md


def test_markdown_document_mode_says_what_to_cite_instead(data: ReportData) -> None:
    md = to_markdown(ReportData(data.generated_at, data.events, data.sources, document="articles/poll.md"))
    assert "## Document: articles/poll.md" in md
    assert "| Source | Status now | Changed since first capture | Cite instead |" in md
    assert f"| <{B}> | removed | yes | `b1` — taken down: cite the last good capture |" in md
    assert f"| <{A}> | edited | yes | `a1` — edited: cite the capture as first taken |" in md
    assert f"| <{D}> | ok | no | the original — unchanged: cite the original |" in md


def test_markdown_without_events(data: ReportData) -> None:
    md = to_markdown(ReportData(T0, (), data.sources))
    assert "No events in this period." in md and "## Removed" not in md


# --------------------------------------------------------------------------- HTML


def test_html_has_no_external_resources(data: ReportData) -> None:
    html = to_html(data)
    tags = parse(html)
    names = {tag for tag, _ in tags.tags}
    assert not names & {"script", "link", "img", "iframe", "object", "embed", "image", "use", "base", "form"}
    for tag, attrs in tags.tags:
        assert "src" not in attrs and "srcset" not in attrs, tag
        assert not any(k.startswith("on") for k in attrs), tag  # no event handlers
        if tag != "a":
            assert "href" not in attrs and "xlink:href" not in attrs, tag
    assert tags.styles and all("url(" not in s and "@import" not in s for s in tags.styles)
    assert all("url(" not in (attrs.get("style") or "") for _, attrs in tags.tags)
    csp = [a for t, a in tags.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in (csp[0]["content"] or "")


def test_html_diff_highlighted_and_escaped(data: ReportData) -> None:
    html = to_html(data)
    assert "<del>61%</del>" in html and "<ins>59%</ins>" in html
    assert "<ins>Injected &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; text</ins>" in html
    assert "An unchanged paragraph" not in html  # only changed paragraphs are shown
    assert "<script" not in html


def test_html_shows_takedown_evidence(data: ReportData) -> None:
    html = to_html(data)
    assert "<dt>status chain</dt><dd>301 → 200</dd>" in html
    assert f"<dt>redirects</dt><dd>{B} → https://example.org/</dd>" in html
    assert "<dt>marker</dt><dd>Page &lt;b&gt;not&lt;/b&gt; found</dd>" in html
    assert "<dt>probe</dt><dd>status: 200; similarity: 0.98</dd>" in html


def test_html_groups_newest_first_and_links_both_captures(data: ReportData) -> None:
    html = to_html(data)
    order = [html.index(f'id="kind-{k}"') for k in ("removed", "edited", "unreachable")]
    assert order == sorted(order) and 'id="kind-moved"' not in html
    assert html.index('id="event-3"') < html.index('id="event-1"')
    ids = {a["id"] for _, a in parse(html).tags if a.get("id")}
    hrefs = [h for t, a in parse(html).tags if t == "a" and (h := a.get("href") or "").startswith("#")]
    assert "#capture-b1" in hrefs and "#capture-b2" in hrefs
    assert all(h[1:] in ids for h in hrefs)  # every in-page link has its target


def test_html_capture_link_and_unsafe_urls(data: ReportData) -> None:
    bad = Event(9, "javascript:alert(1)", EventType.MOVED, "permanent-redirect", T0, "x9", None, "moved")
    html = to_html(ReportData(T0, data.events + (bad,), data.sources), capture_link=lambda c: f"/capture/{c}")
    hrefs = [a.get("href") or "" for t, a in parse(html).tags if t == "a"]
    assert "/capture/a2" in hrefs
    assert not any(h.lower().startswith("javascript:") for h in hrefs)
    assert "javascript:alert(1)" in html  # shown, as text


def test_html_timeline_per_source(data: ReportData) -> None:
    html = to_html(data)
    assert html.count("<svg") == len(data.sources)
    assert 'class="mark removed"' in html and 'class="mark edited"' in html and 'class="mark ok"' in html


def test_html_document_mode(data: ReportData) -> None:
    html = to_html(ReportData(data.generated_at, data.events, data.sources, document="articles/poll.md"))
    assert "<h1>Sources cited by articles/poll.md</h1>" in html
    section = html.split('<section id="document">')[1].split("</section>")[0]
    assert "Cite instead" in section and "Changed since first capture" in section
    assert 'href="#capture-b1"' in section and "taken down: cite the last good capture" in section


def test_render_dispatch(data: ReportData) -> None:
    assert render(data, "md") == to_markdown(data)
    assert render(data, "html", capture_link=None) == to_html(data)
    with pytest.raises(ValueError, match="unknown report format"):
        render(data, "pdf")


# --------------------------------------------------------------------------- timeline and standing


def test_timeline_svg_is_wellformed_and_escaped() -> None:
    svg = timeline_svg(
        [point("x<1>", 0), point("x2", 1, 404, "removed", Outcome.HTTP_ERROR), point("x3", 2, 500)]
    )
    root = ET.fromstring(svg)
    marks = root.findall("{http://www.w3.org/2000/svg}rect")
    assert [m.get("class") for m in marks] == ["mark ok", "mark removed", "mark failed"]
    assert float(marks[0].get("x") or 0) < float(marks[2].get("x") or 0)
    assert "capture x<1>" in (marks[0].findtext("{http://www.w3.org/2000/svg}title") or "")
    assert ET.fromstring(timeline_svg([])).tag.endswith("svg")


def test_timeline_svg_links_when_asked() -> None:
    svg = timeline_svg([point("x1", 0)], link=lambda c: f"#capture-{c}")
    assert '<a href="#capture-x1">' in svg


def test_standing_answers(data: ReportData) -> None:
    a, b, _, d = (standing(s, data.events) for s in data.sources)
    assert (a.changed, a.cite_instead) == (True, "a1")
    assert (b.changed, b.cite_instead) == (True, "b1")
    assert (d.changed, d.cite_instead) == (False, None)
    never = SourceSummary("https://x.example/", SourceStatus.NEW, None, 0)
    assert standing(never, ()).changed is None
    down = SourceSummary(D, SourceStatus.UNREACHABLE, T0, 2, (), "d1", "d1")
    assert (standing(down, ()).changed, standing(down, ()).cite_instead) == (None, "d1")


def test_evidence_becomes_plain_json() -> None:
    odd = Event(
        5,
        A,
        EventType.REMOVED,
        "http-410",
        T0,
        "e5",
        None,
        "gone",
        evidence={
            "similarity": float("nan"),
            "body": b"\x00\x01",
            "outcome": Outcome.TIMEOUT,
            "pair": ("a", "b"),
        },
    )
    doc = report_json(ReportData(T0, (odd,), ()))
    assert doc["events"][0]["evidence"] == {
        "similarity": None,
        "body": "<2 bytes>",
        "outcome": "timeout",
        "pair": ["a", "b"],
    }
    assert json.loads(to_json(ReportData(T0, (odd,), ()))) == doc
    assert validate(doc) == []


def test_markdown_url_cannot_break_a_table() -> None:
    src = SourceSummary("https://example.org/a|b c", SourceStatus.OK, T0, 1)
    md = to_markdown(ReportData(T0, (), (src,)))
    assert "| <https://example.org/a%7Cb%20c> | ok |" in md
