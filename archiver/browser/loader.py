"""Answers a rendering page's requests with archiver's own fetches (browser capture's loader).

Every request Chromium pauses is fetched by the caller's ``fetch`` (archiver's ``Fetcher``),
handed to ``record`` (the WARC store) and given back with ``Fetch.fulfillRequest``, one redirect
hop at a time; hops already fetched (the plain capture of the page) are served without a refetch.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from archiver.browser.devtools import DevTools, Gone
from archiver.fetch.decode import decode_body
from archiver.models import FetchResult, Hop, Outcome

logger = logging.getLogger(__name__)

Fetch = Callable[[str, Mapping[str, str]], FetchResult]  # (url, request headers) → result
Record = Callable[[str, FetchResult], None]  # keeps one fetched exchange (the WARC store)

#: The page is taken once it has loaded and no request has been in flight for this long. A
#: script that fetches its data after the load event (tests/test_browser.py) asks within
#: milliseconds; 0.5 s is also the window of Chromium's own "network idle".
QUIET = 0.5
#: Requests fetched at once for one page, as a browser opens a few connections per host.
PARALLEL = 4
#: Response headers not passed back to Chromium: the body it gets is already decoded and whole.
_DROPPED = frozenset({"content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive"})
#: Request headers of the browser's passed on to the Fetcher (which sends its own User-Agent).
_FORWARDED = ("accept", "accept-language", "referer")
#: How a failed fetch is reported to the page (CDP ``Network.ErrorReason``).
_ERRORS = {
    Outcome.DNS_ERROR: "NameNotResolved", Outcome.CONNECT_ERROR: "ConnectionRefused", Outcome.TIMEOUT: "TimedOut",
    Outcome.TLS_ERROR: "ConnectionFailed", Outcome.BLOCKED: "BlockedByClient",
}  # fmt: skip


@dataclass(slots=True)
class _Hop:
    """A response ready for ``Fetch.fulfillRequest``."""

    status: int
    reason: str
    headers: list[dict[str, str]]
    body: bytes


@dataclass
class Loader:
    """Answers the browser's paused requests: from hops already fetched, else by fetching (and
    recording) them, ``PARALLEL`` at a time; tracks what is in flight for ``wait_quiet``."""

    devtools: DevTools
    fetch: Fetch
    record: Record
    count: int = 0
    _hops: dict[str, _Hop] = field(default_factory=dict)
    _in_flight: int = 0
    _closing: bool = False
    _last: float = field(default_factory=time.monotonic)
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(PARALLEL, "render-fetch"))

    def __post_init__(self) -> None:
        self.devtools.on_event = self._on_event

    def seed(self, result: FetchResult | None) -> None:
        """Serve the plain capture's hops (already in the WARC) instead of fetching them again."""
        if result is not None:
            self._keep(result)

    def _on_event(self, message: dict[str, Any]) -> None:
        if message.get("method") != "Fetch.requestPaused":
            return
        with self._changed:
            if self._closing:
                return  # the page is being taken down: the request is left to die with it
            self._in_flight += 1
            self.count += 1
            self._last = time.monotonic()
            self._pool.submit(self._answer, message.get("params") or {})

    def _answer(self, params: dict[str, Any]) -> None:
        request_id = str(params.get("requestId"))
        try:
            self._respond(request_id, params.get("request") or {})
        except Gone:
            pass  # the browser is closing: nobody is waiting for this answer
        except Exception:  # one request's bug must not hang the page: it fails, logged with its URL
            logger.exception("render: answering %s failed", (params.get("request") or {}).get("url"))
            try:
                self.devtools.send("Fetch.failRequest", {"requestId": request_id, "errorReason": "Failed"})
            except Gone:
                pass
        finally:
            with self._changed:
                self._in_flight -= 1
                self._last = time.monotonic()
                self._changed.notify_all()

    def _respond(self, request_id: str, request: dict[str, Any]) -> None:
        url, method = str(request.get("url") or ""), str(request.get("method") or "GET")
        if method != "GET" or urlsplit(url).scheme not in ("http", "https") or urlsplit(url).path == "/favicon.ico":
            self.devtools.send("Fetch.failRequest", {"requestId": request_id, "errorReason": "BlockedByClient"})
            return
        hop = self._hops.get(_key(url))
        if hop is None:
            headers = {k: v for k, v in (request.get("headers") or {}).items() if k.lower() in _FORWARDED}
            result = self.fetch(url, headers)
            self.record(url, result)
            self._keep(result)
            hop = self._hops.get(_key(url))
            if hop is None:
                reason = _ERRORS.get(result.outcome, "Failed")
                self.devtools.send("Fetch.failRequest", {"requestId": request_id, "errorReason": reason})
                return
        self.devtools.send("Fetch.fulfillRequest", {
            "requestId": request_id, "responseCode": hop.status, "responsePhrase": hop.reason or "OK",
            "responseHeaders": hop.headers, "body": base64.b64encode(hop.body).decode("ascii"),
        })  # fmt: skip

    def _keep(self, result: FetchResult) -> None:
        for i, hop in enumerate(result.hops):
            last = i == len(result.hops) - 1
            body = result.content if last else _decoded(hop)
            headers = [{"name": k, "value": v} for k, v in hop.response_headers if k.lower() not in _DROPPED]
            self._hops.setdefault(_key(hop.url), _Hop(hop.status, hop.reason, headers, body))

    def wait_quiet(self, deadline: float) -> bool:
        """Wait until nothing has been in flight for ``QUIET`` seconds; False at the deadline."""
        with self._changed:
            while True:
                now = time.monotonic()
                if self._in_flight == 0 and now - self._last >= QUIET:
                    return True
                if now >= deadline:
                    return False
                self._changed.wait(min(deadline - now, QUIET))

    def close(self) -> None:
        with self._changed:
            self._closing = True
        self._pool.shutdown(wait=True, cancel_futures=True)


def _decoded(hop: Hop) -> bytes:
    return decode_body(hop.body, hop.header("Content-Encoding"), 1 << 20).content


def _key(url: str) -> str:
    """``url`` as the browser and the Fetcher both spell it: no fragment, a path of at least "/"."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))
