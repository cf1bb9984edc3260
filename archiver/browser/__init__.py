"""Browser capture (fetch stage, optional): a script-built page rendered in headless Chromium.

``render(url, ...)`` → ``Rendering``: the DOM after the page's scripts ran (its HTML, its
``innerText``, its title). Chromium is driven over the DevTools protocol on a pipe
(``--remote-debugging-pipe``: no websocket, no extra package) and never touches the network
itself: every request it makes is paused (``Fetch.enable`` on the browser target), fetched by the
caller's ``fetch`` — archiver's ``Fetcher``, so the proxy variables, the CA bundle, the address
policy and the byte caps apply to every script, image and XHR — handed to ``record`` (request and
response records in the WARC store, as a crawler writes them) and given back to the page with
``Fetch.fulfillRequest``, one redirect hop at a time. A dead proxy and a resolver that resolves
nothing catch whatever is not intercepted (WebSockets): the browser has no other way out.
Only GET is fetched; a script's POST is refused (a capture never sends data anywhere).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from archiver.browser.devtools import CHROMIUM_FLAGS, DevTools, Gone
from archiver.browser.loader import Fetch, Loader, Record
from archiver.config import BrowserConfig
from archiver.models import FetchResult

__all__ = ["CHROMIUM_FLAGS", "Fetch", "Record", "Rendering", "render", "wanted"]

logger = logging.getLogger(__name__)

_DOM = (
    "JSON.stringify({html: document.documentElement ? document.documentElement.outerHTML : '',"
    " text: document.body ? document.body.innerText : '', title: document.title, url: location.href})"
)


@dataclass(frozen=True, slots=True)
class Rendering:
    """What the browser made of a page. ``detail`` says why there is no DOM (or what went wrong
    on the way to it); ``requests`` counts the requests the page made."""

    url: str
    final_url: str = ""
    html: str = ""
    text: str = ""
    title: str = ""
    requests: int = 0
    detail: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.html)


def wanted(url: str, config: BrowserConfig, *, flagged: bool = False) -> bool:
    """Whether ``url`` is rendered whatever its plain capture holds: flagged (``add --browser``),
    ``browser.enabled``, or its host (or a parent domain) listed in ``browser.hosts``.

    >>> wanted("https://app.example.org/a", BrowserConfig(hosts=("example.org",)))
    True
    >>> wanted("https://example.com/", BrowserConfig())
    False
    """
    if flagged or config.enabled:
        return True
    host = (urlsplit(url).hostname or "").lower()
    return any(host == h.lower() or host.endswith("." + h.lower()) for h in config.hosts)


def render(url: str, *, config: BrowserConfig, fetch: Fetch, record: Record, seed: FetchResult | None = None) -> Rendering:
    """Load ``url`` in headless Chromium and return its DOM once the page is quiet.

    ``seed`` is the plain capture of the page, already recorded: its hops answer the browser's
    first requests, so the page is neither fetched nor stored twice. Failures are values.
    """
    executable = Path(config.executable)
    if not (executable.is_file() and os.access(executable, os.X_OK)):
        return Rendering(url, detail=f"{config.executable}: no such browser executable (install chromium)")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="archiver-chromium-", ignore_cleanup_errors=True) as profile:
        try:
            devtools = DevTools.launch(str(executable), profile)
        except OSError as exc:
            return Rendering(url, detail=f"{config.executable}: cannot start: {exc}")
        loader = Loader(devtools, fetch, record)
        loader.seed(seed)
        try:
            rendering = _load(devtools, loader, url, config.timeout)
        except Gone as exc:
            rendering = Rendering(url, requests=loader.count, detail=f"chromium: {exc}; {devtools.stderr_tail()}")
        finally:
            loader.close()
            devtools.close()
    logger.info("render %s: %d requests, %d chars of text (%.1fs)%s", url, rendering.requests, len(rendering.text),
                time.monotonic() - started, f"; {rendering.detail}" if rendering.detail else "")
    return rendering


def _load(devtools: DevTools, loader: Loader, url: str, timeout: float) -> Rendering:
    deadline = time.monotonic() + timeout
    devtools.call("Fetch.enable", {"patterns": [{"urlPattern": "*", "requestStage": "Request"}]}, deadline=deadline)
    target = devtools.call("Target.createTarget", {"url": "about:blank"}, deadline=deadline)["targetId"]
    session = devtools.call("Target.attachToTarget", {"targetId": target, "flatten": True}, deadline=deadline)
    page = str(session["sessionId"])
    devtools.call("Page.enable", {}, session=page, deadline=deadline)
    navigated = devtools.call("Page.navigate", {"url": url}, session=page, deadline=deadline)
    if navigated.get("errorText"):  # Chromium's own error page is not the page
        return Rendering(url, requests=loader.count, detail=f"navigation failed: {navigated['errorText']}")
    detail = ""
    settled = devtools.loaded.wait(max(0.0, deadline - time.monotonic())) and loader.wait_quiet(deadline)
    if not settled:
        detail = detail or f"the page did not settle within {timeout:g}s; its DOM was taken as it was"
    found = devtools.call("Runtime.evaluate", {"expression": _DOM, "returnByValue": True}, session=page,
                          deadline=max(deadline, time.monotonic() + 5))
    dom = json.loads(str(found.get("result", {}).get("value") or "{}"))
    return Rendering(
        url=url, final_url=str(dom.get("url") or ""), html=str(dom.get("html") or ""), text=str(dom.get("text") or ""),
        title=str(dom.get("title") or ""), requests=loader.count, detail=detail,
    )
