"""A news site captured for real, for the citation, publish and verify tests (issue 11).

A pytest-httpserver on 127.0.0.1 serves an article that declares its authors, site, publisher,
dates and language (JSON-LD, meta tags, Open Graph), edited between two checks (54% → 52%);
a plain page that declares nothing; a page dead on its first check; and a stylesheet and an
image. A document citing them states a publication time a quarter of the way from the first
capture to the second, so "as it read when we published" is the 54% version.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pytest_httpserver import HTTPServer

from archiver.archive import Archive
from archiver.config import CheckConfig, Config, DetectConfig, FetchConfig, PublishConfig

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)

ARTICLE = """<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">
<title>County turnout reaches {pct} percent | Example News</title>
<meta name="author" content="Jane Doe">
<meta property="og:site_name" content="Example News">
<meta property="og:title" content="County turnout reaches {pct} percent">
<meta property="og:type" content="article">
<meta property="article:published_time" content="2026-11-19T07:30:00+01:00">
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
 "headline": "County turnout reaches {pct} percent",
 "author": [{{"@type": "Person", "name": "Jane Doe"}}, {{"@type": "Person", "name": "Rich Roe"}}],
 "publisher": {{"@type": "Organization", "name": "Example Media Group"}},
 "datePublished": "2026-11-19T07:30:00+01:00", "dateModified": "2026-11-19T09:00:00+01:00"}}</script>
<link rel="stylesheet" href="/site.css">
</head><body><article><h1 class="headline">County turnout reaches {pct} percent</h1>
<p class="byline">By Jane Doe and Rich Roe</p>
<p>Turnout in the county reached {pct} percent on Tuesday, the election office said, the highest
share of registered voters to cast a ballot in a midterm since records began in 1952.</p>
<p>Officials credited early voting and longer polling hours for the increase across all districts.</p>
<p><img src="/chart.png" alt="turnout chart" width="200" height="100"></p>
</article><script>document.body.innerHTML = "SCRIPT RAN";</script></body></html>"""

PLAIN = """<html><head><title>Untitled notes</title></head><body><p>Some notes with no author, no site
name and no date anywhere on the page, kept long enough to be read as the page's main text.</p></body></html>"""

CSS = "body { background: rgb(255, 250, 205); } h1.headline { color: rgb(180, 0, 0); }\n"

DOCUMENT = """---
title: Turnout
published_time: {published}
---
# Turnout

Turnout reached 54%, according to [the county]({article}).
See [the notes]({plain}) and [a page that was dead when we cited it]({dead}).
"""


@dataclass
class CitingSite:
    root: Path
    data_dir: Path
    server: HTTPServer
    article: str
    plain: str
    dead: str
    css: str
    chart: str
    document: Path
    published: datetime  # what the document states

    def archive(self, public_url: str = "") -> Archive:
        return Archive(self.data_dir, site_config(public_url))


def site_config(public_url: str = "") -> Config:
    return Config(
        fetch=FetchConfig(allow_private=True),
        check=CheckConfig(per_host_delay=0.0),
        detect=DetectConfig(soft404_probe=False),
        publish=PublishConfig(public_url=public_url),
    )


def build(root: Path) -> CitingSite:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    url = server.url_for
    html = "text/html; charset=utf-8"
    server.expect_request("/2026/11/turnout.html").respond_with_data(ARTICLE.format(pct=54), content_type=html)
    server.expect_request("/notes").respond_with_data(PLAIN, content_type=html)
    server.expect_request("/dead").respond_with_data("<h1>Not Found</h1>", status=404, content_type="text/html")
    server.expect_request("/site.css").respond_with_data(CSS, content_type="text/css")
    server.expect_request("/chart.png").respond_with_data(PNG, content_type="image/png")
    site = CitingSite(root, root / "snapshots", server, url("/2026/11/turnout.html"), url("/notes"), url("/dead"),
                      url("/site.css"), url("/chart.png"), root / "turnout.md", datetime.now(UTC))
    with site.archive() as archive:
        result = archive.check([site.article, site.plain, site.dead])
        assert result.checked == 3 and not result.errors, result
        server.clear()
        server.expect_request("/2026/11/turnout.html").respond_with_data(ARTICLE.format(pct=52), content_type=html)
        server.expect_request("/site.css").respond_with_data(CSS, content_type="text/css")
        server.expect_request("/chart.png").respond_with_data(PNG, content_type="image/png")
        result = archive.check([site.article])
        first, second = archive.history(site.article)
        assert not result.errors and second.captured_at > first.captured_at, result
        site.published = first.captured_at + (second.captured_at - first.captured_at) / 4
        stamp = site.published.astimezone(UTC).isoformat().replace("+00:00", "Z")
        site.document.write_text(
            DOCUMENT.format(published=stamp, article=site.article, plain=site.plain, dead=site.dead), encoding="utf-8"
        )
        archive.import_documents([str(site.document)])
    return site
