"""Store stage, storage: where the WARC files live, behind one small interface, ``WarcFiles``.

``WarcStore`` (one process, or one of many workers) writes and reads its files through nothing
else. A file is opened (``create``), appended to (``append``, all or nothing), made durable
(``sync``) and sealed (``seal``: durable, closed, never written again); the files are listed
(``names``) and read from any offset (``read``, a seekable stream). A file may carry an ``.open``
mark naming who writes it (``create(owner=…)``, kept fresh by ``touch``, dropped by ``seal``), so
that the writers sharing a storage find the files whose writer is gone (``open_marks``) and cut
their torn tails (``repair``).

``LocalFiles`` keeps them in a folder: a local disk, or a shared file system (NFS, CephFS) that
every worker mounts. The file names are the store's (``prefix-timestamp-serial-host.warc.gz``); a
file's mark is ``<file>.open`` beside it, a small JSON text of its owner.

An S3-compatible store would plug in as one more ``WarcFiles``. Object stores cannot append, so
it would stage each open file in a ``LocalFiles`` on the worker's own disk (``create``,
``append``, ``sync``, ``touch`` and ``repair`` go there; a mark is also put as ``<name>.open`` in
the bucket), and ``seal`` would upload the whole file (a multipart upload, ``If-None-Match: *``
so no name is taken twice), then drop the mark and the local copy. ``names`` lists the bucket
and the staged files; ``read`` of a sealed file is a stream of ranged GETs. Nothing above this
module would change.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from . import recovery

logger = logging.getLogger(__name__)

SUFFIX = ".warc.gz"
MARK = ".open"


@dataclass(frozen=True, slots=True)
class OpenMark:
    """A file some writer marked open: who (``owner``, as it wrote it) and how long since it said so."""

    name: str
    owner: Mapping[str, Any]
    age: float  # seconds since the writer last touched the mark


class WarcFiles(Protocol):
    """Where WARC files live: list, open, append, seal, read a range; marks of open files."""

    def location(self, name: str | None = None) -> str:
        """Where the storage (or its file ``name``) is, for messages."""
        ...

    def names(self) -> list[str]:
        """Every WARC file, sealed or open, in no particular order."""
        ...

    def size(self, name: str) -> int:
        """The bytes in ``name`` now (appended ones included)."""
        ...

    def create(self, name: str, owner: Mapping[str, Any] | None = None) -> None:
        """Open a new, empty file for appending; ``FileExistsError`` if ``name`` is taken, another
        ``OSError`` if it cannot be made. With ``owner``, mark it open, naming the owner."""
        ...

    def append(self, name: str, data: memoryview, *, sync: bool = True) -> None:
        """Append all of ``data`` to the open file ``name`` (durable when it returns, unless
        ``sync=False``), or nothing: a failed write is cut back and raises ``OSError``."""
        ...

    def sync(self, name: str) -> None:
        """Make everything appended to ``name`` so far durable (nothing to do once it is sealed)."""
        ...

    def seal(self, name: str) -> None:
        """Close ``name`` for good: durable, its open mark dropped. Of a file another writer left
        open (an orphan, its tail repaired), only the mark is dropped."""
        ...

    def touch(self, name: str) -> None:
        """Say that the writer of ``name`` is alive (its mark is fresh again)."""
        ...

    def open_marks(self) -> list[OpenMark]:
        """The files marked open, by this writer or any other."""
        ...

    def read(self, name: str) -> BinaryIO:
        """A seekable binary stream of ``name`` (the caller closes it); ``OSError`` if missing."""
        ...

    def repair(self, name: str) -> str | None:
        """Make ``name`` end on a whole record (``recovery.repair``): what was done, or None."""
        ...


class _Open:
    """One file being appended to: its descriptor, and whether an append left its fsync for later."""

    __slots__ = ("dirty", "file")

    def __init__(self, file: Any) -> None:
        self.file = file
        self.dirty = False


class LocalFiles:
    """``WarcFiles`` in a folder of a local or shared file system."""

    def __init__(self, directory: Path, *, fsync: bool = True) -> None:
        self.directory = Path(directory)
        self._fsync = fsync
        self._open: dict[str, _Open] = {}
        self._lock = threading.Lock()  # guards ``_open`` (sync may run beside a seal)

    def location(self, name: str | None = None) -> str:
        return str(self.directory / name if name else self.directory)

    def _path(self, name: str) -> Path:
        return self.directory / name

    def names(self) -> list[str]:
        return [p.name for p in self.directory.glob("*" + SUFFIX) if p.is_file()]

    def size(self, name: str) -> int:
        return self._path(name).stat().st_size

    def create(self, name: str, owner: Mapping[str, Any] | None = None) -> None:
        file = open(self._path(name), "xb", buffering=0)  # noqa: SIM115 (open until sealed)
        with self._lock:
            self._open[name] = _Open(file)
        if owner is not None:
            self._path(name + MARK).write_text(json.dumps(dict(owner)), encoding="utf-8")
        if self._fsync:  # the new directory entry is durable too
            try:
                dfd = os.open(self.directory, os.O_RDONLY)
                try:
                    os.fsync(dfd)
                finally:
                    os.close(dfd)
            except OSError:
                self.seal(name)  # an empty file, never written to
                raise

    def append(self, name: str, data: memoryview, *, sync: bool = True) -> None:
        handle = self._open[name]
        fd = handle.file.fileno()
        base = os.lseek(fd, 0, os.SEEK_END)
        try:
            view = data
            while view:  # a raw file may take a large write in parts
                view = view[handle.file.write(view) or 0:]
            if self._fsync and sync:
                os.fsync(fd)
            else:
                handle.dirty = True
        except OSError:
            try:  # leave no torn record behind (disk full): cut back to the last whole batch
                os.ftruncate(fd, base)
            except OSError:
                logger.exception("%s: cannot cut back a failed write", self._path(name))
            raise

    def sync(self, name: str) -> None:
        with self._lock:
            handle = self._open.get(name)
            if handle is None or not self._fsync:
                return
            fd = os.dup(handle.file.fileno())  # the file may be sealed meanwhile: fsync a duplicate
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def seal(self, name: str) -> None:
        with self._lock:
            handle = self._open.pop(name, None)
        if handle is not None:
            try:
                if self._fsync and handle.dirty:
                    os.fsync(handle.file.fileno())
            finally:
                handle.file.close()
        self._path(name + MARK).unlink(missing_ok=True)

    def touch(self, name: str) -> None:
        try:
            os.utime(self._path(name + MARK))
        except FileNotFoundError:  # sealed meanwhile, or never marked
            pass

    def open_marks(self) -> list[OpenMark]:
        marks = []
        now = time.time()
        for path in sorted(self.directory.glob("*" + SUFFIX + MARK)):
            try:
                owner = json.loads(path.read_text(encoding="utf-8"))
                age = now - path.stat().st_mtime
            except (OSError, ValueError):
                continue  # sealed meanwhile, or half written by a writer starting now
            if isinstance(owner, dict):
                marks.append(OpenMark(path.name.removesuffix(MARK), owner, age))
        return marks

    def read(self, name: str) -> BinaryIO:
        return open(self._path(name), "rb")

    def repair(self, name: str) -> str | None:
        return recovery.repair(self._path(name))
