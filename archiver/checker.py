"""One check of a batch of URLs: fetch → WARC → text → diff → verdicts → one index commit.

Workers (threads) fetch, write WARC records, extract and classify; the calling thread alone
writes the index, in batches, and only after the WARC records it points at are flushed.
A failure on one URL is one log line; the batch goes on.
"""

from __future__ import annotations

import json
import logging
import random
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

from archiver import browser, cadence, platforms
from archiver.citations.metadata import PageMetadata, needs_guess, page_metadata
from archiver.classify import classify, current_status
from archiver.classify.observed import adopt
from archiver.classify.similarity import relatedness
from archiver.completions import Finished
from archiver.config import Config
from archiver.diff import diff as diff_texts
from archiver.engine import UNREACHABLE
from archiver.errors import ArchiverError, StoreError
from archiver.extract import EXTRACTOR_VERSION, Template, TemplateBook, extract
from archiver.fetch import Fetcher, parse_retry_after
from archiver.index import CheckRecord, Index
from archiver.models import (
    NETWORK_FAILURES,
    Capture,
    Diff,
    Event,
    EventType,
    FetchResult,
    Observation,
    Outcome,
    PostSnapshot,
    PostState,
    ProbeResult,
    Requisite,
    Screenshot,
    SourceHistory,
    SourceStatus,
    StoredCapture,
    StoredHistory,
    TextKey,
    TextSource,
    TextStatus,
    TextVersion,
    UrlState,
    Verdict,
)
from archiver.platforms import PostRef
from archiver.reading import (
    METADATA_TAGS,
    POOL_FROM,
    PageJob,
    PageReading,
    ReadingPool,
    parse_budget,
    read_page,
    reading_processes,
)
from archiver.requisites import Wanted
from archiver.urls import host_of, is_short_link, site_of
from archiver.versions import NewVersions
from archiver.warcstore import WarcStore

logger = logging.getLogger(__name__)

NO_TEXT = TextVersion(status=TextStatus.NOT_TEXT, kind="none", detail="no response body to read")
COMMIT_EVERY = 64  # fewest checks per index transaction: fewer fsyncs of the index, bounded loss on a crash
#: And at most one transaction per COMMIT_SECONDS while fewer than COMMIT_MOST checks wait: a fast
#: re-check touches the same index pages (random keys: capture ids, due times) once per commit,
#: not once per 64 checks (what the index writes for an unchanged 10k re-check in check order:
#: 3.3 KB per URL at 2 s, 2.3 KB at 5 s). A crash loses none: the next writer indexes the WARC's tail.
COMMIT_SECONDS = 5.0
COMMIT_MOST = 4096
BROWSERS = 2  # headless Chromium processes at once per batch (each takes a few hundred MB)
#: The statuses after which an unchanged payload is news to no rule (``Checker._unchanged``).
_STEADY = frozenset({SourceStatus.OK, SourceStatus.EDITED, SourceStatus.MOVED, SourceStatus.RESTORED})
BIG_PAGE = 1_000_000  # bytes: pages larger than this are parsed one at a time per batch (memory)


@dataclass(slots=True)
class _Attempt:
    """How far one check got: the capture, once its WARC records are written."""

    capture: Capture | None = None


@dataclass(frozen=True, slots=True)
class _Text:
    """The text a check compares, the key it is cached under, and whether it is a stand-in: the
    post's endpoint or the browser failed this time, so the plain page's text is all there is."""

    key: TextKey | None
    version: TextVersion
    degraded: bool = False
    reading: PageReading | None = None  # the page read now (not from the cache), ``version`` its text


def source_of(key: TextKey | None) -> TextSource:
    """Where a text came from; a capture without a text key is a page's."""
    return key.source if key is not None else TextSource.PAGE


def page_text_key(payload_digest: str | None, template_id: str | None = None) -> TextKey | None:
    """The cache key of a page's text: its payload digest, the extractor version and the id of the
    host template it was read with (``archiver.extract.template``).

    >>> str(page_text_key("sha1:AB12")), str(page_text_key("sha1:AB12", "3f9a0c1d2e"))
    ('sha1:AB12~x3', 'sha1:AB12~x3~t3f9a0c1d2e')
    """
    if not payload_digest:
        return None
    return TextKey(TextSource.PAGE, payload_digest, EXTRACTOR_VERSION, template_id)


def post_ref(url: str, result: FetchResult) -> PostRef | None:
    """The post a check is about: the URL itself, or for a link that leads to one (``t.co``,
    ``pic.twitter.com``) the first post URL on its redirect chain."""
    ref = platforms.recognise(url)
    if ref is None:
        ref = next((r for hop in result.redirects[1:] if (r := platforms.recognise(hop)) is not None), None)
    return ref


class Checker:
    """Runs the pipeline over URLs with a worker pool; the owner thread commits to the index."""

    def __init__(
        self,
        index: Index,
        store: WarcStore,
        fetcher: Fetcher,
        config: Config,
        *,
        clock: Callable[[], datetime],
        rng: random.Random | None = None,
        pools: Callable[[], ReadingPool] | None = None,
    ) -> None:
        self.index = index
        self.store = store
        self.fetcher = fetcher
        self.config = config
        self.clock = clock
        self.rng = rng or random.Random()
        #: Worker processes that read new pages in a batch of at least ``pool_from`` checks
        #: (``archiver.reading``); 0: the check threads read them. ``pools``: the caller's pool
        #: (the archive keeps one across its batches), asked for instead of starting one per batch.
        self.processes = reading_processes(config.check.processes)
        self.pool_from = POOL_FROM
        self._pools = pools
        self._reader: ReadingPool | None = None
        self._probes: dict[str, ProbeResult | None] = {}
        self._probe_lock = threading.Lock()
        self._host_locks: dict[str, threading.Lock] = {}
        self._pending_probes: list[tuple[ProbeResult, datetime]] = []
        self._pending_templates: list[tuple[str, Template]] = []
        self.templates = TemplateBook(load=index.host_templates, save=self._keep_template)
        self.deferred: list[tuple[str, float]] = []  # (url, seconds) skipped for a Retry-After
        self.errors: list[str] = []  # one line per distinct problem that kept captures from being written
        self._browsers = threading.BoundedSemaphore(BROWSERS)
        self._big_parses = threading.BoundedSemaphore(1)  # pages over BIG_PAGE are parsed one at a time
        self._versions: NewVersions | None = None  # requisites and screenshots, opened on first use

    def _deferral(self, url: str) -> float | None:
        throttle = self.fetcher.throttle
        if throttle is None:
            return None
        until = throttle.deferred_until(host_of(url))
        return None if until is None else max(0.0, until - time.monotonic())

    # -- the batch ---------------------------------------------------------------------------

    def run(
        self,
        states: Sequence[UrlState],
        *,
        progress: Callable[[int], None] | None = None,
        stop: threading.Event | None = None,
    ) -> list[Event]:
        """Check every URL once. Returns the new events in detection order.

        A batch of at least ``pool_from`` checks reads its new pages in ``processes`` worker
        processes (``archiver.reading``): the caller's (``pools``), or started here and stopped
        before this returns."""
        if self.processes > 0 and len(states) >= self.pool_from and self._reader is None:
            own = self._pools is None
            self._reader = ReadingPool(self.processes) if self._pools is None else self._pools()
            try:
                return self._run(states, progress=progress, stop=stop)
            finally:
                reader, self._reader = self._reader, None
                if own:
                    reader.close()
        return self._run(states, progress=progress, stop=stop)

    def _run(
        self,
        states: Sequence[UrlState],
        *,
        progress: Callable[[int], None] | None = None,
        stop: threading.Event | None = None,
    ) -> list[Event]:
        events: list[Event] = []
        pending: list[CheckRecord] = []
        workers = max(1, self.config.check.workers)
        todo = iter(states)
        finished: Finished[CheckRecord | None] = Finished()
        in_flight = 0
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="check") as pool:

            def refill() -> None:
                nonlocal in_flight
                while in_flight < workers * 4 and not (stop and stop.is_set()):
                    state = next(todo, None)
                    if state is None:
                        return
                    pool.submit(self._check_gated, state, stop).add_done_callback(finished.put)
                    in_flight += 1

            refill()
            committed = time.monotonic()
            while in_flight:
                # Woken once per ``workers`` finished checks (the rest in flight keep the threads busy).
                for fut in finished.take(min(in_flight, workers)):
                    in_flight -= 1
                    record = fut.result()
                    if record is not None:
                        pending.append(record)
                    if progress:
                        progress(1)
                if len(pending) >= COMMIT_EVERY and (
                    len(pending) >= COMMIT_MOST or time.monotonic() - committed >= COMMIT_SECONDS
                ):
                    shots = self._finished_screenshots()  # taken before the sync, so durable with it
                    self.store.sync()  # captures, requisites and screenshots deferred their fsync to here
                    events += self.index.record_checks(pending, now=self.clock(), screenshots=shots)
                    pending = []
                    self.flush_probes()
                    committed = time.monotonic()
                refill()
        # Waits for the screenshot queue to empty; after a stop (SIGTERM), only for the one being taken.
        shots = self.close_versions(abandon=stop is not None and stop.is_set())
        if pending or shots:
            self.store.sync()
            events += self.index.record_checks(pending, now=self.clock(), screenshots=shots)
        self.flush_probes()
        now = self.clock()
        for url, wait_s in self.deferred:
            self.index.set_next_due([url], now + timedelta(seconds=wait_s))
        return events

    def _check_gated(self, state: UrlState, stop: threading.Event | None = None) -> CheckRecord | None:
        """One check as one session of the fetcher's body gate: a large page is held in memory by
        one check at a time, the others wait with theirs on disk (``archiver.fetch.spool``)."""
        with self.fetcher.gate.session():
            return self._check_safely(state, stop)

    def _check_safely(self, state: UrlState, stop: threading.Event | None = None) -> CheckRecord | None:
        if stop is not None and stop.is_set():
            return None  # queued before a stop (SIGTERM): never started, so still due at the next start
        wait = self._deferral(state.url)
        if wait is not None:
            # The host asked us to come back later (Retry-After): don't hold a worker for it.
            with self._probe_lock:
                self.deferred.append((state.url, wait))
            logger.info("%s: host asked to retry after %.0fs; rescheduled", state.url, wait)
            return None
        attempt = _Attempt()
        try:
            return self.check_one(state, attempt)
        except UNREACHABLE as exc:  # the index went away (a PostgreSQL restart): no record, the URL stays due
            self._note_error(f"index unreachable: {' '.join(str(exc).split())}")
            logger.info("%s: not checked, the index does not answer: %s", state.url, exc)
            return None
        except StoreError as exc:  # the WARC cannot be written (read-only, disk full): say so once
            self._note_error(str(exc))  # printed once by `check` (exit 1), not once per URL
            logger.info("%s: not captured: %s", state.url, exc)
            return self._fallback(state, attempt, str(exc)) if attempt.capture is not None else None
        except Exception as exc:  # one URL's bug must not stop the batch; it is logged with its URL
            logger.error("%s: check failed: %s: %s", state.url, type(exc).__name__, exc, exc_info=logger.isEnabledFor(logging.DEBUG))
            return self._fallback(state, attempt, f"archiver failed on this check: {type(exc).__name__}: {exc}")

    def _note_error(self, line: str) -> None:
        with self._probe_lock:
            if line not in self.errors:
                self.errors.append(line)

    def _fallback(self, state: UrlState, attempt: _Attempt, detail: str) -> CheckRecord | None:
        """No check vanishes: a check that broke still leaves a capture row with an outcome — the
        capture already written, or a metadata record saying what went wrong. The URL's status
        and verdicts stay as they were; it is checked again on its schedule."""
        capture = attempt.capture
        if capture is None:
            failed = FetchResult(url=state.url, outcome=Outcome.BAD_RESPONSE, started_at=self.clock(), elapsed=0.0, detail=detail)
            try:
                capture = self.store.write_capture(state.url, failed, sync=False)
            except Exception as exc:  # noqa: BLE001 - the store itself is broken: reported once, batch goes on
                self._note_error(str(exc))
                return None
        due = cadence.next_due(self.clock(), config=self.config.schedule, interval=state.interval,
                               last_change=state.last_change, changed=False, rng=self.rng)
        return CheckRecord(capture=capture, text_key=None, text=None, verdicts=(), diff=None, status=state.status,
                           consecutive_failures=state.consecutive_failures, good=False, next_due=due, changed=False)

    # -- one URL -----------------------------------------------------------------------------

    def check_one(self, state: UrlState, attempt: _Attempt | None = None) -> CheckRecord:
        url = state.url
        untrusted = state.origin == "document"
        result = self.fetcher.fetch(url, untrusted=untrusted)
        stored = self.index.source_history(state)  # one query: the last and last good captures, their texts
        last_good = stored.last_good.capture if stored.last_good else None
        # Durable at the batch's next store.sync(), which comes before the index commit (run()).
        capture = self.store.write_capture(url, result, previous=last_good, sync=False)
        if attempt is not None:
            attempt.capture = capture
        held = self._unchanged(state, result, capture, stored)
        if held is not None:
            return self._revisited(state, result, capture, held)

        post = self._follow_post(url, result, capture, untrusted)
        # A big page's text, diff and verdicts cost memory in proportion to it: one at a time.
        with self._big_parses if len(result.content) > BIG_PAGE else nullcontext():
            seen = self._texts(state, result, capture, post, untrusted, stored)
            text_key, text, reading = seen.key, seen.version, seen.reading
            history = self._history(state, stored, text_key)
            probe = self._probe(result, text, untrusted) if self._wants_probe(result, text, post) else None
            observation = Observation(result=result, text=text, probe=probe, post=post)
            if reading is not None and reading.view is not None and reading.text is text:
                adopt(reading.view, observation)  # read with the text (``classify.page_view``)
            change = self._diff(history, text)
            verdicts = classify(history, observation, change)
            status = current_status(history, verdicts, observation)
            good = self._is_good(result, status, verdicts, seen, stored.last_good)
        failed = result.outcome in NETWORK_FAILURES
        changed = any(v.type == EventType.EDITED for v in verdicts)
        retry_after = None
        if result.final is not None and result.status in (429, 503):
            retry_after = parse_retry_after(result.final.header("Retry-After"), result.started_at)
        now = self.clock()
        due = cadence.next_due(
            now, config=self.config.schedule, interval=state.interval, last_change=state.last_change,
            changed=changed, retry_after=retry_after, rng=self.rng,
        )
        requisites, screenshot = self._new_version(url, result, capture, text, baseline=last_good is None,
                                                   changed=changed, untrusted=untrusted,
                                                   found=reading.requisites if reading else None)
        page_meta = self._page_meta(capture, result, reading.metadata if reading else None)
        logger.info(
            "check %s outcome=%s status=%s elapsed=%.2fs capture=%s events=%s",
            url, result.outcome, result.status, result.elapsed, capture.id,
            ",".join(f"{v.type}/{v.reason}" for v in verdicts) or "-",
        )
        return CheckRecord(
            capture=capture,
            text_key=text_key,
            text=text if text_key and text.status in (TextStatus.OK, TextStatus.EMPTY, TextStatus.BINARY) else None,
            verdicts=tuple(verdicts),
            diff=change if change is not None and change.changed else None,
            status=status,
            consecutive_failures=history.consecutive_failures + 1 if failed else 0,
            good=good,
            next_due=due,
            changed=changed,
            requisites=requisites,
            screenshot=screenshot,
            page_meta=page_meta,
        )

    def _unchanged(
        self, state: UrlState, result: FetchResult, capture: Capture, stored: StoredHistory,
    ) -> StoredCapture | None:
        """The last good capture, when this one is the same page again: a revisit of it (same
        payload digest) reached the same way (status, redirects, final URL, type, cut) right after
        it (the last check was good: no failure pending), read by this extractor with its text in
        the index, and no post endpoint or browser to ask. Its text, diff and verdicts are the
        last check's own: nothing to extract, compare or classify (issue 13)."""
        good, last = stored.last_good, stored.last
        if good is None or last is None or good.capture.id != last.capture.id or capture.record_type != "revisit":
            return None
        if state.status not in _STEADY or state.consecutive_failures or result.outcome is not Outcome.OK:
            return None
        before = good.capture
        same = (capture.status, capture.final_url, capture.redirects, capture.content_type, capture.truncated) == (
            before.status, before.final_url, before.redirects, before.content_type, before.truncated)
        key, text = good.text_key, good.text
        if not same or not 200 <= (capture.status or 0) < 300 or key is None or text is None:
            return None
        if key != page_text_key(capture.payload_digest, key.template):  # another source, extractor or payload
            return None
        if post_ref(state.url, result) is not None or self._wants_browser(state, result, text):
            return None
        return good

    def _revisited(self, state: UrlState, result: FetchResult, capture: Capture, held: StoredCapture) -> CheckRecord:
        """The record of an unchanged re-check (``_unchanged``): one request, one revisit record,
        the URL's status kept, its text key carried over (the text is already stored)."""
        due = cadence.next_due(self.clock(), config=self.config.schedule, interval=state.interval,
                               last_change=state.last_change, changed=False, rng=self.rng)
        logger.info("check %s outcome=%s status=%s elapsed=%.2fs capture=%s events=- (unchanged)",
                    state.url, result.outcome, result.status, result.elapsed, capture.id)
        return CheckRecord(capture=capture, text_key=held.text_key, text=None, verdicts=(), diff=None,
                           status=state.status, consecutive_failures=0, good=True, next_due=due, changed=False)

    @staticmethod
    def _wants_meta(capture: Capture) -> bool:
        return (capture.record_type == "response" and capture.outcome == Outcome.OK
                and "html" in (capture.content_type or ""))

    @classmethod
    def _page_meta(cls, capture: Capture, result: FetchResult, page: PageMetadata | None = None) -> str | None:
        """The citation metadata of a new HTML response, read here in the worker from the bytes in
        hand and committed with the check (``capture_meta``), as ``Archive.capture_metadata`` would
        read it back from the WARC: a citation made later, even from a copy of the index, has it.
        The dates a page does not declare are guessed (htmldate, ~2 ms) by its first citation,
        not here: ``"guess": true`` says they are still to be guessed."""
        if not cls._wants_meta(capture):
            return None
        try:
            if page is None:  # not read with the text (``archiver.reading``)
                head = parse_budget(result.content, METADATA_TAGS)[0]
                page = page_metadata(head, content_type=capture.content_type, guess=False)
        except ValueError as exc:  # metadata is a nicety: never fail a check over it
            logger.warning("%s: page metadata not read: %s", capture.id, exc)
            return None
        envelope: dict[str, object] = {"page": json.loads(page.to_json()), "record_id": capture.record_id or ""}
        if needs_guess(page):
            envelope["guess"] = True
        return json.dumps(envelope)

    def _new_version(
        self, url: str, result: FetchResult, capture: Capture, text: TextVersion, *, baseline: bool, changed: bool,
        untrusted: bool, found: Sequence[Wanted] | None = None,
    ) -> tuple[tuple[Requisite, ...], Screenshot | None]:
        """A baseline or a changed text: keep the version whole (requisites, screenshot). An
        unchanged re-check never gets here, so it stays one request and one revisit record."""
        if not NewVersions.wanted(result, text.kind, baseline=baseline, changed=changed):
            return (), None
        with self._probe_lock:
            if self._versions is None:
                self._versions = NewVersions(self.index, self.store, self.fetcher, self.config)
            versions = self._versions
        if not versions.active:
            return (), None
        return versions.capture(url, result, capture, untrusted=untrusted, found=found)

    def close_versions(self, *, abandon: bool = False) -> list[Screenshot]:
        """Stop the requisite fetchers and, once its queue is empty (``abandon``: its screenshots
        not started are dropped), the screenshot browser of this batch. Returns the screenshots not
        yet indexed."""
        with self._probe_lock:
            versions, self._versions = self._versions, None
        return versions.close(abandon=abandon) if versions is not None else []

    def _finished_screenshots(self) -> list[Screenshot]:
        """The screenshots the queue took since the last commit (``NewVersions.finished``)."""
        with self._probe_lock:
            versions = self._versions
        return versions.finished() if versions is not None else []

    def _is_good(
        self, result: FetchResult, status: SourceStatus, verdicts: Sequence[Verdict], seen: _Text,
        last_good: StoredCapture | None,
    ) -> bool:
        """Whether this capture becomes the URL's last good one: a 2xx page, not removed, and not a
        stand-in text while the last good text came from the post's endpoint or the browser (a
        rate-limited endpoint must not make the page's script shell the text the post is diffed with)."""
        if seen.degraded and last_good is not None and source_of(last_good.text_key) is not source_of(seen.key):
            return False
        return (
            result.outcome == Outcome.OK
            and (result.status or 0) < 300
            and status not in (SourceStatus.REMOVED, SourceStatus.UNREACHABLE)
            and not any(v.type == EventType.REMOVED for v in verdicts)
        )

    def _texts(
        self, state: UrlState, result: FetchResult, capture: Capture, post: PostSnapshot | None, untrusted: bool,
        stored: StoredHistory,
    ) -> _Text:
        """The text this check compares: the post's words, the rendered DOM, or the page's text."""
        key, text, reading = self._text_of(result, post, stored, capture)
        if post is not None:
            return _Text(key, text, degraded=post.state is PostState.UNKNOWN)
        if not self._wants_browser(state, result, text):
            return _Text(key, text, reading=reading)
        rendered = self._rendered(state.url, result, capture, untrusted)
        return rendered if rendered is not None else _Text(key, text, degraded=True)

    def _cached_text(self, key: TextKey | None, stored: StoredHistory) -> TextVersion | None:
        """The text stored under ``key``: from the source's history when it holds it (an unchanged
        page's), else from the index."""
        if key is None:
            return None
        return stored.cached(key) or self.index.text(str(key))

    def _text_of(
        self, result: FetchResult, post: PostSnapshot | None, stored: StoredHistory, capture: Capture,
    ) -> tuple[TextKey | None, TextVersion, PageReading | None]:
        """The text to compare: the post's own text for posts, else the page's main text, and the
        reading of the page when it was read now (with its metadata, page view and requisites).

        Texts are cached by payload digest, so an unchanged page is never parsed twice.
        """
        if post is not None and post.state is PostState.LIVE:
            body = platforms.post_text(post)
            key = TextKey.of_text(TextSource.POST, body)
            cached = self._cached_text(key, stored)
            if cached is not None:
                return key, cached, None
            return key, extract(body.encode("utf-8"), content_type="text/plain; charset=utf-8", url=result.url), None
        if result.outcome not in (Outcome.OK, Outcome.TOO_LARGE) or result.final is None:
            return None, NO_TEXT, None
        # The template this URL's last good text was read with is tried first: a host's other
        # templates (its not-found page's, a gallery's) must not take over its articles.
        preferred = stored.last_good.text_key.template if stored.last_good and stored.last_good.text_key else None
        known = [t.id for t in self.templates.get(site_of(result.final_url))]
        ids = [preferred] if preferred else []
        ids += [i for i in known if i != preferred]
        for template_id in [*ids, None]:  # None: a PDF, JSON or text body is read with no template
            page_key = page_text_key(result.payload_digest, template_id)
            cached = self._cached_text(page_key, stored)
            if cached is not None:
                return page_key, cached, None
        host = site_of(result.final_url)
        job = PageJob(
            result.content, result.content_type, result.final_url, result.outcome, truncated=result.truncated,
            templates=tuple(self._templates_for(host, preferred)), metadata=self._wants_meta(capture),
            view=self._reader is not None,  # in a thread, the rules read the page view if they need it
            requisites=stored.last_good is None and self.config.requisites.enabled and 200 <= (result.status or 0) < 300,
        )  # fmt: skip
        reading = self._reader.read(job) if self._reader is not None else read_page(job)
        template_id = self._learned(host, reading.text)
        return page_text_key(result.payload_digest, template_id), reading.text, reading

    def _stored_text(self, held: StoredCapture | None, template: str | None = None) -> TextVersion | None:
        """A capture's text as the new text was read: by this extractor version and, where it
        describes the old page too, by the same host template (``template``), so a diff never
        shows a change that is only our own (a redesign read with two templates).

        A text read by an older extractor, or missing (after ``rebuild-index``), is read again from
        its WARC record. When the new template does not read the old page's article (a not-found
        page's template, whose region is the site's menu, re-reading the article: less than half
        related to what the old page's own template read), the old text is kept as it was read:
        that is the evidence of what was lost."""
        if held is None or held.text_key is None:
            return None
        key, capture = held.text_key, held.capture
        if key.source is not TextSource.PAGE:
            return held.text
        known = StoredHistory(last=held)  # its own text came with the history query
        own_id = key.template
        own = self._cached_text(page_text_key(capture.payload_digest, own_id), known) if own_id or not template else None
        if own is not None and (own_id == template or template is None):
            return own
        wanted = self._cached_text(page_text_key(capture.payload_digest, template), known)
        if wanted is None:
            wanted = self._reread(capture, template if template is not None else own_id)
        if own is not None and (wanted is None or relatedness(wanted.text, own.text) < 0.5):
            return own  # the new template does not read the old page's article: keep what it was
        return wanted

    def _reread(self, capture: Capture, template: str | None) -> TextVersion | None:
        holder = self.index.capture(capture.refers_to) if capture.record_type == "revisit" and capture.refers_to else capture
        if holder is None or holder.outcome not in (Outcome.OK, Outcome.TOO_LARGE):
            return None
        try:
            payload = self.store.read_payload(holder)
        except ArchiverError as exc:
            logger.warning("%s: cannot re-read capture %s: %s", capture.url, holder.id, exc)
            return None
        content, cut = parse_budget(payload)
        _, text = self._read_page(content, holder.content_type, holder.final_url or holder.url,
                                  truncated=holder.truncated or cut, learn=False, only=template)  # fmt: skip
        return text

    def _history(self, state: UrlState, stored: StoredHistory, text_key: TextKey | None) -> SourceHistory:
        """The source's history for the classifier, from ``stored`` (one query). A stored text
        from another source than this check's (endpoint, browser, page) is not compared with it:
        the check is a new baseline."""

        def comparable(held: StoredCapture | None) -> StoredCapture | None:
            if held is None or held.text_key is None:
                return None
            return held if text_key is None or held.text_key.source is text_key.source else None

        good, previous = comparable(stored.last_good), comparable(stored.last)
        good_key, previous_key = (good.text_key if good else None), (previous.text_key if previous else None)
        template = text_key.template if text_key else None
        last_good_text = self._stored_text(good, template)
        recent: tuple[TextVersion, ...] = ()
        if text_key is not None and good_key is not None and text_key != good_key:
            recent = tuple(self.index.recent_good_texts(state.url, self.config.detect.recent_versions))
        previous_text = last_good_text if previous_key == good_key else self._stored_text(previous, template)
        return SourceHistory(
            url=state.url,
            status=state.status,
            previous=stored.last.capture if stored.last else None,
            previous_text=previous_text,
            last_good=stored.last_good.capture if stored.last_good else None,
            last_good_text=last_good_text,
            recent_texts=recent,
            consecutive_failures=state.consecutive_failures,
            failures_before_removed=self.config.detect.failures_before_removed,
            is_short_link=is_short_link(state.url),
        )

    @staticmethod
    def _diff(history: SourceHistory, text: TextVersion) -> Diff | None:
        old = history.last_good_text
        if old is None or text.status not in (TextStatus.OK, TextStatus.BINARY, TextStatus.EMPTY):
            return None
        if old.digest == text.digest and old.title == text.title:
            return Diff(changed=False, summary="unchanged")
        return diff_texts(old, text)

    # -- side evidence -----------------------------------------------------------------------

    def _wants_probe(self, result: FetchResult, text: TextVersion, post: PostSnapshot | None) -> bool:
        return (
            self.config.detect.soft404_probe
            and post is None
            and result.outcome == Outcome.OK
            and result.status == 200
            and text.kind in ("html", "text")
        )

    def _probe(self, result: FetchResult, text: TextVersion, untrusted: bool) -> ProbeResult | None:
        """The host's answer to a sibling URL that cannot exist; one probe per host per TTL."""
        host = host_of(result.url)
        with self._probe_lock:
            if host in self._probes:
                return self._probes[host]
            lock = self._host_locks.setdefault(host, threading.Lock())
        with lock:
            with self._probe_lock:
                if host in self._probes:
                    return self._probes[host]
            now = self.clock()
            probe = self.index_probe(host, now)
            if probe is None:
                probe = self._run_probe(result.url, host, untrusted)
                self._pending_probes.append((probe, now))
            with self._probe_lock:
                self._probes[host] = probe
            return probe

    def index_probe(self, host: str, now: datetime) -> ProbeResult | None:
        return self.index.probe(host, newer_than=now - timedelta(seconds=self.config.detect.probe_ttl))

    def _run_probe(self, url: str, host: str, untrusted: bool) -> ProbeResult:
        parts = urlsplit(url)
        parent = parts.path.rsplit("/", 1)[0] if parts.path.count("/") > 1 else ""
        probe_url = urlunsplit((parts.scheme, parts.netloc, f"{parent}/{secrets.token_hex(8)}-archiver-probe", "", ""))
        result = self.fetcher.fetch(probe_url, untrusted=untrusted)
        # The probe's exchange is evidence for a soft-404 verdict: it goes into the WARC, not only the index.
        self.store.write_exchange(probe_url, result)
        text_digest, text = None, ""
        if result.outcome == Outcome.OK and result.final is not None:
            _, tv = self._read_page(parse_budget(result.content)[0], result.content_type, result.final_url, learn=False)
            text_digest, text = tv.digest, tv.text[:20000]
        logger.info("probe %s status=%s final=%s", probe_url, result.status, result.final_url)
        return ProbeResult(
            host=host, url=probe_url, status=result.status, final_url=result.final_url if result.hops else None,
            text_digest=text_digest, text=text,
        )

    def flush_probes(self) -> None:
        """Store the probes and the host templates learned during the batch (owner thread only)."""
        pending, self._pending_probes = self._pending_probes, []
        for probe, when in pending:
            self.index.put_probe(probe, now=when)
        with self._probe_lock:
            learned, self._pending_templates = self._pending_templates, []
        for host, template in learned:
            self.index.put_host_template(host, template.id, template.to_json(), now=self.clock())

    def _keep_template(self, host: str, template: Template) -> None:
        with self._probe_lock:
            self._pending_templates.append((host, template))

    def _read_page(
        self, content: bytes, content_type: str | None, url: str, *, truncated: bool = False, learn: bool = True,
        only: str | None = None,
    ) -> tuple[str | None, TextVersion]:
        """A page's text read with its host's templates (``only``: with that template first), and
        the id of the template used. A template learned now is kept for the host when ``learn``."""
        host = site_of(url)
        templates = self._templates_for(host, only)
        text = extract(content, content_type=content_type, url=url, truncated=truncated, templates=templates)
        return self._learned(host, text, learn=learn), text

    def _templates_for(self, host: str, only: str | None) -> Sequence[Template]:
        templates: Sequence[Template] = self.templates.get(host)
        if only is not None:
            templates = sorted(templates, key=lambda t: t.id != only)
        return templates

    def _learned(self, host: str, text: TextVersion, *, learn: bool = True) -> str | None:
        """The id of the template ``text`` was read with; a template learned now is kept for the
        host when ``learn`` (in this process: the book is the owner's, not the reading pool's)."""
        found = text.meta.get("template")
        if not isinstance(found, dict):
            return None
        if learn and text.meta.get("extractor") == "learned":
            self.templates.learned(host, Template.from_json(found))
        return str(found.get("id") or "") or None

    def _follow_post(self, url: str, result: FetchResult, capture: Capture, untrusted: bool) -> PostSnapshot | None:
        """Ask the platform's own endpoints about a post and keep their answers in the WARC, with a
        metadata record of the state derived from them, concurrent to the page's record, that
        lists the endpoints' records (each endpoint fetch is a capture event of its own, so its
        records do not carry WARC-Concurrent-To: WARC 1.1 §5.7)."""
        ref = post_ref(url, result)
        if ref is None:
            return None
        results = []
        exchanges = []
        for endpoint in platforms.endpoints(ref):
            res = self.fetcher.fetch(endpoint, untrusted=untrusted)
            exchanges.append([endpoint, self.store.write_exchange(endpoint, res).record_id])
            results.append(res)
        post = platforms.snapshot(ref, results)
        facts = {
            "post": ref.url, "platform": post.platform, "state": str(post.state), "author": post.author,
            "posted_at": post.posted_at, "edited_at": post.edited_at, "detail": post.detail, "endpoint": post.endpoint,
            "text": platforms.post_text(post) if post.state is PostState.LIVE else None, "exchanges": exchanges,
        }  # fmt: skip
        self.store.write_metadata(ref.url, facts, concurrent_to=capture.record_id)
        logger.info("post %s: %s (%s)", ref.url, post.state, post.detail)
        return post

    # -- browser capture ---------------------------------------------------------------------

    def _wants_browser(self, state: UrlState, result: FetchResult, text: TextVersion) -> bool:
        """Render pages configured for it, and HTML pages whose text is empty without scripts."""
        if result.outcome != Outcome.OK or not 200 <= (result.status or 0) < 300 or text.kind != "html":
            return False
        config = self.config.browser
        empty = config.when_empty and text.status is TextStatus.EMPTY
        return empty or browser.wanted(state.url, config, flagged=state.browser)

    def _rendered(self, url: str, result: FetchResult, capture: Capture, untrusted: bool) -> _Text | None:
        """The page rendered in headless Chromium; every response it loads goes into the WARC,
        listed (URL, record id) in the render's metadata record, which is concurrent to the page's."""
        loaded: list[list[str]] = []

        def record(asked: str, res: FetchResult) -> None:
            loaded.append([asked, self.store.write_exchange(asked, res).record_id])

        # Assets are fetched as a browser would, a few at a time outside the per-host delay (that
        # applied to the page itself), but with the same proxies, CA bundle and address policy.
        # A public page's scripts may not reach into the private network (as its redirects may not);
        # an intranet page the operator added may load its intranet assets.
        guarded = untrusted or self.fetcher.address_refusal(url) is None
        with self._browsers, Fetcher(self.fetcher.config, policy=self.fetcher.policy) as assets:
            rendering = browser.render(
                url, config=self.config.browser, seed=result, record=record,
                fetch=lambda asked, headers: assets.fetch(asked, untrusted=guarded, headers=headers),
            )
        if not rendering.ok:
            logger.warning("%s: browser capture failed, plain text kept: %s", url, rendering.detail)
            return None
        html = rendering.html[: self.config.fetch.max_bytes]
        facts = {"rendered_by": "chromium", "url": url, "final_url": rendering.final_url, "title": rendering.title,
                 "exchanges": loaded,
                 "requests": rendering.requests, "detail": rendering.detail, "text": rendering.text, "html": html}
        self.store.write_metadata(rendering.final_url or url, facts, concurrent_to=capture.record_id)
        key = TextKey.of_text(TextSource.DOM, html)
        cached = self.index.text(str(key))
        if cached is not None:
            return _Text(key, cached)
        text = extract(html.encode("utf-8"), content_type="text/html; charset=utf-8", url=rendering.final_url or url)
        if text.status is TextStatus.EMPTY and rendering.text.strip():
            text = extract(rendering.text.encode("utf-8"), content_type="text/plain; charset=utf-8", url=url)
        return _Text(key, text)

def utcnow() -> datetime:
    return datetime.now(UTC)


def states_for(index: Index, urls: Iterable[str]) -> list[UrlState]:
    return index.url_states(list(urls))
