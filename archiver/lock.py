"""The data directory's writer lock: one capturing process (daemon or ``check``) at a time.

An ``flock`` on ``<data>/archiver.lock``: the kernel drops it when the holder dies, even by
``kill -9``, so a crash never leaves a stale lock behind. The holder's pid and role are
written into the file so the refusal can name them.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType
from typing import Self

from archiver.errors import LockedError, StoreError


class DataLock:
    """Exclusive, non-blocking lock on a data directory, held until ``release`` or exit."""

    def __init__(self, data_dir: Path, role: str) -> None:
        self.path = Path(data_dir) / "archiver.lock"
        self.role = role
        self._fd: int | None = None

    def acquire(self) -> DataLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:  # read-only data directory, no permission: one line, not a traceback
            raise StoreError(f"{self.path.parent}: cannot take the writer lock: {exc.strerror or exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            raise LockedError(f"{self.path.parent}: in use by {holder}; stop it first or use another --data directory") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{self.role} (pid {os.getpid()})".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.release()


def lock_holder(data_dir: Path) -> int | None:
    """The pid holding the lock, or None when nobody holds it."""
    path = Path(data_dir) / "archiver.lock"
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.read(fd, 200).decode("utf-8", "replace")
            digits = text.rsplit("pid ", 1)[-1].rstrip(")")
            return int(digits) if digits.isdigit() else -1
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
