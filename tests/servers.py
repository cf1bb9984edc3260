"""Raw-socket test servers on 127.0.0.1 for responses no well-behaved server library will send.

Modelled on requests' ``tests/testserver/server.py``: a listening socket, a thread per
connection, and a handler that writes exactly the bytes a test wants (a bad status line, a
truncated chunked body, a wrong Content-Length, a trickle, silence). ``forwarding_proxy`` is a
tiny HTTP proxy for the ``HTTP_PROXY`` tests. Nothing here sleeps: waits are on events.
"""

from __future__ import annotations

import selectors
import socket
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

Handler = Callable[["Server", socket.socket], None]


class Server:
    """A threaded TCP server running ``handler(server, conn)`` for every accepted connection.

    ``requests`` holds the raw request heads received (via ``read_request``), in order;
    ``connections`` counts accepted connections; ``stopping`` is set when the server shuts
    down, for handlers that wait.
    """

    def __init__(self, handler: Handler, host: str = "127.0.0.1") -> None:
        self.handler = handler
        self.host = host
        self.requests: list[bytes] = []
        self.connections = 0
        self.stopping = threading.Event()
        self._closed = threading.Condition()
        self.closed_connections = 0
        self._listener = socket.create_server((host, 0))
        self.port: int = self._listener.getsockname()[1]
        self._wake_r, self._wake_w = socket.socketpair()
        self._open: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._acceptor = threading.Thread(target=self._accept_loop, name=f"server:{self.port}", daemon=True)

    def url(self, path: str = "/") -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{path}"

    def __enter__(self) -> Self:
        self._acceptor.start()
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def stop(self) -> None:
        self.stopping.set()
        self._wake_w.send(b"x")
        self._acceptor.join(5)
        with self._lock:
            for conn in self._open:
                try:
                    conn.shutdown(socket.SHUT_RDWR)  # wakes handlers blocked in recv()
                except OSError:
                    pass
        for thread in self._threads:
            thread.join(5)
        for sock in (self._listener, self._wake_r, self._wake_w):
            sock.close()

    def wait_closed(self, count: int, timeout: float = 5.0) -> bool:
        """Wait until ``count`` connections have been closed by their clients (or the timeout)."""
        with self._closed:
            return self._closed.wait_for(lambda: self.closed_connections >= count, timeout)

    def read_request(self, conn: socket.socket) -> bytes | None:
        """Read one request head (up to the blank line); record and return it. None at EOF."""
        data = b""
        while b"\r\n\r\n" not in data:
            try:
                chunk = conn.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                self._note_closed()
                return None
            data += chunk
        head = data.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
        with self._lock:
            self.requests.append(head)
        return head

    def _note_closed(self) -> None:
        with self._closed:
            self.closed_connections += 1
            self._closed.notify_all()

    def _accept_loop(self) -> None:
        with selectors.DefaultSelector() as sel:
            sel.register(self._listener, selectors.EVENT_READ)
            sel.register(self._wake_r, selectors.EVENT_READ)
            while not self.stopping.is_set():
                for key, _ in sel.select():
                    if key.fileobj is self._wake_r:
                        return
                    conn, _addr = self._listener.accept()
                    with self._lock:
                        self.connections += 1
                        self._open.add(conn)
                    thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
                    self._threads.append(thread)
                    thread.start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            self.handler(self, conn)
        except OSError:
            pass  # the client went away: that is the client's business
        finally:
            with self._lock:
                self._open.discard(conn)
            conn.close()


# ---------------------------------------------------------------------- handlers


def respond(raw: bytes) -> Handler:
    """Read the request, send ``raw`` verbatim, close."""

    def handler(server: Server, conn: socket.socket) -> None:
        if server.read_request(conn) is not None:
            conn.sendall(raw)

    return handler


def keep_alive(body: bytes = b"ok") -> Handler:
    """Answer every request on the connection with 200 and ``body``, until the client closes."""

    def handler(server: Server, conn: socket.socket) -> None:
        while server.read_request(conn) is not None:
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s"
                % (len(body), body)
            )

    return handler


def trickle(head: bytes, interval: float = 0.1) -> Handler:
    """Send ``head``, then one byte of body every ``interval`` seconds until the client leaves."""

    def handler(server: Server, conn: socket.socket) -> None:
        if server.read_request(conn) is None:
            return
        conn.sendall(head)
        while not server.stopping.wait(interval):
            conn.sendall(b"x")

    return handler


def silent(server: Server, conn: socket.socket) -> None:
    """Accept, read the request, never answer (until the server stops)."""
    server.read_request(conn)
    server.stopping.wait()


def forwarding_proxy(server: Server, conn: socket.socket) -> None:
    """A plain HTTP forward proxy: ``GET http://127.0.0.1:port/path`` → the origin, response relayed.

    Only loopback origins are forwarded (anything else gets 403), and the origin is asked to
    close after one response so the relay ends at EOF.
    """
    head = server.read_request(conn)
    if head is None:
        return
    request_line, _, rest = head.partition(b"\r\n")
    method, target, version = request_line.split(b" ", 2)
    parts = urlsplit(target.decode("latin-1"))
    if parts.hostname not in ("127.0.0.1", "::1") or parts.port is None:
        conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        return
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = [h for h in rest.split(b"\r\n") if h and not h.lower().startswith((b"connection:", b"proxy-"))]
    upstream = b"\r\n".join(
        [b"%s %s %s" % (method, path.encode("latin-1"), version), *headers, b"Connection: close", b"", b""]
    )
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as origin:
        origin.sendall(upstream)
        while chunk := origin.recv(65536):
            conn.sendall(chunk)


def resolving_proxy(names: dict[str, str]) -> Handler:
    """An HTTP forward proxy that resolves hosts as a real proxy does: a name from ``names`` (its
    "DNS", so no lookup leaves the machine), else the host read by ``inet_aton`` (decimal, hex,
    octal and short forms: ``2130706433``, ``0x7f.1``, ``0177.0.0.1``). It forwards only to
    loopback addresses; anything else is 502. This is the proxy a newsroom's Squid would be.
    """

    def handler(server: Server, conn: socket.socket) -> None:
        head = server.read_request(conn)
        if head is None:
            return
        request_line, _, rest = head.partition(b"\r\n")
        method, target, version = request_line.split(b" ", 2)
        parts = urlsplit(target.decode("latin-1"))
        host = (parts.hostname or "").rstrip(".")
        try:
            address = names.get(host) or socket.inet_ntoa(socket.inet_aton(host))
        except OSError:
            address = ""
        if not address.startswith("127."):
            conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = [h for h in rest.split(b"\r\n") if h and not h.lower().startswith((b"connection:", b"proxy-"))]
        upstream = b"\r\n".join(
            [b"%s %s %s" % (method, path.encode("latin-1"), version), *headers, b"Connection: close", b"", b""]
        )
        with socket.create_connection((address, parts.port or 80), timeout=5) as origin:
            origin.sendall(upstream)
            while chunk := origin.recv(65536):
                conn.sendall(chunk)

    return handler
