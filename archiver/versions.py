"""New versions captured whole: a page's requisites and a screenshot, beside its capture.

The checker calls ``NewVersions.capture`` when a check is a baseline or its text changed (an
unchanged re-check never does: it stays one request and one revisit record). It fetches the
page's requisites (``requisites``), renders the version from the archived responses alone in
Chromium for a full-page PNG (``browser.screenshot``; only when ``[screenshot] enabled`` and the
``[browser] executable`` exists), and writes, besides the requisites' own records:

* the PNG as a ``resource`` record, target ``urn:view:{page URL}`` (as Browsertrix does), with
  ``WARC-Archiver-Capture`` naming the page's record, and a small JPEG of its top, for reports,
  as ``urn:thumbnail:{page URL}``;
* one ``application/warc-fields`` ``metadata`` record, ``WARC-Concurrent-To`` the page's record,
  listing the requisites (URL, kind, record id) and the screenshot's record id: the WARC holds
  the link from a version to what it needed, not only the index.

Requisites are separate capture events, so their records never carry ``WARC-Concurrent-To``
(WARC 1.1 §5.7 links the records of *one* capture event: a request and its response, a
metadata record and the response it describes).
"""

from __future__ import annotations

import dataclasses
import logging

from archiver.browser.screenshot import Screenshotter, available
from archiver.config import Config
from archiver.fetch import Fetcher, HostThrottle
from archiver.index import Index
from archiver.models import Capture, FetchResult, Outcome, Requisite, Screenshot
from archiver.requisites import RequisiteFetcher
from archiver.warcstore import X, WarcStore

logger = logging.getLogger(__name__)

#: The header of a screenshot's ``resource`` record naming the page's record.
CAPTURE_HEADER = X + "Capture"


def view_uri(url: str) -> str:
    """The ``urn:`` target of a page's screenshot: never a URL a replay tool serves as the page.

    >>> view_uri("https://example.org/a")
    'urn:view:https://example.org/a'
    """
    return f"urn:view:{url}"


class NewVersions:
    """Requisites and screenshots for the new versions of one check batch (thread-safe)."""

    def __init__(self, index: Index, store: WarcStore, fetcher: Fetcher, config: Config) -> None:
        self.store = store
        self.fetcher = fetcher
        self.config = config
        limits = config.requisites
        self._requisites: RequisiteFetcher | None = None
        self._own_fetcher: Fetcher | None = None
        if limits.enabled and limits.max_per_page > 0 and limits.kinds:
            fetch = dataclasses.replace(fetcher.config, max_bytes=min(fetcher.config.max_bytes, limits.max_bytes))
            throttle = HostThrottle(
                per_host_concurrency=config.check.per_host_concurrency, per_host_delay=limits.per_host_delay,
                max_retry_after=config.check.max_retry_after,
            )
            self._own_fetcher = Fetcher(fetch, throttle=throttle, policy=fetcher.policy)
            self._requisites = RequisiteFetcher(self._own_fetcher, store, limits, known=index.payload_record)
        shots = config.screenshot
        self._shooter = (
            Screenshotter(config.browser.executable, shots)
            if shots.enabled and available(config.browser.executable) else None
        )

    @property
    def active(self) -> bool:
        return self._requisites is not None or self._shooter is not None

    @staticmethod
    def wanted(result: FetchResult, text_kind: str, *, baseline: bool, changed: bool) -> bool:
        """A new version worth keeping whole: an HTML page answered 2xx, first seen or changed."""
        return (
            (baseline or changed) and result.outcome == Outcome.OK and result.final is not None
            and 200 <= (result.status or 0) < 300 and text_kind == "html"
        )

    def capture(
        self, url: str, result: FetchResult, capture: Capture, *, untrusted: bool
    ) -> tuple[tuple[Requisite, ...], Screenshot | None]:
        """Fetch and store the version's requisites and screenshot; failures are logged, not raised."""
        page = result.final_url or url
        requisites: list[Requisite] = []
        bodies: dict[str, FetchResult] = {}
        if self._requisites is not None:
            # As for a browser capture: a public page's requisites may not reach into the private
            # network (as its redirects may not); an intranet page the operator added may.
            guarded = untrusted or self.fetcher.address_refusal(page) is None
            requisites, bodies = self._requisites.capture(capture.id, page, result.content, untrusted=guarded)
        shot = self._screenshot(page, result, capture, bodies)
        if requisites or shot is not None:
            facts: dict[str, object] = {
                "requisites": [[r.url, r.kind, r.record.record_id] for r in requisites],
            }
            if shot is not None:
                facts["screenshot"] = shot.record.record_id
            # Durable with the batch's index commit (the checker syncs the store first), not one by one.
            self.store.write_metadata(page, facts, concurrent_to=capture.record_id or capture.id, sync=False)
        logger.info("version %s of %s: %d requisites, screenshot %s", capture.id, url, len(requisites),
                    "yes" if shot else "no")
        return tuple(requisites), shot

    def _screenshot(
        self, page: str, result: FetchResult, capture: Capture, bodies: dict[str, FetchResult]
    ) -> Screenshot | None:
        if self._shooter is None:
            return None
        shot = self._shooter.take(page, {page: result, **bodies})
        if shot is None:
            return None
        fields = {CAPTURE_HEADER: capture.record_id} if capture.record_id else {}
        where = self.store.write_resource(view_uri(page), shot.png, "image/png", fields=fields, sync=False)
        thumb = (self.store.write_resource(f"urn:thumbnail:{page}", shot.thumbnail, "image/jpeg", fields=fields,
                                           sync=False) if shot.thumbnail else None)
        return Screenshot(capture=capture.id, record=where, taken_at=shot.taken_at, width=shot.width,
                          height=shot.height, thumbnail=thumb)

    def close(self) -> None:
        if self._requisites is not None:
            self._requisites.close()
        if self._own_fetcher is not None:
            self._own_fetcher.close()
        if self._shooter is not None:
            self._shooter.close()
