"""A diff people read (issue 12): whole sentences before and after, headline first, figures on
their own line — in JSON, Markdown, the HTML report and the web view — and a header that counts
every removed source. A real page on 127.0.0.1 is captured twice by a real Archive; the web view
and the HTML report are looked at in a real headless Chromium at 1280 and 390 pixels wide.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from selenium.webdriver.common.by import By
from test_serve_browser import chromium, port_pair

from archiver.archive import Archive
from archiver.config import CheckConfig, Config, DetectConfig, FetchConfig
from archiver.serve import Server, open_archive

SENTENCE_V1 = "The poll found that 61% of likely voters back the transit levy, down seven points since September."
SENTENCE_V2 = "The poll found that 59% of likely voters back the transit levy, down nine points since September."
REMOVED = "Opponents have spent more than $2 million on television advertising against the measure this autumn."
ADDED = "Correction: an earlier version of this article misstated the size of the poll sample."


def poll(title: str, sentence: str, row: str, extra: str) -> str:
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>" + title + "</title></head><body><article>"
        f"<h1>{title}</h1><p class='byline'>By Lena Whitfield</p>"
        f"<p>Harbor City voters will decide the levy on December 8. {sentence} Turnout is expected to be high.</p>"
        "<p>Support is strongest among voters under 35 and among renters in the city's eastern districts.</p>"
        f"<table><tr><th>Response</th><th>All voters</th><th>Under 35</th></tr>{row}</table>"
        f"{extra}"
        "<p>Cascade Research interviewed 812 likely voters by landline, cell phone and text message last week.</p>"
        "</article></body></html>"
    )


V1 = poll("Levy support holds at 61%", SENTENCE_V1, "<tr><td>Yes</td><td>61%</td><td>74%</td></tr>", f"<p>{REMOVED}</p>")
V2 = poll("Levy support slips to 59%", SENTENCE_V2, "<tr><td>Yes</td><td>59%</td><td>74%</td></tr>", f"<p>{ADDED}</p>")


def config() -> Config:
    return Config(
        fetch=FetchConfig(allow_private=True), check=CheckConfig(per_host_delay=0),
        detect=DetectConfig(soft404_probe=False),
    )


@pytest.fixture
def edited(httpserver: HTTPServer, tmp_path: Path) -> Iterator[tuple[Archive, str]]:
    url = httpserver.url_for("/2026/11/levy-poll.html")
    httpserver.expect_request("/2026/11/levy-poll.html").respond_with_data(V1, content_type="text/html; charset=utf-8")
    archive = Archive(tmp_path / "snapshots", config())
    archive.check([url])
    httpserver.clear()
    httpserver.expect_request("/2026/11/levy-poll.html").respond_with_data(V2, content_type="text/html; charset=utf-8")
    result = archive.check([url])
    assert [e.type for e in result.events] == ["edited"], result
    try:
        yield archive, url
    finally:
        archive.close()


def test_json_hunks_carry_whole_sentences_before_and_after_headline_first(edited: tuple[Archive, str]) -> None:
    archive, _ = edited
    report = json.loads(archive.report("json"))
    hunks = report["events"][0]["diff"]["hunks"]
    assert hunks[0]["part"] == "headline"
    assert (hunks[0]["before"], hunks[0]["after"]) == ("Levy support holds at 61%", "Levy support slips to 59%")
    by_after = {h["after"]: h for h in hunks}
    assert by_after[SENTENCE_V2]["before"] == SENTENCE_V1  # the sentence, not the paragraph or the token
    assert "Yes | 59% | 74%" in by_after and by_after["Yes | 59% | 74%"]["before"] == "Yes | 61% | 74%"
    removed = [h for h in hunks if h["op"] == "delete"]
    added = [h for h in hunks if h["op"] == "insert"]
    assert [h["before"] for h in removed] == [REMOVED] and [h["after"] for h in removed] == [""]
    assert [h["after"] for h in added] == [ADDED]


def test_markdown_shows_sentences_with_marked_words_and_a_line_per_figure(edited: tuple[Archive, str]) -> None:
    archive, _ = edited
    md = archive.report("md")
    lines = md.splitlines()
    first = next(i for i, line in enumerate(lines) if line.strip().startswith("- **"))
    assert lines[first].strip().startswith("- **Headline**")
    assert "61% → 59% in “The poll found that 61% of likely voters back the transit levy" in md
    assert "- before: The poll found that ~~61%~~ of likely voters back the transit levy, down ~~seven~~ points" in md
    assert "- after: The poll found that **59%** of likely voters back the transit levy, down **nine** points" in md
    assert "~~Opponents have spent more than $2 million" in md  # a removed paragraph, whole
    assert "**Correction: an earlier version" in md


def test_html_report_puts_headline_first_and_marks_words_inside_sentences(edited: tuple[Archive, str]) -> None:
    archive, _ = edited
    html = archive.report("html")
    items = re.findall(r'<li class="change (\w+) (\w+)">', html)
    assert items[0] == ("headline", "changed")
    assert ("text", "removed") in items and ("text", "added") in items
    assert "The poll found that <del>61%</del> of likely voters back the transit levy, down <del>seven</del> points" in html
    assert "The poll found that <ins>59%</ins> of likely voters back the transit levy, down <ins>nine</ins> points" in html
    assert '<p class="numbers">61% → 59% in “The poll found that 61%' in html


def test_cli_diff_prints_sentences_and_json(edited: tuple[Archive, str], tmp_path: Path) -> None:
    from click.testing import CliRunner

    from archiver.cli import cli

    archive, url = edited
    archive.close()
    data = str(tmp_path / "snapshots")
    out = CliRunner().invoke(cli, ["--data", data, "diff", url], env={"NO_COLOR": "1"}, catch_exceptions=False)
    assert out.exit_code == 0, out.output
    assert "Headline" in out.output.splitlines()[1]
    assert "- The poll found that [-61%-] of likely voters" in out.output
    assert "+ The poll found that {+59%+} of likely voters" in out.output
    as_json = CliRunner().invoke(cli, ["--data", data, "diff", url, "--format", "json"], catch_exceptions=False)
    doc = json.loads(as_json.output)
    assert doc["url"] == url and doc["diff"]["hunks"][0]["part"] == "headline"
    assert any(h["before"] == SENTENCE_V1 for h in doc["diff"]["hunks"])


def test_report_header_counts_every_removed_source(httpserver: HTTPServer, tmp_path: Path) -> None:
    """Two sources died in different runs; a report on the last run still says two are removed."""
    for path in ("/a", "/b", "/c"):
        httpserver.expect_request(path).respond_with_data(V1, content_type="text/html")
    urls = [httpserver.url_for(p) for p in ("/a", "/b", "/c")]
    with Archive(tmp_path / "snapshots", config()) as archive:
        archive.check(urls)
        httpserver.clear()
        httpserver.expect_request("/a").respond_with_data("gone", status=404)
        httpserver.expect_request("/b").respond_with_data(V1, content_type="text/html")
        httpserver.expect_request("/c").respond_with_data(V1, content_type="text/html")
        archive.check(urls)
        httpserver.clear()
        httpserver.expect_request("/a").respond_with_data("gone", status=404)
        httpserver.expect_request("/b").respond_with_data("gone", status=410)
        httpserver.expect_request("/c").respond_with_data(V1, content_type="text/html")
        archive.check(urls)
        last_run = archive.events()[-1].detected_at
        md = archive.report("md", since=last_run)
        html = archive.report("html", since=last_run)
    header = md.splitlines()[2]
    assert "3 sources (2 removed, 1 ok)" in header and "events: 1 removed" in header
    assert '<li class="status removed">removed: 2 sources</li>' in html


# --------------------------------------------------------------------------- in Chromium


def _visible(driver: object, selector: str) -> list[str]:
    found = driver.find_elements(By.CSS_SELECTOR, selector)  # type: ignore[attr-defined]
    return [el.text for el in found if el.is_displayed()]


@pytest.mark.parametrize("width", [1280, 390])
def test_diff_in_chromium_side_by_side_when_wide_inline_when_narrow(
    edited: tuple[Archive, str], tmp_path: Path, width: int
) -> None:
    archive, url = edited
    report_file = tmp_path / "report.html"
    report_file.write_text(archive.report("html"), encoding="utf-8")
    archive.close()
    reading = open_archive(tmp_path / "snapshots", config())
    server = Server(reading, port=port_pair())
    server.start()
    driver = chromium(tmp_path / "profile")
    try:
        driver.set_window_size(width, 1600)
        for page in (f"{server.app_url}/diff?url={url}", report_file.as_uri()):
            driver.get(page)
            labels = _visible(driver, ".change .label")
            assert labels[0] == "Headline", (page, labels)
            if width >= 1000:
                before = _visible(driver, ".sbs .before")
                after = _visible(driver, ".sbs .after")
                assert any(SENTENCE_V1 in b for b in before) and any(SENTENCE_V2 in a for a in after)
                assert not _visible(driver, ".change .inline")
                columns = driver.find_element(By.CSS_SELECTOR, ".sbs").value_of_css_property("grid-template-columns")
                assert len(columns.split()) == 2, columns
            else:
                assert not _visible(driver, ".sbs")
                inline = _visible(driver, ".change .inline")
                assert any("The poll found that 61% 59% of likely voters" in t for t in inline), inline
            marked = [d.text for d in driver.find_elements(By.CSS_SELECTOR, ".change del") if d.is_displayed()]
            assert "61%" in marked and "seven" in marked
            body_width = driver.execute_script("return document.documentElement.scrollWidth")
            assert body_width <= width, f"{page} scrolls sideways at {width}px ({body_width}px)"
    finally:
        driver.quit()
        server.stop()
        reading.close()


def test_headline_byline_and_dateline_come_first_each_named() -> None:
    from archiver.diff import diff
    from archiver.models import TextStatus, TextVersion

    def version(*paragraphs: str, title: str) -> TextVersion:
        return TextVersion(TextStatus.OK, "html", paragraphs, title, digest=repr((title, paragraphs)), meta={"header_zone": 2})

    old = version("By Ann Lee", "November 20, 2026", "The poll found that 61% of voters back the levy. Turnout was high.",
                  title="Levy support holds")
    new = version("By Bob Stone", "November 21, 2026", "The poll found that 59% of voters back the levy. Turnout was high.",
                  title="Levy support slips")
    hunks = diff(old, new).hunks
    assert [(h.part, h.before, h.after) for h in hunks] == [
        ("headline", "Levy support holds", "Levy support slips"),
        ("byline", "By Ann Lee", "By Bob Stone"),
        ("dateline", "November 20, 2026", "November 21, 2026"),
        ("text", "The poll found that 61% of voters back the levy.", "The poll found that 59% of voters back the levy."),
    ]


def test_an_added_paragraph_beside_an_edited_one_is_shown_whole() -> None:
    """A paragraph edited in place with a correction added after it (the paragraph counts differ):
    the edit is one sentence before and after, the correction one whole added paragraph — not word
    hunks that run across both paragraphs and repeat the old sentence three times."""
    from archiver.diff import diff
    from archiver.models import TextStatus, TextVersion

    def version(*paragraphs: str) -> TextVersion:
        return TextVersion(TextStatus.OK, "html", paragraphs, "Levy poll", digest=repr(paragraphs))

    intro = "The poll found that 54% of likely voters support the transit levy."
    old_mayor = "City council will vote on the levy next month. The mayor has said she supports the measure."
    new_mayor = ("City council will vote on the levy next month. The mayor has not taken a position on the measure, "
                 "her office said on Monday.")
    correction = "Correction: an earlier version of this article misstated the poll result."
    result = diff(version(intro, old_mayor), version(intro, new_mayor, correction))
    assert [h.op for h in result.hunks if h.paragraph == 2] == ["insert"]
    added = [h for h in result.hunks if h.op == "insert" and h.after == correction]
    assert added and added[0].new == correction  # shown whole
    edits = [h for h in result.hunks if h.paragraph == 1]
    assert edits and all(h.before == "The mayor has said she supports the measure." for h in edits)
    assert all(h.after == "The mayor has not taken a position on the measure, her office said on Monday." for h in edits)
    assert all(correction not in h.after for h in result.hunks if h.op != "insert")
    assert "correction appended" in result.summary
    # A paragraph split in two is still one edit of where the boundary sits, not a paragraph added.
    split = diff(version(intro, old_mayor), version(intro, *old_mayor.split(" The mayor", 1)))
    assert not any(h.op == "insert" and h.new.startswith("has said") for h in split.hunks)
