"""Faithful replay, measured in real Chromium: the archived copy of a styled page looks like the page.

A styled article (``styled_site``: stylesheets with ``@import``, a web font, background images,
an ``img srcset``, a ``picture``) is served on 127.0.0.1 and captured by ``Archive.check``. Then
Chromium (Debian's, through chromedriver) takes a screenshot of the live page and of the replays
— archiver's own (its banner removed: it is archiver's notice, not the page), pywb's from the WARC
files and from a WACZ export, and the screenshot archiver stored at capture time — and they are
compared pixel by pixel: the share of pixels whose colour differs by at most ``TOLERANCE`` must
be at least 0.95. A copy captured without requisites (the old, HTML-only capture) falls well short,
which shows the measure can fail. And no replay tool serves a metadata record as the page: the
latest memento of a page whose last check was refused is its last good capture.

ReplayWeb.page is the ``replaywebpage`` package from the npm registry (``scripts/test.sh`` fetches
it into ``.cache/replaywebpage``): its built ``ui.js`` and service worker are served with the WACZ
and the WARC file from a plain static server on 127.0.0.1, and the page is embedded with
``<replay-web-page embed="replayonly">``, which shows the archived page and nothing else.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from PIL import Image, ImageChops
from pytest_httpserver import HTTPServer
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from styled_site import StyledSite, serve
from test_pywb import BIN, clean_env, free_port, run_tool, wait_for_pywb
from test_serve_browser import chromium, port_pair

from archiver.archive import Archive
from archiver.config import CheckConfig, Config, DetectConfig, FetchConfig, RequisitesConfig, ScreenshotConfig
from archiver.models import Capture
from archiver.serve import Server, open_archive
from archiver.serve.memento import timestamp14

#: Largest per-pixel difference (0-255, on the luminance of the difference) still counted as the same.
TOLERANCE = 24
#: What "looks like the page" means here.
THRESHOLD = 0.95
#: ReplayWeb.page's published package (scripts/test.sh: ``npm pack replaywebpage``).
REPLAYWEBPAGE = Path(__file__).resolve().parents[1] / ".cache" / "replaywebpage" / "package"
#: The archived page inside ReplayWeb.page's nested frames and shadow roots: its document's state.
FIND_REPLAYED = """
function find(root) {
  for (const el of root.querySelectorAll('*')) {
    if (el.shadowRoot) { const found = find(el.shadowRoot); if (found) return found; }
    if (el.tagName === 'IFRAME') {
      try {
        const doc = el.contentDocument;
        if (doc && doc.location.href.includes('mp_/')) return doc;
        if (doc) { const found = find(doc); if (found) return found; }
      } catch (e) {}
    }
  }
  return null;
}
const doc = find(document);
return doc ? [doc.location.href, doc.readyState, doc.fonts.status, doc.body ? doc.body.innerText : ''] : null;
"""

logger = logging.getLogger(__name__)


def config(*, requisites: bool = True) -> Config:
    return Config(
        fetch=FetchConfig(allow_private=True), check=CheckConfig(per_host_delay=0.0),
        detect=DetectConfig(soft404_probe=False), requisites=RequisitesConfig(enabled=requisites),
        screenshot=ScreenshotConfig(enabled=requisites),
    )


def similarity(a: bytes, b: bytes) -> float:
    """Share of pixels alike in two screenshots, over the area they share."""
    ia, ib = Image.open(io.BytesIO(a)).convert("RGB"), Image.open(io.BytesIO(b)).convert("RGB")
    box = (0, 0, min(ia.width, ib.width), min(ia.height, ib.height))
    diff = ImageChops.difference(ia.crop(box), ib.crop(box)).convert("L")
    alike = sum(diff.histogram()[: TOLERANCE + 1])
    return alike / (box[2] * box[3])


@dataclass
class Replays:
    site: StyledSite
    article: Capture
    flaky: str
    server: Server
    driver: webdriver.Chrome
    pywb: str
    plain_replay: str  # the replay origin of an archive captured without requisites
    archive: Archive
    static: str  # ReplayWeb.page, the WACZ and the WARC file, served as plain files

    def shot(self, url: str, *, banner: bool = False) -> bytes:
        """A viewport screenshot of ``url`` once its fonts are in (archiver's banner taken out)."""
        self.driver.get(url)
        if not banner:
            self.driver.execute_script("for (const b of document.querySelectorAll('archiver-banner')) b.remove()")
        self.driver.execute_script("return document.fonts.ready.then(() => document.fonts.status)")
        return bytes(self.driver.get_screenshot_as_png())

    def rwp(self, source: str, url: str, ts: str = "") -> tuple[bytes, list[str]]:
        """ReplayWeb.page's replay of ``url`` (at ``ts``, else the latest) from ``source``: a
        screenshot of the embed once the archived page inside it has loaded, and that page's state."""
        page = f"{self.static}/embed.html?source={source}&url={url}&ts={ts}"
        self.driver.get(page)
        state = WebDriverWait(self.driver, 60).until(
            lambda d: (s := d.execute_script(FIND_REPLAYED)) and s[1] == "complete" and s[2] == "loaded" and s
        )
        return bytes(self.driver.find_element(By.CSS_SELECTOR, "replay-web-page").screenshot_as_png), list(state)

    def framed_shot(self, url: str) -> bytes:
        """pywb's framed replay: a screenshot of the page in its frame, once the frame has loaded
        (its banner, outside the frame, is not part of the page)."""
        driver = self.driver
        driver.get(url)
        frame = WebDriverWait(driver, 30).until(lambda d: d.find_element(By.CSS_SELECTOR, "iframe"))
        driver.switch_to.frame(frame)
        try:
            WebDriverWait(driver, 30).until(
                lambda d: d.execute_script("return document.readyState") == "complete"
                and d.execute_script("return location.href").endswith(self.site.article)
            )
            driver.execute_script("return document.fonts.ready.then(() => document.fonts.status)")
        finally:
            driver.switch_to.default_content()
        return bytes(frame.screenshot_as_png)


@pytest.fixture(scope="module")
def replays(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replays]:
    root = tmp_path_factory.mktemp("fidelity")
    httpd = HTTPServer(host="127.0.0.1", port=0)
    httpd.start()
    site = serve(httpd)
    flaky_server = HTTPServer(host="127.0.0.1", port=0)
    flaky_server.start()
    flaky_server.expect_request("/flaky").respond_with_data(
        "<!DOCTYPE html><html><body><p>Here today.</p></body></html>", content_type="text/html; charset=utf-8")
    flaky = flaky_server.url_for("/flaky")
    with Archive(root / "snapshots", config()) as archive:
        archive.check([site.article, flaky])
        flaky_server.stop()  # refused from now on: the next check's capture is a metadata record
        archive.check([flaky])
        assert [c.record_type for c in archive.history(flaky)] == ["response", "metadata"]
        archive.export_wacz(root / "article.wacz", [site.article, flaky])
    static = _replaywebpage_site(root, sorted((root / "snapshots" / "warcs").glob("*.warc.gz")))
    with Archive(root / "plain", config(requisites=False)) as plain:
        plain.check([site.article])
    pywb_dir = root / "pywb"
    pywb_dir.mkdir()
    run_tool("wb-manager", "init", "warcs", cwd=pywb_dir)
    run_tool("wb-manager", "add", "warcs", *map(str, sorted((root / "snapshots" / "warcs").glob("*.warc.gz"))),
             cwd=pywb_dir)
    run_tool("wb-manager", "init", "wacz", cwd=pywb_dir)
    run_tool("wb-manager", "add", "--unpack-wacz", "wacz", str(root / "article.wacz"), cwd=pywb_dir)
    port = free_port()
    wayback = subprocess.Popen([str(BIN / "wayback"), "-p", str(port), "-b", "127.0.0.1"], cwd=pywb_dir,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=clean_env())
    reading = open_archive(root / "snapshots", config())
    server = Server(reading, port=port_pair())
    plain_reading = open_archive(root / "plain", config(requisites=False))
    plain_server = Server(plain_reading, port=port_pair())
    driver = chromium(root / "profile")
    files = subprocess.Popen([sys.executable, "-m", "http.server", str(static_port := free_port()), "--bind",
                              "127.0.0.1", "--directory", str(static)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=clean_env())
    try:
        wait_for_pywb(port, wayback)
        _wait_for_files(static_port, files)
        server.start()
        plain_server.start()
        [article] = reading.history(site.article)
        yield Replays(site, article, flaky, server, driver, f"http://127.0.0.1:{port}", plain_server.replay_url, reading,
                      f"http://localhost:{static_port}")  # a service worker needs a secure context: localhost is one
    finally:
        files.terminate()
        files.wait(timeout=10)
        driver.quit()
        server.stop()
        plain_server.stop()
        reading.close()
        plain_reading.close()
        wayback.terminate()
        try:
            wayback.wait(timeout=10)
        except subprocess.TimeoutExpired:
            wayback.kill()
            wayback.wait()
        httpd.stop()
        shutil.rmtree(pywb_dir / "collections", ignore_errors=True)


def _replaywebpage_site(root: Path, warcs: list[Path]) -> Path:
    """ReplayWeb.page's files, an embedding page, the WACZ and the WARC file, in one folder."""
    if not (REPLAYWEBPAGE / "sw.js").is_file():
        pytest.fail(f"ReplayWeb.page is missing from {REPLAYWEBPAGE}: bash scripts/test.sh fetches it "
                    "(npm pack replaywebpage@2.5.3, unpacked there)")
    static = root / "static"
    (static / "replay").mkdir(parents=True)
    shutil.copy(REPLAYWEBPAGE / "ui.js", static / "ui.js")
    shutil.copy(REPLAYWEBPAGE / "sw.js", static / "replay" / "sw.js")
    shutil.copy(root / "article.wacz", static / "article.wacz")
    with open(static / "archive.warc.gz", "wb") as out:  # gzip members concatenate into one WARC file
        out.writelines(warc.read_bytes() for warc in warcs)
    (static / "embed.html").write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><script src="ui.js"></script>'
        "<style>html, body { margin: 0; overflow: hidden } replay-web-page { display: block; width: 100vw; height: 100vh }"
        "</style></head><body><script>"
        "const q = new URLSearchParams(location.search), e = document.createElement('replay-web-page');"
        "e.setAttribute('source', q.get('source')); e.setAttribute('url', q.get('url'));"
        "if (q.get('ts')) e.setAttribute('ts', q.get('ts'));"
        "e.setAttribute('embed', 'replayonly'); e.setAttribute('replayBase', '/replay/'); document.body.append(e);"
        "</script></body></html>",
        encoding="utf-8",
    )
    return static


def _wait_for_files(port: int, proc: subprocess.Popen[bytes]) -> None:
    """The static server answers (bounded; fails at once if it exits)."""
    end = time.monotonic() + 30
    while time.monotonic() < end:
        if proc.poll() is not None:
            pytest.fail(f"the static file server exited with {proc.returncode}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/embed.html", timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    pytest.fail(f"the static file server did not answer on 127.0.0.1:{port}")


@pytest.fixture(scope="module")
def live(replays: Replays) -> bytes:
    return replays.shot(replays.site.article)


def test_archivers_replay_looks_like_the_live_page(replays: Replays, live: bytes, tmp_path: Path) -> None:
    ts = timestamp14(replays.article.captured_at)
    before = len(replays.site.server.log)
    replayed = replays.shot(f"{replays.server.replay_url}/replay/{ts}/{replays.site.article}")
    assert not replays.site.server.log[before:]  # everything came from the archive, nothing from the site
    # The archived web font is in use (a CORS fetch from the sandboxed page, through a redirect).
    assert replays.driver.execute_script("return document.fonts.check('44px \"Archived Face\"')") is True
    faces = replays.driver.execute_script("return [...document.fonts].map(f => f.family + ':' + f.status)")
    assert faces == ['Archived Face:loaded'], faces
    score = similarity(live, replayed)
    print(f"archiver replay vs live: pixel similarity {score:.4f}")
    (tmp_path / "live.png").write_bytes(live)
    (tmp_path / "archiver.png").write_bytes(replayed)
    assert score >= THRESHOLD


def test_an_html_only_capture_does_not_look_like_the_page(replays: Replays, live: bytes) -> None:
    """The control: what archiver kept before requisites (the HTML alone) scores well below."""
    replayed = replays.shot(f"{replays.plain_replay}/timegate/{replays.site.article}")  # → its one memento
    score = similarity(live, replayed)
    print(f"HTML-only replay vs live: pixel similarity {score:.4f}")
    assert score < 0.9


def test_the_stored_screenshot_looks_like_the_live_page(replays: Replays, live: bytes) -> None:
    shot = replays.archive.screenshot(replays.article)
    assert shot is not None
    score = similarity(live, replays.archive.screenshot_png(shot))
    print(f"stored screenshot vs live: pixel similarity {score:.4f}")
    assert score >= THRESHOLD


@pytest.mark.parametrize("collection", ["warcs", "wacz"])
def test_pywb_replay_looks_like_the_live_page(replays: Replays, live: bytes, collection: str) -> None:
    ts = timestamp14(replays.article.captured_at)
    replayed = replays.framed_shot(f"{replays.pywb}/{collection}/{ts}/{replays.site.article}")
    score = similarity(live, replayed)
    print(f"pywb ({collection}) replay vs live: pixel similarity {score:.4f}")
    assert score >= THRESHOLD


@pytest.mark.parametrize("collection", ["warcs", "wacz"])
def test_pywb_never_serves_a_metadata_record_as_the_page(replays: Replays, collection: str) -> None:
    for url in (replays.flaky, replays.site.article):
        cdx = requests.get(f"{replays.pywb}/{collection}/cdx", params={"url": url, "output": "json"}, timeout=30)
        entries = [line for line in cdx.text.splitlines() if line.strip()]
        assert entries, (url, cdx.text)
        for line in entries:  # every memento is an HTTP response of the page, never archiver's metadata
            assert '"status": "200"' in line and '"mime": "text/html"' in line, line
    latest = requests.get(f"{replays.pywb}/{collection}/2100id_/{replays.flaky}", timeout=30)
    assert latest.status_code == 200 and latest.headers["Content-Type"].startswith("text/html")
    assert "Here today." in latest.text  # the last good capture, not the refused check's record


@pytest.mark.parametrize("source", ["article.wacz", "archive.warc.gz"])
def test_replaywebpage_replay_looks_like_the_live_page(replays: Replays, live: bytes, source: str) -> None:
    ts = timestamp14(replays.article.captured_at)
    replayed, state = replays.rwp(f"/{source}", replays.site.article, ts)
    assert f"{ts}mp_/{replays.site.article}" in state[0]
    score = similarity(live, replayed)
    print(f"ReplayWeb.page ({source}) replay vs live: pixel similarity {score:.4f}")
    assert score >= THRESHOLD


@pytest.mark.parametrize("source", ["article.wacz", "archive.warc.gz"])
def test_replaywebpage_replays_the_latest_capture_not_a_metadata_record(replays: Replays, source: str) -> None:
    """The flaky page's last check was refused (a metadata record, later than the good capture)."""
    _, state = replays.rwp(f"/{source}", replays.flaky)  # no timestamp: the latest memento
    assert state[0].endswith(f"mp_/{replays.flaky}")
    assert state[3].strip() == "Here today."  # the last good capture, not the refused check's record
