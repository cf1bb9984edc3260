"""``archiver serve`` in a real headless Chromium (Debian's), driven by Selenium with Debian's chromedriver.

What a person sees: the dashboard, a source page, a diff, a replayed capture with its banner,
image and stylesheet. And the safety claim, tested where it matters, in a browser: a script in
an archived page can neither read nor change the app's pages, call the app, nor navigate away.

Chromium is started so that it sends nothing off 127.0.0.1: background services are off, every
host name but localhost fails to resolve, and any other connection goes to a dead proxy.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait
from serve_site import ArchivedSite, build, config

from archiver.models import Capture
from archiver.serve import ReadingArchive, Server, open_archive

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-default-browser-check",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-dev-shm-usage",
    "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,DnsOverHttps",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
    "--proxy-server=http://127.0.0.1:9",  # loopback bypasses proxies; anything else meets a closed port
    "--window-size=1280,1000",
)


class Requests(logging.Handler):
    """Collects the request lines the serve listeners log ("app: 127.0.0.1 "GET /x HTTP/1.1" 200 -")."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@dataclass
class Browsing:
    site: ArchivedSite
    server: Server
    archive: ReadingArchive
    driver: webdriver.Chrome
    requests: Requests

    @property
    def app(self) -> str:
        return self.server.app_url

    def captures(self, url: str) -> list[Capture]:
        return self.archive.history(url)

    def text(self) -> str:
        return str(self.driver.find_element(By.TAG_NAME, "body").text)


def port_pair() -> int:
    """A free port whose successor is free too (replay_port 0 means the app port + 1)."""
    for _ in range(50):
        with socket.socket() as a:
            a.bind(("127.0.0.1", 0))
            port = int(a.getsockname()[1])
            with socket.socket() as b:
                try:
                    b.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
        return port
    raise RuntimeError("no two adjacent free ports on 127.0.0.1")


def chromium(profile: Path) -> webdriver.Chrome:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(
            f"Chromium is needed for the browser tests and is missing ({', '.join(missing)}): "
            "apt-get install -y chromium chromium-driver (scripts/test.sh does this when run as root)"
        )
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The driver path is given, so Selenium Manager has nothing to find; SE_OFFLINE keeps it from trying.
    os.environ["SE_OFFLINE"] = "true"
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    driver.set_page_load_timeout(20)
    return driver


@pytest.fixture(scope="module")
def browsing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browsing]:
    root = tmp_path_factory.mktemp("browser")
    site = build(root)
    archive = open_archive(site.data_dir, config())
    log = Requests()
    logger = logging.getLogger("archiver.serve.server")
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(log)
    server = Server(archive, port=port_pair())
    server.start()
    driver = chromium(root / "profile")
    try:
        yield Browsing(site, server, archive, driver, log)
    finally:
        driver.quit()
        server.stop()
        archive.close()
        site.server.stop()
        logger.removeHandler(log)
        logger.setLevel(level)


def test_dashboard_shows_every_source_and_its_status(browsing: Browsing) -> None:
    driver = browsing.driver
    driver.get(browsing.app + "/")
    assert driver.find_element(By.TAG_NAME, "h1").text == "archiver"
    text = browsing.text()
    assert browsing.site.poll in text and browsing.site.gone in text
    rows = driver.find_elements(By.CSS_SELECTOR, "#sources tbody tr")
    statuses = {
        row.find_element(By.CSS_SELECTOR, "td:first-child").text: row.find_element(
            By.CSS_SELECTOR, ".status"
        ).text
        for row in rows
    }
    assert statuses[browsing.site.poll] == "edited" and statuses[browsing.site.gone] == "removed"
    assert driver.find_elements(By.CSS_SELECTOR, "svg.timeline rect.mark")  # the timelines are drawn


def test_source_page_reached_by_clicking_shows_the_edit(browsing: Browsing) -> None:
    driver = browsing.driver
    driver.get(browsing.app + "/")
    dashboard_heading = driver.find_element(By.TAG_NAME, "h1")
    driver.find_element(By.LINK_TEXT, browsing.site.poll).click()
    WebDriverWait(driver, 10).until(expected_conditions.staleness_of(dashboard_heading))
    assert driver.find_element(By.TAG_NAME, "h1").text == browsing.site.poll
    shown = [d.text for d in driver.find_elements(By.CSS_SELECTOR, "article.event del") if d.is_displayed()]
    assert shown == ["61%"]  # side by side at this width: the inline copy is hidden
    assert "59%" in [i.text for i in driver.find_elements(By.CSS_SELECTOR, "article.event ins")]
    captures = driver.find_elements(By.CSS_SELECTOR, "a.capture")
    assert {c.id for c in browsing.captures(browsing.site.poll)} <= {a.text for a in captures}


def test_diff_page_highlights_what_changed(browsing: Browsing) -> None:
    driver = browsing.driver
    driver.get(browsing.app + "/source?url=" + browsing.site.poll)
    assert driver.find_element(By.TAG_NAME, "h1").text != "What changed"
    driver.find_element(
        By.CSS_SELECTOR, "form.pick button"
    ).click()  # the default pair: the last two good captures
    # A click does not wait for the page it leads to: wait (bounded) for the diff page's heading.
    # While the old document is torn down, ChromeDriver may answer a lookup with "node does not
    # belong to the document": that is the navigation in progress, so it is waited through.
    WebDriverWait(driver, 10, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.find_element(By.TAG_NAME, "h1").text == "What changed"
    )
    deleted = driver.find_element(By.CSS_SELECTOR, ".fulldiff del")
    inserted = driver.find_element(By.CSS_SELECTOR, ".fulldiff ins")
    assert deleted.text == "61%" and inserted.text.startswith("59%")
    assert inserted.value_of_css_property("background-color") != "rgba(0, 0, 0, 0)"  # visibly marked


def test_replayed_capture_shows_banner_page_image_and_style(browsing: Browsing) -> None:
    driver = browsing.driver
    capture = browsing.captures(browsing.site.poll)[0]
    driver.get(f"{browsing.app}/capture/{capture.id}")
    frame = driver.find_element(By.CSS_SELECTOR, "iframe.replay")
    driver.switch_to.frame(frame)
    try:
        banner = driver.find_element(By.TAG_NAME, "archiver-banner")
        assert banner.is_displayed()
        assert "Archived copy" in banner.text and browsing.site.poll in banner.text
        assert "(UTC)" in banner.text and capture.captured_at.strftime("%Y-%m-%dT%H:%M:%SZ") in banner.text
        heading = driver.find_element(By.CSS_SELECTOR, "article h1")
        assert heading.text.startswith("Poll results")
        assert (
            heading.value_of_css_property("color") == "rgba(200, 0, 0, 1)"
        )  # archived CSS, from the replay origin
        logo = driver.find_element(By.CSS_SELECTOR, "img[alt=logo]")
        assert (
            driver.execute_script("return arguments[0].naturalWidth", logo) == 1
        )  # archived image, replayed
        assert "61%" in driver.find_element(By.TAG_NAME, "body").text
    finally:
        driver.switch_to.default_content()


def test_archived_script_cannot_read_or_change_the_app(browsing: Browsing) -> None:
    driver = browsing.driver
    driver.get_log("browser")  # type: ignore[no-untyped-call]  # drop earlier console lines
    capture = browsing.captures(browsing.site.poll)[-1]
    page = f"{browsing.app}/capture/{capture.id}"
    before = len(browsing.requests.lines)
    driver.get(page)  # returns after the load event, which waits for the iframe and its subresources
    assert driver.current_url == page  # top.location = … did not take us away
    assert driver.title.startswith(f"Capture {capture.id}")  # top.document.title = 'PWNED' did nothing
    assert driver.find_element(By.TAG_NAME, "h1").text == f"Capture {capture.id}"
    assert "PWNED" not in driver.page_source
    driver.switch_to.frame(driver.find_element(By.CSS_SELECTOR, "iframe.replay"))
    try:
        assert "PWNED" not in driver.find_element(By.TAG_NAME, "body").text  # not even its own page
        scripts = [str(el.get_attribute("textContent")) for el in driver.find_elements(By.TAG_NAME, "script")]
        assert any("parent.document.body.innerHTML" in text for text in scripts)  # delivered, just never run
    finally:
        driver.switch_to.default_content()
    asked = browsing.requests.lines[before:]
    assert not [line for line in asked if "pwned" in line.lower()], (
        asked
    )  # no fetch, image or navigation reached us
    assert [line for line in asked if line.startswith("replay:") and f"/id/{capture.id}" in line]


def test_replay_opened_directly_runs_no_script_either(browsing: Browsing) -> None:
    driver = browsing.driver
    driver.get_log("browser")  # type: ignore[no-untyped-call]  # drop earlier console lines
    capture = browsing.captures(browsing.site.poll)[0]
    url = f"{browsing.server.replay_url}/id/{capture.id}"
    before = len(browsing.requests.lines)
    driver.get(url)
    assert driver.current_url == url
    assert "PWNED" not in driver.title and "PWNED" not in browsing.text()
    assert "Archived copy" in driver.find_element(By.TAG_NAME, "archiver-banner").text
    assert not [line for line in browsing.requests.lines[before:] if "pwned" in line.lower()]
    entries = driver.get_log("browser")  # type: ignore[no-untyped-call]
    console = " ".join(str(entry["message"]) for entry in entries)
    # Chromium says why: the sandboxed document may not run scripts (CSP ``sandbox``).
    assert "Blocked script execution" in console, console
