"""PDF payloads → paragraphs per page (pypdf), with the document info in ``meta``.

A PDF that pypdf cannot open or read is a value, not an exception: ``read_pdf`` returns a
``PdfText`` whose ``detail`` says why, and ``extract`` turns it into status EMPTY.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

__all__ = ["PdfText", "pdf_date", "read_pdf"]

# Past this many pages the rest is not read: extraction must stay cheap in a batch re-check,
# and a 500-page report that changes past page 500 is rare. meta["pages_read"] records the cut.
MAX_PAGES = 500
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
_PDF_DATE = re.compile(r"^D?:?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?")


@dataclass(frozen=True, slots=True)
class PdfText:
    """Text per page, or the reason there is none."""

    title: str = ""
    paragraphs: tuple[str, ...] = ()
    page_starts: tuple[int, ...] = ()  # index of each page's first paragraph
    meta: dict[str, Any] = field(default_factory=dict)
    detail: str = ""  # why there is no text ("not a readable PDF: …", "encrypted PDF")


def pdf_date(value: object) -> str | None:
    """An info-dictionary date (``D:20261120090000-05'00'``) as ISO 8601, or None.

    >>> pdf_date("D:20261120090000-05'00'"), pdf_date("D:2026"), pdf_date("yesterday")
    ('2026-11-20T09:00:00', '2026-01-01', None)
    """
    m = _PDF_DATE.match(str(value or ""))
    if not m:
        return None
    y, mo, d, h, mi, s = (g for g in m.groups())
    date = f"{y}-{mo or '01'}-{d or '01'}"
    return f"{date}T{h}:{mi or '00'}:{s or '00'}" if h else date


def _info(reader: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    try:
        info = reader.metadata or {}
        for key, name in (("/Title", "title"), ("/Author", "author"), ("/Subject", "subject"),
                          ("/Producer", "producer"), ("/Creator", "creator")):  # fmt: skip
            value = info.get(key)
            if value and str(value).strip():
                out[name] = str(value).strip()
        for key, name in (("/CreationDate", "created"), ("/ModDate", "modified")):
            date = pdf_date(info.get(key))
            if date:
                out[name] = date
    except Exception as exc:  # noqa: BLE001 - a damaged info dictionary must not lose the text
        logger.debug("PDF info dictionary unreadable: %s", exc)
    return out


def read_pdf(content: bytes) -> PdfText:
    """Text of each page of ``content``, split into paragraphs on blank lines."""
    try:
        from pypdf import PdfReader  # imported here: pypdf costs ~60 ms to import, HTML never needs it

        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return PdfText(detail="encrypted PDF (no empty user password)")
        pages = reader.pages
        count = len(pages)
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types on damaged files
        return PdfText(detail=f"not a readable PDF: {type(exc).__name__}: {exc}"[:300])
    meta = _info(reader)
    meta["pages"] = count
    paragraphs: list[str] = []
    starts: list[int] = []
    unreadable = 0
    for number in range(min(count, MAX_PAGES)):
        starts.append(len(paragraphs))
        try:
            text = pages[number].extract_text() or ""
        except Exception as exc:  # noqa: BLE001 - one bad page must not lose the others
            logger.debug("PDF page %d unreadable: %s", number + 1, exc)
            unreadable += 1
            continue
        paragraphs.extend(p for p in (" ".join(c.split()) for c in _BLANK_LINE.split(text)) if p)
    if count > MAX_PAGES:
        meta["pages_read"] = MAX_PAGES
    if unreadable:
        meta["pages_unreadable"] = unreadable
    detail = "" if paragraphs else ("no text layer (scanned PDF?)" if count else "PDF has no pages")
    return PdfText(str(meta.get("title", "")), tuple(paragraphs), tuple(starts), meta, detail)
