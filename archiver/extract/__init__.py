"""Extract stage: a capture's bytes → ``TextVersion`` (main text, normalised, noise masked).

``extract(content, content_type=…, url=…)`` sniffs the kind (HTML/XHTML, PDF, JSON, XML, plain
text, binary), decodes, finds the main content and masks noise paragraph by paragraph with
``normalise``. Pure: no clock, network or database. Failures are values (``TextStatus``), never
exceptions. Modules: ``sniff`` (kind, charset), ``boilerplate`` and ``html_page`` (the fast HTML
engine), ``engines`` (engine choice and timings), ``masking`` (``normalise``), ``pdf``, ``json_doc``.

``parse_html(content, content_type)`` decodes and parses an HTML page once; ``extract(...,
parsed=…)`` reads its text from that tree, so the other readers of a new page (its citation
metadata, its requisites: ``archiver.reading``) can read the same tree first instead of parsing
the page again. The tree is the extractor's to cut up: read it before ``extract`` is given it.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from archiver.extract.boilerplate import Element, parse_counted
from archiver.extract.engines import ENGINES, read_page_agreed
from archiver.extract.header import header_roles
from archiver.extract.json_doc import read_json
from archiver.extract.masking import normalise
from archiver.extract.pdf import read_pdf
from archiver.extract.sniff import decode, sniff_kind
from archiver.extract.template import Template, TemplateBook
from archiver.models import TextStatus, TextVersion

logger = logging.getLogger(__name__)

__all__ = ["MAX_TEXT_BYTES", "ParsedHtml", "Template", "TemplateBook", "extract", "normalise", "parse_html", "text_digest"]

#: Text payloads larger than this are compared by digest only (status TOO_LARGE): no article is
#: 16 MB of markup, and parsing one would stall a batch re-check.
MAX_TEXT_BYTES = 16_000_000


def _sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def text_digest(title: str, paragraphs: Sequence[str]) -> str:
    """sha1 hex of the masked title and paragraphs: equal digests mean no meaningful change."""
    return _sha1("\n\n".join([title, *paragraphs]).encode("utf-8"))


_ONLY_MARKS = re.compile(r"(?:\[(?:date|time|n|ago|token)\]|[\W_])*")


def _version(
    kind: str,
    raw: Sequence[str],
    *,
    title: str = "",
    masked: Sequence[str] | None = None,
    header_zone: int = 0,
    table_rows: frozenset[int] = frozenset(),
    meta: dict[str, Any],
    empty_detail: str = "no text",
) -> TextVersion:
    """Mask ``raw`` (unless ``masked`` is given) and build the TextVersion."""
    if masked is None:
        masked = [normalise(p, keep_dates=i < header_zone, table=i in table_rows) for i, p in enumerate(raw)]
    # A paragraph outside the article header that masking leaves with nothing but its marks (a lone
    # timestamp, a bare counter) says nothing: it is furniture, not a paragraph of the story.
    masked = [p if i < header_zone or i in table_rows or not _ONLY_MARKS.fullmatch(p) else ""
              for i, p in enumerate(masked)]  # fmt: skip
    paragraphs = tuple(p for p in masked if p)
    title = normalise(title, keep_dates=True, headline=True)  # a headline is content: only clear noise
    raw_words = sum(len(p.split()) for p in raw)
    if not paragraphs:
        return TextVersion(
            TextStatus.EMPTY, kind, (), title, text_digest(title, ()), empty_detail, meta, raw_words
        )
    return TextVersion(
        TextStatus.OK, kind, paragraphs, title, text_digest(title, paragraphs), "", meta, raw_words
    )


@dataclass(slots=True)
class ParsedHtml:
    """An HTML page decoded and parsed once (``parse_html``), for ``extract(..., parsed=…)``.

    ``root`` is None when there is no markup; ``controls`` says that control characters were
    taken out of ``text`` before parsing (lxml refuses them). ``extract`` cuts the tree up: a
    reader that wants it whole reads it first, and only while ``consumed`` is False."""

    content: bytes  # the bytes it was read from (``extract`` checks it is given the same)
    text: str
    charset: str
    root: Element | None
    controls: bool
    consumed: bool = False


def parse_html(content: bytes, content_type: str | None) -> ParsedHtml | None:
    """``content`` decoded and parsed as ``extract`` would parse it, or None when ``extract``
    would not read it as HTML (another kind, or over ``MAX_TEXT_BYTES``)."""
    if len(content) > MAX_TEXT_BYTES or sniff_kind(content, content_type) != "html":
        return None
    return _parse_html(content, content_type)


def _parse_html(content: bytes, content_type: str | None) -> ParsedHtml:
    text, charset = decode(content, content_type)
    root, controls = parse_counted(text, clean=_no_controls(content, charset))
    return ParsedHtml(content, text, charset, root, controls)


_C0_BYTES = bytes((*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)))


def _no_controls(content: bytes, charset: str) -> bool:
    """Whether ``content`` decoded as ``charset`` surely holds none of the characters ``parse``
    takes out (C0 controls but tab and newlines, U+FFFE, U+FFFF), told from the bytes (one C
    pass, a sixth of the regex's cost on the text). In UTF-8 and windows-1252 a C0 character is
    its own byte, never part of another character's; U+FFFE/U+FFFF are ``EF BF BE``/``EF BF BF``
    in UTF-8 and cannot be written in windows-1252. Other charsets: not known here (False)."""
    if charset not in ("utf-8", "cp1252"):
        return False
    if len(content.translate(None, _C0_BYTES)) != len(content):
        return False
    return charset == "cp1252" or (b"\xef\xbf\xbe" not in content and b"\xef\xbf\xbf" not in content)


def _extract_html(
    content: bytes, content_type: str | None, url: str, meta: dict[str, Any], engine: str,
    templates: Sequence[Template], parsed: ParsedHtml | None = None,
) -> TextVersion:
    if engine != "agreed":
        text, charset = decode(content, content_type)
        page = ENGINES[engine](text, url)
    else:
        if parsed is None or parsed.consumed or parsed.content != content:
            parsed = _parse_html(content, content_type)
        text, charset, root = parsed.text, parsed.charset, parsed.root
        parsed.consumed, parsed.root = True, None  # the rules below cut the tree up
        page = None if root is None else read_page_agreed(text, url, templates, root=root)
    meta["charset"] = charset
    if page is None:
        return TextVersion(
            TextStatus.EMPTY, "html", detail="no markup", meta=meta, digest=text_digest("", ())
        )
    meta.update(page.meta)
    meta["header_zone"] = page.header_zone  # diff names byline/dateline edits there
    detail = "no text without scripts" if page.had_scripts else "no text"
    version = _version("html", page.paragraphs, title=page.title, header_zone=page.header_zone,
                       table_rows=page.table_rows, meta=meta, empty_detail=detail)  # fmt: skip
    roles = header_roles(version.paragraphs[: page.header_zone], meta)
    if any(roles):
        meta["header_roles"] = roles
    return version


def _extract_xml(content: bytes, meta: dict[str, Any]) -> TextVersion:
    # Feeds and other XML: every element's own text, in order. No DTDs, entities or network.
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(content, parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        logger.debug("XML did not parse: %s", exc)
        root = None
    if root is None:
        return _extract_text(content, None, meta)
    raw = [
        " ".join(el.text.split())
        for el in root.iter()
        if isinstance(el.tag, str) and el.text and el.text.strip()
    ]
    meta["format"] = "xml"
    return _version("text", raw, meta=meta)


def _extract_text(content: bytes, content_type: str | None, meta: dict[str, Any]) -> TextVersion:
    text, meta["charset"] = decode(content, content_type)
    raw = [p for p in (" ".join(c.split()) for c in text.replace("\r\n", "\n").split("\n\n")) if p]
    return _version("text", raw, header_zone=1, meta=meta)


def _extract_pdf(content: bytes, meta: dict[str, Any]) -> TextVersion:
    pdf = read_pdf(content)
    meta.update(pdf.meta)
    if pdf.detail:
        detail = " ".join(pdf.detail.split())
        return TextVersion(TextStatus.EMPTY, "pdf", (), pdf.title, text_digest(pdf.title, ()), detail, meta)
    meta["page_starts"] = list(pdf.page_starts)
    # Header zone: a PDF's first lines carry its date ("Published 20 November 2026").
    return _version("pdf", pdf.paragraphs, title=pdf.title, header_zone=3, meta=meta)


def _extract_json(content: bytes, content_type: str | None, meta: dict[str, Any]) -> TextVersion:
    text, meta["charset"] = decode(content, content_type)
    parsed = read_json(text)
    if parsed is None:
        meta["detail"] = "declared JSON did not parse; compared as text"
        return _extract_text(content, content_type, meta)
    title, raw, masked = parsed
    return _version("json", raw, title=title, masked=masked, meta=meta)


#: Bump when extraction or masking changes the text a page yields. Cached texts carry it in
#: their key, so an upgrade re-extracts the last good capture from its WARC record instead of
#: diffing old masking against new (which would report edits that are only our own change).
EXTRACTOR_VERSION = 5


def extract(
    content: bytes,
    *,
    content_type: str | None,
    url: str,
    truncated: bool = False,
    engine: str = "agreed",
    templates: Sequence[Template] = (),
    parsed: ParsedHtml | None = None,
) -> TextVersion:
    """The comparable text of a capture's body.

    ``content_type`` is the response header (may be None or wrong: magic bytes win); ``url`` the
    final URL (for logs and engines); ``truncated`` marks a body cut at the byte cap (extracted
    anyway, ``meta["truncated"] = True``). ``engine`` picks the HTML engine (see ``engines``).
    ``templates`` are the host's learned article templates, newest first: the first that fits the
    page reads it; when none does, one is learned and returned in ``meta["template"]`` (with
    ``meta["extractor"] == "learned"``) for the caller to keep. ``parsed`` is
    ``parse_html(content, content_type)`` when the caller parsed the page already (it is used
    once, and only for these very bytes; the text is the same either way).

    >>> v = extract(b"<h1>Poll</h1><p>Support is at 61% among likely voters, the survey found.</p>",
    ...             content_type="text/html", url="https://example.org/a")
    >>> v.status.value, v.title, v.paragraphs
    ('ok', 'Poll', ('Support is at 61% among likely voters, the survey found.',))
    >>> extract(b"\\x89PNG\\r\\n\\x1a\\n...", content_type="image/png", url="https://example.org/i").status.value
    'binary'
    """
    meta: dict[str, Any] = {"truncated": True} if truncated else {}
    kind = sniff_kind(content, content_type)
    if kind == "none":
        return TextVersion(
            TextStatus.EMPTY, "none", detail="empty body", meta=meta, digest=text_digest("", ())
        )
    if kind == "binary":
        return TextVersion(
            TextStatus.BINARY, "binary", digest=_sha1(content), detail="binary payload", meta=meta
        )
    if kind == "pdf":
        return _extract_pdf(content, meta)
    if len(content) > MAX_TEXT_BYTES:
        detail = (
            f"{len(content)} bytes of {kind}: over the {MAX_TEXT_BYTES} byte text limit; compared by digest"
        )
        return TextVersion(TextStatus.TOO_LARGE, kind, digest=_sha1(content), detail=detail, meta=meta)
    try:
        if kind == "html":
            return _extract_html(content, content_type, url, meta, engine, templates, parsed)
        if kind == "json":
            return _extract_json(content, content_type, meta)
        if kind == "xml":
            return _extract_xml(content, meta)
        return _extract_text(content, content_type, meta)
    except RecursionError:  # pathological nesting: compare the payload instead of crashing the batch
        logger.warning("%s: %s nested too deeply to extract; compared by digest", url, kind)
        return TextVersion(
            TextStatus.TOO_LARGE, kind, digest=_sha1(content), detail="nested too deeply", meta=meta
        )
