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

import base64
import io
import json
import logging
import os
import queue
import subprocess
import tempfile
import sys
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from archiver.config import BrowserConfig
from archiver.fetch.decode import decode_body
from archiver.models import FetchResult, Hop, Outcome

logger = logging.getLogger(__name__)

Fetch = Callable[[str, Mapping[str, str]], FetchResult]  # (url, request headers) → result
Record = Callable[[str, FetchResult], None]  # keeps one fetched exchange (the WARC store)

#: The flags every launch uses. The first line is what a machine without a display (and
#: often without internet) needs; the second keeps Chromium from calling home; the third cuts
#: it off the network (requests reach archiver through interception or fail) and keeps
#: ``http://`` URLs as given instead of upgrading them to https.
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio",
    "--disable-quic", "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-extensions", "--disable-default-apps",
    "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>", "--host-resolver-rules=MAP * ~NOTFOUND",
    "--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable,HttpsFirstModeV2ForTypicallySecureUsers",
    "--window-size=1280,2000", "--remote-debugging-pipe",
)  # fmt: skip

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
#: Run between fork and Chromium: move the two pipe ends to fds 3 and 4, where
#: --remote-debugging-pipe expects them, then become Chromium. (A shell's ``3<&N`` cannot name
#: an fd above 9 in dash; subprocess's preexec_fn is unsafe in threads.) Duplicates first, so
#: that moving one end onto 3 or 4 cannot clobber the other; a duplicate may itself land on 3 or
#: 4 (dup2 onto itself then keeps it close-on-exec), hence set_inheritable.
_AT_FDS_3_AND_4 = (
    "import os, sys\n"
    "ends = [os.dup(int(fd)) for fd in sys.argv[1:3]]\n"
    "for target, fd in zip((3, 4), ends):\n"
    "    os.dup2(fd, target)\n"
    "    os.set_inheritable(target, True)\n"
    "for fd in {*map(int, sys.argv[1:3]), *ends} - {3, 4}:\n"
    "    os.close(fd)\n"
    "os.execv(sys.argv[3], sys.argv[3:])\n"
)
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
            devtools = _DevTools.launch(str(executable), profile)
        except OSError as exc:
            return Rendering(url, detail=f"{config.executable}: cannot start: {exc}")
        loader = _Loader(devtools, fetch, record)
        loader.seed(seed)
        try:
            rendering = _load(devtools, loader, url, config.timeout)
        except _Gone as exc:
            rendering = Rendering(url, requests=loader.count, detail=f"chromium: {exc}; {devtools.stderr_tail()}")
        finally:
            loader.close()
            devtools.close()
    logger.info("render %s: %d requests, %d chars of text (%.1fs)%s", url, rendering.requests, len(rendering.text),
                time.monotonic() - started, f"; {rendering.detail}" if rendering.detail else "")
    return rendering


def _load(devtools: _DevTools, loader: _Loader, url: str, timeout: float) -> Rendering:
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


class _Gone(Exception):
    """Chromium went away or stopped answering (internal: ``render`` turns it into a value)."""


class _DevTools:
    """One Chromium process and its DevTools pipe: fd 3 carries commands to it, fd 4 answers and
    events back, each message JSON ending in a NUL byte. A reader thread sorts answers (by id)
    from events (handed to ``on_event``, which must not block)."""

    def __init__(
        self, process: subprocess.Popen[bytes], commands: io.BufferedWriter, answers: io.BufferedReader, stderr: Path
    ) -> None:
        self.process = process
        self._commands = commands
        self._answers = answers
        self._stderr = stderr
        self._lock = threading.Lock()
        self._next = 0
        self._waiting: dict[int, queue.SimpleQueue[dict[str, Any] | None]] = {}
        self.on_event: Callable[[dict[str, Any]], None] = lambda message: None
        self.loaded = threading.Event()
        self._reader = threading.Thread(target=self._read, name="chromium-pipe", daemon=True)

    @classmethod
    def launch(cls, executable: str, profile: str) -> _DevTools:
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()
        stderr = Path(profile) / "stderr.log"
        ends = (str(to_chrome_r), str(from_chrome_w))
        argv = [sys.executable, "-c", _AT_FDS_3_AND_4, *ends, executable, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                "about:blank"]
        try:
            with open(stderr, "wb") as err:
                process = subprocess.Popen(argv, pass_fds=(to_chrome_r, from_chrome_w), stdin=subprocess.DEVNULL,
                                           stdout=subprocess.DEVNULL, stderr=err)
        finally:
            os.close(to_chrome_r)
            os.close(from_chrome_w)
        devtools = cls(process, io.open(to_chrome_w, "wb"), io.open(from_chrome_r, "rb"), stderr)
        devtools._reader.start()
        return devtools

    def send(self, method: str, params: Mapping[str, Any], *, session: str | None = None) -> int:
        with self._lock:
            self._next += 1
            ident = self._next
            self._waiting[ident] = queue.SimpleQueue()
            message: dict[str, Any] = {"id": ident, "method": method, "params": dict(params)}
            if session:
                message["sessionId"] = session
            try:
                self._commands.write(json.dumps(message).encode("utf-8") + b"\0")
                self._commands.flush()
            except (OSError, ValueError) as exc:
                raise _Gone(f"the pipe closed ({exc})") from None
        return ident

    def call(self, method: str, params: Mapping[str, Any], *, session: str | None = None, deadline: float) -> dict[str, Any]:
        """Send a command and wait for its answer until ``deadline`` (monotonic seconds)."""
        slot = self._waiting_slot(self.send(method, params, session=session))
        try:
            answer = slot.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            raise _Gone(f"no answer to {method}") from None
        if answer is None:
            raise _Gone(f"exited during {method}")
        if "error" in answer:
            raise _Gone(f"{method} failed: {answer['error'].get('message', answer['error'])}")
        result = answer.get("result")
        return result if isinstance(result, dict) else {}

    def _waiting_slot(self, ident: int) -> queue.SimpleQueue[dict[str, Any] | None]:
        with self._lock:
            return self._waiting[ident]

    def _read(self) -> None:
        buffer = b""
        while chunk := self._read_chunk():
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            for raw in messages:
                self._dispatch(json.loads(raw))
        with self._lock:  # Chromium is gone: wake every caller still waiting
            for slot in self._waiting.values():
                slot.put(None)

    def _read_chunk(self) -> bytes:
        try:
            return self._answers.read1(1 << 20)
        except (OSError, ValueError):
            return b""

    def _dispatch(self, message: dict[str, Any]) -> None:
        if "id" in message:
            with self._lock:
                slot = self._waiting.pop(int(message["id"]), None)
            if slot is not None:
                slot.put(message)
        elif message.get("method") == "Page.loadEventFired":
            self.loaded.set()
        else:
            self.on_event(message)

    def stderr_tail(self) -> str:
        try:
            lines = self._stderr.read_text("utf-8", "replace").splitlines()
        except OSError:
            return "no stderr"
        useful = [line for line in lines if "dbus" not in line.lower()]  # a headless box has no D-Bus
        return " | ".join(useful[-3:]) or "nothing on stderr"

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.send("Browser.close", {})
            except _Gone:
                pass
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        for stream in (self._commands, self._answers):
            try:
                stream.close()
            except OSError:
                pass
        self._reader.join(5)


@dataclass(slots=True)
class _Hop:
    """A response ready for ``Fetch.fulfillRequest``."""

    status: int
    reason: str
    headers: list[dict[str, str]]
    body: bytes


@dataclass
class _Loader:
    """Answers the browser's paused requests: from hops already fetched, else by fetching (and
    recording) them, ``PARALLEL`` at a time; tracks what is in flight for ``wait_quiet``."""

    devtools: _DevTools
    fetch: Fetch
    record: Record
    count: int = 0
    _hops: dict[str, _Hop] = field(default_factory=dict)
    _in_flight: int = 0
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
            self._in_flight += 1
            self.count += 1
            self._last = time.monotonic()
        self._pool.submit(self._answer, message.get("params") or {})

    def _answer(self, params: dict[str, Any]) -> None:
        request_id = str(params.get("requestId"))
        try:
            self._respond(request_id, params.get("request") or {})
        except _Gone:
            pass  # the browser is closing: nobody is waiting for this answer
        except Exception:  # one request's bug must not hang the page: it fails, logged with its URL
            logger.exception("render: answering %s failed", (params.get("request") or {}).get("url"))
            try:
                self.devtools.send("Fetch.failRequest", {"requestId": request_id, "errorReason": "Failed"})
            except _Gone:
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
        self._pool.shutdown(wait=True, cancel_futures=True)


def _decoded(hop: Hop) -> bytes:
    return decode_body(hop.body, hop.header("Content-Encoding"), 1 << 20).content


def _key(url: str) -> str:
    """``url`` as the browser and the Fetcher both spell it: no fragment, a path of at least "/"."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))
