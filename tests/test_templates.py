"""Host templates end to end: learned once per site with the slow signals, kept in the index,
applied by the fast pass to the site's other pages, named in an edit's evidence. Real HTTP
server on 127.0.0.1, real WARC and SQLite."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import sqlite_utils
from pytest_httpserver import HTTPServer

from archiver.archive import Archive
from archiver.config import Config

FAST = replace(Config(), check=replace(Config().check, per_host_delay=0.0))

PROSE = {
    "levy": [
        "A new poll of 1,200 likely voters finds that 61% support the transit levy, down from 68% in September.",
        "Support is strongest among voters under 35 and among renters, the pollster said on Thursday.",
        "Opponents have raised $2.3 million and spent most of it on television advertising since October.",
        "Ballots will be mailed on November 18 and must be returned by 8 p.m. on December 8.",
    ],
    "bridge": [
        "The county will close the Harbor Street bridge for six weeks of repairs starting in January.",
        "Engineers found corrosion in two of the bridge's steel girders during an inspection last spring.",
        "Buses on routes 7 and 12 will be detoured over the Fifth Avenue bridge while the work goes on.",
        "The repairs will cost $4.8 million, paid from the state's bridge maintenance fund.",
    ],
}


def article(key: str, *, step: int = 0, related: tuple[str, ...] = ("Council sends levy to ballot",
            "Mayor names new transit chief", "Ferry fares rise in spring"), edit: bool = False) -> str:
    paragraphs = list(PROSE[key])
    if edit:
        paragraphs[0] = paragraphs[0].replace("61%", "59%")
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    teasers = "".join(f'<li><a href="/news/{i}">{t}</a></li>' for i, t in enumerate(related))
    return f"""<!DOCTYPE html><html lang="en"><head><title>{key} | Harbor Herald</title>
<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "{key}",
 "articleBody": "{' '.join(paragraphs)}"}}</script></head><body>
<header class="masthead"><a href="/">Harbor Herald</a><nav><a href="/news">News</a></nav></header>
<main><div class="story"><h1 class="story__title">The {key} story</h1>
<p class="story__byline">By Ana Ruiz</p>
<div class="story__share"><a href="/share">Share</a> <span>{100 + 37 * step} shares</span></div>
<div class="story__body">{body}</div>
<div class="story__more"><h3>More from the Herald</h3><ul>{teasers}</ul></div></div></main>
<footer>© Harbor Herald</footer></body></html>"""


def serve(httpserver: HTTPServer, path: str, html: str) -> str:
    httpserver.expect_request(path).respond_with_data(html, content_type="text/html; charset=utf-8")
    return httpserver.url_for(path)


def test_a_site_template_is_learned_once_kept_and_applied_to_its_other_pages(
    httpserver: HTTPServer, data_dir: Path
) -> None:
    first = serve(httpserver, "/news/levy", article("levy"))
    with Archive(data_dir, FAST) as archive:
        archive.check([first])
        learned = archive.text(archive.history(first)[-1])
    assert learned.meta["extractor"] == "learned"
    assert "More from the Herald" not in learned.text and "shares" not in learned.text
    assert any("61% support" in p for p in learned.paragraphs)
    rows = list(sqlite_utils.Database(data_dir / "index.db")["host_templates"].rows)
    assert len(rows) == 1 and rows[0]["id"] == learned.meta["template"]["id"]

    second = serve(httpserver, "/news/bridge", article("bridge"))
    with Archive(data_dir, FAST) as archive:  # a new process: the template comes from the index
        archive.check([second])
        applied = archive.text(archive.history(second)[-1])
    assert applied.meta["extractor"] == "template"
    assert applied.meta["template"]["id"] == learned.meta["template"]["id"]
    assert any("Harbor Street bridge" in p for p in applied.paragraphs)
    assert "Mayor names new transit chief" not in applied.text
    assert len(list(sqlite_utils.Database(data_dir / "index.db")["host_templates"].rows)) == 1


def test_rotated_teasers_and_counters_are_not_an_edit_and_a_figure_is(httpserver: HTTPServer, data_dir: Path) -> None:
    url = httpserver.url_for("/news/levy")
    pages = [
        article("levy"),
        article("levy", step=1, related=("Ferry fares rise in spring", "Council sends levy to ballot",
                                         "School board race tightens")),
        article("levy", step=2, edit=True),
    ]
    events = []
    with Archive(data_dir, FAST) as archive:
        for html in pages:
            httpserver.clear()
            httpserver.expect_request("/news/levy").respond_with_data(html, content_type="text/html; charset=utf-8")
            events.append(archive.check([url]).events)
    assert events[0] == [] and events[1] == []
    (edit,) = events[2]
    assert edit.type == "edited" and "61%" in (edit.summary or "") and "59%" in (edit.summary or "")
    evidence = edit.evidence
    assert evidence["region_now"].endswith("div.story") and evidence["template_now"] == evidence["template_before"]
    assert evidence["extractor_now"].startswith("template")
