"""One reading of a new page's bytes, in a worker process: text, citation metadata, page view, requisites.

A check's CPU-bound work on a page it has not read before is pure: bytes in, values out. The
checker's fetch threads share one GIL, so on a machine with more than one core it hands that
work to a process pool (``ReadingPool``) and keeps the rest in its own process: WARC writing,
index reads and commits, and the host templates (``TemplateBook``: the pool reads with the
templates it is given; one it learns comes back in the text's ``meta["template"]`` for the owner
to keep). A worker process holds no file of the archive: a kill -9 of the owner leaves every WARC
as the owner wrote it, and the workers exit within a second once their owner is gone.

``read_page`` is the same function in a thread or in a worker: the pool changes where the
CPU is spent, never what is read.
"""

from __future__ import annotations

import codecs
import logging
import multiprocessing
import os
import re
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime

from archiver.citations.metadata import PageMetadata, page_metadata, tree_metadata
from archiver.classify.observed import PageView, page_view
from archiver.extract import ParsedHtml, Template, extract, parse_html
from archiver.models import FetchResult, Observation, Outcome, TextVersion
from archiver.requisites import MAX_TAGS as REQUISITE_TAGS
from archiver.requisites import Wanted, page_requisites, tree_requisites

logger = logging.getLogger(__name__)

#: Most markup tags of one page handed to the text extractor. A parsed element costs a few hundred
#: bytes, so a hostile page of a million empty ``<div>``s would take gigabytes; a real article has
#: a few thousand. Past the cap the text is read from the part before it (the WARC keeps all).
MAX_PARSE_TAGS = 100_000  # the largest of 233 real saved pages has 10,305
MAX_PARSE_BYTES = 1_000_000  # and most bytes: the largest of those pages is 563 KB (at 2 MB, eight
# one-paragraph 10 MB pages in a batch peaked at 235 MB: that text, split into words by the rules)
METADATA_TAGS = 50_000  # most tags of a page read for its citation metadata (it sits near the top)
#: Fewest checks in a batch worth starting worker processes for (each costs ~0.5 s of CPU to start).
POOL_FROM = 64


_CODE_OPEN = re.compile(rb"<(script|style)\b([^>]*)>", re.IGNORECASE)
_CODE_CLOSE = {tag: re.compile(rb"</" + tag, re.IGNORECASE) for tag in (b"script", b"style")}


def _without_code(content: bytes, keep: int) -> bytes:
    """``content`` without its inline scripts and styles (JSON-LD stays: a page declares its
    article there), until ``keep`` bytes are gathered. One pass with ``find``: linear even on a
    hostile page of unclosed ``<script>`` tags (the rest after one is dropped)."""
    out: list[bytes] = []
    size = pos = 0
    while size < keep:
        m = _CODE_OPEN.search(content, pos)
        if m is None:
            out.append(content[pos:])
            break
        tag = m.group(1).lower()
        if tag == b"script" and b"ld+json" in m.group(2).lower():
            out.append(content[pos:m.end()])
            size += m.end() - pos
            pos = m.end()
            continue
        out.append(content[pos:m.start()])
        size += m.start() - pos
        closing = _CODE_CLOSE[tag].search(content, m.end())
        close = -1 if closing is None else content.find(b">", closing.start())
        if close < 0:
            break
        pos = close + 1
    return b"".join(out)


def parse_budget(
    content: bytes, max_tags: int = MAX_PARSE_TAGS, max_bytes: int = MAX_PARSE_BYTES
) -> tuple[bytes, bool]:
    """``content`` cut at ``max_bytes`` and before its ``max_tags``-th ``<`` (the memory budget of
    parsing it), and whether it was cut.

    >>> parse_budget(b"<p>a</p><p>b</p>", max_tags=3)
    (b'<p>a</p>', True)
    >>> parse_budget(b"<p>a</p>", max_tags=3), parse_budget(b"<p>abc</p>", max_bytes=4)
    ((b'<p>a</p>', False), (b'<p>a', True))
    >>> parse_budget(b"<script>var big = 1;</script><p>abc</p>", max_bytes=12)
    (b'<p>abc</p>', False)
    """
    if len(content) > max_bytes:  # scripts and styles are never text: they do not spend the budget
        content = _without_code(content, max_bytes)
    cut = len(content) > max_bytes
    content = content[:max_bytes]
    if content.count(b"<") < max_tags:
        return content, cut
    pos = -1
    for _ in range(max_tags):
        pos = content.find(b"<", pos + 1)
    return content[:pos], True


@dataclass(frozen=True, slots=True)
class PageJob:
    """What a worker needs to read one page: its bytes and where they came from."""

    content: bytes
    content_type: str | None
    url: str  # the final URL
    outcome: Outcome
    truncated: bool = False
    templates: tuple[Template, ...] = ()  # the host's templates, the one to try first first
    metadata: bool = False  # read the citation metadata (an HTML 2xx response record)
    view: bool = False  # read the classify rules' page view of the page
    requisites: bool = False  # list what the page needs to be seen (a new version's requisites)


@dataclass(frozen=True, slots=True)
class PageReading:
    """What a worker read of one page."""

    text: TextVersion
    metadata: PageMetadata | None = None
    view: PageView | None = None
    requisites: tuple[Wanted, ...] | None = None


def read_page(job: PageJob) -> PageReading:
    """Read ``job``'s page: its text with the given templates (and the parts it asks for).

    The page is parsed once: its citation metadata and requisites are read from the tree the
    text is then read from (``extract(..., parsed=…)``) when that tree holds the whole page (the
    parse budget left every byte; fewer tags than their own budgets; no control characters taken
    out), else each parses the page as before. Requisites read from that tree see URLs decoded
    in the page's charset, as a browser would (their own parse of the bytes took an undeclared
    charset for Latin-1); metadata is read from it only for a UTF-8 page, the way
    ``Archive.capture_metadata`` decodes it again later."""
    content, cut = parse_budget(job.content)
    parsed = parse_html(content, job.content_type) if job.metadata or job.requisites else None
    whole = parsed is not None and parsed.root is not None and len(content) == len(job.content) and not parsed.controls
    tags = content.count(b"<") if whole else 0
    metadata = view = requisites = None
    if job.metadata:
        try:
            if whole and tags < METADATA_TAGS and parsed is not None and _as_utf8(parsed):
                metadata = tree_metadata(parsed.root, content_type=job.content_type)
            else:
                metadata = page_metadata(parse_budget(job.content, METADATA_TAGS)[0],
                                         content_type=job.content_type, guess=False)  # fmt: skip
        except ValueError as exc:  # metadata is a nicety: never fail a check over it
            logger.warning("%s: page metadata not read: %s", job.url, exc)
    if job.requisites and whole and tags < REQUISITE_TAGS and parsed is not None:
        requisites = tuple(tree_requisites(parsed.root, job.url))  # before extract cuts the tree up
    text = extract(content, content_type=job.content_type, url=job.url, truncated=job.truncated or cut,
                   templates=job.templates, parsed=parsed)  # fmt: skip
    if job.view:
        result = FetchResult(url=job.url, outcome=job.outcome, started_at=datetime.now(UTC), elapsed=0.0,
                             content=job.content)  # fmt: skip
        view = page_view(Observation(result=result, text=text))
    if text.kind != "html":
        requisites = None
    elif job.requisites and requisites is None:
        requisites = tuple(page_requisites(job.content, job.url))
    return PageReading(text, metadata, view, requisites)


def _as_utf8(parsed: ParsedHtml) -> bool:
    """Whether ``parsed.text`` is the page's bytes decoded as UTF-8 with replacement, as
    ``page_metadata`` decodes them (no BOM taken off)."""
    return parsed.charset == "utf-8" and not parsed.content.startswith(codecs.BOM_UTF8)


def _watch_owner(owner: int) -> None:
    """In a worker: exit once the owner process is gone (a kill -9 leaves no orphan behind)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the owner's to handle

    def watch() -> None:
        while os.getppid() == owner:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="owner-watch", daemon=True).start()


def reading_processes(setting: int) -> int:
    """Worker processes for ``[check] processes``: -1 (any negative) is ``default_processes()``."""
    return default_processes() if setting < 0 else setting


def default_processes() -> int:
    """Worker processes for a batch: one per core but the owner's (whose threads fetch, write the
    WARC and judge), none on a single core (the threads read the pages)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores - 1


class ReadingPool:
    """A process pool for ``read_page``, started with ``spawn`` (no archive file descriptor is
    inherited). When it breaks (a worker killed by the OOM killer), pages are read in the
    calling thread from then on: slower, never lost."""

    def __init__(self, processes: int) -> None:
        self._pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
            max_workers=processes, mp_context=multiprocessing.get_context("spawn"),
            initializer=_watch_owner, initargs=(os.getpid(),),
        )  # fmt: skip

    def read(self, job: PageJob) -> PageReading:
        pool = self._pool
        if pool is not None:
            try:
                future: Future[PageReading] = pool.submit(read_page, job)
                return future.result()
            except (BrokenProcessPool, RuntimeError) as exc:  # RuntimeError: submit after a shutdown
                logger.warning("page reading pool failed (%s): reading in the checker's threads", exc)
                self._pool = None
        return read_page(job)

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
