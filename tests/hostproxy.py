"""Real host names, played on 127.0.0.1: a routing proxy in front of one server that answers for
every site, over HTTP and over TLS with a trustme certificate issued for the real names.

Archiver reaches ``https://publish.twitter.com/…`` or ``https://t.co/…`` through
``HTTPS_PROXY``/``HTTP_PROXY`` exactly as it would through a newsroom's proxy; the proxy never
resolves a name (it routes every name to the local server from its own table and records it in
``asked``), and ``guard_dns`` makes any name lookup in the test process fail loudly, so "no DNS,
no traffic off the machine" is checked rather than hoped for. Responses are set per full URL with
``play``/``redirect`` and may be changed between two checks (an edit, a deletion).
"""

from __future__ import annotations

import ipaddress
import selectors
import socket
import ssl
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

import pytest
import trustme
from servers import Server

#: The names the TLS certificate covers: the platforms' pages and endpoints, and test sites.
NAMES = (
    "x.com", "twitter.com", "publish.twitter.com", "cdn.syndication.twimg.com", "t.co", "pic.twitter.com",
    "truthsocial.com", "mastodon.social", "social.example.net", "www.youtube.com", "bsky.app",
    "public.api.bsky.app", "bit.ly", "news.example.org",
)  # fmt: skip


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


class PlayedWeb:
    """Sites by full URL (``https://x.com/a/status/1``), a TLS and a plain listener, and the proxy."""

    def __init__(self, tmp: Path, names: Iterable[str] = NAMES,
                 fallback: Callable[[str], Reply | None] | None = None) -> None:
        self.replies: dict[str, Reply] = {}
        self.fallback = fallback  # asked for a URL not in ``replies`` (a whole played site); None: 404
        self.hits: list[str] = []  # full URLs asked of the sites, in order
        self._lock = threading.Lock()
        ca = trustme.CA()
        self.ca_bundle = tmp / "played-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_bundle))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ca.issue_cert(*names).configure_cert(context)
        self._http = self._server("http")
        self._https = self._server("https")
        self._https.socket = context.wrap_socket(self._https.socket, server_side=True)
        self.proxy = Server(self._route)
        self.asked: list[str] = []  # host names the proxy was asked for
        self.refused: list[str] = []  # names it had no route for (none expected)

    def _server(self, scheme: str) -> ThreadingHTTPServer:
        web = self

        class Handler(_SiteHandler):
            played, tls = web, scheme == "https"

        server = _Listener(("127.0.0.1", 0), Handler)
        return server

    # -- what the sites answer ---------------------------------------------------------------

    def play(self, url: str, body: bytes | str, *, status: int = 200, content_type: str = "text/html; charset=utf-8",
             headers: dict[str, str] | None = None) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        pairs = [("Content-Type", content_type), *(headers or {}).items()]
        with self._lock:
            self.replies[url] = Reply(status, data, pairs)

    def redirect(self, url: str, to: str, status: int = 301) -> None:
        with self._lock:
            self.replies[url] = Reply(status, b"", [("Location", to)])

    def reply(self, url: str) -> Reply:
        with self._lock:
            self.hits.append(url)
            found = self.replies.get(url)
        if found is None and self.fallback is not None:
            found = self.fallback(url)
        return found or Reply(404, b"not played: " + url.encode(), [("Content-Type", "text/plain")])

    def use(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Send archiver's requests through the proxy, trusting the played certificate."""
        monkeypatch.setenv("HTTP_PROXY", self.proxy.url())
        monkeypatch.setenv("HTTPS_PROXY", self.proxy.url())
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(self.ca_bundle))

    # -- the proxy ---------------------------------------------------------------------------

    def _route(self, server: Server, conn: socket.socket) -> None:
        head = server.read_request(conn)
        if head is None:
            return
        method, target, _ = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
        host = target.rsplit(":", 1)[0] if method == "CONNECT" else urlsplit(target).hostname or ""
        with self._lock:
            self.asked.append(host)
        if not host:
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        upstream = self._https if method == "CONNECT" else self._http
        origin = socket.create_connection(("127.0.0.1", upstream.server_address[1]), timeout=5)  # a literal: no lookup
        with origin:
            if method == "CONNECT":
                conn.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            else:
                origin.sendall(_origin_form(head, target))
            _pipe(conn, origin)

    def __enter__(self) -> Self:
        for server in (self._http, self._https):
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.proxy.__enter__()
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.proxy.stop()
        for server in (self._http, self._https):
            server.shutdown()
            server.server_close()


class _Listener(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # parallel fetches through the proxy must not overflow the accept backlog


class _SiteHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    played: PlayedWeb
    tls: bool

    def do_GET(self) -> None:  # the name http.server dispatches to
        host = (self.headers.get("Host") or "").lower().removesuffix(":443" if self.tls else ":80")
        reply = self.played.reply(f"{'https' if self.tls else 'http'}://{host}{self.path}")
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        if (self.headers.get("Connection") or "").lower() == "close":
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the test reads ``hits``; stderr stays quiet


def _origin_form(head: bytes, target: str) -> bytes:
    """The proxied request with an origin-form target (``GET /path``) and no proxy headers."""
    line, rest = head.split(b"\r\n", 1)
    method, _, version = line.split(b" ", 2)
    parts = urlsplit(target)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = [h for h in rest.split(b"\r\n") if h and not h.lower().startswith((b"connection:", b"proxy-"))]
    return b"\r\n".join([b"%s %s %s" % (method, path.encode("latin-1"), version), *headers, b"Connection: close", b"", b""])


def _pipe(a: socket.socket, b: socket.socket) -> None:
    """Relay bytes both ways until either side closes."""
    with selectors.DefaultSelector() as sel:
        sel.register(a, selectors.EVENT_READ, b)
        sel.register(b, selectors.EVENT_READ, a)
        while True:
            for key, _ in sel.select(timeout=10):
                source: socket.socket = key.fileobj  # type: ignore[assignment]
                try:
                    data = source.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    return
                key.data.sendall(data)


def guard_dns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make every name lookup in this process fail, and return the list of names attempted.

    IP literals and ``localhost`` are let through (connecting to 127.0.0.1 needs no resolver).
    """
    looked_up: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        try:
            ipaddress.ip_address(name.split("%", 1)[0])
        except ValueError:
            if name != "localhost":
                looked_up.append(name)
                raise socket.gaierror(socket.EAI_NONAME, f"test guard: no DNS lookups ({name})") from None
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return looked_up
