"""Builders for the classifier's inputs, from fixture pages or plain text, with no network.

Text versions are built here with lxml (main blocks, boilerplate dropped) rather than by
``archiver.extract``, so the classifier's tests do not move when the extractor does.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import lxml.html

from archiver.models import (
    Capture,
    Diff,
    FetchResult,
    Hop,
    Observation,
    Outcome,
    PostSnapshot,
    PostState,
    ProbeResult,
    SourceHistory,
    SourceStatus,
    TextStatus,
    TextVersion,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "classify"
T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
_BOILERPLATE = "//script|//style|//noscript|//header|//footer|//nav|//aside|//form|//template|//head"
_BLOCKS = {"h1", "h2", "h3", "p", "li", "blockquote", "pre"}


def fixture(name: str) -> str:
    """A fixture page under tests/fixtures/classify/, e.g. ``fixture("soft404/drupal.html")``."""
    return (FIXTURES / name).read_text(encoding="utf-8")


def _digest(paragraphs: Sequence[str], kind: str = "html") -> str:
    return hashlib.sha1("\n\n".join(paragraphs).encode("utf-8")).hexdigest()


def plain(text: str, title: str = "") -> TextVersion:
    """A text version from plain text: paragraphs are separated by blank lines."""
    paragraphs = tuple(" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip())
    status = TextStatus.OK if paragraphs else TextStatus.EMPTY
    return TextVersion(status=status, kind="text", paragraphs=paragraphs, title=title, digest=_digest(paragraphs),
                       raw_word_count=sum(len(p.split()) for p in paragraphs))


def text_of(html: str) -> TextVersion:
    """The main text of an HTML page, as a small extractor would see it."""
    doc = lxml.html.fromstring(html)
    title = " ".join((doc.findtext(".//title") or "").split())
    for bad in doc.xpath(_BOILERPLATE):
        bad.drop_tree()
    paragraphs: list[str] = []
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag in _BLOCKS and not any(a.tag in _BLOCKS for a in el.iterancestors()):
            words = " ".join(el.text_content().split())
        elif el.tag == "div" and el.text and el.text.strip():
            words = " ".join(el.text.split())
        else:
            continue
        if words:
            paragraphs.append(words)
    status = TextStatus.OK if paragraphs else TextStatus.EMPTY
    return TextVersion(status=status, kind="html", paragraphs=tuple(paragraphs), title=title,
                       digest=_digest(paragraphs), raw_word_count=sum(len(p.split()) for p in paragraphs))


NO_TEXT = TextVersion(status=TextStatus.NOT_TEXT, kind="none")


def hop(url: str, status: int = 200, body: bytes = b"", headers: Sequence[tuple[str, str]] = (),
        location: str | None = None) -> Hop:
    all_headers = tuple(headers) + ((("Location", location),) if location else ())
    if body and not any(k.lower() == "content-type" for k, _ in all_headers):
        all_headers += (("Content-Type", "text/html; charset=utf-8"),)
    return Hop(url=url, method="GET", request_headers=(), status=status, reason="", http_version="HTTP/1.1",
               response_headers=all_headers, body=body)


def page(url: str, html: str = "", *, status: int = 200, via: Sequence[tuple[str, int]] = (),
         headers: Sequence[tuple[str, str]] = ()) -> FetchResult:
    """A fetch of ``url``: ``via`` lists the redirect hops as (url, status) before the final page at ``url``.
    The first URL of ``via`` is the one asked for."""
    body = html.encode("utf-8")
    hops: list[Hop] = []
    urls = [u for u, _ in via] + [url]
    for i, (u, s) in enumerate(via):
        hops.append(hop(u, s, location=urls[i + 1]))
    hops.append(hop(url, status, body, headers))
    outcome = Outcome.OK if status < 400 else Outcome.HTTP_ERROR
    return FetchResult(url=urls[0], outcome=outcome, started_at=T0, elapsed=0.2, hops=tuple(hops), content=body)


def failure(url: str, outcome: Outcome, detail: str = "") -> FetchResult:
    return FetchResult(url=url, outcome=outcome, started_at=T0, elapsed=10.0, detail=detail)


def observe(result: FetchResult, text: TextVersion | None = None, *, probe: ProbeResult | None = None,
            post: PostSnapshot | None = None) -> Observation:
    """An observation; the text defaults to the page's own main text."""
    if text is None:
        text = text_of(result.content.decode("utf-8")) if result.content else NO_TEXT
    return Observation(result=result, text=text, probe=probe, post=post)


def capture(url: str, *, final_url: str | None = None, outcome: Outcome = Outcome.OK, status: int | None = 200,
            redirects: Sequence[str] = ()) -> Capture:
    final = final_url or url
    chain = tuple(redirects) or ((url,) if final == url else (url, final))
    return Capture(id="c" + hashlib.sha1((url + final + str(outcome)).encode()).hexdigest()[:11], url=url,
                   captured_at=T0, outcome=outcome, status=status, final_url=final, redirects=chain)


def history(url: str, last_good: TextVersion | None = None, *, status: SourceStatus = SourceStatus.OK,
            landed: str | None = None, redirects: Sequence[str] = (), previous: Capture | None = None,
            recent: Sequence[TextVersion] = (), failures: int = 0, threshold: int = 3, short: bool = False,
            previous_post: PostSnapshot | None = None) -> SourceHistory:
    """A source's history: ``last_good`` is the text of its last good capture, which landed on
    ``landed`` (default: ``url``) through ``redirects``; ``previous`` defaults to that capture."""
    good = capture(url, final_url=landed, redirects=redirects) if last_good is not None else None
    return SourceHistory(
        url=url, status=status, previous=previous or good, previous_text=last_good, last_good=good,
        last_good_text=last_good, recent_texts=tuple(recent), consecutive_failures=failures,
        failures_before_removed=threshold, is_short_link=short, previous_post=previous_post,
    )


def failed_capture(url: str, outcome: Outcome, status: int | None = None) -> Capture:
    return capture(url, outcome=outcome, status=status)


def diff_of(old: TextVersion | None, new: TextVersion) -> Diff | None:
    """The caller's diff, as the checker computes it: None without an old text."""
    if old is None or new.status not in (TextStatus.OK, TextStatus.EMPTY, TextStatus.BINARY):
        return None
    if old.digest == new.digest and old.title == new.title:
        return Diff(changed=False, summary="unchanged")
    a, b = old.text.split(), new.text.split()
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    added = removed = 0
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op != "equal":
            removed += i2 - i1
            added += j2 - j1
    return Diff(changed=True, summary=f"+{added} -{removed} words", words_added=added, words_removed=removed,
                similarity=matcher.ratio())


def probe(url: str, html: str | None = None, *, status: int = 200, final_url: str | None = None) -> ProbeResult:
    """The host's answer to ``url`` (a sibling that cannot exist)."""
    tv = text_of(html) if html else None
    return ProbeResult(host=re.sub(r"^https?://([^/]+).*$", r"\1", url), url=url, status=status,
                       final_url=final_url or url, text_digest=tv.digest if tv else None, text=tv.text if tv else "")


def post(state: PostState, text: str = "", platform: str = "x", detail: str = "") -> PostSnapshot:
    return PostSnapshot(platform=platform, state=state, text=text, detail=detail,
                        endpoint=f"https://cdn.syndication.example/{platform}")


def pairs(verdicts: Sequence[object]) -> list[tuple[str, str]]:
    """``[(type, reason), …]`` of a verdict list, for readable assertions."""
    return [(str(v.type), v.reason) for v in verdicts]  # type: ignore[attr-defined]
