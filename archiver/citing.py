"""``archiver cite``: which capture a citation is of, and the citations of a whole document.

- ``cite ID``: a capture by its id or a unique prefix.
- ``cite URL --at WHEN|ID``: the good capture nearest a time (or that capture).
- ``cite URL --as-of-document FILE``: the good capture nearest the document's publication
  time (front matter ``published_time``/``date``, or the HTML's own): as it read when we published.
- ``cite --document FILE``: every source of a document, each at the capture nearest its
  publication.
- A source with no good capture of its own: the nearest memento in the archives of
  ``[memento] aggregators``, offered as "cite instead" and marked as someone else's archive.

Thin glue over ``Archive`` (capture lookup, metadata) and the pure formatters of ``cite``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from archiver.aggregators import MementoClient
from archiver.archive import Archive
from archiver.citations.metadata import document_published
from archiver.cite import ForeignMemento, format_citation, format_foreign
from archiver.cite.styles import render
from archiver.documents import read_document
from archiver.errors import ArchiverError, CaptureNotFoundError
from archiver.models import Capture
from archiver.urls import canonical

_CAPTURE_ID = re.compile(r"^[0-9a-hjkmnp-tv-z]{4,12}$")


def looks_like_capture_id(ref: str) -> bool:
    """A capture id or prefix (Crockford base32, 4–12 characters), not a URL.

    >>> looks_like_capture_id("h6pxcksc7zrd"), looks_like_capture_id("example.org/a"), looks_like_capture_id("https://x")
    (True, False, False)
    """
    return bool(_CAPTURE_ID.match(ref))


def publication_time(path: str) -> datetime:
    """When a document was published, or an error saying the document does not say."""
    document = read_document(path)
    when = document_published(document.text)
    if when is None:
        raise ArchiverError(
            f"{path}: the document states no publication time (add `published_time:` or `date:` to its "
            "front matter, or article:published_time to its HTML)"
        )
    return when


def render_citation(archive: Archive, capture: Capture, fmt: str, style: str | None = None) -> str:
    info = archive.citation_info_for(capture)
    if style:
        return render(info, style, html=fmt == "html")
    return format_citation(info, fmt)


def _good(capture: Capture) -> bool:
    return str(capture.outcome) == "ok" and (capture.status or 0) < 400


def pick_capture(archive: Archive, ref: str | None, *, at: str | datetime | None = None,
                 as_of_document: str | None = None) -> Capture:
    """The capture ``archiver cite`` means: by id, or of a URL at a time, an id, or a document's date."""
    if ref is None:
        raise CaptureNotFoundError("give a URL or a capture id (or --document FILE)")
    if looks_like_capture_id(ref) and at is None and as_of_document is None:
        try:
            return archive.capture(ref)
        except CaptureNotFoundError:
            if "." not in ref:
                raise
    url = canonical(ref)
    if archive.url_state(url) is None:
        raise CaptureNotFoundError(f"{ref}: not a watched URL or a capture id (add the URL, or see `archiver history URL`)")
    if isinstance(at, str):  # --at a capture id
        capture = archive.capture(at)
        if capture.url != url:
            raise CaptureNotFoundError(f"{at}: a capture of {capture.url}, not of {url}")
        return capture
    when = publication_time(as_of_document) if as_of_document else at
    near = archive.capture_near(url, when)
    if near is None:
        if archive.history(url):  # checked, and never intact (dead at its first check, say)
            raise CaptureNotFoundError(f"{ref}: no good capture to cite (never captured intact)")
        raise CaptureNotFoundError(f"{ref}: no good capture to cite yet (run `archiver check`)")
    return near


def foreign_memento(archive: Archive, url: str, at: datetime | None) -> ForeignMemento | None:
    """The nearest memento in another archive (``[memento] aggregators``), or None."""
    config = archive.config.memento
    if not config.aggregators:
        return None
    client = MementoClient(config.aggregators, timeout=config.timeout, user_agent=archive.config.fetch.user_agent)
    try:
        found = client.nearest(url, at)
    finally:
        client.close()
    if found is None:
        return None
    return ForeignMemento(found.original, found.url, found.datetime, found.source)


@dataclass(frozen=True, slots=True)
class DocumentCitation:
    """One source of a document: the citation text, or why there is none."""

    url: str
    text: str
    capture: str | None  # the capture cited (None: a foreign memento, or nothing)
    foreign: bool = False


def document_citations(archive: Archive, path: str, fmt: str, style: str | None = None) -> Iterator[DocumentCitation]:
    """Every source an imported document cites, in document order, each cited at the capture
    nearest the document's publication (or, when it states none, the latest good capture)."""
    cited = archive.document_sources(path)
    try:
        when: datetime | None = publication_time(path)
    except ArchiverError:
        when = None
    for url in cited:
        capture = archive.capture_near(url, when)
        if capture is not None and _good(capture):
            yield DocumentCitation(url, render_citation(archive, capture, fmt, style), capture.id)
            continue
        memento = foreign_memento(archive, url, when)
        if memento is not None:
            yield DocumentCitation(url, format_foreign(memento, fmt), None, foreign=True)
        elif archive.config.memento.aggregators:
            yield DocumentCitation(url, f"{url}: no good capture to cite (never captured intact), and no other "
                                        "archive consulted holds it", None)
        else:
            yield DocumentCitation(url, f"{url}: no good capture to cite (never captured intact); no other archive "
                                        "asked (none configured: [memento] aggregators)", None)
