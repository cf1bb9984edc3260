"""New versions captured whole: a page's requisites and a screenshot, beside its capture.

The checker calls ``NewVersions.capture`` when a check is a baseline or its text changed (an
unchanged re-check never does: it stays one request and one revisit record). It fetches the
page's requisites (``requisites``), renders the version from the archived responses alone in
Chromium for a full-page PNG (``browser.screenshot``; only when ``[screenshot] enabled`` and the
``[browser] executable`` exists), and writes, besides the requisites' own records:

* one ``application/warc-fields`` ``metadata`` record, ``WARC-Concurrent-To`` the page's record,
  listing the requisites (URL, kind, record id): the WARC holds the link from a version to what
  it needed, not only the index;
* later, the PNG as a ``resource`` record, target ``urn:view:{page URL}`` (as Browsertrix does),
  with ``WARC-Archiver-Capture`` naming the page's record, a small JPEG of its top, for reports,
  as ``urn:thumbnail:{page URL}``, and a second such ``metadata`` record naming the PNG's record.

The screenshot is off the check's path: the check hands its version (the page and requisite
responses in hand) to a queue and goes on; one thread renders the queue in the batch's Chromium
(about 2 s a page) and writes the records. The checker indexes the finished screenshots with its
next commit, after the store's fsync, and the batch waits for the queue to empty before its last
commit. The queue holds at most ``QUEUE_PAGES`` versions and ``QUEUE_BYTES`` of their responses:
past that a check waits for room, so memory stays bounded when versions come faster than
screenshots. A kill -9 loses only screenshots not yet taken, never a committed capture; a
screenshot written but not yet indexed is found again by ``rebuild-index``.

Requisites are separate capture events, so their records never carry ``WARC-Concurrent-To``
(WARC 1.1 §5.7 links the records of *one* capture event: a request and its response, a
metadata record and the response it describes).

``rebuild(store)`` reads all of it back from the WARC files alone (``rebuild-index``).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from archiver.browser.screenshot import Screenshotter, available, png_size
from archiver.config import Config
from archiver.fetch import Fetcher, HostThrottle
from archiver.index import Index
from archiver.models import Capture, FetchResult, Outcome, RecordLocation, Requisite, Screenshot, capture_id
from archiver.requisites import RequisiteFetcher, Wanted
from archiver.warcstore import StoredRecord, WarcStore, X, parse_fields, parse_warc_date

logger = logging.getLogger(__name__)

#: The header of a screenshot's ``resource`` record naming the page's record.
CAPTURE_HEADER = X + "Capture"
#: Requisite bytes a batch holds so a later page's screenshot renders without the network.
KEEP_FOR_SCREENSHOTS = 64 << 20
#: Most versions waiting for their screenshot (about 2 s each), and most bytes of their responses
#: held for it: past either, a check waits for room.
QUEUE_PAGES = 32
QUEUE_BYTES = 64 << 20


def view_uri(url: str) -> str:
    """The ``urn:`` target of a page's screenshot: never a URL a replay tool serves as the page.

    >>> view_uri("https://example.org/a")
    'urn:view:https://example.org/a'
    """
    return f"urn:view:{url}"


def thumbnail_uri(url: str) -> str:
    """The ``urn:`` target of a screenshot's thumbnail (the JPEG a report embeds)."""
    return f"urn:thumbnail:{url}"


class NewVersions:
    """Requisites and screenshots for the new versions of one check batch (thread-safe)."""

    def __init__(self, index: Index, store: WarcStore, fetcher: Fetcher, config: Config) -> None:
        self.store = store
        self.fetcher = fetcher
        self.config = config
        limits = config.requisites
        self._requisites: RequisiteFetcher | None = None
        self._own_fetcher: Fetcher | None = None
        shots = config.screenshot
        self._shooter = (
            Screenshotter(config.browser.executable, shots)
            if shots.enabled and available(config.browser.executable) else None
        )
        self._queue = ShotQueue(self._shoot) if self._shooter is not None else None
        if limits.enabled and limits.max_per_page > 0 and limits.kinds:
            fetch = dataclasses.replace(fetcher.config, max_bytes=min(fetcher.config.max_bytes, limits.max_bytes))
            throttle = HostThrottle(
                per_host_concurrency=config.check.per_host_concurrency, per_host_delay=limits.per_host_delay,
                max_retry_after=config.check.max_retry_after,
            )
            self._own_fetcher = Fetcher(fetch, throttle=throttle, policy=fetcher.policy)
            # Responses are held for later pages' screenshots only when there are screenshots.
            self._requisites = RequisiteFetcher(self._own_fetcher, store, limits, known=index.payload_record,
                                                keep_bytes=KEEP_FOR_SCREENSHOTS if self._shooter else 0)

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
        self, url: str, result: FetchResult, capture: Capture, *, untrusted: bool,
        found: Sequence[Wanted] | None = None,
    ) -> tuple[tuple[Requisite, ...], Screenshot | None]:
        """Fetch and store the version's requisites and queue its screenshot (indexed later:
        ``finished``); failures are logged, not raised. The screenshot returned is always None."""
        page = result.final_url or url
        requisites: list[Requisite] = []
        bodies: dict[str, FetchResult] = {}
        if self._requisites is not None:
            # As for a browser capture: a public page's requisites may not reach into the private
            # network (as its redirects may not); an intranet page the operator added may.
            guarded = untrusted or self.fetcher.address_refusal(page) is None
            requisites, bodies = self._requisites.capture(capture.id, page, result.content, untrusted=guarded,
                                                          found=found)  # the page's, when read already
        if requisites:
            facts: dict[str, object] = {"requisites": [[r.url, r.kind, r.record.record_id] for r in requisites]}
            # Durable with the batch's index commit (the checker syncs the store first), not one by one.
            self.store.write_metadata(page, facts, concurrent_to=capture.record_id or capture.id, sync=False)
        if self._queue is not None:
            self._queue.put(_Version(page, result, capture, bodies))
        logger.info("version %s of %s: %d requisites, screenshot %s", capture.id, url, len(requisites),
                    "queued" if self._queue is not None else "no")
        return tuple(requisites), None

    def finished(self) -> list[Screenshot]:
        """The screenshots taken since the last call, their records written (not yet fsynced)."""
        return self._queue.finished() if self._queue is not None else []

    def _shoot(self, version: _Version) -> Screenshot | None:
        """The queue's work: render one version and write its records (the queue's thread)."""
        assert self._shooter is not None
        page, result, capture = version.page, version.result, version.capture
        shot = self._shooter.take(page, {page: result, **version.bodies})
        if shot is None:
            return None
        fields = {CAPTURE_HEADER: capture.record_id} if capture.record_id else {}
        # Dated when it was taken, so the index's ``taken_at`` is what ``rebuild`` reads back.
        where = self.store.write_resource(view_uri(page), shot.png, "image/png", fields=fields, sync=False,
                                          date=shot.taken_at)
        thumb = (self.store.write_resource(thumbnail_uri(page), shot.thumbnail, "image/jpeg", fields=fields,
                                           sync=False, date=shot.taken_at) if shot.thumbnail else None)
        # The version's second listing, naming its screenshot (the first, written with the check,
        # names the requisites): export and rebuild-index follow it from the page's record.
        self.store.write_metadata(page, {"screenshot": where.record_id}, concurrent_to=capture.record_id or capture.id,
                                  sync=False)
        return Screenshot(capture=capture.id, record=where, taken_at=shot.taken_at, width=shot.width,
                          height=shot.height, thumbnail=thumb)

    def close(self, *, abandon: bool = False) -> list[Screenshot]:
        """Stop the requisite fetchers; wait for the screenshot queue to empty (``abandon``: only
        for the screenshot being taken, as when the daemon stops), then stop Chromium. Returns the
        screenshots not yet handed over by ``finished``."""
        if self._requisites is not None:
            self._requisites.close()
        if self._own_fetcher is not None:
            self._own_fetcher.close()
        shots = self._queue.close(abandon=abandon) if self._queue is not None else []
        if self._shooter is not None:
            self._shooter.close()
        return shots


@dataclass(frozen=True, slots=True)
class _Version:
    """A new version waiting for its screenshot: the page's response and its requisites' bodies."""

    page: str
    result: FetchResult
    capture: Capture
    bodies: dict[str, FetchResult]

    @property
    def size(self) -> int:
        return len(self.result.content) + sum(len(b.content) for b in self.bodies.values())


class ShotQueue:
    """Versions waiting for their screenshot, rendered one at a time by one thread of its own.

    ``put`` returns at once while the queue has room (``QUEUE_PAGES``, ``QUEUE_BYTES``; one
    version larger than that still goes in alone), else waits for it. ``finished`` hands over
    the screenshots taken so far; ``close`` waits for the rest, or with ``abandon`` drops those
    not started (their captures stay, without a screenshot).
    """

    def __init__(self, shoot: Callable[[_Version], Screenshot | None]) -> None:
        self._shoot = shoot
        self._cond = threading.Condition()
        self._waiting: deque[_Version] = deque()  # the head is being rendered until it is popped
        self._bytes = 0
        self._done: list[Screenshot] = []
        self._closed = False
        self._thread: threading.Thread | None = None

    def put(self, version: _Version) -> None:
        size = version.size
        with self._cond:
            while self._waiting and (len(self._waiting) >= QUEUE_PAGES or self._bytes + size > QUEUE_BYTES):
                self._cond.wait()
            self._waiting.append(version)
            self._bytes += size
            if self._thread is None:
                self._thread = threading.Thread(target=self._drain, name="screenshots", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def _drain(self) -> None:
        while True:
            with self._cond:
                while not self._waiting and not self._closed:
                    self._cond.wait()
                if not self._waiting:
                    return
                version = self._waiting[0]
            try:
                shot = self._shoot(version)
            except Exception:  # a screenshot is never worth the batch: log it, go on with the next
                logger.exception("%s: no screenshot", version.page)
                shot = None
            with self._cond:
                self._waiting.popleft()
                self._bytes -= version.size
                if shot is not None:
                    self._done.append(shot)
                self._cond.notify_all()

    def finished(self) -> list[Screenshot]:
        with self._cond:
            done, self._done = self._done, []
        return done

    def close(self, *, abandon: bool = False) -> list[Screenshot]:
        with self._cond:
            self._closed = True
            if abandon and len(self._waiting) > 1:  # the head is being rendered: it finishes
                dropped = [self._waiting.pop() for _ in range(len(self._waiting) - 1)]
                self._bytes -= sum(v.size for v in dropped)
                logger.warning("stopping: %d screenshot(s) not taken (their captures are kept)", len(dropped))
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join()
        return self.finished()


# --------------------------------------------------------------------------- rebuild-index

#: Most bytes of a listing record read back (60 requisites make a few KB).
_LISTING_BYTES = 1 << 20
#: The bytes of a PNG that hold its size (signature and IHDR chunk).
_PNG_HEAD = 24
_FETCHED = ("response", "revisit", "metadata")


@dataclass(frozen=True, slots=True)
class _Listing:
    """One version's listing record: the page's capture, and the records it names."""

    capture: str
    requisites: tuple[tuple[str, str, str], ...]  # (URL, kind, record id)
    screenshot: str | None


@dataclass(frozen=True, slots=True)
class _Head:
    """What a requisite's index row needs from its final record (kept small: one per side fetch)."""

    where: RecordLocation
    record_type: str
    date: str
    target: str | None
    status: int | None
    content_type: str | None
    digest: str | None
    refers_to: str | None
    refers_uri: str | None
    refers_date: str | None


def _is_listing(record_type: str, header: Callable[[str], str | None]) -> bool:
    # A listing is about the page's record (Concurrent-To) and closes no capture (no Outcome).
    return (record_type == "metadata" and header("WARC-Concurrent-To") is not None
            and header(X + "Outcome") is None)


def _is_side_fetch(record_type: str, header: Callable[[str], str | None]) -> bool:
    # A requisite's final record is a capture event of its own: no Outcome, no Concurrent-To.
    return (record_type in _FETCHED and header(X + "Outcome") is None
            and header("WARC-Concurrent-To") is None)


def _pick(record_type: str, header: Callable[[str], str | None]) -> int | None:
    """What ``rebuild`` reads of a record: a listing whole, a screenshot's PNG header, a side
    fetch's headers; nothing else."""
    if _is_listing(record_type, header):
        return _LISTING_BYTES
    if record_type == "resource" and (header("WARC-Target-URI") or "").startswith(("urn:view:", "urn:thumbnail:")):
        return _PNG_HEAD
    return 0 if _is_side_fetch(record_type, header) else None


def _listing(record: StoredRecord) -> _Listing | None:
    page = record.header("WARC-Concurrent-To")
    facts = parse_fields(record.payload, record.header("Content-Type"))
    listed, shot = facts.get("requisites"), facts.get("screenshot")
    if not page or not (isinstance(listed, list) or isinstance(shot, str)):  # a render's or a post's metadata
        return None
    rows = tuple((str(r[0]), str(r[1]), str(r[2])) for r in (listed if isinstance(listed, list) else ())
                 if isinstance(r, list) and len(r) == 3)
    return _Listing(capture_id(page), rows, shot if isinstance(shot, str) else None)


def _head(where: RecordLocation, record: StoredRecord) -> _Head:
    content_type = next((v for k, v in record.http_headers if k.lower() == "content-type"), None)
    return _Head(
        where=where, record_type=record.record_type, date=record.header("WARC-Date") or "",
        target=record.target_uri, status=record.http_status, content_type=content_type,
        digest=record.header("WARC-Payload-Digest"), refers_to=record.header("WARC-Refers-To"),
        refers_uri=record.header("WARC-Refers-To-Target-URI"), refers_date=record.header("WARC-Refers-To-Date"),
    )


def _width_height(png: bytes) -> tuple[int, int]:
    try:
        return png_size(png)
    except ValueError:
        return 0, 0


def rebuild(store: WarcStore) -> tuple[list[Requisite], list[Screenshot]]:
    """Every version's requisites and screenshot, read from the WARC files alone in one walk, in
    write order: the index rows ``NewVersions.capture`` made, for ``rebuild-index``.

    A listing record names the records of its version, which come before it (a revisit's payload
    may be anywhere earlier), so the headers of every side fetch are kept until the end of the
    walk, a few hundred bytes each.
    """
    listings: list[_Listing] = []
    heads: dict[str, _Head] = {}
    views: dict[str, tuple[RecordLocation, StoredRecord]] = {}
    thumbnails: dict[str, RecordLocation] = {}  # the page's record id → its screenshot's thumbnail
    for where, record in store.iter_records(_pick):
        if record.record_type == "resource":
            if (record.target_uri or "").startswith("urn:view:"):
                views[where.record_id] = (where, record)
            elif page := record.header(CAPTURE_HEADER):
                thumbnails[page] = where
        elif record.payload and (listing := _listing(record)) is not None:
            listings.append(listing)
        elif record.header("WARC-Concurrent-To") is None:
            heads[where.record_id] = _head(where, record)
    requisites = [
        _requisite(listing.capture, url, kind, heads[rid], heads)
        for listing in listings for url, kind, rid in listing.requisites
        if rid in heads and parse_warc_date(heads[rid].date) is not None
    ]
    # A listing named its version's screenshot when it was taken in the check's path; one taken
    # later (the screenshot queue) is linked by its own record, which names the page's record.
    named = {listing.screenshot: listing.capture for listing in listings if listing.screenshot is not None}
    screenshots = []
    for view_id, (where, record) in views.items():
        page = record.header(CAPTURE_HEADER)
        capture = named.get(view_id) or (capture_id(page) if page else None)
        if capture is None or record.date is None:
            continue
        width, height = _width_height(record.payload)
        screenshots.append(Screenshot(capture=capture, record=where, taken_at=record.date, width=width,
                                      height=height, thumbnail=thumbnails.get(page) if page else None))
    return requisites, screenshots


def _requisite(capture: str, url: str, kind: str, head: _Head, heads: dict[str, _Head]) -> Requisite:
    """A requisite's index row from its final record (as ``requisites._requisite`` made it)."""
    payload: RecordLocation | None = None
    uri = date = None
    if head.record_type == "revisit":
        holder = heads.get(head.refers_to or "")
        payload = holder.where if holder else None
        uri, date = head.refers_uri, head.refers_date
    elif head.record_type == "response":
        payload, uri, date = head.where, head.target, head.date
    return Requisite(
        capture=capture, url=url, kind=kind, record=head.where, record_type=head.record_type,
        captured_at=parse_warc_date(head.date),  # type: ignore[arg-type]
        status=head.status, content_type=head.content_type,
        payload_digest=head.digest if head.record_type != "metadata" else None, payload=payload,
        payload_uri=uri, payload_date=date,
    )
