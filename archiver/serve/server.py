"""HTTP plumbing for ``archiver serve``: requests and responses as values, a pooled threaded server.

Both listeners (the app and the replay origin) use it. A handler is a plain function
``Request -> Response`` found in an explicit route table (a tuple of ``(pattern, handler)``).
The ``Host`` header is checked before any handler runs, so a web page cannot reach a
loopback-bound server through DNS rebinding; the origins handed to handlers come from it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import re
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, cast
from urllib.parse import parse_qs

from archiver.errors import ArchiverError, CaptureNotFoundError

logger = logging.getLogger(__name__)

#: Names a browser may put in ``Host`` for a loopback listener; anything else is refused.
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})
#: A host name or address literal as it may appear in ``Host`` (it is echoed into headers and pages).
_HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\])$")
#: Header values we send must be visible ASCII: archived values are untrusted and may carry anything.
_UNSAFE_HEADER_CHARS = re.compile(r"[^\x20-\x7e]")
#: Seconds an idle or slow client may hold a worker.
CLIENT_TIMEOUT = 30
#: Seconds requests in progress get to finish when the server stops.
STOP_GRACE = 3.0


@dataclass(frozen=True, slots=True)
class Origins:
    """The two origins of one running ``serve``, as the client named the host."""

    app: str  # "http://127.0.0.1:8080"
    replay: str  # "http://127.0.0.1:8081"


@dataclass(frozen=True, slots=True)
class Request:
    """One request, as parsed: ``path`` keeps its percent-escapes (archived URLs travel in it)."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]  # lower-cased names
    origins: Origins

    def param(self, name: str) -> str | None:
        """The first value of a query parameter, or None."""
        values = parse_qs(self.query, keep_blank_values=True).get(name)
        return values[0] if values else None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True, slots=True)
class Response:
    """What a handler returns. ``headers`` are added after ``Content-Type``."""

    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = field(default=())
    #: Called once the response is written, or failed to be: gives back what the handler held
    #: for it (the replay origin's large slot, ``replay.Replay.render``).
    sent: Callable[[], None] | None = field(default=None, compare=False)


Handler = Callable[[Request, "re.Match[str]"], Response]
Route = tuple["re.Pattern[str]", Handler]


def header_value(value: str) -> str:
    """``value`` made safe to send as a header: control and non-ASCII characters percent-encoded."""
    return _UNSAFE_HEADER_CHARS.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode("utf-8")), value)


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the server on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_name(host_header: str | None, port: int, allowed: frozenset[str] | None) -> str | None:
    """The host name of a ``Host`` header naming this server, or None if it names another.

    >>> host_name("127.0.0.1:8080", 8080, LOOPBACK_NAMES)
    '127.0.0.1'
    >>> host_name("evil.example:8080", 8080, LOOPBACK_NAMES) is None
    True
    """
    if not host_header:
        return None
    match = re.fullmatch(r"(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?", host_header.strip())
    if match is None or not _HOST.match(match.group(1)):
        return None
    name, given_port = match.group(1).lower(), int(match.group(2) or 80)
    if given_port != port or (allowed is not None and name not in allowed):
        return None
    return name


class PooledHTTPServer(HTTPServer):
    """An HTTP server answering from a fixed pool of worker threads.

    A pool rather than a thread per request: the SQLite index keeps one read connection per
    thread, so a bounded set of threads keeps a bounded set of connections. On close, requests
    in progress get ``STOP_GRACE`` seconds to finish; a client still idle after that (a
    half-open connection waiting out ``CLIENT_TIMEOUT``) is cut off, so SIGTERM stops promptly.
    """

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], workers: int) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"serve-{self.server_port}")
        self._active: dict[Future[None], socket.socket] = {}
        self._active_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        future = self._pool.submit(self._work, request, client_address)
        with self._active_lock:
            self._active[future] = request
        future.add_done_callback(self._forget)

    def _forget(self, future: Future[None]) -> None:
        with self._active_lock:
            self._active.pop(future, None)

    def _work(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:  # noqa: BLE001 (socketserver's contract: log any handler failure, keep serving)
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.exception("serve: error answering %s", client_address)

    def server_close(self) -> None:
        super().server_close()
        with self._active_lock:
            pending = dict(self._active)
        wait(pending, timeout=STOP_GRACE)
        for future, sock in pending.items():
            if not future.done():
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        self._pool.shutdown(wait=True, cancel_futures=True)


def make_handler(
    name: str,
    routes: Sequence[Route],
    *,
    app_port: Callable[[], int],
    replay_port: Callable[[], int],
    allowed_hosts: frozenset[str] | None,
) -> type[BaseHTTPRequestHandler]:
    """A request handler class dispatching to ``routes`` (first match wins; 404 otherwise).

    ``app_port``/``replay_port`` are read per request: with port 0 they are known only once bound.
    """

    class RouteHandler(BaseHTTPRequestHandler):
        def version_string(self) -> str:
            return "archiver"

        protocol_version = "HTTP/1.0"  # one request per connection: no idle keep-alive holds a worker
        timeout = CLIENT_TIMEOUT

        def do_GET(self) -> None:
            self._answer(send_body=True)

        def do_HEAD(self) -> None:
            self._answer(send_body=False)

        def _answer(self, *, send_body: bool) -> None:
            response = self._respond()
            sent = response.sent
            try:
                self._send(response, send_body=send_body)
            finally:
                del response  # its body freed before ``sent`` hands memory back
                if sent is not None:
                    sent()

        def _send(self, response: Response, *, send_body: bool) -> None:
            self.send_response(response.status)
            self.send_header("Content-Type", header_value(response.content_type))
            for key, value in response.headers:
                self.send_header(key, header_value(value))
            if not any(key.lower() == "x-content-type-options" for key, _ in response.headers):
                self.send_header("X-Content-Type-Options", "nosniff")
            size = len(response.body)
            self.send_header("Content-Length", str(size))
            self.end_headers()
            if send_body:
                self.wfile.write(response.body)

        def _respond(self) -> Response:
            port = cast(PooledHTTPServer, self.server).server_port
            host = host_name(self.headers.get("Host"), port, allowed_hosts)
            if host is None:
                logger.warning("%s: refused a request for Host %r", name, self.headers.get("Host"))
                return Response(
                    421,
                    b"this server answers only to the address it was started on\n",
                    "text/plain; charset=utf-8",
                )
            path, _, query = self.path.partition("?")
            origins = Origins(f"http://{host}:{app_port()}", f"http://{host}:{replay_port()}")
            headers = {k.lower(): v for k, v in self.headers.items()}
            request = Request(self.command, path, query, headers, origins)
            for pattern, handler in routes:
                match = pattern.match(path)
                if match:
                    try:
                        return handler(request, match)
                    except CaptureNotFoundError as exc:
                        return Response(404, f"{exc}\n".encode(), "text/plain; charset=utf-8")
                    except ArchiverError as exc:
                        logger.error("%s: %s %s: %s", name, self.command, self.path, exc)
                        return Response(500, f"{exc}\n".encode(), "text/plain; charset=utf-8")
                    except Exception:
                        logger.exception("%s: %s %s failed", name, self.command, self.path)
                        return Response(
                            500, b"internal error (see the server log)\n", "text/plain; charset=utf-8"
                        )
            return Response(404, b"not found\n", "text/plain; charset=utf-8")

        def log_message(self, format: str, *args: Any) -> None:
            logger.info("%s: %s %s", name, self.address_string(), format % args)

    return RouteHandler


def bind(
    host: str, port: int, handler: type[BaseHTTPRequestHandler], workers: int, what: str
) -> PooledHTTPServer:
    """A bound server, or an ArchiverError naming the address (port taken, address not local)."""
    try:
        return PooledHTTPServer((host, port), handler, workers)
    except OSError as exc:
        raise ArchiverError(f"cannot listen on {host}:{port} for the {what}: {exc.strerror or exc}") from None
