"""Citations stage, targets: a link as a document wrote it → the absolute URL it points to.

``absolute_target`` resolves relative and scheme-less links (or says the link is not watched),
``trim_url`` cuts prose punctuation off a bare URL, and ``Found`` is one link found in a document
before ``canonical`` sees it. Shared by the Markdown, text and HTML finders.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import urljoin

from archiver.urls import SHORT_LINK_HOSTS, schemeless_to_url

#: Hosts people cite without a scheme in prose (``pic.twitter.com/…``, ``t.co/…``); with a path
#: only, so "a bit.ly link" is not a citation. Anything starting with ``www.`` counts too.
SCHEMELESS_HOSTS: frozenset[str] = SHORT_LINK_HOSTS | {
    "pic.twitter.com", "pic.x.com", "twitter.com", "mobile.twitter.com", "x.com", "youtu.be",
    "youtube.com", "facebook.com", "instagram.com", "tiktok.com", "bsky.app", "truthsocial.com",
}  # fmt: skip
_HOSTS = "|".join(re.escape(h) for h in sorted(SCHEMELESS_HOSTS, key=len, reverse=True))
_SCHEMELESS_RE = re.compile(
    rf"(?:www\d{{0,3}}\.[a-z0-9-]+(?:\.[a-z0-9-]+)+|(?:{_HOSTS}))(?:[/?#:]|$)", re.IGNORECASE
)
_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
EMAIL_RE = re.compile(r"[^/:@\s]+@[^/@\s]+\.[A-Za-z]{2,}")
_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_ENTITY_END_RE = re.compile(_ENTITY_RE.pattern + r"\Z")
ESCAPE_RE = re.compile(r"\\([!-/:-@\[-`{-~])")
_TRAILING = frozenset(".,:;!?'\"*_~’”‘“»›…")  # never the last character of a URL in prose
_CLOSERS = {")": "(", "]": "[", "}": "{"}  # kept at the end only when balanced inside the URL


@dataclass(slots=True)  # not frozen: built once per URL, and frozen ones cost 5x as much to build
class Found:
    """One link as a finder saw it, before ``canonical``: where, as written, its target, its anchor."""

    start: int  # offset in the document text (HTML: the element's order), for sorting
    end: int
    written: str
    target: str | None  # absolute URL to canonicalise; None: not something archiver watches
    anchor: str
    kind: str = "link"
    line: int = 0  # HTML only; text documents compute it from ``start``


def absolute_target(written: str, base: str | None) -> str | None:
    """The absolute URL a link written as ``written`` points to, or None if it is not watched.

    >>> absolute_target("www.example.com/a", None), absolute_target("/b", "https://example.com/a/")
    ('https://www.example.com/a', 'https://example.com/b')
    >>> absolute_target("mailto:me@example.com", None), absolute_target("/b", None), absolute_target("#top", None)
    (None, None, None)
    """
    url = written.strip()
    if url[:8].lower().startswith(("https://", "http://")):
        return url
    if not url or url.startswith("#") or EMAIL_RE.fullmatch(url):
        return None
    if _SCHEMELESS_RE.match(url):
        return schemeless_to_url(url)
    scheme = _SCHEME_RE.match(url)
    if scheme:
        return url if scheme.group().lower() in ("http:", "https:") else None
    if url.startswith("//"):
        return urljoin(base, url) if base else "https:" + url
    return urljoin(base, url) if base else None


def trim_url(url: str) -> str:
    """A URL found in prose without the punctuation that follows it there.

    >>> trim_url("https://en.wikipedia.org/wiki/Polling_(statistics)).")
    'https://en.wikipedia.org/wiki/Polling_(statistics)'
    >>> trim_url("https://example.com/a’,")
    'https://example.com/a'
    """
    end = len(url)
    closers = {c: url.count(c) - url.count(o) for c, o in _CLOSERS.items()}  # surplus of each closer
    while end:
        last = url[end - 1]
        if last == ";" and (entity := _ENTITY_END_RE.search(url, max(0, end - 34), end)):
            end = entity.start()
        elif last in _TRAILING:
            end -= 1
        elif last in closers and closers[last] > 0:
            closers[last] -= 1
            end -= 1
        else:
            break
    return url[:end]


def unescape(url: str) -> str:
    url = ESCAPE_RE.sub(r"\1", url) if "\\" in url else url
    return _ENTITY_RE.sub(lambda m: html.unescape(m.group()), url) if "&" in url else url
