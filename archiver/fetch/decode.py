"""Content decoding with a bound: a body as sent (gzip, deflate, br) → the bytes it encodes.

The WARC keeps the body exactly as the server sent it; ``FetchResult.content`` is decoded here.
The output is capped, so a decompression bomb (a few KiB that inflate to gigabytes) costs at
most ``limit`` bytes of memory.
"""

from __future__ import annotations

import importlib
import zlib
from dataclasses import dataclass
from types import ModuleType


def _bounded_brotli() -> ModuleType | None:
    """The ``brotli`` module if it can cap its output (brotli >= 1.2), else None."""
    try:
        module = importlib.import_module("brotli")
    except ImportError:
        return None
    return module if hasattr(module.Decompressor, "can_accept_more_data") else None


BROTLI = _bounded_brotli()
#: The Accept-Encoding archiver sends: only codings it can decode with a bounded output.
ACCEPT_ENCODING = "gzip, deflate, br" if BROTLI is not None else "gzip, deflate"


@dataclass(frozen=True, slots=True)
class Decoded:
    content: bytes
    truncated: bool = False  # the decoded output reached the cap
    problem: str = ""  # why the body could not be decoded ("" when it could)


def decode_body(body: bytes, content_encoding: str | None, limit: int) -> Decoded:
    """Undo ``content_encoding`` (applied in order, so undone last-first), output capped at ``limit``.

    >>> import gzip
    >>> decode_body(gzip.compress(b"hello"), "gzip", 100)
    Decoded(content=b'hello', truncated=False, problem='')
    >>> decode_body(b"not gzip", "gzip", 100).problem
    'corrupt gzip body: Error -3 while decompressing data: incorrect header check'
    """
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    data, truncated = body, False
    for coding in reversed(codings):
        if coding in ("identity", ""):
            continue
        try:
            if coding in ("gzip", "x-gzip"):
                data, cut = _zlib(data, 16 + zlib.MAX_WBITS, limit)
            elif coding == "deflate":
                data, cut = _deflate(data, limit)
            elif coding == "br" and BROTLI is not None:
                data, cut = _br(data, limit)
            else:
                return Decoded(b"", problem=f"unsupported content-encoding: {coding}")
        except (zlib.error, ValueError) as exc:
            return Decoded(b"", problem=f"corrupt {coding} body: {exc}")
        except Exception as exc:  # brotli.error is not a subclass of anything useful
            if BROTLI is not None and isinstance(exc, BROTLI.error):
                return Decoded(b"", problem=f"corrupt {coding} body: {exc}")
            raise
        truncated = truncated or cut
    if len(data) > limit:
        data, truncated = data[:limit], True
    return Decoded(data, truncated)


def _zlib(data: bytes, wbits: int, limit: int) -> tuple[bytes, bool]:
    out = bytearray()
    # A gzip body may hold several members back to back (RFC 1952 2.2); decode them all.
    first = True
    while data and len(out) <= limit:
        d = zlib.decompressobj(wbits)
        try:
            out += d.decompress(data, limit + 1 - len(out))
        except zlib.error:
            if first:
                raise
            break  # trailing garbage after a complete member: ignored, as gzip(1) does
        first = False
        if d.unconsumed_tail:  # the output cap was hit before the input ran out
            return _head(out, limit), True
        if not d.eof:
            break  # a body cut short (at the byte cap or by the server): keep what decoded
        data = d.unused_data
    return _head(out, limit), len(out) > limit


def _head(out: bytearray, limit: int) -> bytes:
    """The first ``limit`` bytes of ``out`` in one copy (``bytes(out[:limit])`` makes two: a
    20 MB decoded body would briefly take 60 MB)."""
    with memoryview(out) as view:
        return bytes(view[:limit])


def _deflate(data: bytes, limit: int) -> tuple[bytes, bool]:
    # "deflate" is meant to be zlib-wrapped (RFC 9110 8.4.1.2), but many servers send raw deflate.
    try:
        return _zlib(data, zlib.MAX_WBITS, limit)
    except zlib.error:
        return _zlib(data, -zlib.MAX_WBITS, limit)


def _br(data: bytes, limit: int) -> tuple[bytes, bool]:
    assert BROTLI is not None
    out: bytes = BROTLI.Decompressor().process(data, max_output_length=limit + 1)
    return out[:limit], len(out) > limit
