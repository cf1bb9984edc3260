"""The facade's reads for the front ends (watched URLs, events, documents, citations,
requisites) and the daemon's marks, each returning records: the index stays private to ``Archive``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from archiver.archive.core import ArchiveCore
from archiver.engine import DB_ERRORS
from archiver.errors import ArchiverError, StoreError
from archiver.index import from_db_time, to_db_time
from archiver.models import Capture, Citation, Event, ImportedDocument, Requisite, Screenshot, UrlState
from archiver.notify import first_mark, unnotified


class Records(ArchiveCore):
    """Reads for the front ends (the index is private: they never reach past this facade)."""

    def url_state(self, url: str) -> UrlState | None:
        """A watched URL's row (``url`` canonical), or None when it is not watched."""
        return self._index.url_state(url)

    def url_states(self, urls: Sequence[str] | None = None) -> list[UrlState]:
        """The rows of ``urls`` (canonical; default: every watched URL), in URL order."""
        return self._index.url_states(urls)

    def urls(self) -> list[str]:
        """Every watched URL (canonical), in order."""
        return self._index.all_urls()

    def url_count(self) -> int:
        return self._index.count_urls()

    def due_count(self, at: datetime | None = None) -> int:
        """How many URLs are due at ``at`` (default: now)."""
        return self._index.due_count(at or self.clock())

    def oldest_due(self) -> datetime | None:
        """The earliest ``next_due`` of all URLs (it may lie in the future)."""
        return self._index.oldest_due()

    def last_checked(self) -> datetime | None:
        """When any URL was last checked, by anyone."""
        return self._index.last_checked()

    def reschedule(self, urls: Sequence[str], when: datetime) -> None:
        """Set when ``urls`` are next due (the daemon puts off a lost check or a robots refusal)."""
        self._index.set_next_due(urls, when)

    def events(self, since: datetime | None = None, *, url: str | None = None) -> list[Event]:
        """Events detected since ``since`` (default: all), of one URL or all, oldest first."""
        return self._index.events_since(since, url=url)

    def documents(self) -> list[ImportedDocument]:
        """Every imported document, by path."""
        return [
            ImportedDocument(path=d["path"], source_url=d["source_url"], digest=d["digest"],
                             imported_at=from_db_time(d["imported_at"]), citations=int(d["citations"] or 0))
            for d in self._index.documents()
        ]

    def document_digest(self, path: str) -> str | None:
        """The digest of a document's text when last imported (the folder watcher compares it)."""
        return self._index.document_digest(path)

    def citations_of(self, document: str) -> list[Citation]:
        """The citations of an imported document, in document order ([] when not imported)."""
        return self._index.citations_of(document)

    def document_sources(self, document: str) -> list[str]:
        """The URLs an imported document cites, in document order, once each."""
        urls = list(dict.fromkeys(c.url for c in self._index.citations_of(document)))
        if not urls:
            raise ArchiverError(f"{document}: no such imported document (import it first)")
        return urls

    def citations_for(self, url: str) -> list[Citation]:
        """Where documents cite ``url`` (canonical)."""
        return self._index.citations_for(url)

    def capture_near(self, url: str, at: datetime | None) -> Capture | None:
        """The good capture of ``url`` (canonical) nearest ``at`` (default: the latest)."""
        return self._index.capture_near(url, at)

    def screenshot_taken(self, capture_id: str) -> Screenshot | None:
        """The screenshot taken with exactly this capture (``screenshot`` finds its version's)."""
        return self._index.screenshot(capture_id)

    def requisite_records(self, url: str) -> list[Requisite]:
        """Every recorded fetch of ``url`` as a page's requisite, oldest first."""
        return self._index.requisite_records(url)

    def requisite_record(self, record_id: str) -> Requisite | None:
        """The requisite recorded under a WARC-Record-ID."""
        return self._index.requisite_record(record_id)

    # -- the daemon's marks (heartbeat, notifications) -----------------------------------------

    def meta(self, key: str) -> str | None:
        return self._index.get_meta(key)

    def meta_time(self, key: str) -> datetime | None:
        """A time written by ``stamp``."""
        return from_db_time(self._index.get_meta(key))

    def set_meta(self, key: str, value: str | None) -> None:
        """Write (None: delete) a mark in the index; StoreError when the index cannot take it."""
        try:
            self._index.set_meta(key, value)
        except DB_ERRORS as exc:  # Index.set_meta lets the engine's errors through
            raise StoreError(f"{self._index.path}: cannot write {key}: {exc}") from None

    def stamp(self, key: str, when: datetime | None = None) -> None:
        """Write a time (default: now) under ``key``, as ``meta_time`` reads it back."""
        self.set_meta(key, to_db_time(when or self.clock()))

    def unnotified_events(self, mark: str) -> list[Event]:
        """The events recorded after a notification mark (``notify.notified_mark``), oldest first."""
        return unnotified(self._index, mark)

    def notify_mark_now(self) -> str:
        """A notification mark after every event recorded so far (the first start notifies nothing old)."""
        return first_mark(self._index, self.clock())
