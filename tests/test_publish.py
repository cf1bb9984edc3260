"""Issue 11, "a published archive": ``archiver publish DIR`` served by a plain static file server
(Python's ``http.server``, no archiver behind it) and opened in a real headless Chromium.

A citation made with ``[publish] public_url`` set leads, in the browser, to the capture page:
the banner, the page as archived (its scripts never run), the provenance, the citation and a
signed WACZ that ``archiver verify --wacz`` accepts. Publishing again adds captures and leaves
every published byte as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests
from citing_site import CitingSite, build
from click.testing import CliRunner
from selenium import webdriver
from selenium.webdriver.common.by import By
from test_serve_browser import chromium

from archiver.cli import cli
from archiver.verify import verify_wacz


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Published:
    site: CitingSite
    directory: Path
    base: str  # public_url
    config: Path
    server: subprocess.Popen[bytes]

    def cli(self, *args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, ["--config", str(self.config), "--data", str(self.site.data_dir), *args])
        return result.exit_code, result.output


def static_server(directory: Path, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory",
                             str(directory)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    for _ in range(200):  # until it answers (bounded: a server that never binds fails the test)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            try:
                proc.wait(timeout=0.05)  # a server that exited will not start
                break
            except subprocess.TimeoutExpired:
                continue
    proc.kill()
    pytest.fail(f"http.server did not start on 127.0.0.1:{port}")


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    root = tmp_path_factory.mktemp("publish")
    site = build(root)
    directory = root / "public"
    directory.mkdir()
    port = free_port()
    server = static_server(directory, port)
    base = f"http://127.0.0.1:{port}/"
    config = root / "config.toml"
    config.write_text(f'[fetch]\nallow_private = true\n[publish]\npublic_url = "{base}"\n', encoding="utf-8")
    pub = Published(site, directory, base, config, server)
    code, out = pub.cli("publish", str(directory))
    assert code == 0, out
    yield pub
    server.terminate()
    server.wait(timeout=30)
    site.server.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    driver = chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


class Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.anchors.append(dict(attrs))


def tree_digest(directory: Path) -> dict[str, str]:
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def test_layout(published: Published) -> None:
    site = published.site
    with site.archive() as archive:
        ids = [c.id for u in (site.article, site.plain) for c in archive.history(u)]
        dead = [c.id for c in archive.history(site.dead)]
    for cid in ids:
        page = published.directory / "capture" / cid
        assert {"index.html", "page.html", f"{cid}.wacz", "citation.bib", "citation.json", "capture.json"} <= {
            p.name for p in page.iterdir()}
    assert not any((published.directory / "capture" / cid).exists() for cid in dead)  # a 404 is not a citable copy
    assert (published.directory / "index.html").is_file() and (published.directory / "signing-key.pub.pem").is_file()
    assert list((published.directory / "document").glob("turnout.md-*/index.html"))


def test_a_citation_opens_the_published_capture_in_chromium(published: Published, browser: webdriver.Chrome,
                                                             tmp_path: Path) -> None:
    site = published.site
    code, html = published.cli("cite", site.article, "--as-of-document", str(site.document), "--format", "html")
    assert code == 0, html
    parser = Anchors()
    parser.feed(html)
    version = parser.anchors[0]["data-versionurl"] or ""
    assert version.startswith(published.base + "capture/")
    assert requests.get(version, timeout=30).status_code == 200  # a plain static server answers it
    browser.get(version)
    banner = browser.find_element(By.CSS_SELECTOR, "header.banner").text
    assert site.article in banner and "captured" in banner and "not the live page" in banner
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "WARC-Record-ID" in body and "sha1:" in body and "Jane Doe, Rich Roe" in body
    frame = browser.find_element(By.CSS_SELECTOR, "iframe.archived")
    assert frame.get_attribute("sandbox") == ""  # no allow-scripts, no allow-same-origin
    browser.switch_to.frame(frame)
    archived = browser.find_element(By.TAG_NAME, "body").text
    assert "Turnout in the county reached 54 percent" in archived  # the version the document relied on
    assert "SCRIPT RAN" not in archived  # the archived page's script never ran
    browser.switch_to.default_content()
    shot = tmp_path / "capture-page.png"
    assert browser.save_screenshot(str(shot)) and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_requisites_and_screenshot_when_the_index_has_them(published: Published, browser: webdriver.Chrome) -> None:
    """What the faithful-capture index knows for a capture is on its page; without it, HTML only."""
    site = published.site
    with site.archive() as archive:
        capture = archive.history(site.article)[0]
        known = len([r for r in archive.requisites(capture) if (r.status or 200) < 400])
        has_shot = archive.screenshot_taken(capture.id) is not None
    data = json.loads((published.directory / "capture" / capture.id / "capture.json").read_text())
    assert data["requisites"] == known
    assert (data["screenshot"] == "screenshot.png") == has_shot
    browser.get(f"{published.base}capture/{capture.id}/page.html")
    color = browser.execute_script(
        "return getComputedStyle(document.querySelector('h1.headline')).color")
    if known:
        assert color == "rgb(180, 0, 0)"  # the archived stylesheet, from the published copy
        assert browser.execute_script("return document.querySelector('img').naturalWidth") == 1
    assert "Turnout in the county" in browser.find_element(By.TAG_NAME, "body").text


def test_the_published_wacz_is_signed_and_verifies(published: Published) -> None:
    with published.site.archive() as archive:
        capture = archive.history(published.site.article)[0]
    wacz = published.directory / "capture" / capture.id / f"{capture.id}.wacz"
    report = verify_wacz(wacz)
    assert report.ok and report.signature is not None and report.signature.ok, report.problems
    code, out = published.cli("verify", "--wacz", str(wacz))
    assert code == 0 and "signature: valid" in out


def test_document_page_lists_sources_and_what_to_cite(published: Published, browser: webdriver.Chrome) -> None:
    page = next((published.directory / "document").glob("turnout.md-*/index.html"))
    browser.get(published.base + str(page.relative_to(published.directory)))
    text = browser.find_element(By.TAG_NAME, "body").text
    site = published.site
    assert site.article in text and site.plain in text and site.dead in text
    assert "no good capture" in text
    with site.archive() as archive:
        first = archive.history(site.article)[0]
    link = browser.find_element(By.LINK_TEXT, f"capture {first.id}")
    link.click()
    assert site.article in browser.find_element(By.CSS_SELECTOR, "header.banner").text


def test_publishing_again_adds_and_never_changes(published: Published) -> None:
    before = tree_digest(published.directory / "capture")
    site = published.site
    from citing_site import PLAIN

    revised = PLAIN.replace("Some notes", "Some revised notes")
    site.server.expect_request("/notes").respond_with_data(revised, content_type="text/html; charset=utf-8")
    with site.archive() as archive:
        assert not archive.check([site.plain]).errors
        newest = archive.history(site.plain)[-1]
    code, out = published.cli("publish", str(published.directory))
    assert code == 0 and "published 1 new capture (" in out, out  # plurals read right
    after = tree_digest(published.directory / "capture")
    assert {k: v for k, v in after.items() if k in before} == before
    assert any(k.startswith(newest.id + "/") for k in after)
