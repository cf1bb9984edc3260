"""The library facade: ``Archive(data_dir, config)`` does everything the CLI can.

Each CLI verb is one method here with the same nouns (``import`` → ``import_documents``,
``check`` → ``check``). It wires the stages together; the stages know nothing of it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TextIO

from archiver import platforms, report, versions
from archiver.checker import Checker, site_of
from archiver.citations import extract_citations, unique_urls
from archiver.citations.metadata import PageMetadata, guess_dates, page_metadata, parse_date
from archiver.cite import CitationInfo, format_citation
from archiver.config import Config
from archiver.diff import diff as diff_texts
from archiver.documents import read_document
from archiver.errors import ArchiverError, CaptureNotFoundError, StoreError, UrlError
from archiver.export import ExportResult, write_wacz
from archiver.extract import Template, extract
from archiver.fetch import AddressPolicy, Fetcher, HostThrottle
from archiver.engine import DB_ERRORS, parse_index_url
from archiver.index import Index, from_db_time, to_db_time
from archiver.leases import WorkQueue
from archiver.lock import DataLock
from archiver.notify import Notifier, deliver_now, first_mark, unnotified
from archiver.reading import METADATA_TAGS, parse_budget
from archiver.robots import RobotsPolicy
from archiver.signing import Signer
from archiver.models import (
    Capture,
    Citation,
    Diff,
    Event,
    ImportedDocument,
    Outcome,
    ReportData,
    Requisite,
    Screenshot,
    ScreenshotFacts,
    SourceStatus,
    SourceSummary,
    TextKey,
    TextVersion,
    UrlState,
)
from archiver.urls import canonical, is_short_link
from archiver.verify import Problem, VerifyReport, capture_targets, file_targets, verify_records
from archiver.warcstore import WarcStore

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
class CheckResult:
    checked: int = 0
    events: list[Event] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    robots_skipped: list[str] = field(default_factory=list)  # disallowed by robots.txt (schedule.robots = "obey")


@dataclass
class RemoveResult:
    removed: list[str] = field(default_factory=list)  # no longer watched (canonical)
    unknown: list[str] = field(default_factory=list)  # were not watched
    errors: list[str] = field(default_factory=list)  # one line per malformed URL


def _package_version() -> str:
    try:
        return metadata.version("archiver")
    except metadata.PackageNotFoundError:
        return "0"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def expansion(capture: Capture | None) -> str | None:
    """Where a short link (or a ``pic.twitter.com`` link) led at ``capture``: the first URL of
    its redirect chain past the short-link services, or None when it did not redirect."""
    if capture is None or len(capture.redirects) < 2:
        return None
    past = (u for u in capture.redirects[1:] if not is_short_link(u) and not platforms.leads_to_post(u))
    return next(past, capture.final_url)


def _is_link(url: str) -> bool:
    """Whether ``url`` is judged by where it leads (a short link, a link to a post)."""
    return is_short_link(url) or platforms.leads_to_post(url)


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


class Archive:
    """One data directory: its WARC files, its index, and the pipeline that fills them."""

    def __init__(
        self,
        data_dir: str | Path = "snapshots",
        config: Config | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.config = config or Config()
        self.clock = clock or _utcnow
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ArchiverError(f"{self.data_dir}: cannot create the data directory: {exc.strerror}") from None
        self._index = Index(parse_index_url(self.config.index.url, self.data_dir))
        self._store: WarcStore | None = None
        self._lock: DataLock | None = None
        self._throttle = HostThrottle(
            per_host_concurrency=self.config.check.per_host_concurrency,
            per_host_delay=self.config.check.per_host_delay,
            max_retry_after=self.config.check.max_retry_after,
        )
        self._guard = threading.Lock()

    # -- resources ---------------------------------------------------------------------------

    @property
    def warc_dir(self) -> Path:
        return self.data_dir / "warcs"

    def lock(self, role: str = "archiver check") -> None:
        """Take the data directory's writer lock (held until ``close``)."""
        if self._lock is None:
            self._lock = DataLock(self.data_dir, role).acquire()
            if self._store is not None:  # opened earlier as a reader: repair now that we may
                self._recover(self._store)

    @property
    def store(self) -> WarcStore:
        """The WARC store, opened on first use.

        Only the holder of the writer lock repairs a torn record left by a crash: a reader
        (report, cite, serve) must never cut the tail of a file a running daemon is writing.
        """
        with self._guard:
            if self._store is None:
                self._store = WarcStore(self.warc_dir, self.config.warc, clock=self.clock)
                if self._lock is not None:
                    self._recover(self._store)
            return self._store

    def _recover(self, store: WarcStore) -> None:
        """What the writer does first after a crash: cut torn records off the WARC tails, then
        index every whole capture past the point each file is known to be indexed (a kill -9
        loses the captures written since the last index commit; here they come back), so a
        crash costs at most the torn tail."""
        for message in store.recover():
            logger.warning("%s", message)
        if found := self.index_written(store):
            logger.warning("%d captures found in the WARC files but not in the index (a crash?): indexed now", found)

    def index_written(self, store: WarcStore, *, skip: Iterable[str] = ()) -> int:
        """Index the whole captures past each file's (but ``skip``'s) indexed mark; how many were found."""
        found, marks, skipped = 0, {}, set(skip)
        for name in store.names():
            if name in skipped or (through := self._index.indexed_through(name)) >= store.size(name):
                continue
            progress = [through]
            found += self._index.insert_captures(store.iter_captures_from(name, through, progress))
            marks[name] = progress[0]
        if marks:
            self._index.set_indexed_through(marks)
        return found

    def _mark_indexed(self) -> None:
        """After a batch whose checks are all committed: the files written so far are indexed."""
        if self._store is not None:
            self._index.set_indexed_through(self._store.written())

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
        self._index.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- registering -------------------------------------------------------------------------

    def add(
        self, urls: Iterable[str], *, every: float | None = None, tags: Sequence[str] = (), browser: bool | None = None
    ) -> AddResult:
        """Register URLs typed by the operator (they may point anywhere, even localhost).

        ``browser=True`` captures them in headless Chromium as well (``archiver add --browser``),
        ``False`` stops that; None leaves the setting as it was.
        """
        result = AddResult()
        good: list[str] = []
        for raw in urls:
            try:
                good.append(canonical(raw.strip()))
            except UrlError as exc:
                result.errors.append(str(exc))
        unique = list(dict.fromkeys(good))
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

    # -- checking ----------------------------------------------------------------------------

    def check(
        self,
        urls: Sequence[str] | None = None,
        *,
        progress: Callable[[int], None] | None = None,
        stop: threading.Event | None = None,
    ) -> CheckResult:
        """Capture the given URLs (registering them as the operator's), or every URL, once, now."""
        result = CheckResult()
        if urls is None:
            states = self._index.url_states()
        else:
            added = self.add(urls)
            result.errors += added.errors
            states = self._index.url_states(added.added + added.merged)
        if self.config.schedule.robots == "obey":  # the daemon applies it per batch (Daemon._obeying_robots)
            states = self._robots_allow(states, result)
        return self.check_states(states, progress=progress, stop=stop, result=result)

    def _robots_allow(self, states: Sequence[UrlState], result: CheckResult) -> list[UrlState]:
        """The states robots.txt lets archiver fetch; the others are listed in ``robots_skipped``."""
        fetch = self.config.fetch
        with Fetcher(fetch, policy=AddressPolicy(allow_private=fetch.allow_private)) as fetcher:
            robots = RobotsPolicy(fetcher, user_agent=fetch.user_agent)
            allowed = [s for s in states if robots.allowed(s.url, untrusted=s.origin == "document")]
        result.robots_skipped += [s.url for s in states if s not in allowed]
        for url in result.robots_skipped:
            logger.warning('robots.txt disallows %s for archiver; not checked (schedule.robots = "obey")', url)
        return allowed

    def remove(self, urls: Iterable[str]) -> RemoveResult:
        """Stop watching URLs (``archiver remove``); their captures, texts and events stay."""
        result = RemoveResult()
        canon: list[str] = []
        for raw in urls:
            try:
                canon.append(canonical(raw.strip()))
            except UrlError as exc:
                result.errors.append(str(exc))
        wanted = list(dict.fromkeys(canon))
        result.removed = self._index.remove_urls(wanted)
        result.unknown = [u for u in wanted if u not in result.removed]
        return result

    def capture_link(self, capture_id: str) -> str:
        """Where a person opens a capture: its published page, else the local web view's page
        (``archiver serve`` on ``[serve] host``/``port``)."""
        return self.replay_url(capture_id) or f"http://{self.config.serve.host}:{self.config.serve.port}/capture/{capture_id}"

    def notify_events(self, new: Sequence[Event]) -> None:
        """Send ``new`` (and any event not notified yet) to the configured notifications, now, as
        the daemon does: for `archiver check` run from cron."""
        notify = self.config.notify
        if not (notify.command or notify.webhook or notify.urls):
            return
        notifier = Notifier(notify, user_agent=self.config.fetch.user_agent, link=self.capture_link)
        wait = notify.timeout * (notify.retries + 1) * max(1, len(new)) + 2.0 ** notify.retries
        deliver_now(self._index, notifier, new, now=self.clock(), wait=wait)

    def check_states(
        self,
        states: Sequence[UrlState],
        *,
        progress: Callable[[int], None] | None = None,
        stop: threading.Event | None = None,
        result: CheckResult | None = None,
    ) -> CheckResult:
        result = result or CheckResult()
        if not states:
            return result
        self.lock()
        policy = AddressPolicy(allow_private=self.config.fetch.allow_private)
        with Fetcher(self.config.fetch, throttle=self._throttle, policy=policy) as fetcher:
            checker = Checker(self._index, self.store, fetcher, self.config, clock=self.clock)
            result.events += checker.run(states, progress=progress, stop=stop)
        self._mark_indexed()
        result.errors += [line for line in checker.errors if line not in result.errors]
        result.checked += len(states)  # each new HTML version's citation metadata came with its check
        return result

    def due_states(self, limit: int) -> list[UrlState]:
        return self._index.url_states(self._index.due_urls(self.clock(), limit))

    def may_schedule(self) -> bool:  # the data lock makes it the only scheduler (a shared index: SchedulerArchive)
        return True

    def work_queue(self, owner: str) -> WorkQueue:  # leases, shared politeness, roles, as ``owner``
        return WorkQueue(self._index, owner)

    # -- reading -----------------------------------------------------------------------------

    def history(self, url: str) -> list[Capture]:
        return self._index.captures(self._known(url))

    def _known(self, url: str) -> str:
        canon = canonical(url)
        if self._index.url_state(canon) is None:
            raise CaptureNotFoundError(f"{url}: not a watched URL (add it or import a document citing it)")
        return canon

    def sources(self, *, status: str | None = None, tag: str | None = None, urls: Sequence[str] | None = None) -> list[SourceSummary]:
        cited = self._index.cited_by()
        counts = self._index.capture_counts()
        out = []
        for s in self._index.url_states(urls):
            if status and s.status != status:
                continue
            if tag and tag not in s.tags:
                continue
            captures = self._index.captures(s.url)
            first = captures[:1]
            landed = self._index.capture(s.last_good_capture) if s.last_good_capture else None
            landed = landed or (captures[-1] if captures else None)
            out.append(
                SourceSummary(
                    url=s.url, status=s.status, last_checked=s.last_checked, captures=counts.get(s.url, 0),
                    cited_by=tuple(cited.get(s.url, ())), first_capture=first[0].id if first else None,
                    last_good_capture=s.last_good_capture, timeline=tuple(self._index.timeline(s.url)), tags=s.tags,
                    kind=s.kind, expands_to=expansion(landed) if _is_link(s.url) else None,
                )
            )
        return out

    def report_data(
        self, *, since: datetime | None = None, document: str | None = None, status: str | None = None,
        tag: str | None = None,
    ) -> ReportData:
        urls = None
        if document is not None:
            urls = self.document_sources(document)
        sources = self.sources(status=status, tag=tag, urls=urls)
        wanted = {s.url for s in sources}
        events = [e for e in self._index.events_since(since) if e.url in wanted]
        shown = dict.fromkeys(c for e in events for c in (e.previous_capture, e.capture) if c)
        thumbnails = {cid: jpeg for cid in shown if (jpeg := self.thumbnail(cid))}
        screenshots = {cid: facts for cid in shown if (facts := self.screenshot_facts(cid))}
        return ReportData(generated_at=self.clock(), events=tuple(events), sources=tuple(sources), since=since,
                          document=document, thumbnails=thumbnails, screenshots=screenshots)

    def _shown_screenshot(self, capture_id: str) -> Screenshot | None:
        """The screenshot of the version a capture shows: none for a capture that showed no page
        (a failure, a 404: an earlier version's look is not what that check saw)."""
        capture = self._index.capture(capture_id)
        if capture is None or capture.outcome != Outcome.OK or not 200 <= (capture.status or 0) < 300:
            return None
        return self.screenshot(capture)

    def thumbnail(self, capture_id: str) -> bytes | None:
        """The JPEG thumbnail of the screenshot of the version a capture shows, if one was taken."""
        shot = self._shown_screenshot(capture_id)
        if shot is None or shot.thumbnail is None:
            return None
        try:
            return self.store_reader().read_record(shot.thumbnail.warc_file, shot.thumbnail.offset).payload
        except ArchiverError:
            return None

    def screenshot_facts(self, capture_id: str) -> ScreenshotFacts | None:
        """The screenshot of the version a capture shows, as a report names it (record id,
        ``urn:view:`` target, digest, size), read from its record's headers; None if none was taken."""
        shot = self._shown_screenshot(capture_id)
        if shot is None:
            return None
        try:
            record = self.store_reader().read_record(shot.record.warc_file, shot.record.offset, limit=0)
        except ArchiverError as exc:
            logger.warning("%s: screenshot record unreadable: %s", capture_id, exc)
            return None
        length = record.header("Content-Length") or ""
        return ScreenshotFacts(
            capture=shot.capture, record=shot.record, target=record.target_uri or "",
            content_type=record.header("Content-Type") or "image/png",
            digest=record.header("WARC-Payload-Digest") or record.header("WARC-Block-Digest"),
            size=int(length) if length.isdigit() else 0, width=shot.width, height=shot.height, taken_at=shot.taken_at,
        )

    def report(self, fmt: str = "json", **filters: object) -> str:
        data = self.report_data(**filters)  # type: ignore[arg-type]
        if self.config.publish.public_url.strip():  # captures link to their published pages (issue 11)
            return report.render(data, fmt, capture_link=self.replay_url)
        return report.render(data, fmt)

    def capture(self, ref: str) -> Capture:
        """A capture by id or unique id prefix."""
        found = self._index.capture(ref)
        if found is not None:
            return found
        matches = self._index.captures_by_prefix(ref) if len(ref) >= 4 else []
        if len(matches) == 1:
            return matches[0]
        raise CaptureNotFoundError(f"{ref}: no such capture" if not matches else f"{ref}: ambiguous capture id prefix")

    def payload(self, capture: Capture) -> bytes:
        """The decoded body of a capture (a revisit's payload is read from the record it refers to)."""
        holder = self.capture(capture.refers_to) if capture.record_type == "revisit" and capture.refers_to else capture
        return self.store_reader().read_payload(holder)

    def requisites(self, capture: Capture) -> list[Requisite]:
        """What the version captured as ``capture`` needed to be seen (stylesheets, images, fonts,
        the favicon), each with its record and the record holding its payload. A revisit or a
        noise-only change has none of its own: see ``version_of``."""
        return self._index.requisites_of(capture.id)

    def version_of(self, capture: Capture) -> Capture:
        """The capture that kept whole (requisites, screenshot) the version ``capture`` shows: itself
        when it was a baseline or a change, else the latest earlier one of the same URL that was."""
        if self._index.screenshot(capture.id) or self._index.requisites_of(capture.id):
            return capture
        earlier = [c for c in self._index.captures(capture.url) if c.captured_at < capture.captured_at]
        for c in reversed(earlier):
            if self._index.screenshot(c.id) or self._index.requisites_of(c.id):
                return c
        return capture

    def screenshot(self, capture: Capture) -> Screenshot | None:
        """The full-page screenshot of the version ``capture`` shows (see ``version_of``), if taken."""
        return self._index.screenshot(self.version_of(capture).id)

    def screenshot_png(self, shot: Screenshot) -> bytes:
        """The PNG of a screenshot, read from its WARC ``resource`` record."""
        return self.store_reader().read_record(shot.record.warc_file, shot.record.offset).payload

    def store_reader(self) -> WarcStore:
        return self.store

    def text(self, capture: Capture) -> TextVersion:
        key = self._index.text_key_of(capture.id)
        cached = self._index.text(key)
        if cached is not None:
            return cached
        url = capture.final_url or capture.url
        # Read with the site's templates, the one its key names first, as the checker read it.
        known = [Template.from_json(t) for t in self._index.host_templates(site_of(url))]
        template = TextKey.parse(key).template if key else None
        known.sort(key=lambda t: t.id != template)
        return extract(self.payload(capture), content_type=capture.content_type, url=url, templates=known)

    def diff(self, url: str, a: str | None = None, b: str | None = None) -> tuple[Capture, Capture, Diff]:
        """The diff between two captures of a URL (default: the last two good ones)."""
        canon = self._known(url)
        good = [c for c in self._index.captures(canon) if c.outcome == Outcome.OK]
        old = self.capture(a) if a else (good[-2] if len(good) >= 2 else None)
        new = self.capture(b) if b else (good[-1] if good else None)
        if old is None or new is None:
            raise CaptureNotFoundError(f"{url}: fewer than two good captures to compare")
        return old, new, diff_texts(self.text(old), self.text(new))

    def citation_info(self, url: str, *, at: datetime | None = None) -> CitationInfo:
        canon = self._known(url)
        capture = self._index.capture_near(canon, at)
        if capture is None:
            raise CaptureNotFoundError(f"{url}: no good capture to cite yet (run `archiver check`)")
        return self.citation_info_for(capture)

    def citation_info_for(self, capture: Capture) -> CitationInfo:
        """What a citation of ``capture`` says: locator, digest, and the page's own metadata."""
        holder = self.capture(capture.refers_to) if capture.refers_to else capture
        page, record_id = self.capture_metadata(capture)
        title = page.title
        try:
            title = self.text(capture).title or title
        except ArchiverError:
            pass
        published = parse_date(page.published)
        return CitationInfo(
            original_url=capture.url,
            captured_at=capture.captured_at,
            capture_id=capture.id,
            replay_url=self.replay_url(capture.id),
            warc_file=holder.warc_file or "",
            warc_offset=holder.warc_offset or 0,
            payload_digest=capture.payload_digest or "",
            title=title,
            final_url=capture.final_url,
            status=capture.status,
            short_link_target=expansion(capture) if _is_link(capture.url) else None,
            published=published,
            modified=parse_date(page.modified),
            authors=page.authors,
            site_name=page.site_name,
            publisher=page.publisher,
            language=page.language,
            kind=page.kind,
            record_id=record_id,
            published_precision=min(3, max(1, len((page.published or "").split("T")[0].split("-")))),
        )

    def capture_metadata(self, capture: Capture) -> tuple[PageMetadata, str]:
        """The page's own citation metadata and the WARC-Record-ID holding its payload, read
        from the WARC once and then kept in the index beside the capture. The dates a page does
        not declare, which ``check`` leaves to this first citation (``"guess"``), are guessed
        here from the WARC record and kept too."""
        cached = self._index.capture_meta(capture.id)
        if cached is not None:
            data = json.loads(cached)
            page = PageMetadata.from_json(json.dumps(data.get("page", {})))
            record_id = str(data.get("record_id", ""))
            if not data.get("guess"):
                return page, record_id
            head = self._metadata_head(capture)
            if head is None:
                return page, record_id  # the WARC is not at hand: the declared metadata is all there is
            page = guess_dates(page, head[1])
        else:
            head = self._metadata_head(capture)
            if head is None:
                return PageMetadata(), ""
            record_id, body = head
            page = page_metadata(body, content_type=capture.content_type) if body else PageMetadata()
        self._index.put_capture_meta(capture.id, json.dumps({"page": json.loads(page.to_json()), "record_id": record_id}))
        return page, record_id

    def _metadata_head(self, capture: Capture) -> tuple[str, bytes] | None:
        """The WARC-Record-ID of the record holding ``capture``'s payload and the head of that
        payload that metadata is read from (empty for a record without one), or None when the
        record cannot be read."""
        holder = self.capture(capture.refers_to) if capture.record_type == "revisit" and capture.refers_to else capture
        if not holder.warc_file or holder.warc_offset is None:
            return "", b""
        try:
            record = self.store_reader().read_record(holder.warc_file, holder.warc_offset)
        except ArchiverError as exc:
            logger.warning("%s: no metadata: %s", capture.id, exc)
            return None
        if record.record_type not in ("response", "revisit") or not record.payload:
            return record.header("WARC-Record-ID") or "", b""
        # The same parse budget as the text (a hostile page of a million tags must not take the
        # process's memory here either): the metadata sits near the top.
        return record.header("WARC-Record-ID") or "", parse_budget(record.payload, METADATA_TAGS)[0]

    def cite(self, url: str, *, at: datetime | None = None, fmt: str = "text") -> str:
        return format_citation(self.citation_info(url, at=at), fmt)

    def replay_url(self, capture_id: str) -> str:
        """The published page of a capture (``[publish] public_url`` + ``capture/<id>/``), or ""
        when the archive is not published: citations then say the copy is local."""
        base = self.config.publish.public_url.strip()
        if not base:
            return ""
        return base.rstrip("/") + f"/capture/{capture_id}/"

    # -- reads for the front ends (the index is private: they never reach past this facade) ------

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

    # -- maintenance -------------------------------------------------------------------------

    def rebuild_index(self) -> int:
        """Re-read every WARC file and rebuild from it the captures table and each new version's
        requisites, screenshot and thumbnail (from its listing record). Returns the capture count."""
        self.lock("archiver rebuild-index")
        store = self.store
        marks = {name: store.size(name) for name in store.names()}
        n = self._index.replace_captures(store.iter_captures(), indexed_through=marks)
        requisites, screenshots = versions.rebuild(store)
        self._index.replace_versions(requisites, screenshots)
        logger.info("rebuild-index: %d captures, %d requisites, %d screenshots", n, len(requisites), len(screenshots))
        return n

    def status_counts(self) -> dict[str, int]:
        counts = {s.value: 0 for s in SourceStatus}
        counts.update(self._index.counts_by_status())
        return counts

    def verify(self, captures: Sequence[Capture] | None = None) -> VerifyReport:
        """Re-read WARC records against their digests and the index (``archiver verify``): the
        records of ``captures``, or every record of every file; seal what is intact."""
        missing: list[Problem] = []
        if captures is not None:
            targets = list(capture_targets(self._index, captures))
        else:  # a fresh WarcStore only lists the files: it repairs nothing beside a running daemon
            targets, missing = file_targets(self._index, WarcStore(self.warc_dir, self.config.warc).files())
        report = verify_records(self._index, self.warc_dir, targets, now=self.clock())
        report.problems = missing + report.problems
        return report

    # -- export (`archiver export`) ------------------------------------------------------------

    def export_wacz(
        self, path: str | Path, urls: Sequence[str] | None = None, *, document: str | None = None,
        captures: Sequence[Capture] | None = None, sign: bool = True,
    ) -> ExportResult:
        """A signed WACZ package of the captures of ``urls``, or of a document's citations, or of
        the ``captures`` given (default: everything)."""
        if document is not None:
            urls = self.document_sources(document)
        if captures is None and urls is not None:
            captures = list({c.id: c for url in urls for c in self.history(url)}.values())

        def title_of(capture: Capture) -> str | None:  # the cached text only: an export extracts nothing
            text = self._index.text(self._index.text_key_of(capture.id))
            return text.title if text is not None else None

        # A fresh WarcStore only lists the files: unlike ``self.store`` it repairs nothing, so an
        # export beside a running daemon leaves the daemon's open file alone.
        files = WarcStore(self.warc_dir, self.config.warc).files()
        signer = Signer(self.data_dir, software=f"archiver {_package_version()}") if sign else None
        return write_wacz(path, self._index, files, captures=captures, title_of=title_of, now=self.clock(),
                          sign=signer.sign if signer is not None else None)
