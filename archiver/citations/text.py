"""Citations stage, text: a Markdown or plain-text ``Document`` → its citations with their sentences.

``text_citations`` takes the Markdown links (``markdown``), then scans the prose for bare and
scheme-less URLs, and yields each with the sentence it sits in (``context``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from archiver.models import Document
from archiver.urls import schemeless_to_url

from .context import Sentences
from .markdown import Views, markdown_links, splice, strip_markup
from .targets import SCHEMELESS_HOSTS, Found, trim_url, unescape

_U = r"[^\s<>\"`\u00a0\u2028\u2029\u3000]"  # a character a URL written in prose may hold
# Bounded label length and count: a run like "a.a.a.a…" costs linear time, not quadratic.
_LABEL = r"[a-zA-Z0-9-]{1,63}"
# No look-behind up front: a pattern that starts with a character set lets the regex engine skip
# ahead fast (100,000 URLs in well under a second); what precedes a match is checked in Python.
_BARE_URL_RE = re.compile(
    rf"[hH][tT][tT][pP][sS]?://(?=[^\s/?#.]*\.){_U}+"  # GFM: a host in prose has a dot
    rf"|[wW][wW][wW][0-9]{{0,3}}\.{_LABEL}(?:\.{_LABEL}){{1,16}}(?:[/?#:]{_U}*)?"
    rf"|(?<![a-zA-Z0-9-])(?P<host>{_LABEL}(?:\.{_LABEL}){{1,16}})[/?#]{_U}*"
)
# Lines that start a block (list item, quote, table row) and whole heading lines: sentences stop there.
_BLOCK_START_RE = re.compile(
    r"^(?=[ \t]{0,3}(?:[-*+][ \t]|[0-9]{1,9}[.)][ \t]|>|\|))|^[ \t]{0,3}#[^\n]*$", re.MULTILINE
)


def text_citations(document: Document) -> Iterator[tuple[Found, str]]:
    """Markdown and plain text: citations with their sentences."""
    views = Views(document.text)
    found: list[Found] = []
    if document.kind == "markdown":
        found = markdown_links(views, document.base_url)
    scan, plain = views.scan, views.plain
    bare: list[tuple[int, int, str]] = []  # bare URLs as the prose shows them
    for match in _BARE_URL_RE.finditer(scan):
        start, host = match.start(), match.group("host")
        schemeless = host is not None or match.group()[0] in "wW"
        before = scan[start - 1] if start else " "
        if host is not None and host.lower() not in SCHEMELESS_HOSTS:
            continue
        if before.isalnum() or (schemeless and before in "_@/.+-"):
            continue  # inside a word, an e-mail address ("user@www.example.com") or a path
        written = trim_url(match.group())
        end = start + len(written)
        bare.append((start, end, plain[start:end]))
        found.append(Found(start, end, written, schemeless_to_url(unescape(written)), ""))
    found.sort(key=lambda f: f.start)
    if document.kind == "markdown":  # emphasis markers out of the prose, but not out of URLs
        plain = splice(strip_markup(plain), bare)
    sentences = Sentences(plain, _text_boundaries(document, plain))
    for item in found:
        yield item, sentences.around(item.start, item.end)


def _text_boundaries(document: Document, plain: str) -> list[int]:
    """Where sentences may not continue: block starts in Markdown; in plain text whose paragraphs
    are single long lines (seed 002, copied from a web page), every line end."""
    bounds: list[int] = []
    if document.kind == "markdown":
        for m in _BLOCK_START_RE.finditer(document.text):
            bounds += (m.start(), m.end())
    elif max((len(line) for line in plain.split("\n")), default=0) > 200:
        bounds = [m.start() for m in re.finditer(r"\n", plain)]
    return bounds
