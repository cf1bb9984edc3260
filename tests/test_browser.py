"""Browser capture end to end: a page whose text exists only after its script has fetched a JSON
endpoint, captured in headless Chromium (Debian's /usr/bin/chromium) against a real server on
127.0.0.1. The WARC must hold every response the page loaded (read back with ArchiveIterator),
the text version the rendered words, and an edit of the JSON data must be flagged ``edited``.

Chromium is required: without it these tests fail with a message saying how to install it
(``scripts/test.sh`` does), never skip.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import warc_files
from hostproxy import PlayedWeb, guard_dns
from pytest_httpserver import HTTPServer
from warcio.archiveiterator import ArchiveIterator
from werkzeug import Response

from archiver.archive import Archive
from archiver.browser import render
from archiver.cli import cli
from archiver.config import BrowserConfig, CheckConfig, Config
from archiver.models import FetchResult
from archiver.warcstore import parse_fields

CHROMIUM = BrowserConfig().executable
CONFIG = Config(check=CheckConfig(per_host_delay=0.0))

SHELL = """<!doctype html><html><head><title>County results</title>
<script src="/static/app.js" defer></script></head>
<body><div id="app"></div><noscript>You need to enable JavaScript to run this app.</noscript></body></html>"""
#: The page's script: fetch the data, then build the article from it.
APP = """fetch('/api/results.json').then(r => r.json()).then(d => {
  const app = document.getElementById('app');
  const h1 = document.createElement('h1'); h1.textContent = d.headline; app.appendChild(h1);
  for (const text of d.paragraphs) { const p = document.createElement('p'); p.textContent = text; app.appendChild(p); }
});"""
DATA = {
    "headline": "County turnout reaches 61 percent",
    "paragraphs": [
        "Turnout in the county reached 61 percent on Tuesday, the election office said in its evening count.",
        "Mail ballots postmarked by election day will be counted through Friday, officials added.",
    ],
}
EDITED = {**DATA, "paragraphs": [DATA["paragraphs"][0].replace("61 percent", "58 percent"), DATA["paragraphs"][1]]}
SERVER_RENDERED = """<!doctype html><html><head><title>Harbor</title><script src="/static/app.js" defer></script></head>
<body><article><h2>Harbor dredging delayed</h2><p>The harbor authority postponed dredging of the north channel
until spring because of the winter storms, its director said.</p><div id="app"></div></article></body></html>"""


@pytest.fixture(autouse=True)
def chromium() -> None:
    """The browser tests need Chromium; its absence is a failure that says how to fix it."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: the browser-capture tests need it. "
            "Run scripts/test.sh (it installs Debian's chromium) or `apt-get install -y chromium`.",
            pytrace=False,
        )


@pytest.fixture
def site(httpserver: HTTPServer) -> Iterator[dict[str, Any]]:
    """A script-built page on 127.0.0.1; change ``state["data"]`` to edit what the script shows."""
    state: dict[str, Any] = {"data": DATA, "page": SHELL}
    httpserver.expect_request("/results").respond_with_handler(
        lambda request: Response(state["page"], content_type="text/html; charset=utf-8"))
    httpserver.expect_request("/static/app.js").respond_with_data(APP, content_type="application/javascript")
    httpserver.expect_request("/api/results.json").respond_with_handler(
        lambda request: Response(json.dumps(state["data"]), content_type="application/json"))
    state["url"] = httpserver.url_for("/results")
    yield state


def records(data_dir: Path) -> list[tuple[str, str, str, str | None, bytes]]:
    """(type, target URI, record id, concurrent-to, payload) of every record, in order."""
    out = []
    for path in warc_files(data_dir):
        with open(path, "rb") as fh:
            for r in ArchiveIterator(fh):
                h = r.rec_headers
                out.append((r.rec_type, h.get_header("WARC-Target-URI"), h.get_header("WARC-Record-ID"),
                            h.get_header("WARC-Concurrent-To"), r.content_stream().read()))
    return out


def test_script_built_page_is_rendered_recorded_and_its_text_kept(site: dict[str, Any], data_dir: Path) -> None:
    url = site["url"]
    with Archive(data_dir, CONFIG) as archive:
        assert archive.check([url]).events == []
        text = archive.text(archive.history(url)[-1])
    assert text.status.value == "ok"
    assert DATA["paragraphs"][0] in text.text and "County turnout reaches 61 percent" in text.title + text.text
    found = records(data_dir)
    page = next(r for r in found if r[0] == "response" and r[1] == url)
    base = url.removesuffix("/results")
    dom = parse_fields(next(r for r in found if r[0] == "metadata" and r[3] == page[2])[4])
    for asset, expected in (("/static/app.js", b"fetch('/api/results.json')"), ("/api/results.json", b"61 percent")):
        response = next(r for r in found if r[0] == "response" and r[1] == base + asset)
        # A capture event of its own (WARC 1.1 §5.7): listed by the render's metadata record, which
        # is the record concurrent to the page's, instead of claiming to be part of the page's capture.
        assert expected in response[4] and response[3] is None and [base + asset, response[2]] in dom["exchanges"]
        assert any(r[0] == "request" and r[1] == base + asset for r in found)
    assert dom["rendered_by"] == "chromium" and DATA["paragraphs"][1] in dom["text"]
    assert '<p>Mail ballots postmarked' in dom["html"]
    assert sum(1 for r in found if r[0] == "response" and r[1] == url) == 1  # the page is not fetched twice


def test_edit_to_the_scripts_data_is_flagged(site: dict[str, Any], data_dir: Path) -> None:
    url = site["url"]
    with Archive(data_dir, CONFIG) as archive:
        archive.check([url])
        assert archive.check([url]).events == []  # rendered again, same words
        site["data"] = EDITED
        events = archive.check([url]).events
    assert [(str(e.type), e.reason) for e in events] == [("edited", "text-changed")]
    assert "58" in events[0].summary or (events[0].diff is not None and "58" in str(events[0].diff.hunks))


def test_plain_capture_stays_the_default_for_pages_with_text(site: dict[str, Any], data_dir: Path) -> None:
    site["page"] = SERVER_RENDERED
    url = site["url"]
    with Archive(data_dir, CONFIG) as archive:
        archive.check([url])
        text = archive.text(archive.history(url)[-1]).text
    assert "postponed dredging" in text and DATA["paragraphs"][0] not in text
    assert not any((r[1] or "").endswith("/static/app.js") for r in records(data_dir))


def test_add_browser_renders_a_page_that_has_text_already(site: dict[str, Any], data_dir: Path, tmp_path: Path) -> None:
    site["page"] = SERVER_RENDERED
    url = site["url"]
    config = tmp_path / "config.toml"
    config.write_text("[check]\nper_host_delay = 0\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "--data", str(data_dir), "add", "--browser", url])
    assert result.exit_code == 0, result.output
    with Archive(data_dir, CONFIG) as archive:
        state = archive.url_state(url)
        assert state is not None and state.browser
        checked = archive.check([url])
        history = archive.history(url)
        assert history, f"no capture recorded: {checked}, {archive.url_states()}"
        text = archive.text(history[-1]).text
    assert "postponed dredging" in text and DATA["paragraphs"][0] in text
    result = CliRunner().invoke(cli, ["--config", str(config), "--data", str(data_dir), "add", "--no-browser", url])
    assert result.exit_code == 0, result.output
    with Archive(data_dir, CONFIG) as archive:
        state = archive.url_state(url)
        assert state is not None and not state.browser


def test_browser_hosts_setting_renders_that_host(site: dict[str, Any], data_dir: Path) -> None:
    site["page"] = SERVER_RENDERED
    config = Config(check=CheckConfig(per_host_delay=0.0), browser=BrowserConfig(hosts=("localhost",), when_empty=False))
    with Archive(data_dir, config) as archive:
        archive.check([site["url"]])
        text = archive.text(archive.history(site["url"])[-1]).text
    assert DATA["paragraphs"][1] in text


def test_render_refuses_posts_and_reports_a_missing_browser(site: dict[str, Any], httpserver: HTTPServer) -> None:
    """A script's POST never leaves; a missing executable is a value, not an exception."""
    posted: list[str] = []
    httpserver.expect_request("/api/vote", method="POST").respond_with_handler(
        lambda request: posted.append(request.path) or Response("ok"))  # type: ignore[func-returns-value]
    site["page"] = SHELL.replace("</body>", "<script>fetch('/api/vote', {method: 'POST', body: 'x'})</script></body>")
    fetched: list[str] = []

    def fetch(url: str, headers: object) -> FetchResult:
        from archiver.fetch import Fetcher

        fetched.append(url)
        with Fetcher(CONFIG.fetch) as fetcher:
            return fetcher.fetch(url)

    rendering = render(site["url"], config=BrowserConfig(timeout=20), fetch=fetch, record=lambda u, r: None)
    assert rendering.ok and DATA["paragraphs"][0] in rendering.text
    assert posted == [] and not any(u.endswith("/api/vote") for u in fetched)
    missing = render(site["url"], config=BrowserConfig(executable="/nonexistent/chromium"), fetch=fetch,
                     record=lambda u, r: None)
    assert not missing.ok and "no such browser executable" in missing.detail



def test_public_page_under_its_real_name_cannot_reach_the_private_network(
    tmp_path: Path, data_dir: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page on news.example.org (through the proxy, like any site) whose script loads its data
    and also pokes at a loopback service: the data is rendered, the service never asked."""
    asked: list[str] = []
    httpserver.expect_request("/admin").respond_with_handler(lambda request: asked.append(request.path) or Response("internal"))  # type: ignore[func-returns-value]
    secret = f"http://127.0.0.1:{httpserver.port}/admin"
    page = "https://news.example.org/live/results"
    looked_up = guard_dns(monkeypatch)
    with PlayedWeb(tmp_path) as web:
        web.use(monkeypatch)
        web.play(page, SHELL.replace("</body>", f'<img src="{secret}"></body>'))
        web.play("https://news.example.org/static/app.js", APP, content_type="application/javascript")
        web.play("https://news.example.org/api/results.json", json.dumps(DATA), content_type="application/json")
        with Archive(data_dir, CONFIG) as archive:
            archive.check([page])
            text = archive.text(archive.history(page)[-1]).text
    assert DATA["paragraphs"][0] in text
    assert asked == [] and looked_up == [] and "127.0.0.1" not in web.asked  # neither directly nor via the proxy
    found = records(data_dir)
    assert any(r[0] == "response" and r[1] == "https://news.example.org/api/results.json" for r in found)
    assert not any(r[0] == "response" and r[1] == secret for r in found)
    refused = next(r for r in found if r[0] == "metadata" and r[1] == secret)
    assert parse_fields(refused[4])["outcome"] == "blocked"
