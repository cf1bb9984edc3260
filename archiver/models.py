"""Records that travel between the pipeline's stages, and the enums they use.

documents → citations → urls → fetch (FetchResult) → warcstore/index (Capture)
→ extract (TextVersion) → diff (Diff) → classify (Verdict) → index (Event) → report/cite.
Every record is a frozen dataclass; enum values are exactly the strings of the interface.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

# --------------------------------------------------------------------------- enums


class Outcome(StrEnum):
    """How a fetch ended. Only ``ok`` and ``http_error`` carry an HTTP response."""

    OK = "ok"  # a response with status < 400 (redirects followed)
    HTTP_ERROR = "http_error"  # a response with status >= 400
    TIMEOUT = "timeout"  # connect/read timeout or the per-URL deadline
    DNS_ERROR = "dns_error"  # the host name does not resolve
    CONNECT_ERROR = "connect_error"  # refused, reset, unreachable network
    TLS_ERROR = "tls_error"  # certificate or handshake failure
    TOO_LARGE = "too_large"  # body cut at the byte cap (the capture is kept, truncated)
    BAD_RESPONSE = "bad_response"  # malformed HTTP, redirect loop, too many hops, bad encoding
    BLOCKED = "blocked"  # refused by archiver's address policy (private/loopback target)


#: Outcomes that mean the network did not deliver a response at all.
NETWORK_FAILURES = frozenset(
    {Outcome.TIMEOUT, Outcome.DNS_ERROR, Outcome.CONNECT_ERROR, Outcome.TLS_ERROR, Outcome.BAD_RESPONSE}
)


class EventType(StrEnum):
    """The event types of the interface (``../shared/interface.md``)."""

    EDITED = "edited"
    REMOVED = "removed"
    UNREACHABLE = "unreachable"
    MOVED = "moved"
    RESTORED = "restored"


class SourceStatus(StrEnum):
    """A watched URL's current status, as shown by ``list``, ``status`` and the report."""

    NEW = "new"  # registered, never checked
    OK = "ok"  # baseline taken, nothing happened since
    EDITED = "edited"
    REMOVED = "removed"
    UNREACHABLE = "unreachable"
    MOVED = "moved"
    RESTORED = "restored"
    BLOCKED = "blocked"  # refused by the address policy (``fetch.allow_private``); never fetched


class Reason(StrEnum):
    """Short machine words explaining a verdict; ``http-NNN`` reasons are built dynamically."""

    TEXT_CHANGED = "text-changed"
    PAYLOAD_CHANGED = "payload-changed"  # binaries: the digest changed
    RETARGETED = "retargeted"  # a short link now leads elsewhere
    PAYWALL = "paywall"
    SOFT_404 = "soft-404"
    REDIRECT_HOME = "redirect-home"
    REDIRECT_UNRELATED = "redirect-unrelated"
    REDIRECT_LOGIN = "redirect-login"  # login, consent or bot-check page: access refused
    POST_DELETED = "post-deleted"
    ACCOUNT_SUSPENDED = "account-suspended"
    POST_PROTECTED = "post-protected"
    POST_WITHHELD = "post-withheld"
    DOMAIN_PARKED = "domain-parked"
    DNS_FAILURE = "dns-failure"
    CONNECT_FAILURE = "connect-failure"
    TLS_FAILURE = "tls-failure"
    BAD_RESPONSE = "bad-response"
    TIMEOUT = "timeout"
    PERMANENT_REDIRECT = "permanent-redirect"
    BACK_ONLINE = "back-online"
    DEAD_ON_FIRST_CHECK = "dead-on-first-check"  # the cited link was already gone when first checked


def http_reason(status: int) -> str:
    """The reason word for an HTTP status: ``http_reason(404) == "http-404"``."""
    return f"http-{status}"


class TextStatus(StrEnum):
    """Whether a capture produced comparable text."""

    OK = "ok"
    EMPTY = "empty"  # no text at all (script-built page, empty body)
    BINARY = "binary"  # image or other binary: compared by payload digest
    TOO_LARGE = "too_large"
    NOT_TEXT = "not_text"  # a failure capture: nothing to extract


class TextSource(StrEnum):
    """Where a cached text came from. Texts of different sources are never diffed against each
    other: a post's words, a rendered DOM and a page's plain body say different things."""

    PAGE = "page"  # the captured body, read by the extractor
    POST = "post"  # the post's own text, from its platform's endpoint
    DOM = "dom"  # the page as headless Chromium rendered it


class PostState(StrEnum):
    """A social post's state as its platform's own endpoint reports it."""

    LIVE = "live"
    DELETED = "deleted"
    SUSPENDED = "suspended"
    PROTECTED = "protected"
    WITHHELD = "withheld"
    UNKNOWN = "unknown"


# --------------------------------------------------------------------------- documents


@dataclass(frozen=True, slots=True)
class Document:
    """An input document, read and decoded."""

    path: str  # as given by the user, or "-" for stdin
    kind: str  # "markdown" | "html" | "text"
    text: str
    source_url: str | None = None  # front-matter source_url / <link rel=canonical>
    base_url: str | None = None  # <base href> or source_url, to resolve relative links


@dataclass(frozen=True, slots=True)
class Citation:
    """One URL a document cites, with its provenance."""

    url: str  # canonical form: the identity
    url_as_written: str
    document: str  # the document's path
    anchor: str = ""  # link text, "" for bare URLs
    context: str = ""  # the sentence around the link
    position: int = 0  # order in the document (0-based)
    kind: str = "link"  # "link" | "self" (the document's own URL) | "media" | "post"


# --------------------------------------------------------------------------- fetch


@dataclass(frozen=True, slots=True)
class Hop:
    """One HTTP request/response exchange; a redirect chain is a tuple of hops."""

    url: str
    method: str
    request_headers: tuple[tuple[str, str], ...]
    status: int
    reason: str
    http_version: str  # "HTTP/1.1"
    response_headers: tuple[tuple[str, str], ...]
    body: bytes  # exactly the bytes the server sent (still content-encoded)
    ip: str | None = None
    truncated: bool = False
    # ``payload_digest(body)``, when the fetcher hashed the body as it read it (None: not known)
    digest: str | None = field(default=None, compare=False, repr=False)

    def header(self, name: str) -> str | None:
        """The first response header called ``name`` (case-insensitive), or None."""
        lname = name.lower()
        for key, value in self.response_headers:
            if key.lower() == lname:
                return value
        return None

    @property
    def location(self) -> str | None:
        return self.header("Location")


@dataclass(frozen=True, slots=True)
class FetchResult:
    """Everything a fetch produced. Failures are values: see ``outcome`` and ``detail``."""

    url: str  # the URL asked for
    outcome: Outcome
    started_at: datetime  # UTC
    elapsed: float  # seconds, all hops
    hops: tuple[Hop, ...] = ()
    detail: str = ""  # the failure in words ("connection refused", "redirect loop at …")
    content: bytes = b""  # the final hop's body, content-decoded (capped)
    truncated: bool = False  # the body was cut at the byte cap

    @property
    def final(self) -> Hop | None:
        return self.hops[-1] if self.hops else None

    @property
    def status(self) -> int | None:
        return self.hops[-1].status if self.hops else None

    @property
    def final_url(self) -> str:
        return self.hops[-1].url if self.hops else self.url

    @property
    def content_type(self) -> str | None:
        return self.hops[-1].header("Content-Type") if self.hops else None

    @property
    def redirects(self) -> tuple[str, ...]:
        """The URLs of every hop, first to last (length 1 when there was no redirect)."""
        return tuple(h.url for h in self.hops)

    @property
    def payload_digest(self) -> str | None:
        """``sha1:BASE32`` of the final body as sent (the WARC payload digest)."""
        if not self.hops:
            return None
        final = self.hops[-1]
        return final.digest or payload_digest(final.body)


_SPACE_RUN = re.compile(r"\s+")


def count_words(text: str, chunk: int = 1 << 16) -> int:
    """``len(text.split())`` without the list: a hostile page's one 2 MB paragraph would be a list
    of 400,000 strings (30 MB) for one number. Counted a slice at a time, each cut at a space.

    >>> count_words("  a bb ccc  d "), count_words("x" * 10, chunk=3), count_words("a b c d e", chunk=2)
    (4, 1, 5)
    """
    count, start = 0, 0
    while start < len(text):
        space = _SPACE_RUN.search(text, start + chunk) if start + chunk < len(text) else None
        end = space.start() if space is not None else len(text)
        count += len(text[start:end].split())
        start = end
    return count


def payload_digest(data: bytes) -> str:
    """The WARC-style digest of ``data``: ``sha1:`` + base32 (warcio's default form)."""
    return sha1_label(hashlib.sha1(data).digest())


def sha1_label(raw: bytes) -> str:
    """A SHA-1 digest in the WARC form: ``sha1:`` + base32."""
    import base64

    return "sha1:" + base64.b32encode(raw).decode("ascii")


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """A host's answer to a URL that cannot exist (the soft-404 probe)."""

    host: str
    url: str  # the probe URL
    status: int | None
    final_url: str | None
    text_digest: str | None  # TextVersion.digest of the probe page
    text: str = ""  # the probe page's normalised text (for similarity)


# --------------------------------------------------------------------------- store/index


@dataclass(frozen=True, slots=True)
class RecordLocation:
    """Where a WARC record lives: the same fields ``warcio index`` prints."""

    warc_file: str  # file name relative to the data directory's warcs/ folder
    offset: int
    length: int
    record_id: str  # WARC-Record-ID, "<urn:uuid:…>"


@dataclass(frozen=True, slots=True)
class Capture:
    """One check of one URL, as indexed. A failure is a capture too (a metadata record)."""

    id: str  # short stable id, derived from the WARC record id (see capture_id)
    url: str  # canonical URL checked
    captured_at: datetime  # UTC
    outcome: Outcome
    status: int | None = None
    final_url: str | None = None
    redirects: tuple[str, ...] = ()
    content_type: str | None = None
    payload_digest: str | None = None
    warc_file: str | None = None
    warc_offset: int | None = None
    warc_length: int | None = None
    record_type: str = "response"  # "response" | "revisit" | "metadata"
    refers_to: str | None = None  # for a revisit: the capture id holding the payload
    truncated: bool = False
    detail: str = ""
    ip: str | None = None
    elapsed: float = 0.0
    # The final record's WARC-Record-ID: links side records (a post's endpoint answers) to it.
    # Not part of the capture's identity (the id is derived from it), so not compared.
    record_id: str | None = field(default=None, compare=False)


def capture_id(record_id: str) -> str:
    """A short, stable capture id derived from a WARC-Record-ID.

    The same record always yields the same id, so ids survive an index rebuild.

    >>> capture_id("<urn:uuid:12345678-1234-5678-1234-567812345678>")
    '2zf3x7eknhpr'
    """
    digest = hashlib.sha256(record_id.encode("ascii")).digest()
    alphabet = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
    n = int.from_bytes(digest[:8], "big")
    out = []
    for _ in range(12):
        out.append(alphabet[n & 31])
        n >>= 5
    return "".join(out)


# --------------------------------------------------------------------------- understand


@dataclass(frozen=True, slots=True)
class TextVersion:
    """The comparable text of a capture: main content, normalised, noise masked."""

    status: TextStatus
    kind: str  # "html" | "pdf" | "json" | "text" | "binary" | "none"
    paragraphs: tuple[str, ...] = ()  # normalised, masked paragraphs in order
    title: str = ""
    digest: str = ""  # sha1 hex of the normalised text (or the payload digest for binaries)
    detail: str = ""  # why status is not ok, in words
    meta: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)  # byline, pdf info…
    raw_word_count: int = 0  # words before masking, for "collapsed to a template" checks

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def word_count(self) -> int:
        return sum(count_words(p) for p in self.paragraphs)


@dataclass(frozen=True, slots=True)
class TextKey:
    """The key a text is cached under: its source, and what it was read from and how. The index
    keeps it as text (``str``): ``post:<sha1>``, ``dom:<sha1>``, or a page's payload digest, the
    extractor version and the host template, ``<digest>~x<version>[~t<template>]``.

    >>> key = TextKey.parse("sha1:AB12~x2~t3f9a0c1d2e")
    >>> key.source, key.extractor, key.template, str(key) == "sha1:AB12~x2~t3f9a0c1d2e"
    (<TextSource.PAGE: 'page'>, 2, '3f9a0c1d2e', True)
    >>> TextKey.parse("dom:ab12").source, str(TextKey.of_text(TextSource.POST, "hello"))[:13]
    (<TextSource.DOM: 'dom'>, 'post:aaf4c61d')
    """

    source: TextSource
    digest: str  # a page's payload digest; the sha1 of a post's text or of the rendered DOM
    extractor: int | None = None  # a page's: the extractor version that read it
    template: str | None = None  # a page's: the id of the host template it was read with

    @classmethod
    def of_text(cls, source: TextSource, body: str) -> TextKey:
        """The key of a post's text or a rendered DOM: the sha1 of the text itself."""
        return cls(source, hashlib.sha1(body.encode("utf-8")).hexdigest())

    @classmethod
    def parse(cls, key: str) -> TextKey:
        prefix, _, rest = key.partition(":")
        if prefix in (TextSource.POST, TextSource.DOM):
            return cls(TextSource(prefix), rest)
        head, _, template = key.partition("~t")
        digest, _, version = head.partition("~x")
        return cls(TextSource.PAGE, digest, int(version) if version.isdigit() else None, template or None)

    def __str__(self) -> str:
        if self.source is not TextSource.PAGE:
            return f"{self.source}:{self.digest}"
        key = self.digest if self.extractor is None else f"{self.digest}~x{self.extractor}"
        return f"{key}~t{self.template}" if self.template else key


@dataclass(frozen=True, slots=True)
class Hunk:
    """One run of a word-level diff: ``op`` is "equal", "insert", "delete" or "replace"."""

    op: str
    old: str
    new: str
    paragraph: int = 0  # index of the paragraph in the new version (old for deletes)
    #: The whole sentence(s) or table row the change sits in, as it read before and after
    #: (a removed or added paragraph: the paragraph whole, the other side empty).
    before: str = ""
    after: str = ""
    #: What part of the page: "headline", "byline", "dateline" or "text".
    part: str = "text"


@dataclass(frozen=True, slots=True)
class Diff:
    """What changed between two text versions."""

    changed: bool
    summary: str  # one line: "headline changed", "1 number changed: 61% → 59%", "+41 −37 words"
    paragraphs_changed: int = 0
    paragraphs_added: int = 0
    paragraphs_removed: int = 0
    words_added: int = 0
    words_removed: int = 0
    hunks: tuple[Hunk, ...] = ()
    similarity: float = 1.0  # 0..1 over the whole text


@dataclass(frozen=True, slots=True)
class PostSnapshot:
    """A social post as its platform's machine-readable endpoint describes it."""

    platform: str  # "x" | "mastodon" | "truthsocial" | "youtube" | "bluesky"
    state: PostState
    text: str = ""
    author: str = ""
    posted_at: str | None = None
    edited_at: str | None = None
    detail: str = ""  # endpoint status / why unknown
    endpoint: str = ""  # the URL asked


@dataclass(frozen=True, slots=True)
class Observation:
    """What one check saw: the fetch, its text, and side-evidence gathered for the verdict."""

    result: FetchResult
    text: TextVersion
    probe: ProbeResult | None = None  # the host's soft-404 probe (cached per host)
    post: PostSnapshot | None = None  # the platform endpoint's answer, for post URLs
    #: What the rules read of it, made once per check (``classify.observed.page_view``).
    views: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class SourceHistory:
    """What the classifier knows about a URL before this check. Built by ``Archive``."""

    url: str
    status: SourceStatus
    previous: Capture | None = None  # the last capture, any outcome
    previous_text: TextVersion | None = None  # text of the last capture that had some
    last_good: Capture | None = None  # last capture with outcome ok and usable text
    last_good_text: TextVersion | None = None
    recent_texts: tuple[TextVersion, ...] = ()  # texts of recent good captures, newest first
    consecutive_failures: int = 0  # network failures in a row before this check
    failures_before_removed: int = 3
    is_short_link: bool = False
    previous_post: PostSnapshot | None = None


@dataclass(frozen=True, slots=True)
class StoredCapture:
    """A capture as the index holds it for the next check: with its text's key and that text."""

    capture: Capture
    text_key: TextKey | None
    text: TextVersion | None  # the text stored under ``text_key`` (None: none stored)


@dataclass(frozen=True, slots=True)
class StoredHistory:
    """What one source's next check starts from, read in one query (``Index.source_history``):
    its last capture and its last good one (the same capture while nothing went wrong)."""

    last: StoredCapture | None = None
    last_good: StoredCapture | None = None

    def cached(self, key: TextKey | None) -> TextVersion | None:
        """The text stored under ``key`` if one of these captures holds it (an unchanged page's
        new text is its last good one's), else None: then ask the index."""
        for held in (self.last_good, self.last):
            if held is not None and key is not None and held.text_key == key and held.text is not None:
                return held.text
        return None


@dataclass(frozen=True, slots=True)
class Verdict:
    """A classifier's finding, before it is stored as an Event."""

    type: EventType
    reason: str
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True, slots=True)
class Event:
    """A stored verdict: what the report and notifications show."""

    id: int
    url: str
    type: EventType
    reason: str
    detected_at: datetime
    capture: str | None
    previous_capture: str | None
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    diff: Diff | None = None


# --------------------------------------------------------------------------- outputs


@dataclass(frozen=True, slots=True)
class UrlState:
    """A watched URL's row, as the pipeline needs it before a check."""

    url: str
    origin: str
    kind: str
    interval: float | None
    tags: tuple[str, ...]
    next_due: datetime | None
    last_checked: datetime | None
    status: SourceStatus
    consecutive_failures: int
    last_capture: str | None
    last_good_capture: str | None
    checks: int
    last_change: datetime | None
    browser: bool


@dataclass(frozen=True, slots=True)
class TimelinePoint:
    """One capture on a source's timeline (for the report's SVG strip)."""

    capture: str
    captured_at: datetime
    outcome: Outcome
    status: int | None
    event: str | None = None  # the event type this capture raised, if any


@dataclass(frozen=True, slots=True)
class SourceSummary:
    """One watched URL as the report shows it."""

    url: str
    status: SourceStatus
    last_checked: datetime | None
    captures: int
    cited_by: tuple[str, ...] = ()
    first_capture: str | None = None
    last_good_capture: str | None = None
    timeline: tuple[TimelinePoint, ...] = ()
    tags: tuple[str, ...] = ()
    kind: str = "page"  # "page" | "post" | "short" | "media" (archive.url_kind)
    expands_to: str | None = None  # for a short link or a link to a post: where it led last


@dataclass(frozen=True, slots=True)
class ImportedDocument:
    """An imported document, as the index keeps it (``Archive.documents``)."""

    path: str
    source_url: str | None
    digest: str  # sha1 of its text when last imported
    imported_at: datetime | None
    citations: int


@dataclass(frozen=True, slots=True)
class ReportData:
    """Everything a report shows; built once by ``Archive.report_data`` and formatted by ``report``."""

    generated_at: datetime
    events: tuple[Event, ...]
    sources: tuple[SourceSummary, ...]
    since: datetime | None = None
    document: str | None = None  # set for a one-document report
    thumbnails: dict[str, bytes] = field(default_factory=dict)  # capture id → JPEG of its version's screenshot
    screenshots: dict[str, ScreenshotFacts] = field(default_factory=dict)  # capture id → its version's screenshot


@dataclass(frozen=True, slots=True)
class Requisite:
    """One thing a captured version of a page needed to be seen (a stylesheet, an image, a font,
    the favicon): the record of its fetch and, for a revisit, the record holding its payload."""

    capture: str  # the page's capture id
    url: str
    kind: str  # "stylesheet" | "image" | "font" | "icon"
    record: RecordLocation  # its final record (response, revisit, or metadata for a failed fetch)
    record_type: str
    captured_at: datetime
    status: int | None = None
    content_type: str | None = None
    payload_digest: str | None = None
    payload: RecordLocation | None = None  # the record holding the body (itself, or the one revisited)
    payload_uri: str | None = None  # that record's WARC-Target-URI (a revisit may point at another URL)
    payload_date: str | None = None  # that record's WARC-Date


@dataclass(frozen=True, slots=True)
class ScreenshotFacts:
    """A screenshot as a report names it: its WARC record, what it holds, and the capture that
    kept the version (a revisit's screenshot is its version's, taken with an earlier capture)."""

    capture: str  # the capture the screenshot was taken with
    record: RecordLocation  # the ``resource`` record
    target: str  # its WARC-Target-URI, ``urn:view:{page URL}``
    content_type: str  # image/png
    digest: str | None  # its WARC-Payload-Digest
    size: int  # bytes of the PNG
    width: int
    height: int
    taken_at: datetime


@dataclass(frozen=True, slots=True)
class Screenshot:
    """A full-page PNG of a captured version, as Chromium rendered it from the archived responses."""

    capture: str  # the page's capture id
    record: RecordLocation  # the ``resource`` record (urn:view:URL)
    taken_at: datetime
    width: int
    height: int
    thumbnail: RecordLocation | None = None  # a small JPEG of its top (urn:thumbnail:URL), for reports
