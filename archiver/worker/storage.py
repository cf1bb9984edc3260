"""A worker's WARC files in shared storage: named per crawler, marked ``.open`` while written.

Files are named the standard per-crawler way, ``prefix-timestamp-serial-host.warc.gz``, with the
worker's name (machine and process) as host, so workers never write the same file. A worker's
``WarcStore`` is given its owner (``owner()``: machine and pid), so the storage marks the file it
writes open (``WarcFiles.create(owner=…)``); the worker touches the mark while it lives, and the
mark goes when the file is sealed. A mark whose worker is gone (a dead process on this machine,
or untouched for longer than a lease) is an orphan: any worker cuts that file's torn tail and
seals it (``repair_orphans``). All of it goes through ``WarcFiles``, so a shared folder today and
an object store later are the same to the worker.
"""

from __future__ import annotations

import logging
import os
import socket

from archiver.warcstore.files import WarcFiles

logger = logging.getLogger(__name__)


def owner() -> dict[str, str | int]:
    """Who writes a worker's files: this machine and process, as its ``.open`` marks say."""
    return {"host": socket.gethostname(), "pid": os.getpid()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def orphans(files: WarcFiles, *, stale_after: float, mine: str | None = None) -> list[str]:
    """Files marked open whose worker is gone: dead here, or silent for ``stale_after`` seconds."""
    here = socket.gethostname()
    found = []
    for mark in files.open_marks():
        if mark.name == mine:
            continue
        try:
            pid = int(mark.owner.get("pid", 0))
        except (TypeError, ValueError):
            pid = 0
        dead = mark.owner.get("host") == here and not _alive(pid)
        if dead or mark.age > stale_after:
            found.append(mark.name)
    return found


def repair_orphans(files: WarcFiles, *, stale_after: float, mine: str | None = None) -> list[str]:
    """Cut the torn tail of every orphaned file and seal it; one message per repair."""
    messages = []
    present = set(files.names())
    for name in orphans(files, stale_after=stale_after, mine=mine):
        if name in present:
            message = files.repair(name)
            if message:
                logger.warning("%s", message)
                messages.append(message)
        files.seal(name)
        logger.info("%s: orphaned by a worker that is gone; its tail is whole again", name)
    return messages
