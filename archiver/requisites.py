"""Page requisites: what a captured version of a page needs to be seen, found and fetched.

``page_requisites(html, base)`` lists, in the order a browser wants them, the stylesheets
(``<link rel=stylesheet>``, ``<style>`` and ``style=""`` with their ``@import`` and ``url()``),
images (``img``, the ``srcset`` candidate a 1280-pixel-wide browser at 1x picks, ``picture``/
``source``, ``input type=image``, ``video poster``, ``og:image``), preloaded fonts and images, and
the favicon (``<link rel=icon>``, else ``/favicon.ico``). ``css_requisites(css, base)`` does the
same for a stylesheet: ``@import`` → stylesheet, the first ``src`` of each ``@font-face`` → font,
any other ``url()`` → image. One lxml parse per page.

``RequisiteFetcher`` fetches them for the pages of one check batch, through archiver's
``Fetcher`` (proxies, CA bundle, address policy, byte cap, deadline) with its own per-host
spacing, writes each as ordinary ``request``/``response`` records, a ``revisit``
(identical-payload-digest) when its payload is already in the archive — under any URL, from any
earlier capture — and a URL already fetched in the same batch is not fetched again: the new
version points at that record; a host whose name did not resolve is not looked up again in the
batch. Limits (``[requisites]``): most requisites and bytes per version, which kinds, a deadline
for them all.
"""

from __future__ import annotations

import codecs
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.html
from lxml import etree

from archiver.config import RequisitesConfig
from archiver.fetch import Fetcher
from archiver.models import FetchResult, Outcome, RecordLocation, Requisite
from archiver.warcstore import WarcStore, warc_date

logger = logging.getLogger(__name__)

#: The viewport the srcset choice assumes (the screenshot's and the tests' width), at 1x.
VIEWPORT = 1280
#: Requisites fetched at once per batch (a browser opens a few connections per host).
PARALLEL = 8
#: ``@import`` nesting followed (a stylesheet importing a stylesheet importing …).
MAX_DEPTH = 3
#: Bytes of stylesheets a batch holds for the pages that link them after the first.
KEEP_CSS = 16 << 20
#: Payload digests remembered per batch to write revisits without asking the index.
_KNOWN = 50_000
#: Stylesheets whose requisites a batch remembers (by URL and payload digest).
_KNOWN_CSS = 4_096
#: Most markup tags of a page read for requisites: a parsed element costs a few hundred bytes, so
#: a hostile page of a million empty tags would take gigabytes (the checker's text budget, too).
MAX_TAGS = 150_000

_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"""@import\s+(?:url\(\s*)?["']?([^"')\s;]+)["']?""", re.IGNORECASE)
_FONT_FACE = re.compile(r"@font-face\s*\{([^}]*)\}", re.IGNORECASE)
_FONT_SRC = re.compile(r"(?<![-\w])src\s*:([^;}]*)", re.IGNORECASE)
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
#: The elements that may name a requisite, in document order: an XPath walk in C instead of a
#: Python loop over every element of the page (the loop was ~5 % of a first capture's CPU).
#: ``//@style/..`` is ``//*[@style]`` (the same elements) found through the attribute axis, a
#: third of the cost on a 1,200-element page.
_WANTING = etree.XPath("//link|//style|//img|//source|//input|//video|//meta|//@style/..")


@dataclass(frozen=True, slots=True)
class Wanted:
    """A requisite found in a page or a stylesheet: its absolute URL and its kind."""

    url: str
    kind: str  # "stylesheet" | "image" | "font" | "icon"


# --------------------------------------------------------------------------- finding


def _absolute(value: str | None, base: str) -> str | None:
    """An http(s) URL without its fragment, or None (``data:``, ``javascript:``, empty…).

    >>> _absolute("../b.css#x", "http://ex.org/a/c.html")
    'http://ex.org/b.css'
    >>> _absolute("data:image/png;base64,AAAA", "http://ex.org/") is None
    True
    """
    value = (value or "").strip()
    if not value or value.startswith("#"):
        return None
    url = urljoin(base, value)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def srcset_candidates(value: str) -> list[tuple[str, str]]:
    """``srcset`` as (URL, descriptor) pairs; a URL may hold commas, a descriptor ends at one.

    >>> srcset_candidates("a.jpg 1x,b.jpg 2x, c.jpg")
    [('a.jpg', '1x'), ('b.jpg', '2x'), ('c.jpg', '')]
    """
    out: list[tuple[str, str]] = []
    i, n = 0, len(value)
    while i < n:
        while i < n and (value[i].isspace() or value[i] == ","):
            i += 1
        start = i
        while i < n and not value[i].isspace():
            i += 1
        url = value[start:i]
        if not url:
            break
        descriptor = ""
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            start = i
            while i < n and value[i] != ",":
                i += 1
            descriptor = value[start:i].strip()
        out.append((url, descriptor))
    return out


def _needed_width(sizes: str | None) -> float:
    """The slot width ``sizes`` gives at the viewport (its last, unconditional entry), in px."""
    last = (sizes or "").split(",")[-1].strip().lower()
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(px|vw)", last)
    if not m:
        return float(VIEWPORT)
    return float(m.group(1)) * (VIEWPORT / 100 if m.group(2) == "vw" else 1)


def choose_candidate(srcset: str, sizes: str | None = None) -> str | None:
    """The candidate a browser at 1x picks: the smallest density ≥ 1 (``x``), or the smallest
    width that fills the slot (``w``, slot from ``sizes``, default the viewport); else the largest.

    >>> choose_candidate("s.jpg 640w, m.jpg 1280w, l.jpg 2560w")
    'm.jpg'
    >>> choose_candidate("a.jpg, b.jpg 2x")
    'a.jpg'
    >>> choose_candidate("s.jpg 320w, m.jpg 800w", sizes="(max-width: 600px) 100vw, 400px")
    'm.jpg'
    """
    scored: list[tuple[float, str]] = []
    need = _needed_width(sizes)
    for url, descriptor in srcset_candidates(srcset):
        d = descriptor.lower()
        try:
            if d.endswith("w"):
                scored.append((float(d[:-1]) / need, url))
            elif d.endswith("x"):
                scored.append((float(d[:-1]), url))
            elif not d:
                scored.append((1.0, url))
        except ValueError:
            continue
    if not scored:
        return None
    enough = [s for s in scored if s[0] >= 1.0]
    return min(enough)[1] if enough else max(scored)[1]


def css_requisites(css: str, base: str) -> list[Wanted]:
    """What a stylesheet needs: imports, then each ``@font-face``'s first source, then images.

    >>> [(w.kind, w.url) for w in css_requisites(
    ...     '@import "a.css"; @font-face{font-family:F;src:url(f.woff2) format("woff2"),url(f.woff)}'
    ...     ' h1{background:url(/i.png)}', "http://ex.org/s/main.css")]
    [('stylesheet', 'http://ex.org/s/a.css'), ('font', 'http://ex.org/s/f.woff2'), ('image', 'http://ex.org/i.png')]
    """
    css = _COMMENT.sub("", css)
    found: list[Wanted] = []
    for m in _CSS_IMPORT.finditer(css):
        url = _absolute(m.group(1), base)
        if url:
            found.append(Wanted(url, "stylesheet"))
    rest = _CSS_IMPORT.sub("", css)
    for face in _FONT_FACE.finditer(rest):
        src = _FONT_SRC.search(face.group(1))
        first = _CSS_URL.search(src.group(1)) if src else None
        url = _absolute(next((g for g in first.groups() if g), None), base) if first else None
        if url:
            found.append(Wanted(url, "font"))
    for m in _CSS_URL.finditer(_FONT_FACE.sub("", rest)):
        url = _absolute(next((g for g in m.groups() if g), None), base)
        if url:
            found.append(Wanted(url, "image"))
    return found


def page_requisites(html: bytes, base: str) -> list[Wanted]:
    """What an HTML page needs to be seen, stylesheets first, without duplicates."""
    if html.count(b"<") >= MAX_TAGS:  # read the part before the budget's last tag
        pos = -1
        for _ in range(MAX_TAGS):
            pos = html.find(b"<", pos + 1)
        html = html[:pos]
    try:
        doc = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    return tree_requisites(doc, base)


def tree_requisites(doc: Any, base: str) -> list[Wanted]:  # an lxml element (lxml ships no types)
    """``page_requisites`` of a page parsed already (``doc``: any element of its tree; only read)."""
    href = doc.xpath("string(//base/@href)")
    base = urljoin(base, str(href)) if href else base
    found: list[Wanted] = []

    def add(value: str | None, kind: str) -> None:
        url = _absolute(value, base)
        if url:
            found.append(Wanted(url, kind))

    icons = 0
    for el in _WANTING(doc):  # document order, as ``doc.iter()`` would reach them
        tag = el.tag
        get = el.get
        if tag == "link":
            rel = (get("rel") or "").lower().split()
            if "stylesheet" in rel and "alternate" not in rel:
                add(get("href"), "stylesheet")
            elif "icon" in rel:
                icons += 1
                add(get("href"), "icon")
            elif "preload" in rel and (get("as") or "") in ("font", "image", "style"):
                add(get("href"), {"font": "font", "image": "image", "style": "stylesheet"}[get("as") or ""])
        elif tag == "style":
            found += css_requisites(el.text or "", base)
        elif tag in ("img", "source"):
            if tag == "img":
                add(get("src"), "image")
            srcset = get("srcset")
            if srcset:
                add(choose_candidate(srcset, get("sizes")), "image")
        elif tag == "input" and (get("type") or "").lower() == "image":
            add(get("src"), "image")
        elif tag == "video":
            add(get("poster"), "image")
        elif tag == "meta" and (get("property") or get("name") or "").lower() in ("og:image", "twitter:image"):
            add(get("content"), "image")
        style = get("style")
        if style and "url(" in style.lower():
            found += [Wanted(w.url, "image" if w.kind == "font" else w.kind) for w in css_requisites(style, base)]
    if not icons:
        parts = urlsplit(base)
        found.append(Wanted(urlunsplit((parts.scheme, parts.netloc, "/favicon.ico", "", "")), "icon"))
    order = {"stylesheet": 0, "font": 1, "image": 2, "icon": 3}
    return sorted(_unique(found), key=lambda w: order[w.kind])


def _unique(items: Iterable[Wanted]) -> Iterator[Wanted]:
    seen: set[str] = set()
    for item in items:
        if item.url not in seen:
            seen.add(item.url)
            yield item


# --------------------------------------------------------------------------- fetching


@dataclass(frozen=True, slots=True)
class _Stored:
    """A requisite written in this batch: enough to point another version of a page at it."""

    requisite: Requisite
    result: FetchResult | None  # kept for the screenshot while small; None once forgotten


#: Digest → the record holding that payload: (record id, target URI, WARC-Date, location; None
#: while that record is in the same write).
PayloadRef = tuple[str, str, str, RecordLocation | None]
#: How a batch asks the index for a payload already archived (None when it is not).
KnownPayload = Callable[[str], PayloadRef | None]


class RequisiteFetcher:
    """Fetches and stores the requisites of the pages of one check batch (thread-safe)."""

    def __init__(
        self, fetcher: Fetcher, store: WarcStore, config: RequisitesConfig, *, known: KnownPayload | None = None,
        keep_bytes: int = 64 << 20,
    ) -> None:
        self.fetcher = fetcher
        self.store = store
        self.config = config
        self._known = known or (lambda digest: None)
        self._lock = threading.Lock()
        self._stored: dict[str, _Stored] = {}  # url → what this batch wrote for it
        self._digests: dict[str, PayloadRef] = {}
        self._kept = 0
        self._keep_bytes = keep_bytes
        self._kept_css = 0
        self._css_read: dict[tuple[str, str, str, int], tuple[Wanted, ...]] = {}  # see _css_found
        self._unresolved: dict[str, str] = {}  # host → its DNS failure, once per batch
        self._first: dict[str, threading.Event] = {}  # host → set when its first fetch of the batch ended
        self._pool = ThreadPoolExecutor(PARALLEL, thread_name_prefix="requisite")

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def capture(
        self, capture_id: str, page_url: str, html: bytes, *, untrusted: bool, found: Sequence[Wanted] | None = None,
    ) -> tuple[list[Requisite], dict[str, FetchResult]]:
        """Fetch and store what the page ``html`` (at ``page_url``) needs, within the limits
        (``found``: ``page_requisites`` of it, when the caller read them already).

        Returns the requisites (in the order found) and the responses this batch still holds
        in memory, by URL, for rendering the version without the network.
        """
        limits = self.config
        deadline = time.monotonic() + limits.deadline
        budget = limits.max_bytes
        found = page_requisites(html, page_url) if found is None else found
        todo = [w for w in found if w.kind in limits.kinds]
        seen = {w.url for w in todo} | {page_url}
        done: list[Requisite] = []
        bodies: dict[str, FetchResult] = {}
        depth = 0
        while todo and depth <= MAX_DEPTH:
            room = limits.max_per_page - len(done)
            if room <= 0 or budget <= 0 or time.monotonic() >= deadline:
                if todo:
                    logger.info("%s: %d requisites left out (limits: %d per page, %d bytes, %gs)", page_url,
                                len(todo), limits.max_per_page, limits.max_bytes, limits.deadline)
                break
            batch, todo = todo[:room], []
            for wanted, requisite, result in self._round(capture_id, batch, untrusted):
                done.append(requisite)
                if result is None:
                    continue
                bodies[wanted.url] = result
                budget -= len(result.content)
                media = (result.content_type or "").split(";")[0].strip().lower()
                if result.outcome == Outcome.OK and (wanted.kind == "stylesheet" or media == "text/css"):
                    for more in self._css_found(result, wanted.url):
                        if more.url not in seen and more.kind in limits.kinds:
                            seen.add(more.url)
                            todo.append(more)
            depth += 1
        return done, bodies

    def _round(
        self, capture_id: str, wanted: list[Wanted], untrusted: bool
    ) -> list[tuple[Wanted, Requisite, FetchResult | None]]:
        """Fetch one round of requisites in parallel and store them in one append (one fsync):
        a URL this batch already stored is pointed at, not fetched again."""
        reused: dict[str, _Stored] = {}
        with self._lock:
            for w in wanted:
                if w.url in self._stored:
                    reused[w.url] = self._stored[w.url]
        fresh = [w for w in dict.fromkeys(wanted) if w.url not in reused]
        if len(fresh) <= 1:  # one fetch (a page's own photo): in this thread, no hand-off to the pool
            results = [self._fetch(w.url, untrusted) for w in fresh]
        else:
            results = list(self._pool.map(lambda w: self._fetch(w.url, untrusted), fresh))
        # Each digest hashed once (``payload_digest`` is a property that hashes the body each time).
        digests = [r.payload_digest if r.final is not None else None for r in results]
        known = {d: self._known(d) for r, d in zip(results, digests, strict=True) if d and _reusable(r)}
        plan: list[tuple[Wanted, FetchResult, str, PayloadRef | None, str | None]] = []
        here: dict[str, tuple[str, str, str]] = {}  # digest → a record of this round holding it
        with self._lock:
            for w, result, sent in zip(fresh, results, digests, strict=True):
                rid = self.store.make_record_id()
                digest = sent if _reusable(result) else None
                ref: PayloadRef | None = None
                if digest:
                    ref = self._digests.get(digest) or known.get(digest)
                    if ref is None and digest in here:
                        ref = (*here[digest], None)
                    elif ref is None:
                        here[digest] = (rid, result.final_url, _warc_date_of(result))
                plan.append((w, result, rid, ref, sent))
        wheres = self.store.write_exchanges(
            [(w.url, result, ref[:3] if ref else None, rid) for w, result, rid, ref, _ in plan], sync=False) if plan else []
        located = {where.record_id: where for where in wheres}
        out: dict[str, tuple[Requisite, FetchResult | None]] = {}
        with self._lock:
            for (w, result, _, ref, digest), where in zip(plan, wheres, strict=True):
                requisite = _requisite(capture_id, w, result, where, ref, located, digest)
                keep = self._keep(w, result)
                self._stored[w.url] = _Stored(requisite, keep)
                if ref is None and _reusable(result) and digest and len(self._digests) < _KNOWN:
                    self._digests[digest] = (where.record_id, result.final_url, _warc_date_of(result), where)
                out[w.url] = (requisite, result)
                logger.debug("requisite %s (%s) for %s: %s %s", w.url, w.kind, capture_id, result.outcome, result.status)
        for url, stored in reused.items():
            out[url] = (stored.requisite, stored.result)
        return [(w, _for(out[w.url][0], capture_id, w.kind), out[w.url][1]) for w in wanted]


    def _css_found(self, result: FetchResult, url: str) -> tuple[Wanted, ...]:
        """``css_requisites`` of a stylesheet's response, read once per batch: a site's stylesheet
        is linked by every page of it, and this batch keeps its response (``_keep``)."""
        base, digest = result.final_url or url, result.payload_digest
        key = (base, digest or "", result.content_type or "", len(result.content))
        with self._lock:
            found = self._css_read.get(key) if digest else None
        if found is None:
            found = tuple(css_requisites(result.content.decode(_charset(result.content_type), "replace"), base))
            if digest:
                with self._lock:
                    if len(self._css_read) >= _KNOWN_CSS:
                        self._css_read.clear()
                    self._css_read[key] = found
        return found

    def _keep(self, wanted: Wanted, result: FetchResult) -> FetchResult | None:
        """Whether this batch holds on to a stored requisite's response (under ``_lock``): a
        stylesheet, so the next page that links it learns its fonts and images without a fetch
        (up to ``KEEP_CSS`` bytes), and anything else while the screenshots' ``keep_bytes`` last."""
        size = len(result.content)
        if size > (4 << 20):
            return None
        media = (result.content_type or "").split(";")[0].strip().lower()
        if (wanted.kind == "stylesheet" or media == "text/css") and self._kept_css + size <= KEEP_CSS:
            self._kept_css += size
            return result
        if self._kept + size <= self._keep_bytes:
            self._kept += size
            return result
        return None

    def _fetch(self, url: str, untrusted: bool) -> FetchResult:
        """One requisite's GET; a host whose name did not resolve is not looked up again in this
        batch (a page's ad and tracker hosts repeat on every page, and a resolver that drops a
        burst of queries costs its 5-second retry each time), its failure is recorded as it was.
        A host's first fetch of the batch goes alone; the others to it wait for its outcome."""
        host = (urlsplit(url).hostname or "").lower()
        with self._lock:
            first = self._first.get(host)
            if first is None:
                self._first[host] = threading.Event()
        if first is not None:
            first.wait(self.fetcher.config.deadline)
            with self._lock:
                failed = self._unresolved.get(host)
            if failed is not None:
                return FetchResult(url=url, outcome=Outcome.DNS_ERROR, started_at=datetime.now(UTC), elapsed=0.0,
                                   detail=f"{failed} (looked up once in this batch)")
            return self.fetcher.fetch(url, untrusted=untrusted)
        try:
            result = self.fetcher.fetch(url, untrusted=untrusted)
            if result.outcome is Outcome.DNS_ERROR and not result.hops:
                with self._lock:
                    self._unresolved[host] = result.detail or "name does not resolve"
            return result
        finally:
            self._first[host].set()


def _requisite(
    capture_id: str, wanted: Wanted, result: FetchResult, where: RecordLocation, ref: PayloadRef | None,
    located: dict[str, RecordLocation], digest: str | None,
) -> Requisite:
    """The index row of one stored requisite (``ref``: the record its revisit points at;
    ``digest``: its ``payload_digest``)."""
    final = result.final is not None
    payload = (ref[3] or located.get(ref[0])) if ref else (where if final else None)
    return Requisite(
        capture=capture_id, url=wanted.url, kind=wanted.kind, record=where,
        record_type=("revisit" if ref else "response") if final else "metadata",
        captured_at=result.started_at, status=result.status, content_type=result.content_type,
        payload_digest=digest if final else None, payload=payload,
        payload_uri=ref[1] if ref else (result.final_url if final else None),
        payload_date=ref[2] if ref else (_warc_date_of(result) if final else None),
    )


def _for(requisite: Requisite, capture_id: str, kind: str) -> Requisite:
    return replace(requisite, capture=capture_id, kind=kind)


def _reusable(result: FetchResult) -> bool:
    """Whether a payload may be stored once and revisited: a whole, non-empty 2xx body."""
    return (result.outcome == Outcome.OK and result.final is not None and 200 <= (result.status or 0) < 300
            and not result.truncated and bool(result.final.body))


def _warc_date_of(result: FetchResult) -> str:
    return warc_date(result.started_at)


def _charset(content_type: str | None) -> str:
    m = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", content_type or "", re.IGNORECASE)
    if m:
        try:
            return codecs.lookup(m.group(1)).name
        except LookupError:
            pass
    return "utf-8"
