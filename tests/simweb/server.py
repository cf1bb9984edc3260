"""SimWeb: real HTTP servers, one per simulated site, each on its own loopback address.

Every site gets its own origin (127.0.0.2, 127.0.0.3, … — all of 127.0.0.0/8 is loopback on
Linux), so each has its own home page at "/", which is what archiver's redirect-home and soft-404
checks rely on. What a path serves is a pure function of the current step (``resolve``).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import socketserver
import struct
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from .model import GONE, Action, Page, Response, Scenario, Site

logger = logging.getLogger(__name__)


class SimWeb:
    """The simulated web for a suite of scenarios.

    >>> from tests.simweb import DEFAULT
    >>> with SimWeb(DEFAULT) as web:          # doctest: +SKIP
    ...     url = web.url_of("edit/poll-figure")
    ...     web.advance()                      # now serving step 1
    """

    def __init__(self, scenarios: Iterable[Scenario], *, host: str = "127.0.0.2", slow_seconds: float = 2.0,
                 step: int = 0) -> None:
        self.scenarios: tuple[Scenario, ...] = tuple(scenarios)
        self.slow_seconds = slow_seconds  # how long a ``slow`` response stalls: above archiver's read timeout
        self._step = step
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._started = False
        self._sites: dict[str, Site] = {}
        self._routes: dict[str, dict[str, Page]] = {}
        for sc in self.scenarios:
            known = self._sites.setdefault(sc.site.name, sc.site)
            if known is not sc.site:
                raise ValueError(f"two different sites are called {sc.site.name!r}")
            self._routes.setdefault(sc.site.name, {}).update(sc.all_routes())
        first = ipaddress.IPv4Address(host)
        self._servers = {name: _SiteServer(self, site, str(first + i))
                         for i, (name, site) in enumerate(self._sites.items())}

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def start(self) -> None:
        """Bind every site (so each has its port), then take down the ones offline at this step."""
        self._stopping.clear()
        for server in self._servers.values():
            server.start()
        self._started = True
        self._apply_site_states()

    def close(self) -> None:
        self._stopping.set()  # wakes slow handlers so shutdown is quick
        self._started = False
        for server in self._servers.values():
            server.stop()

    # ------------------------------------------------------------------ steps

    @property
    def step(self) -> int:
        return self._step

    def set_step(self, step: int) -> None:
        """Serve ``step`` from now on; sites offline at that step stop listening."""
        with self._lock:
            self._step = step
        self._apply_site_states()

    def advance(self) -> int:
        """Move to the next step and return it."""
        self.set_step(self._step + 1)
        return self._step

    def _apply_site_states(self) -> None:
        if not self._started:
            return  # start() applies them
        for server in self._servers.values():
            if self._step in server.site.offline:
                server.stop()
            else:
                server.start()

    # ------------------------------------------------------------------ addresses

    def origin(self, site: str | Site) -> str:
        """``http://127.0.0.N:PORT`` of a site (it keeps its port while offline)."""
        name = site if isinstance(site, str) else site.name
        return self._servers[name].origin

    @property
    def base_url(self) -> str:
        """The first site's origin (enough when a suite has one site)."""
        return next(iter(self._servers.values())).origin

    def url(self, path: str, site: str | Site | None = None) -> str:
        """An absolute URL for ``path`` on ``site`` (default: the first site)."""
        return (self.origin(site) if site is not None else self.base_url) + path

    def url_of(self, scenario: Scenario | str) -> str:
        """The watched URL of a scenario (or of the scenario with that name)."""
        sc = self._scenario(scenario)
        return self.origin(sc.site) + sc.path

    @property
    def urls(self) -> dict[str, str]:
        """Scenario name → watched URL, in suite order."""
        return {sc.name: self.url_of(sc) for sc in self.scenarios}

    def scenario_at(self, url: str) -> Scenario | None:
        """The scenario watching ``url`` (archiver's canonical form is fine), or None."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        for sc in self.scenarios:
            if self.origin(sc.site) == origin and target in (sc.path, sc.path.rstrip("/")):
                return sc
        return None

    def record(self, step: int, events: Iterable[Any],
               into: dict[str, dict[int, list[tuple[str, str | None]]]] | None = None,
               ) -> dict[str, dict[int, list[tuple[str, str | None]]]]:
        """Add archiver's events seen at ``step`` to ``into`` (scenario name → step → (type, reason)).

        An event is an ``archiver.models.Event`` or a report JSON dict (``url``, ``type``, ``reason``).
        An event for a URL no scenario watches is an error: the harness or archiver is confused.
        """
        table = {} if into is None else into
        for event in events:
            url, kind, reason = (
                (event["url"], event["type"], event.get("reason")) if isinstance(event, dict)
                else (event.url, event.type, event.reason))
            sc = self.scenario_at(url)
            if sc is None:
                raise ValueError(f"event {kind} {reason} for {url}, which no scenario watches")
            table.setdefault(sc.name, {}).setdefault(step, []).append((str(kind), None if reason is None else str(reason)))
        return table

    def _scenario(self, scenario: Scenario | str) -> Scenario:
        if isinstance(scenario, Scenario):
            return scenario
        for sc in self.scenarios:
            if sc.name == scenario:
                return sc
        raise KeyError(scenario)

    # ------------------------------------------------------------------ routing

    def resolve(self, site_name: str, target: str, step: int | None = None) -> Response:
        """What ``site_name`` answers for the request target ``target`` at ``step`` (default: now)."""
        site = self._sites[site_name]
        step = self._step if step is None else step
        path = target.split("?", 1)[0].split("#", 1)[0] or "/"
        if site.is_parked(step):
            assert site.parking is not None, f"site {site.name} is parked but has no parking page"
            return site.parking(path)
        if path == "/":
            return site.home(step)
        routes = self._routes.get(site_name, {})
        found = routes.get(target) or routes.get(path)
        response = found(step) if found else GONE
        if response.action is Action.UNKNOWN:
            response = site.answer_unknown(path, step)
        return response


class _SiteServer:
    """One site's listening socket and serving thread; can go down and come back on the same port."""

    def __init__(self, web: SimWeb, site: Site, address: str) -> None:
        self.web, self.site, self.address = web, site, address
        self.port = 0
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def origin(self) -> str:
        if not self.port:
            raise RuntimeError("SimWeb is not started")
        return f"http://{self.address}:{self.port}"

    def start(self) -> None:
        if self._httpd is not None:
            return
        httpd = _HTTPServer((self.address, self.port), _Handler)
        httpd.web, httpd.site = self.web, self.site
        self.port = httpd.server_address[1]
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                        name=f"simweb-{self.site.name}", daemon=True)
        self._httpd = httpd
        self._thread.start()

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()  # now nothing listens: new connections are refused
        httpd.drop_connections()  # and kept-alive ones end too
        assert self._thread is not None
        self._thread.join(timeout=5)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # bursts of parallel fetches must not overflow the accept backlog
    web: SimWeb
    site: Site

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn (a reverse lookup); a name is not needed here.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        with self._open_lock:
            conns, self._open = list(self._open), set()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: archiver's session reuses connections
    # Headers and body leave in one segment, and without Nagle: otherwise every kept-alive
    # request stalls ~40 ms on the client's delayed ACK.
    disable_nagle_algorithm = True
    wbufsize = -1
    server_version = "SimWeb/1.0"
    server: _HTTPServer
    _reset = False

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.server.site.name, format % args)

    def _serve(self, head: bool) -> None:
        web, site = self.server.web, self.server.site
        step = web.step
        if step in site.offline:  # a kept-alive connection outlived the listener
            response = Response(action=Action.RESET)
        else:
            response = web.resolve(site.name, self.path, step)
        if response.action is Action.RESET:
            self._reset = True
            self.close_connection = True
            return
        if response.slow and web._stopping.wait(web.slow_seconds):
            self.close_connection = True
            return
        try:
            self.send_response(response.status)
            for key, value in response.headers:
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if not head:
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
            self.close_connection = True

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        if self._reset:
            # SO_LINGER 0 makes close() send a RST instead of a FIN: "connection reset by peer".
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
