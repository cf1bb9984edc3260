"""Citations: a ``Document`` → every URL it cites, in document order, with provenance.

Markdown (inline, reference, autolink, raw ``<a>``, bare and scheme-less URLs; code is not
prose), HTML (links and images in the main content) and plain text. Each URL keeps the form
the document wrote; ``Citation.url`` is its canonical form. Pure: no I/O.

Layout: ``markdown`` and ``text`` find the links of Markdown and plain text, ``html`` those of
HTML; ``targets`` resolves what a link points to and ``context`` cuts the sentence around it.
"""

from __future__ import annotations

import bisect
import logging
import re

from archiver.errors import UrlError
from archiver.models import Citation, Document
from archiver.urls import canonical

from .context import CONTEXT_CHARS
from .html import html_citations
from .targets import SCHEMELESS_HOSTS, absolute_target, trim_url
from .text import text_citations

logger = logging.getLogger(__name__)

__all__ = [
    "CONTEXT_CHARS",
    "SCHEMELESS_HOSTS",
    "absolute_target",
    "extract_citations",
    "trim_url",
    "unique_urls",
]

# doctest.testmod(archiver.citations) runs these re-exported functions' examples too.
__test__ = {"absolute_target": absolute_target, "trim_url": trim_url}


def extract_citations(document: Document) -> list[Citation]:
    """Every URL ``document`` cites, in document order, its own URL (kind "self") first.

    All occurrences are kept; a URL that ``canonical`` refuses is skipped with one warning.

    >>> doc = Document(path="a.md", kind="markdown", text="See [the poll](https://Example.org/p?utm_source=x).")
    >>> [(c.url, c.url_as_written, c.anchor, c.context) for c in extract_citations(doc)]
    [('https://example.org/p', 'https://Example.org/p?utm_source=x', 'the poll', 'See the poll.')]
    """
    citations: list[Citation] = []
    if document.source_url:
        try:
            url = canonical(document.source_url)
        except UrlError as exc:
            logger.warning("%s: skipping the document's own URL: %s", document.path, exc)
        else:
            citations.append(
                Citation(url=url, url_as_written=document.source_url, document=document.path, kind="self")
            )
    finder = html_citations if document.kind == "html" else text_citations
    cache: dict[str, str | None] = {}
    lines = _LineIndex(document.text)
    for found, context in finder(document):
        if found.target is None:
            continue
        if found.target in cache:
            cited = cache[found.target]
        else:
            cited = cache[found.target] = _canonical_or_none(
                found.target, document.path, found.line or lines, found.start
            )
        if cited is not None:
            citations.append(
                Citation(
                    url=cited,
                    url_as_written=found.written,
                    document=document.path,
                    anchor=found.anchor,
                    context=context,
                    position=len(citations),
                    kind=found.kind,
                )
            )
    return citations


def _canonical_or_none(target: str, path: str, line: int | _LineIndex, offset: int) -> str | None:
    """``canonical(target)``, or None after one warning naming the document, line and URL."""
    try:
        return canonical(target)
    except UrlError as exc:
        number = line if isinstance(line, int) else line.line_of(offset)
        logger.warning("%s:%d: skipping unusable URL %s", path, number, exc)
        return None


def unique_urls(citations: list[Citation]) -> list[str]:
    """The canonical URLs of ``citations``, each once, in order of first occurrence.

    >>> unique_urls([Citation("https://a.org/", "a.org", "d"), Citation("https://b.org/", "", "d"),
    ...              Citation("https://a.org/", "", "d")])
    ['https://a.org/', 'https://b.org/']
    """
    return list(dict.fromkeys(c.url for c in citations))


class _LineIndex:
    """Offsets → 1-based line numbers, built on first use (only warnings need them)."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._starts: list[int] | None = None

    def line_of(self, offset: int) -> int:
        if self._starts is None:
            self._starts = [m.end() for m in re.finditer(r"\n", self._text)]
        return bisect.bisect_right(self._starts, offset) + 1
