"""Store stage, recovery: a WARC file torn by a crash mid-write → a file that ends on a whole record.

``repair(path)`` cuts a torn tail off (kill -9 during an append), moves a file with no whole record
aside as ``*.damaged``, and leaves a file damaged in the middle alone; it returns what it did.
"""

from __future__ import annotations

import logging
import mmap
import os
import re
import zlib
from pathlib import Path

logger = logging.getLogger(__name__)

_GZIP_MAGIC = b"\x1f\x8b\x08"


def _member_end(mm: mmap.mmap, pos: int) -> int | None:
    """End offset of a complete gzip member at ``pos`` holding one whole WARC record, else None."""
    if mm[pos:pos + 3] != _GZIP_MAGIC:
        return None
    z = zlib.decompressobj(zlib.MAX_WBITS | 16)
    head, total, cursor = b"", 0, pos
    try:
        while not z.eof:
            chunk = mm[cursor:cursor + (1 << 20)]
            if not chunk:
                return None
            cursor += len(chunk)
            out = z.decompress(chunk)
            if len(head) < 65536:
                head += out[:65536 - len(head)]
            total += len(out)
    except zlib.error:
        return None
    end = cursor - len(z.unused_data)
    header_end = head.find(b"\r\n\r\n")
    match = re.search(rb"\r\nContent-Length:[ \t]*(\d+)", head[:header_end], re.IGNORECASE)
    if not head.startswith(b"WARC/") or header_end < 0 or not match:
        return None
    return end if total == header_end + 4 + int(match.group(1)) + 4 else None


def repair(path: Path) -> str | None:
    """Make ``path`` end on a whole record; a message saying what was done, or None if it was sound."""
    size = path.stat().st_size
    if size == 0:
        path.rename(path.with_name(path.name + ".damaged"))
        return f"{path.name}: empty WARC file moved aside to {path.name}.damaged"
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        # Fast path: the last member found from the end finishes exactly at EOF.
        pos = size
        for _ in range(64):
            pos = mm.rfind(_GZIP_MAGIC, 0, pos)
            if pos < 0:
                break
            end = _member_end(mm, pos)
            if end == size:
                return None
            if end is not None:
                break  # the last whole record ends before EOF: walk the file to be sure
        good, count = 0, 0
        while (end := _member_end(mm, good)) is not None:
            good, count = end, count + 1
        later = mm.find(_GZIP_MAGIC, good + 1)
        while 0 <= later and _member_end(mm, later) is None:
            later = mm.find(_GZIP_MAGIC, later + 1)
    if good == size:
        return None
    if later >= 0:
        logger.error("%s: damaged at offset %d with whole records after it; left as is", path, good)
        return f"{path.name}: damaged at offset {good} but whole records follow; left as is, needs a hand repair"
    if count == 0:
        path.rename(path.with_name(path.name + ".damaged"))
        return f"{path.name}: no whole record; moved aside to {path.name}.damaged"
    with open(path, "r+b") as out:
        out.truncate(good)
        out.flush()
        os.fsync(out.fileno())
    return f"{path.name}: torn record cut off at offset {good} ({size - good} bytes dropped, {count} records kept)"
