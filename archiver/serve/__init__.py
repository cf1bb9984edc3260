"""``archiver serve``: the local web view of an archive, and safe replay of its captures.

Two listeners: the *app* (``--port``, default 8080: dashboard, source, document, diff and
capture pages, Memento TimeGate/TimeMap) and *replay* (``serve.replay_port``, default the app
port + 1: archived responses, scripts disabled). Separate ports are separate browser origins,
so an archived page can never touch the app (see ``replay`` for the whole safety model).

Like ``cli``, this package is a front end: it drives the ``Archive`` facade and no stage
imports it. Modules: ``server`` (HTTP plumbing), ``app`` (pages), ``templates`` (HTML),
``replay`` (archived responses), ``rewrite`` (link rewriting), ``memento`` (RFC 7089).
"""

from __future__ import annotations

import ctypes
import dataclasses
import logging
import signal
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Self

from archiver.archive import Archive
from archiver.config import Config
from archiver.serve.app import App
from archiver.serve.replay import Replay
from archiver.serve.server import LOOPBACK_NAMES, PooledHTTPServer, bind, is_loopback, make_handler
from archiver.warcstore import WarcStore

logger = logging.getLogger(__name__)

#: Logged when ``--host`` is not a loopback address (the README repeats it).
EXPOSED_WARNING = (
    "serving on %s, which is not a loopback address: anyone who can reach it can read every capture "
    "in this archive (archived pages and their headers, documents and their citations), with no login "
    "and no TLS. Use it only on a network you trust, or behind an authenticating TLS proxy."
)
#: Worker threads per listener (each keeps one SQLite read connection).
WORKERS = 8


class ReadingArchive(Archive):
    """An Archive that reads WARC files and never repairs them.

    ``Archive.store`` cuts torn tails off WARC files when it opens (``WarcStore.recover``):
    right for the writer, wrong beside a running daemon whose current file may be mid-append.
    The facade reads every payload through ``store_reader()``, so that is the one override.
    """

    def __init__(self, data_dir: str | Path, config: Config | None = None) -> None:
        super().__init__(data_dir, config)
        self._reader = WarcStore(self.warc_dir, self.config.warc)

    def store_reader(self) -> WarcStore:
        return self._reader

    def close(self) -> None:
        self._reader.close()
        super().close()


def open_archive(data_dir: str | Path, config: Config) -> ReadingArchive:
    """The archive to serve, opened for reading beside a daemon that may be writing."""
    return ReadingArchive(data_dir, config)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


class Server:
    """The app and replay listeners over one Archive: ``start()``, then ``stop()`` (or ``run()``).

    Once bound, ``archive.config.serve`` names the address served, so ``Archive.replay_url`` and
    the citations shown on capture pages point at this server.
    """

    def __init__(
        self,
        archive: Archive,
        *,
        host: str = "127.0.0.1",
        port: int = 8080,
        replay_port: int = 0,
        workers: int = WORKERS,
    ) -> None:
        self.archive = archive
        self.host = host
        self.port = port
        self.replay_port = replay_port
        self.workers = workers
        self._servers: list[PooledHTTPServer] = []
        self._threads: list[threading.Thread] = []

    @property
    def app_port(self) -> int:
        return self._servers[0].server_port if self._servers else self.port

    @property
    def bound_replay_port(self) -> int:
        return self._servers[1].server_port if len(self._servers) > 1 else self.replay_port

    @property
    def app_url(self) -> str:
        return f"http://{_url_host(self.host)}:{self.app_port}"

    @property
    def replay_url(self) -> str:
        return f"http://{_url_host(self.host)}:{self.bound_replay_port}"

    def start(self) -> None:
        """Bind both ports and answer in background threads. Raises ArchiverError if a port is taken."""
        loopback = is_loopback(self.host)
        if not loopback:
            logger.warning(EXPOSED_WARNING, self.host)
        # The Host check stays on beyond loopback (DNS rebinding does not care where we listen):
        # the address served, the machine's name, and the names the operator lists in
        # serve.allowed_hosts (what clients type to reach a server bound to 0.0.0.0).
        names = {_url_host(self.host).lower(), *(n.lower() for n in self.archive.config.serve.allowed_hosts)}
        if not loopback:
            names.add(socket.gethostname().lower())
        allowed = frozenset(LOOPBACK_NAMES | names - {"0.0.0.0", "[::]"})
        ports = {"app_port": lambda: self.app_port, "replay_port": lambda: self.bound_replay_port}
        app = make_handler("app", App(self.archive).routes(), allowed_hosts=allowed, **ports)
        replay = make_handler("replay", Replay(self.archive).routes(), allowed_hosts=allowed, **ports)
        self._servers.append(bind(self.host, self.port, app, self.workers, "web view"))
        # replay_port 0: the app port + 1, or any free port when the app port was itself "any" (tests).
        wanted = self.replay_port or (self.app_port + 1 if self.port else 0)
        try:
            self._servers.append(bind(self.host, wanted, replay, self.workers, "replay origin"))
        except Exception:
            self.stop()
            raise
        # Citations name the capture page at the address actually served (port 0 is known only now).
        served = dataclasses.replace(
            self.archive.config.serve, host=self.host, port=self.app_port, replay_port=self.bound_replay_port
        )
        self.archive.config = dataclasses.replace(self.archive.config, serve=served)
        for srv in self._servers:
            thread = threading.Thread(
                target=srv.serve_forever,
                kwargs={"poll_interval": 0.2},
                name=f"serve-{srv.server_port}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        logger.info("serving %s/ (replay origin %s/)", self.app_url, self.replay_url)

    def stop(self) -> None:
        """Stop answering, let requests in progress finish, close the sockets."""
        for srv, thread in zip(self._servers, self._threads, strict=False):
            srv.shutdown()
            thread.join()
        for srv in self._servers:
            srv.server_close()
        self._servers, self._threads = [], []

    def run(self, on_ready: Callable[[Server], None] | None = None) -> None:
        """Serve until SIGTERM or SIGINT, then stop cleanly (main thread only)."""
        stopping = threading.Event()

        def handle(signum: int, frame: FrameType | None) -> None:
            logger.info("serve: signal %d, stopping", signum)
            stopping.set()

        previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGINT)}
        _return_large_buffers()
        try:
            self.start()
            if on_ready is not None:
                on_ready(self)
            # Wake up regularly rather than block forever: a signal that lands while the main
            # thread sits in a lock wait is then handled within half a second, whatever happens.
            while not stopping.wait(0.5):
                pass
        finally:
            self.stop()
            for sig, old in previous.items():
                signal.signal(sig, old)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


__all__ = ["EXPOSED_WARNING", "ReadingArchive", "Server", "is_loopback", "open_archive"]


#: glibc's ``mallopt`` parameter for the size above which a buffer is its own mapping.
_M_MMAP_THRESHOLD = -3


def _return_large_buffers() -> None:
    """Give every buffer of a megabyte or more its own mapping, returned to the system when freed.

    glibc raises its mmap threshold each time a large buffer is freed (up to 32 MB), so after the
    first big page the next ones are carved from the heap, which keeps their memory when they are
    freed: eight 10 MB pages replayed at once then leave the process 30 MB above its budget. A fixed
    threshold keeps serve's memory to what it holds now. No effect where libc has no ``mallopt``.
    """
    try:
        ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, 1 << 20)
    except (OSError, AttributeError):
        pass
