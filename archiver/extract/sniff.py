"""What a payload is and how to decode it: kind from Content-Type and magic bytes, charset from BOM,
header, ``<meta>``/XML declaration, with fallbacks that always decode.

Magic bytes win over the header, because servers mislabel (a PDF served as ``text/html``, an image
as ``application/octet-stream``); the header decides between text kinds the bytes cannot tell apart.
"""

from __future__ import annotations

import codecs
import logging
import re

logger = logging.getLogger(__name__)

__all__ = ["decode", "media_type", "sniff_kind"]

_BINARY_MAGIC: tuple[bytes, ...] = (
    b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*",
    b"\x00\x00\x01\x00", b"PK\x03\x04", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!", b"OggS", b"ID3", b"fLaC",
    b"wOFF", b"wOF2", b"\x00asm", b"\x7fELF", b"MZ", b"%!PS", b"\x1a\x45\xdf\xa3",
)  # fmt: skip
_TEXT_TYPES = ("text/plain", "text/markdown", "text/csv", "text/x-markdown")
_BINARY_PREFIXES = ("image/", "audio/", "video/", "font/", "model/")
_BINARY_TYPES = frozenset(
    {"application/octet-stream", "application/zip", "application/gzip", "application/x-gzip",
     "application/msword", "application/vnd.ms-excel", "application/x-shockwave-flash",
     "application/wasm", "application/x-tar", "application/x-7z-compressed"}
)  # fmt: skip
_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|div|p|!--)",
    re.IGNORECASE | re.DOTALL,
)
_XML_START = re.compile(
    rb"^\s*<\?xml[^>]*>\s*(?:<!--.*?-->\s*)*(<!doctype\s+html|<html)?", re.IGNORECASE | re.DOTALL
)


def media_type(content_type: str | None) -> str:
    """The lower-case type/subtype of a Content-Type header ("" when absent).

    >>> media_type("Text/HTML; charset=ISO-8859-1")
    'text/html'
    """
    return (content_type or "").split(";", 1)[0].strip().lower()


def _strip_bom(head: bytes) -> bytes:
    for bom in (
        codecs.BOM_UTF8,
        codecs.BOM_UTF32_LE,
        codecs.BOM_UTF32_BE,
        codecs.BOM_UTF16_LE,
        codecs.BOM_UTF16_BE,
    ):
        if head.startswith(bom):
            return head[len(bom) :]
    return head


def sniff_kind(content: bytes, content_type: str | None) -> str:
    """One of ``html``, ``pdf``, ``json``, ``text``, ``xml``, ``binary``, ``none`` (empty body).

    >>> sniff_kind(b"%PDF-1.7 ...", "text/html"), sniff_kind(b"\\x89PNG\\r\\n\\x1a\\n..", None)
    ('pdf', 'binary')
    >>> sniff_kind(b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml">', None)
    'html'
    >>> sniff_kind(b'  {"a": 1}', "text/plain"), sniff_kind(b"hello", None)
    ('json', 'text')
    """
    if not content.strip():
        return "none"
    head = content[:1024]
    if b"%PDF-" in head:
        return "pdf"  # the PDF spec lets junk precede the header; readers look in the first 1 KB
    if (
        head.startswith(_BINARY_MAGIC)
        or (head[4:8] == b"ftyp")
        or (head[:4] == b"RIFF" and head[8:12] in (b"WEBP", b"WAVE", b"AVI "))
    ):
        return "binary"
    mtype = media_type(content_type)
    text_head = _strip_bom(head)
    if mtype in ("text/html", "application/xhtml+xml"):
        return "html"
    if mtype.startswith(_BINARY_PREFIXES) or mtype in _BINARY_TYPES:
        return "html" if _HTML_START.match(text_head) else "binary"
    stripped = text_head.lstrip()
    if mtype == "application/json" or mtype.endswith("+json") or stripped[:1] in (b"{", b"["):
        return "json"  # if it does not parse, extract falls back to plain text
    xml = _XML_START.match(text_head)
    if xml:
        return "html" if xml.group(1) else "xml"
    if mtype in ("application/xml", "text/xml") or mtype.endswith("+xml"):
        return "xml"
    if _HTML_START.match(text_head):
        return "html"
    if b"\x00" in text_head and text_head is head:
        return "binary"  # NUL never occurs in 8-bit text; UTF-16/32 text carries a BOM
    return "text"


# --------------------------------------------------------------------------- charsets

_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9._:-]+)""", re.IGNORECASE)
# The WHATWG encoding standard decodes these labels as windows-1252, and so do browsers; a page
# labelled ISO-8859-1 that uses curly quotes (0x93/0x94) depends on it.
_WHATWG_ALIASES = {"iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
                   "us-ascii": "cp1252", "ascii": "cp1252", "l1": "cp1252", "x-user-defined": "cp1252"}  # fmt: skip


def _codec(label: str | bytes | None) -> str | None:
    """A Python codec name for a charset label, or None if unknown or unusable for HTML."""
    if not label:
        return None
    name = (
        (label.decode("ascii", "ignore") if isinstance(label, bytes) else label).strip().strip("\"'").lower()
    )
    name = _WHATWG_ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    if info.name in ("utf-16", "utf-16-le", "utf-16-be") and name and not name.startswith("utf-16"):
        return None
    return info.name


def _bom(content: bytes) -> tuple[str, int] | None:
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
                      (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):  # fmt: skip
        if content.startswith(bom):
            return name, len(bom)
    return None


def decode(content: bytes, content_type: str | None = None) -> tuple[str, str]:
    """``(text, codec)``: never raises, whatever the bytes and labels.

    Order: BOM; the header's charset; ``<meta charset>`` or the XML declaration (first 4 KB);
    UTF-8; windows-1252. The first that decodes strictly wins. A single-byte label is overruled
    by valid non-ASCII UTF-8, the commonest mislabelling (fixture ``latin1_mislabelled.html``).
    If nothing decodes strictly, the first known label decodes with replacement characters.

    >>> decode(b"caf\\xc3\\xa9", "text/html; charset=iso-8859-1")
    ('café', 'utf-8')
    >>> decode(b"<meta charset=windows-1252>caf\\xe9 \\x93ok\\x94", None)[0][-9:]
    'café “ok”'
    >>> decode(b"\\xff\\xfe\\x00\\xd8", "text/html; charset=bogus-charset")[1]
    'utf-16-le'
    """
    bom = _bom(content)
    if bom:
        name, skip = bom
        return content[skip:].decode(name, errors="replace"), name
    head = content[:4096]
    labels: list[str | None] = []
    if content_type and "charset=" in content_type.lower():
        labels.append(_codec(content_type.lower().split("charset=", 1)[1].split(";")[0]))
    found = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    labels.append(_codec(found.group(1)) if found else None)
    candidates = [name for name in labels if name] + ["utf-8", "cp1252"]
    for name in candidates:
        if name == "cp1252" and candidates[0] == "cp1252" and not content.isascii():
            try:  # a latin label on valid UTF-8 text: the label is wrong
                return content.decode("utf-8"), "utf-8"
            except UnicodeDecodeError:
                pass
        try:
            return content.decode(name), name
        except (UnicodeDecodeError, LookupError):
            continue
    name = candidates[0]
    logger.debug("no charset decodes strictly; decoding as %s with replacement", name)
    return content.decode(name, errors="replace"), name
