"""The facade's registering: URLs typed by the operator (``add``, ``remove``) and the URLs
imported documents cite (``import_documents``), with their provenance."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TextIO

from archiver import platforms
from archiver.archive.core import ArchiveCore
from archiver.citations import extract_citations, unique_urls
from archiver.documents import read_document
from archiver.errors import ArchiverError, UrlError
from archiver.models import Citation
from archiver.urls import canonical, is_short_link

logger = logging.getLogger(__name__)


@dataclass
class AddResult:
    added: list[str] = field(default_factory=list)  # new URLs (canonical)
    merged: list[str] = field(default_factory=list)  # already registered
    errors: list[str] = field(default_factory=list)  # one line per refused input


@dataclass
class ImportResult:
    documents: int = 0
    citations: list[Citation] = field(default_factory=list)
    new_urls: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def urls(self) -> list[str]:
        """Canonical URLs in document order, de-duplicated (what ``--dry-run`` prints)."""
        return unique_urls(self.citations)


@dataclass
class RemoveResult:
    removed: list[str] = field(default_factory=list)  # no longer watched (canonical)
    unknown: list[str] = field(default_factory=list)  # were not watched
    errors: list[str] = field(default_factory=list)  # one line per malformed URL


def url_kind(url: str, citation_kind: str = "link") -> str:
    """What sort of source a URL is: "post", "short", "media" or "page".

    A link that always leads to a post (``pic.twitter.com/…``) is a "post": the checker follows
    the post its redirect lands on. Other short links (``t.co``) are "short", followed as posts
    too whenever their target is one.
    """
    if platforms.recognise(url) is not None or platforms.leads_to_post(url):
        return "post"
    if is_short_link(url):
        return "short"
    if citation_kind == "media":
        return "media"
    return "page"


def canonical_urls(urls: Iterable[str], errors: list[str]) -> list[str]:
    """The canonical form of each URL typed by the operator, once each, in order; a malformed one
    is a line in ``errors`` instead."""
    good: list[str] = []
    for raw in urls:
        try:
            good.append(canonical(raw.strip()))
        except UrlError as exc:
            errors.append(str(exc))
    return list(dict.fromkeys(good))


class Registering(ArchiveCore):
    """Which URLs are watched, and why."""

    def add(
        self, urls: Iterable[str], *, every: float | None = None, tags: Sequence[str] = (), browser: bool | None = None
    ) -> AddResult:
        """Register URLs typed by the operator (they may point anywhere, even localhost).

        ``browser=True`` captures them in headless Chromium as well (``archiver add --browser``),
        ``False`` stops that; None leaves the setting as it was.
        """
        result = AddResult()
        unique = canonical_urls(urls, result.errors)
        known = {s.url for s in self._index.url_states(unique)}
        self._index.add_urls(unique, now=self.clock(), origin="operator", kind_of=url_kind, interval=every, tags=tags)
        self._index.update_urls([u for u in unique if u in known], origin="operator", interval=every, tags=tags,
                               now=self.clock())
        if browser is not None:
            self._index.update_urls(unique, browser=browser)
        result.added = [u for u in unique if u not in known]
        result.merged = [u for u in unique if u in known]
        return result

    def import_documents(
        self, paths: Sequence[str], *, dry_run: bool = False, stdin: TextIO | None = None, log_errors: bool = True
    ) -> ImportResult:
        """Extract the URLs documents cite and register them with their provenance.

        An unreadable document is one line in ``errors`` (and in the log, unless ``log_errors`` is
        False: the CLI prints the line itself)."""
        result = ImportResult()
        for path in paths:
            try:
                document = read_document(path, stdin=stdin, max_bytes=self.config.documents.max_bytes)
            except ArchiverError as exc:
                result.errors.append(str(exc))
                if log_errors:
                    logger.error("%s", exc)
                continue
            citations = extract_citations(document)
            result.documents += 1
            result.citations += citations
            if dry_run:
                continue
            digest = hashlib.sha1(document.text.encode("utf-8")).hexdigest()
            now = self.clock()
            urls = unique_urls(citations)
            kinds = {c.url: c.kind for c in citations}
            result.new_urls += self._index.add_urls(
                urls, now=now, origin="document", kind_of=lambda u, kinds=kinds: url_kind(u, kinds.get(u, "link"))
            )
            self._index.add_citations(document.path, document.source_url, digest, citations, now=now)
        return result

    def remove(self, urls: Iterable[str]) -> RemoveResult:
        """Stop watching URLs (``archiver remove``); their captures, texts and events stay."""
        result = RemoveResult()
        wanted = canonical_urls(urls, result.errors)
        result.removed = self._index.remove_urls(wanted)
        result.unknown = [u for u in wanted if u not in result.removed]
        return result
