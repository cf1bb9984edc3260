"""Screenshots of captured versions: a full-page PNG rendered from the archived responses only.

``Screenshotter.take(url, responses)`` loads ``url`` in headless Chromium with its scripts off
(``Emulation.setScriptExecutionDisabled``, as archiver's replay runs no script either) and answers
every request the page makes from ``responses`` — the page's capture and its requisites, as
archived — through the same ``Loader`` browser capture uses, with a ``fetch`` that fetches
nothing: a request for anything not archived fails. Chromium's own network is cut off by its
flags besides. The PNG is as wide as ``[screenshot] width`` and as tall as the page, up to
``max_height``. One Chromium serves a whole check batch, one page at a time; it is started on
the first screenshot and relaunched if it dies.
"""

from __future__ import annotations

import base64
import logging
import os
import shutil
import struct
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from archiver.browser.devtools import DevTools, Gone
from archiver.browser.loader import Loader
from archiver.config import ScreenshotConfig
from archiver.models import FetchResult, Outcome

logger = logging.getLogger(__name__)

#: The viewport height the page is first laid out at, before the full height is measured.
FIRST_HEIGHT = 1000
#: The thumbnail (what a report embeds): the top 4:3 of the page at a quarter of its size, as JPEG.
THUMBNAIL_SCALE = 0.25
THUMBNAIL_QUALITY = 70


@dataclass(frozen=True, slots=True)
class Shot:
    """A PNG and its size in pixels."""

    png: bytes
    width: int
    height: int
    taken_at: datetime
    thumbnail: bytes = b""  # a JPEG of the top of the page, a quarter of the size (for reports)


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk.

    >>> png_size(bytes.fromhex("89504e470d0a1a0a0000000d4948445200000500000003e8"))
    (1280, 1000)
    """
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


def available(executable: str) -> bool:
    """Whether the Chromium binary is there to take screenshots with."""
    path = Path(executable)
    if not path.is_absolute():
        found = shutil.which(executable)
        path = Path(found) if found else path
    return path.is_file() and os.access(path, os.X_OK)


def _offline(url: str, headers: Mapping[str, str]) -> FetchResult:
    """The ``fetch`` of a screenshot: nothing outside the archive is ever fetched."""
    return FetchResult(url=url, outcome=Outcome.BLOCKED, started_at=datetime.now(UTC), elapsed=0.0,
                       detail="not archived with this version")


class Screenshotter:
    """Takes full-page screenshots of archived versions, one at a time, in one Chromium."""

    def __init__(self, executable: str, config: ScreenshotConfig) -> None:
        self.executable = executable
        self.config = config
        self._lock = threading.Lock()
        self._devtools: DevTools | None = None
        self._profile: tempfile.TemporaryDirectory[str] | None = None

    def take(self, url: str, responses: Mapping[str, FetchResult]) -> Shot | None:
        """A screenshot of ``url`` rendered from ``responses`` (keyed by URL); None if it failed."""
        with self._lock:
            started = time.monotonic()
            try:
                devtools = self._browser()
                shot = self._take(devtools, url, responses)
            except (Gone, OSError, ValueError) as exc:
                logger.warning("%s: no screenshot: %s", url, exc)
                self._shutdown()
                return None
            logger.info("screenshot %s: %dx%d, %d bytes (%.1fs)", url, shot.width, shot.height, len(shot.png),
                        time.monotonic() - started)
            return shot

    def _browser(self) -> DevTools:
        if self._devtools is not None and self._devtools.process.poll() is None:
            return self._devtools
        self._shutdown()
        self._profile = tempfile.TemporaryDirectory(prefix="archiver-screenshot-", ignore_cleanup_errors=True)
        self._devtools = DevTools.launch(self.executable, self._profile.name)
        return self._devtools

    def _take(self, devtools: DevTools, url: str, responses: Mapping[str, FetchResult]) -> Shot:
        deadline = time.monotonic() + self.config.timeout
        loader = Loader(devtools, _offline, lambda asked, result: None)
        for result in responses.values():
            loader.seed(result)
        # Intercepted on the browser target, as ``render`` does: the Loader answers without a session.
        devtools.call("Fetch.enable", {"patterns": [{"urlPattern": "*", "requestStage": "Request"}]}, deadline=deadline)
        target = devtools.call("Target.createTarget", {"url": "about:blank"}, deadline=deadline)["targetId"]
        try:
            session = str(devtools.call("Target.attachToTarget", {"targetId": target, "flatten": True},
                                        deadline=deadline)["sessionId"])
            width = self.config.width
            devtools.call("Emulation.setScriptExecutionDisabled", {"value": True}, session=session, deadline=deadline)
            devtools.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": FIRST_HEIGHT,
                          "deviceScaleFactor": 1, "mobile": False}, session=session, deadline=deadline)
            devtools.call("Page.enable", {}, session=session, deadline=deadline)
            devtools.loaded.clear()
            navigated = devtools.call("Page.navigate", {"url": url}, session=session, deadline=deadline)
            if navigated.get("errorText"):
                raise ValueError(f"navigation failed: {navigated['errorText']}")
            devtools.loaded.wait(max(0.0, deadline - time.monotonic()))
            loader.wait_quiet(deadline)
            metrics = devtools.call("Page.getLayoutMetrics", {}, session=session, deadline=deadline)
            size = metrics.get("cssContentSize") or metrics.get("contentSize") or {}
            height = max(1, min(int(float(size.get("height") or FIRST_HEIGHT) + 0.5), self.config.max_height))
            devtools.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height,
                          "deviceScaleFactor": 1, "mobile": False}, session=session, deadline=deadline)
            loader.wait_quiet(deadline)  # a taller viewport may show lazy images
            shot = devtools.call("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True, "fromSurface": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
            }, session=session, deadline=max(deadline, time.monotonic() + 10))  # fmt: skip
            png = base64.b64decode(str(shot.get("data") or ""))
            w, h = png_size(png)
            thumb = devtools.call("Page.captureScreenshot", {
                "format": "jpeg", "quality": THUMBNAIL_QUALITY, "captureBeyondViewport": True, "fromSurface": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": min(height, width * 3 // 4), "scale": THUMBNAIL_SCALE},
            }, session=session, deadline=max(deadline, time.monotonic() + 10))  # fmt: skip
            return Shot(png, w, h, datetime.now(UTC), base64.b64decode(str(thumb.get("data") or "")))
        finally:
            loader.close()
            try:
                devtools.call("Target.closeTarget", {"targetId": target}, deadline=time.monotonic() + 5)
            except Gone:
                pass

    def _shutdown(self) -> None:
        if self._devtools is not None:
            self._devtools.close()
            self._devtools = None
        if self._profile is not None:
            self._profile.cleanup()
            self._profile = None

    def close(self) -> None:
        with self._lock:
            self._shutdown()
