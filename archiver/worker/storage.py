"""A worker's WARC files in shared storage: named per crawler, marked ``.open`` while written.

Files are named the standard per-crawler way, ``prefix-timestamp-serial-host.warc.gz``, with the
worker's name (machine and process) as host, so workers never write the same file. Beside the file
it writes, a worker keeps ``<file>.open`` naming itself, touched while it lives and removed when
the file is closed. A marker whose worker is gone (a dead process on this machine, or untouched
for longer than a lease) is an orphan: any worker cuts that file's torn tail and removes it.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from pathlib import Path

from archiver.warcstore import WarcStore, recovery

logger = logging.getLogger(__name__)

MARK = ".open"


class WorkerWarcStore(WarcStore):
    """A ``WarcStore`` that marks the file it writes with ``<file>.open`` (who writes it)."""

    def _open_file(self) -> None:
        super()._open_file()
        if self._name is not None:
            owner = {"host": socket.gethostname(), "pid": os.getpid()}
            (self.directory / (self._name + MARK)).write_text(json.dumps(owner), encoding="utf-8")

    def _close_file(self) -> None:
        name = self._name
        super()._close_file()
        if name is not None:
            (self.directory / (name + MARK)).unlink(missing_ok=True)

    def heartbeat(self) -> None:
        """Touch the current file's marker: this worker is alive."""
        name = self._name
        if name is not None:
            try:
                os.utime(self.directory / (name + MARK))
            except FileNotFoundError:  # rotated meanwhile
                pass

    def current(self) -> str | None:
        return self._name


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def orphans(directory: Path, *, stale_after: float, mine: str | None = None) -> list[Path]:
    """WARC files whose ``.open`` marker's worker is gone: dead here, or silent for ``stale_after`` s."""
    found = []
    here = socket.gethostname()
    for marker in sorted(directory.glob("*.warc.gz" + MARK)):
        warc = marker.with_name(marker.name.removesuffix(MARK))
        if warc.name == mine:
            continue
        try:
            owner = json.loads(marker.read_text(encoding="utf-8"))
            age = time.time() - marker.stat().st_mtime
        except (OSError, ValueError):
            continue  # removed meanwhile, or half written by a worker starting now
        dead = owner.get("host") == here and not _alive(int(owner.get("pid", 0)))
        if dead or age > stale_after:
            found.append(warc)
    return found


def repair_orphans(directory: Path, *, stale_after: float, mine: str | None = None) -> list[str]:
    """Cut the torn tail of every orphaned file and remove its marker; one message per repair."""
    messages = []
    for warc in orphans(directory, stale_after=stale_after, mine=mine):
        if warc.exists():
            message = recovery.repair(warc)
            if message:
                logger.warning("%s", message)
                messages.append(message)
        (warc.parent / (warc.name + MARK)).unlink(missing_ok=True)
        logger.info("%s: orphaned by a worker that is gone; its tail is whole again", warc.name)
    return messages
