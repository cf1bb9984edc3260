"""Documents: read a Markdown, HTML or plain-text file (or stdin) into a ``Document``.

Decodes the bytes, decides the kind, and finds the document's own URL (front matter
``source_url:``, ``<link rel=canonical>``, ``og:url``) and the base URL for relative links.
The only I/O is reading the one input file.
"""

from __future__ import annotations

import codecs
import logging
import os
import re
import stat
import sys
from pathlib import Path
from typing import TextIO
from urllib.parse import urljoin

import lxml.etree
import lxml.html

from archiver.errors import DocumentError, UrlError
from archiver.models import Document
from archiver.urls import canonical

logger = logging.getLogger(__name__)

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mkd", ".mkdn"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".shtml"})
#: Front-matter keys naming the document's own URL, most specific first.
SOURCE_URL_KEYS = ("source_url", "canonical_url", "url")

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_MATTER_FIELD_RE = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:[ \t]*(.*?)[ \t]*$", re.MULTILINE)
_HTML_START_RE = re.compile(
    r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
    r"<(?:!doctype\s+html|html|head|body|article|main|div|p|section|h[1-6]|ul|ol|table|meta|title)\b",
    re.IGNORECASE | re.DOTALL,
)
_MARKDOWN_LINK_RE = re.compile(r"\[[^\]\n]+\]\([^)\s]+|^ {0,3}\[[^\]\n]+\]:[ \t]*\S", re.MULTILINE)
_XML_DECLARATION_RE = re.compile(r"\A\s*<\?xml[^>]*>")
# C0 controls other than tab, newline, form feed and carriage return: text never has many.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")
_MAX_CONTROL_SHARE = 0.01  # a cp1252-"decodable" binary file is mostly control characters
#: Largest input document read (``[documents] max_bytes``): a long article is well under 1 MB.
MAX_DOCUMENT_BYTES = 5_000_000


def read_document(
    path: str | os.PathLike[str], *, stdin: TextIO | None = None, max_bytes: int = MAX_DOCUMENT_BYTES
) -> Document:
    """Read, decode and describe one input document; ``"-"`` reads ``stdin`` (default sys.stdin).

    Raises ``DocumentError("<path>: <reason>")`` for a missing, unreadable, binary or
    undecodable file, for anything but a regular file (a FIFO, a device, a folder) and for a
    document over ``max_bytes`` — read no further than that, so ``/dev/zero`` costs nothing.
    """
    name = os.fspath(path)
    if name == "-":
        data = _read_stdin(stdin if stdin is not None else sys.stdin, max_bytes)
        suffix = ""
    else:
        data = _read_file(name, max_bytes)
        suffix = Path(name).suffix.lower()
    kind = "markdown" if suffix in MARKDOWN_SUFFIXES else "html" if suffix in HTML_SUFFIXES else ""
    text = _decode(name, data, html=kind == "html" or (not kind and _looks_like_html(data)))
    kind = kind or sniff_kind(text)
    source_url, base_url = _document_urls(name, kind, text)
    logger.debug("%s: read %d characters as %s", name, len(text), kind)
    return Document(path=name, kind=kind, text=text, source_url=source_url, base_url=base_url)


def _read_file(name: str, max_bytes: int) -> bytes:
    """A regular file's bytes, at most ``max_bytes``. Opened without blocking, so a FIFO named
    ``*.md`` is refused at once instead of hanging the daemon until a writer turns up."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise DocumentError(f"{name}: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise DocumentError(f"{name}: skipped: not a regular file")
        if st.st_size > max_bytes:
            raise DocumentError(f"{name}: skipped: too large ({st.st_size} bytes; documents.max_bytes is {max_bytes})")
        os.set_blocking(fd, True)
        chunks, size = [], 0
        while size <= max_bytes and (chunk := os.read(fd, min(1 << 20, max_bytes + 1 - size))):
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise DocumentError(f"{name}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if size > max_bytes:  # it grew while being read
        raise DocumentError(f"{name}: skipped: too large (over {max_bytes} bytes; documents.max_bytes)")
    return b"".join(chunks)


def _read_stdin(stream: TextIO, max_bytes: int) -> bytes | str:
    buffer = getattr(stream, "buffer", None)  # a real stdin: decode its bytes like a file's
    data: bytes | str
    if buffer is not None and hasattr(buffer, "read") and isinstance(probe := buffer.read(0), bytes):
        data = probe + buffer.read(max_bytes + 1)
    else:
        data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DocumentError(f"-: too large (over {max_bytes} bytes on standard input; documents.max_bytes)")
    return data


def _decode(name: str, data: bytes | str, *, html: bool) -> str:
    """Bytes → text: BOM, then UTF-8, then an HTML ``<meta charset>``, then cp1252."""
    if isinstance(data, str):
        text = data
    else:
        text = _decode_bytes(name, data, html=html)
    text = text.removeprefix("\ufeff")
    if "\x00" in text or len(_CONTROL_RE.findall(text[:65536])) > _MAX_CONTROL_SHARE * min(len(text), 65536):
        raise DocumentError(f"{name}: binary file, not a text document")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode_bytes(name: str, data: bytes, *, html: bool) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                raise DocumentError(
                    f"{name}: invalid {encoding} after its byte-order mark ({exc.reason})"
                ) from None
    if (nul := data.find(b"\x00")) >= 0:
        raise DocumentError(f"{name}: binary file (NUL byte at line {_line(data, nul)}), not a text document")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    if html:
        match = _META_CHARSET_RE.search(data[:8192])
        if match:
            try:
                return data.decode(match.group(1).decode("ascii"))
            except (LookupError, UnicodeDecodeError):
                logger.debug("%s: declared charset %r does not decode it", name, match.group(1))
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise DocumentError(
            f"{name}: undecodable byte 0x{data[first_bad]:02x} at line {_line(data, first_bad)}"
            " (not UTF-8, no usable charset, not cp1252): not a text document"
        ) from None
    logger.info("%s: not UTF-8 (line %d); decoded as cp1252", name, _line(data, first_bad))
    return text


def _line(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _looks_like_html(data: bytes | str) -> bool:
    head = data[:4096]
    return (
        _HTML_START_RE.match(head.decode("ascii", "replace") if isinstance(head, bytes) else head) is not None
    )


def sniff_kind(text: str) -> str:
    """The kind of a document whose name does not tell: ``markdown``, ``html`` or ``text``.

    >>> sniff_kind("<!DOCTYPE html><html><body><p>Hi</p></body></html>")
    'html'
    >>> sniff_kind("---\\ntitle: x\\n---\\nSee [this](https://example.org).")
    'markdown'
    >>> sniff_kind("Just words and https://example.org.")
    'text'
    """
    if front_matter(text):
        return "markdown"
    if _HTML_START_RE.match(text[:4096]):
        return "html"
    if _MARKDOWN_LINK_RE.search(text):
        return "markdown"
    return "text"


def front_matter_span(text: str) -> tuple[int, int] | None:
    """Where a YAML front-matter block (``---`` … ``---``) sits at the start of ``text``."""
    match = _FRONT_MATTER_RE.match(text)
    if match is None or not _FRONT_MATTER_FIELD_RE.search(match.group(1) or ""):
        return None
    return match.start(), match.end()


def front_matter(text: str) -> dict[str, str]:
    """The top-level ``key: value`` scalars of a YAML front-matter block (no YAML library).

    Quotes around a value are removed; nested and continued values are not read.

    >>> front_matter("---\\nsource_url: 'https://example.org/a'\\ntags: x\\n---\\nBody")
    {'source_url': 'https://example.org/a', 'tags': 'x'}
    """
    span = front_matter_span(text)
    if span is None:
        return {}
    fields: dict[str, str] = {}
    for match in _FRONT_MATTER_FIELD_RE.finditer(text[span[0] : span[1]]):
        value = match.group(2)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        fields.setdefault(match.group(1).lower(), value)
    return fields


def parse_html(text: str) -> lxml.html.HtmlElement | None:
    """An lxml tree of an HTML document or fragment, or None when there is nothing to parse."""
    text = _XML_DECLARATION_RE.sub("", text, count=1)  # lxml refuses str with an encoding declaration
    if not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError):
        return None


def _document_urls(name: str, kind: str, text: str) -> tuple[str | None, str | None]:
    """(source_url, base_url) as the document declares them."""
    fields = front_matter(text)
    declared = next((fields[key] for key in SOURCE_URL_KEYS if fields.get(key)), None)
    base_href = None
    if kind == "html":
        html_declared, base_href = _html_urls(text)
        declared = declared or html_declared
    source_url = _absolute(name, declared) if declared else None
    base_url = source_url
    if base_href:
        base_url = _absolute(name, urljoin(source_url, base_href) if source_url else base_href) or source_url
    return source_url, base_url


def _html_urls(text: str) -> tuple[str | None, str | None]:
    """(canonical or og:url, <base href>) of an HTML document."""
    root = parse_html(text)
    if root is None:
        return None, None
    canonical_href = og_url = base_href = None
    for element in root.iter("link", "meta", "base"):
        if element.tag == "link" and "canonical" in (element.get("rel") or "").lower().split():
            canonical_href = canonical_href or (element.get("href") or "").strip() or None
        elif (
            element.tag == "meta"
            and (element.get("property") or element.get("name") or "").lower() == "og:url"
        ):
            og_url = og_url or (element.get("content") or "").strip() or None
        elif element.tag == "base":
            base_href = base_href or (element.get("href") or "").strip() or None
    declared = canonical_href or og_url
    if declared and og_url and not _is_absolute(declared):
        declared = urljoin(og_url, declared)  # a relative canonical link, resolved against og:url
    return declared, base_href


def _is_absolute(url: str) -> bool:
    return url[:8].lower().startswith(("http://", "https://"))


def _absolute(name: str, url: str) -> str | None:
    """``url`` when it is an absolute http(s) URL archiver can watch; else None, logged."""
    try:
        canonical(url)
    except UrlError as exc:
        logger.warning("%s: ignoring the document's declared URL: %s", name, exc)
        return None
    return url
