"""Fetch stage, memory: a large body waits on disk, and one check at a time holds one in memory.

A body is read off the network into a ``SpooledTemporaryFile`` that moves to disk past
``SPOOL_BYTES``, so a worker reading a 10 MB page holds at most that much of it. It is loaded whole
(for its WARC record, its digest, decoding and parsing) only under a ``BodyGate`` permit: with
eight workers, at most one large page is in memory at a time and the others wait on disk, after
their connection is closed (the wait costs the server nothing and is not counted in the deadline).

Only the first fetch of a check waits for the permit; the check's later fetches (the soft-404
probe, a post's endpoints, requisites) never do, since by then the check may hold locks another
waiting check needs. Nothing is cut: the WARC gets every byte, as before.
"""

from __future__ import annotations

import ctypes
import logging
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from archiver.errors import StoreError

logger = logging.getLogger(__name__)

#: Bytes of one body kept in memory while it is read; past this it goes on to disk. Measured on
#: 233 real saved pages, the largest is 563 KB: an ordinary page never touches the disk.
SPOOL_BYTES = 1 << 20


def new_spool() -> IO[bytes]:
    """A file for one body: in memory up to ``SPOOL_BYTES``, then an unlinked temporary file."""
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, prefix="archiver-body-")


def spooled(spool: IO[bytes], chunk: bytes) -> None:
    """Write ``chunk`` to ``spool``; a disk that cannot take it (full: ENOSPC, or over a file-size
    limit: EFBIG) is this machine's storage failing, not the server: a ``StoreError``, which stops
    the batch with one line, as a WARC that cannot be written does."""
    try:
        spool.write(chunk)
    except OSError as exc:
        raise StoreError(f"cannot write WARC: no room for a response body on disk ({exc.strerror or exc})") from exc


def is_large(size: int) -> bool:
    """Whether a body of ``size`` bytes needs a permit to be held in memory."""
    return size > SPOOL_BYTES


def load(spool: IO[bytes]) -> bytes:
    """The whole body, read in one allocation of its exact size; the spool is closed."""
    with spool:
        spool.seek(0)
        return spool.read()


class BodyGate:
    """At most ``permits`` checks hold a large body in memory at once (see the module docstring).

    A check runs inside ``session()`` on its worker thread; ``admit()`` is called before a large
    body is loaded. Outside a session ``admit()`` never waits, so a ``Fetcher`` used on its own
    behaves as it always did.
    """

    def __init__(self, permits: int = 1) -> None:
        self._permits = threading.BoundedSemaphore(permits)
        self._local = threading.local()

    @contextmanager
    def session(self) -> Iterator[None]:
        """One check on this thread: a permit it takes is kept until the check ends, then given
        back, and the freed memory is returned to the system."""
        local = self._local
        if getattr(local, "active", False):  # nested: the outer session owns the permit
            yield
            return
        local.active, local.fresh, local.held = True, True, False
        try:
            yield
        finally:
            held = local.held
            local.active, local.fresh, local.held = False, False, False
            if held:  # the memory back first, then the permit: the next large body may come in
                release_free_memory()
                self._permits.release()

    def admit(self) -> None:
        """Wait for a permit before loading a large body, if this is the session's first fetch."""
        local = self._local
        if getattr(local, "active", False) and local.fresh and not local.held:
            self._permits.acquire()
            local.held = True

    def settle(self) -> None:
        """The session's first fetch is over: later fetches in it load their bodies without waiting."""
        if getattr(self._local, "active", False):
            self._local.fresh = False


def release_free_memory() -> None:
    """Hand freed heap memory back to the system (glibc's ``malloc_trim``; nothing elsewhere).

    A large page's parse frees tens of MB, which glibc keeps in the arena of the worker thread
    that parsed it; with a pool of workers each keeps its own, and the process grows by one
    page's parse per worker. Measured on one 10 MB page: 173 MB resident after the parse, 112 MB
    after this call.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        trim = getattr(ctypes.CDLL(None), "malloc_trim", None)  # the C library the process runs on
    except OSError:
        return
    if trim is not None:  # glibc; musl has none
        trim(0)
