"""Citations of a capture in every format; each is parsed back by the tool that would read it."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser

import bibtexparser
import pytest
from bibtexparser.bparser import BibTexParser

from archiver.cite import FORMATS, CitationInfo, format_citation, tex_escape

URL = "https://example.org/news/poll?id=7"
REPLAY = "http://127.0.0.1:8080/capture/2zf3x7eknhpr"
WARC = "archiver-20261123100000-00000.warc.gz"
DIGEST = "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ"


@pytest.fixture
def info() -> CitationInfo:
    return CitationInfo(
        original_url=URL,
        captured_at=datetime(2026, 11, 23, 10, 0, 5, 123456, tzinfo=UTC),
        capture_id="2zf3x7eknhpr",
        replay_url=REPLAY,
        warc_file=WARC,
        warc_offset=48213,
        payload_digest=DIGEST,
        title="Poll: support falls to 59%",
        final_url=URL,
        status=200,
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_carries_the_locator(info: CitationInfo, fmt: str) -> None:
    out = format_citation(info, fmt)
    if fmt == "csl-json":
        out = json.loads(out)[0]["note"] + json.loads(out)[0]["URL"] + json.loads(out)[0]["archive_location"]
    for piece in ("2026-11-23T10:00:05Z", "2zf3x7eknhpr", WARC.replace("_", "\\_"), "48213", DIGEST):
        assert piece in out or piece.replace("\\_", "_") in out, (fmt, piece)
    assert ("example.org/news/poll" in out) and ("127.0.0.1:8080/capture/2zf3x7eknhpr" in out)


def test_text(info: CitationInfo) -> None:
    assert format_citation(info, "text") == (
        f"“Poll: support falls to 59%”. Original: {URL}. Archived 2026-11-23T10:00:05Z by archiver, "
        f"capture 2zf3x7eknhpr: {REPLAY} (WARC {WARC}@48213, {DIGEST})."
    )


def test_text_names_short_link_target_and_untitled(info: CitationInfo) -> None:
    short = replace(info, original_url="https://t.co/abc", title=None, short_link_target=URL, final_url=URL)
    out = format_citation(short, "text")
    assert out.startswith("Original: https://t.co/abc (short link to " + URL + "). Archived")


def test_markdown(info: CitationInfo) -> None:
    out = format_citation(replace(info, title="A [bracketed] *title*"), "md")
    assert out.startswith(
        f"[A \\[bracketed\\] \\*title\\*]({URL}). — archived 2026-11-23T10:00:05Z by archiver: "
    )
    assert (
        f"[capture 2zf3x7eknhpr]({REPLAY})" in out and f"`WARC {WARC}@48213`" in out and f"`{DIGEST}`" in out
    )


class Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[tuple[dict[str, str | None], str]] = []
        self._open: dict[str, str | None] | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._open, self._text = dict(attrs), ""

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open is not None:
            self.anchors.append((self._open, self._text))
            self._open = None


def test_html_is_a_robust_link(info: CitationInfo) -> None:
    parser = Anchors()
    parser.feed(format_citation(replace(info, title='Poll <b>"59%"</b> & more'), "html"))
    (robust, text), (replay, replay_text) = parser.anchors
    assert robust["href"] == URL and robust["data-originalurl"] == URL
    assert robust["data-versionurl"] == REPLAY
    versiondate = robust["data-versiondate"] or ""
    assert versiondate == "2026-11-23T10:00:05Z"
    assert datetime.fromisoformat(versiondate) == datetime(2026, 11, 23, 10, 0, 5, tzinfo=UTC)
    assert text == 'Poll <b>"59%"</b> & more'  # escaped in the markup, so it comes back as text
    assert replay["href"] == REPLAY and replay_text == "capture 2zf3x7eknhpr"


def test_bibtex_parses(info: CitationInfo) -> None:
    tricky = replace(info, title="50% of {A & B}: $5 #1 ~ café_x \\ ^", original_url=URL + "&q=a%20b#frag")
    out = format_citation(tricky, "bibtex")
    db = bibtexparser.loads(out, parser=BibTexParser(ignore_nonstandard_types=False))
    assert len(db.entries) == 1
    entry = db.entries[0]
    assert entry["ENTRYTYPE"] == "online" and entry["ID"] == "archiver-2zf3x7eknhpr"
    assert entry["title"] == tex_escape(tricky.title or "")
    assert entry["url"] == URL + "&q=a%20b#frag"
    assert entry["urldate"] == "2026-11-23"
    note = entry["note"]
    assert "2026-11-23T10:00:05Z" in note and "\\url{http://127.0.0.1:8080/capture/2zf3x7eknhpr}" in note
    assert WARC.replace("_", "\\_") + "@48213" in note and DIGEST in note


def test_bibtex_braces_stay_balanced(info: CitationInfo) -> None:
    out = format_citation(replace(info, title="}{ unbalanced }} {{", original_url=URL + "{x}"), "bibtex")
    entry = bibtexparser.loads(out, parser=BibTexParser(ignore_nonstandard_types=False)).entries[0]
    assert entry["title"] == tex_escape("}{ unbalanced }} {{")
    assert entry["title"].count("{") == entry["title"].count("}")
    assert "%7Bx%7D" in entry["url"]


def test_csl_json(info: CitationInfo) -> None:
    items = json.loads(format_citation(info, "csl-json"))
    assert isinstance(items, list) and len(items) == 1
    item = items[0]
    assert item["id"] == "archiver-2zf3x7eknhpr" and item["type"] == "webpage"
    assert item["title"] == "Poll: support falls to 59%" and item["URL"] == URL
    assert item["accessed"] == {"date-parts": [[2026, 11, 23]]}
    assert item["archive"] == "archiver" and item["archive_location"] == REPLAY
    assert f"WARC {WARC}@48213" in item["note"] and DIGEST in item["note"]
    assert "issued" not in item


def test_csl_json_issued_when_known_and_title_falls_back(info: CitationInfo) -> None:
    item = json.loads(
        format_citation(replace(info, title=None, published=datetime(2026, 11, 1)), "csl-json")
    )[0]
    assert item["issued"] == {"date-parts": [[2026, 11, 1]]}
    assert item["title"] == URL


def test_capture_time_is_utc(info: CitationInfo) -> None:
    local = replace(info, captured_at=datetime(2026, 11, 23, 23, 30, tzinfo=timezone(timedelta(hours=-5))))
    assert "Archived 2026-11-24T04:30:00Z" in format_citation(local, "text")
    assert json.loads(format_citation(local, "csl-json"))[0]["accessed"] == {"date-parts": [[2026, 11, 24]]}
    naive = replace(info, captured_at=datetime(2026, 11, 23, 10, 0))
    assert "2026-11-23T10:00:00Z" in format_citation(naive, "html")


def test_unknown_format(info: CitationInfo) -> None:
    with pytest.raises(ValueError, match="unknown citation format"):
        format_citation(info, "ris")
