"""Citations: a ``Document`` → every URL it cites, in document order, with provenance.

Markdown (inline, reference, autolink, raw ``<a>``, bare and scheme-less URLs; code is not
prose), HTML (links and images in the main content) and plain text. Each URL keeps the form
the document wrote; ``Citation.url`` is its canonical form. Pure: no I/O.
"""

from __future__ import annotations

import bisect
import html
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urljoin

import lxml.etree
import lxml.html

from archiver.documents import front_matter_span, parse_html
from archiver.errors import UrlError
from archiver.models import Citation, Document
from archiver.urls import SHORT_LINK_HOSTS, canonical, schemeless_to_url

logger = logging.getLogger(__name__)

#: Hosts people cite without a scheme in prose (``pic.twitter.com/…``, ``t.co/…``); with a path
#: only, so "a bit.ly link" is not a citation. Anything starting with ``www.`` counts too.
SCHEMELESS_HOSTS: frozenset[str] = SHORT_LINK_HOSTS | {
    "pic.twitter.com", "pic.x.com", "twitter.com", "mobile.twitter.com", "x.com", "youtu.be",
    "youtube.com", "facebook.com", "instagram.com", "tiktok.com", "bsky.app", "truthsocial.com",
}  # fmt: skip
CONTEXT_CHARS = 300  # a citation's context is its sentence, cut to about this many characters

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
_HOSTS = "|".join(re.escape(h) for h in sorted(SCHEMELESS_HOSTS, key=len, reverse=True))
_SCHEMELESS_RE = re.compile(
    rf"(?:www\d{{0,3}}\.[a-z0-9-]+(?:\.[a-z0-9-]+)+|(?:{_HOSTS}))(?:[/?#:]|$)", re.IGNORECASE
)
_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_EMAIL_RE = re.compile(r"[^/:@\s]+@[^/@\s]+\.[A-Za-z]{2,}")
_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_ENTITY_END_RE = re.compile(_ENTITY_RE.pattern + r"\Z")
_ESCAPE_RE = re.compile(r"\\([!-/:-@\[-`{-~])")
_TRAILING = frozenset(".,:;!?'\"*_~’”‘“»›…")  # never the last character of a URL in prose
_CLOSERS = {")": "(", "]": "[", "}": "{"}  # kept at the end only when balanced inside the URL

# Markdown. Fences and indented code first, then inline code: code is never a citation.
_FENCE_RE = re.compile(
    r"^ {0,3}(?P<fence>(?P<c>[`~])(?P=c){2,})[^\n]*\n(?:.*?^ {0,3}(?P=fence)(?P=c)*[ \t]*$|.*\Z)",
    re.MULTILINE | re.DOTALL,
)
_BACKTICKS_RE = re.compile(r"`+")
_BLANK_LINE_RE = re.compile(r"\n[ \t]*\n")
_COMMENT_RE = re.compile(r"<!--(?:.*?-->|.*\Z)", re.DOTALL)  # unclosed: to the end, as CommonMark
_AUTOLINK_RE = re.compile(r"<((?:[A-Za-z][A-Za-z0-9+.-]{1,31}:|www\.)[^\s<>]*|[^\s<>@]+@[^\s<>@]+)>")
# At most 64 attributes, so "<a <a <a …" cannot make tag matching quadratic.
_ATTRS = r"""(?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?){0,64}+"""
_A_ELEMENT_RE = re.compile(
    rf"<a(?P<attrs>{_ATTRS})\s*>(?P<inner>.{{0,5000}}?)</a\s*>", re.IGNORECASE | re.DOTALL
)
_TAG_RE = re.compile(rf"</?[A-Za-z][A-Za-z0-9-]*{_ATTRS}\s*/?>")
_HREF_RE = re.compile(r"""\shref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE)
_TEXT = r"(?:[^\[\]\\]|\\.|\[(?:[^\[\]\\]|\\.)*\])*"  # link text: one level of nested brackets
_DEST = r"(?:<[^<>\n]*>|(?:[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\))+)"  # one level of parentheses
_TITLE = r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\((?:[^()\\]|\\.)*\))"""
_INLINE_RE = re.compile(
    rf"(?P<bang>!?)\[(?P<text>{_TEXT})\]\([ \t]*\n?[ \t]*(?P<dest>{_DEST})?(?:\s+{_TITLE})?\s*\)"
)
_IMAGE_RE = re.compile(rf"!\[({_TEXT})\]\([^)]*\)")
_DEFINITION_RE = re.compile(
    rf"^ {{0,3}}\[(?P<label>[^\]\^\s][^\]]{{0,998}})\]:[ \t]*\n?[ \t]*(?P<dest>{_DEST})(?:[ \t]*\n?[ \t]*{_TITLE})?[ \t]*$",
    re.MULTILINE,
)
_REFERENCE_RE = re.compile(rf"\[(?P<text>{_TEXT})\](?:[ \t]?\[(?P<label>[^\[\]]{{0,999}})\])?")
_LINE_MARKUP_RE = re.compile(
    r"^[ \t]{0,3}#{1,6}(?=[ \t]|$)|^[ \t]*>[> \t]*|^[ \t]*(?:[-+]|[0-9]{1,9}[.)])(?=[ \t])", re.MULTILINE
)
_INLINE_MARKUP_RE = re.compile(r"\*+|_+|~~")  # underscores only count at a word's edge (snake_case stays)
_LIST_ITEM_RE = re.compile(r"[ \t]{0,3}(?:[-*+]|[0-9]{1,9}[.)])[ \t]")
# Lines that start a block (list item, quote, table row) and whole heading lines: sentences stop there.
_BLOCK_START_RE = re.compile(
    r"^(?=[ \t]{0,3}(?:[-*+][ \t]|[0-9]{1,9}[.)][ \t]|>|\|))|^[ \t]{0,3}#[^\n]*$", re.MULTILINE
)
# Sentence ends; the word before the stop is checked against _ABBREVIATIONS ("Gov. Wes Moore").
_SENTENCE_END_RE = re.compile(r"[.!?]+[\"'’”)\]]*(?=\s)|\n[ \t]*\n")
_ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "gov", "sen", "rep", "st", "jr", "sr", "vs", "etc", "e.g", "i.e",
        "inc", "co", "corp", "gen", "col", "lt", "sgt", "no", "fig", "p", "pp", "vol", "jan", "feb", "mar",
        "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k",
    }
)  # fmt: skip
_PLAIN_ANCHOR_RE = re.compile(r"[^!<>\\*_~#`\s]*(?: [^!<>\\*_~#`\s]+)*")  # nothing to strip: the fast path
_SPACE_BEFORE_PUNCT_RE = re.compile(r"\s+(?=[,.;:!?)\]’”])")
_NOT_NEWLINE_RE = re.compile(r"[^\n]")

# HTML: boilerplate around the main content (seed 000 is Markdown; see fixtures/documents/article.html).
_PRUNE_TAGS = frozenset(
    {"nav", "header", "footer", "aside", "script", "style", "noscript", "template", "svg"}
)
_BOILERPLATE_RE = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|footer|sidebar|share|sharing|related|comments?|breadcrumbs?|byline)(?:$|[\s_-])"
)
_BLOCK_TAGS = frozenset(
    {
        "p", "li", "td", "th", "dd", "dt", "blockquote", "figcaption", "caption", "h1", "h2", "h3", "h4", "h5",
        "h6", "pre", "div", "section", "article", "main", "body", "figure", "address", "summary",
    }
)  # fmt: skip


@dataclass(slots=True)  # not frozen: built once per URL, and frozen ones cost 5x as much to build
class _Found:
    start: int  # offset in the document text (HTML: the element's order), for sorting
    end: int
    written: str
    target: str | None  # absolute URL to canonicalise; None: not something archiver watches
    anchor: str
    kind: str = "link"
    line: int = 0  # HTML only; text documents compute it from ``start``


def extract_citations(document: Document) -> list[Citation]:
    """Every URL ``document`` cites, in document order, its own URL (kind "self") first.

    All occurrences are kept; a URL that ``canonical`` refuses is skipped with one warning.

    >>> doc = Document(path="a.md", kind="markdown", text="See [the poll](https://Example.org/p?utm_source=x).")
    >>> [(c.url, c.url_as_written, c.anchor, c.context) for c in extract_citations(doc)]
    [('https://example.org/p', 'https://Example.org/p?utm_source=x', 'the poll', 'See the poll.')]
    """
    citations: list[Citation] = []
    if document.source_url:
        try:
            url = canonical(document.source_url)
        except UrlError as exc:
            logger.warning("%s: skipping the document's own URL: %s", document.path, exc)
        else:
            citations.append(
                Citation(url=url, url_as_written=document.source_url, document=document.path, kind="self")
            )
    finder = _html_citations if document.kind == "html" else _text_citations
    cache: dict[str, str | None] = {}
    lines = _LineIndex(document.text)
    for found, context in finder(document):
        if found.target is None:
            continue
        if found.target in cache:
            cited = cache[found.target]
        else:
            cited = cache[found.target] = _canonical_or_none(
                found.target, document.path, found.line or lines, found.start
            )
        if cited is not None:
            citations.append(
                Citation(
                    url=cited,
                    url_as_written=found.written,
                    document=document.path,
                    anchor=found.anchor,
                    context=context,
                    position=len(citations),
                    kind=found.kind,
                )
            )
    return citations


def _canonical_or_none(target: str, path: str, line: int | _LineIndex, offset: int) -> str | None:
    """``canonical(target)``, or None after one warning naming the document, line and URL."""
    try:
        return canonical(target)
    except UrlError as exc:
        number = line if isinstance(line, int) else line.line_of(offset)
        logger.warning("%s:%d: skipping unusable URL %s", path, number, exc)
        return None


def unique_urls(citations: list[Citation]) -> list[str]:
    """The canonical URLs of ``citations``, each once, in order of first occurrence.

    >>> unique_urls([Citation("https://a.org/", "a.org", "d"), Citation("https://b.org/", "", "d"),
    ...              Citation("https://a.org/", "", "d")])
    ['https://a.org/', 'https://b.org/']
    """
    return list(dict.fromkeys(c.url for c in citations))


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
    if not url or url.startswith("#") or _EMAIL_RE.fullmatch(url):
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


# --------------------------------------------------------------------------- Markdown, text


class _LineIndex:
    """Offsets → 1-based line numbers, built on first use (only warnings need them)."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._starts: list[int] | None = None

    def line_of(self, offset: int) -> int:
        if self._starts is None:
            self._starts = [m.end() for m in re.finditer(r"\n", self._text)]
        return bisect.bisect_right(self._starts, offset) + 1


def _blank(text: str) -> str:
    return " " * len(text) if "\n" not in text else _NOT_NEWLINE_RE.sub(" ", text)


def _splice(text: str, edits: list[tuple[int, int, str]]) -> str:
    if not edits:
        return text
    parts: list[str] = []
    last = 0
    for start, end, replacement in edits:
        parts += (text[last:start], replacement)
        last = end
    parts.append(text[last:])
    return "".join(parts)


class _Views:
    """The document text twice, same length: ``scan`` hides what cannot be a citation any more,
    ``plain`` is the prose the context sentences are cut from."""

    def __init__(self, text: str) -> None:
        self.scan = self.plain = text

    def mask(self, spans: Iterator[tuple[int, int, str | None]]) -> None:
        """Blank each span in ``scan``; in ``plain`` put the given text (None: blank it too)."""
        scan_edits, plain_edits = [], []
        for start, end, plain in spans:
            blank = _blank(self.scan[start:end])
            scan_edits.append((start, end, blank))
            plain_edits.append((start, end, blank if plain is None else plain))
        self.scan, self.plain = _splice(self.scan, scan_edits), _splice(self.plain, plain_edits)


def _unescape(url: str) -> str:
    url = _ESCAPE_RE.sub(r"\1", url) if "\\" in url else url
    return _ENTITY_RE.sub(lambda m: html.unescape(m.group()), url) if "&" in url else url


def _anchor_text(markdown: str) -> str:
    if _PLAIN_ANCHOR_RE.fullmatch(markdown):
        return markdown.strip()
    text = _IMAGE_RE.sub(r"\1", markdown)
    text = _TAG_RE.sub("", text)
    return " ".join(_strip_markup(_ESCAPE_RE.sub(r"\1", text), line_markers=False).split())


def _strip_markup(text: str, *, line_markers: bool = True) -> str:
    """Markdown emphasis (and heading, quote and list markers) blanked, same length."""
    if line_markers:
        text = _LINE_MARKUP_RE.sub(lambda m: " " * len(m.group()), text)

    def blank(m: re.Match[str]) -> str:
        marker, start, end = m.group(), m.start(), m.end()
        if marker[0] == "_" and text[start - 1 : start].isalnum() and text[end : end + 1].isalnum():
            return marker
        return " " * len(marker)

    return _INLINE_MARKUP_RE.sub(blank, text)


def _text_citations(document: Document) -> Iterator[tuple[_Found, str]]:
    """Markdown and plain text: citations with their sentences."""
    views = _Views(document.text)
    found: list[_Found] = []
    if document.kind == "markdown":
        found = _markdown_links(views, document.base_url)
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
        found.append(_Found(start, end, written, schemeless_to_url(_unescape(written)), ""))
    found.sort(key=lambda f: f.start)
    if document.kind == "markdown":  # emphasis markers out of the prose, but not out of URLs
        plain = _splice(_strip_markup(plain), bare)
    sentences = _Sentences(plain, _text_boundaries(document, plain))
    for item in found:
        yield item, sentences.around(item.start, item.end)


def _markdown_links(views: _Views, base: str | None) -> list[_Found]:
    """Mask what is not prose in ``views`` and collect the Markdown links (not bare URLs)."""
    span = front_matter_span(views.scan)
    if span:
        views.mask(iter([(span[0], span[1], None)]))
    views.mask((m.start(), m.end(), None) for m in _FENCE_RE.finditer(views.scan))
    views.mask(_indented_code(views.scan))
    views.mask((m.start(), m.end(), None) for m in _COMMENT_RE.finditer(views.scan))
    views.mask(_code_spans(views.scan))
    definitions: dict[str, tuple[str, int, int]] = {}
    matches = list(_DEFINITION_RE.finditer(views.scan))
    for m in matches:
        definitions.setdefault(_label(m.group("label")), (m.group("dest").strip("<>"), m.start(), m.end()))
    views.mask((m.start(), m.end(), None) for m in matches)
    found: list[_Found] = []

    def link(
        start: int, end: int, written: str, anchor: str, plain: str | None
    ) -> tuple[int, int, str | None]:
        found.append(_Found(start, end, written, absolute_target(_unescape(written), base), anchor))
        return start, end, plain

    views.mask(
        link(m.start(), m.end(), m.group(1), "", f" {m.group(1)} ")
        if not _EMAIL_RE.fullmatch(m.group(1))
        else (m.start(), m.end(), f" {m.group(1)} ")
        for m in _AUTOLINK_RE.finditer(views.scan)
    )
    views.mask(_raw_html_links(views.scan, link))
    views.mask((m.start(), m.end(), None) for m in _TAG_RE.finditer(views.scan))
    views.mask(_inline_links(views.scan, link))
    used: set[str] = set()
    views.mask(_reference_links(views.scan, definitions, used, link))
    for label, (dest, start, end) in definitions.items():
        if label not in used:  # a definition nothing refers to still names a cited URL
            found.append(_Found(start, end, dest, absolute_target(_unescape(dest), base), ""))
    return found


_LinkSink = Callable[[int, int, str, str, "str | None"], tuple[int, int, "str | None"]]


def _keep_text(whole: str, text: str, offset: int) -> str:
    """``whole`` blanked except ``text``, which sits at ``offset`` in it (images in it: their alt text)."""
    shown = _IMAGE_RE.sub(_image_alt, text) if "![" in text else text
    return _blank(whole[:offset]) + shown + _blank(whole[offset + len(text) :])


def _image_alt(m: re.Match[str]) -> str:
    """An image inside link text, as prose: its alt text, padded to the same length."""
    return "  " + m.group(1) + _blank(m.group()[2 + len(m.group(1)) :])


def _raw_html_links(scan: str, link: _LinkSink) -> Iterator[tuple[int, int, str | None]]:
    for m in _A_ELEMENT_RE.finditer(scan):
        href = _HREF_RE.search(m.group("attrs"))
        if href is None:
            continue
        written = html.unescape(next(g for g in href.groups() if g is not None))
        inner = _TAG_RE.sub(lambda tag: _blank(tag.group()), m.group("inner"))
        plain = _keep_text(m.group(), inner, m.start("inner") - m.start())
        yield link(m.start(), m.end(), written, _anchor_text(html.unescape(inner)), plain)


def _inline_links(scan: str, link: _LinkSink) -> Iterator[tuple[int, int, str | None]]:
    for m in _INLINE_RE.finditer(scan):
        if m.group("bang") or m.group("dest") is None:  # images are decoration, not citations
            yield m.start(), m.end(), None
            continue
        plain = _keep_text(m.group(), m.group("text"), m.start("text") - m.start())
        yield link(m.start(), m.end(), m.group("dest").strip("<>"), _anchor_text(m.group("text")), plain)


def _reference_links(
    scan: str, definitions: dict[str, tuple[str, int, int]], used: set[str], link: _LinkSink
) -> Iterator[tuple[int, int, str | None]]:
    if not definitions:
        return
    for m in _REFERENCE_RE.finditer(scan):
        label = _label(m.group("label") or m.group("text"))
        if label not in definitions:
            continue
        used.add(label)
        plain = _keep_text(m.group(), m.group("text"), 1)
        yield link(m.start(), m.end(), definitions[label][0], _anchor_text(m.group("text")), plain)


def _label(text: str) -> str:
    return " ".join(text.split()).casefold()


def _code_spans(scan: str) -> Iterator[tuple[int, int, str | None]]:
    """Inline code: a backtick run up to the next run of the same length in the same paragraph;
    the prose keeps the code's text."""
    runs = [(m.start(), m.end()) for m in _BACKTICKS_RE.finditer(scan)]
    i = 0
    while i < len(runs):
        start, end = runs[i]
        width = end - start
        close = next(
            (k for k in range(i + 1, min(len(runs), i + 64)) if runs[k][1] - runs[k][0] == width), None
        )
        if close is None or _BLANK_LINE_RE.search(scan, end, runs[close][0]):
            i += 1
            continue
        yield start, runs[close][1], " " * width + scan[end : runs[close][0]] + " " * width
        i = close + 1


def _indented_code(scan: str) -> Iterator[tuple[int, int, str | None]]:
    """Indented code blocks: 4+ columns after a blank line, outside a list (8+ inside one)."""
    offset, previous_blank, in_list, in_code = 0, True, False, False
    for line in scan.split("\n"):
        start, offset = offset, offset + len(line) + 1
        if not line.strip():
            previous_blank = True
            continue
        indent = len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())
        if indent >= (8 if in_list else 4) and (previous_blank or in_code):
            in_code = True
            yield start, start + len(line), None
            continue
        in_code = False
        if indent < 4 and _LIST_ITEM_RE.match(line):
            in_list = True
        elif indent == 0 and previous_blank:
            in_list = False
        previous_blank = False


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


class _Sentences:
    """The sentence around a span of a text, cut to about ``CONTEXT_CHARS`` characters."""

    def __init__(self, text: str, extra_bounds: list[int] | None = None) -> None:
        self.text = text
        bounds = extra_bounds or []
        for m in _SENTENCE_END_RE.finditer(text):
            if m.group()[0] == "." and _is_abbreviation(_word_before(text, m.start())):
                continue
            bounds.append(m.end())
        self.bounds = sorted(bounds)

    def around(self, start: int, end: int) -> str:
        bounds, text = self.bounds, self.text
        i = bisect.bisect_right(bounds, start)
        j = bisect.bisect_left(bounds, end)
        first = bounds[i - 1] if i else 0
        last = bounds[j] if j < len(bounds) else len(text)
        if i and _is_blank(text, first, start) and len(text[end : min(last, end + 80)].split()) < 2:
            # A URL alone on its line ("… pic.twitter.com/x", seed 002): the sentence before counts too.
            first = bounds[i - 2] if i > 1 else 0
        if _is_blank(text, first, last):  # an image alone in its block (a figure): its caption
            k = bisect.bisect_right(bounds, last)
            while k < min(len(bounds), j + 4) and _is_blank(text, last, bounds[k]):
                k += 1
            first, last = last, bounds[k] if k < len(bounds) else len(text)
        return self._cut(first, last, start, end)

    def _cut(self, first: int, last: int, start: int, end: int) -> str:
        """``text[first:last]`` tidied; if too long, a window around ``start:end`` marked with "…"."""
        if last - first <= 2 * CONTEXT_CHARS:
            sentence = _tidy(self.text[first:last])
            if len(sentence) <= CONTEXT_CHARS:
                return sentence
        half = CONTEXT_CHARS // 2
        lo, hi = max(first, start - half), min(last, end + half)
        window = _tidy(self.text[lo:hi])
        if lo > first:
            window = "…" + window.split(" ", 1)[-1]
        if hi < last:
            window = window.rsplit(" ", 1)[0] + "…"
        return window


def _is_blank(text: str, start: int, end: int) -> bool:
    return start >= end or text[start:end].isspace()


def _is_abbreviation(word: str) -> bool:
    """An abbreviation ("Gov. Wes Moore", seed 002) or an initial ("Donald J. Trump", seed 000)."""
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _word_before(text: str, stop: int) -> str:
    words = text[max(0, stop - 12) : stop].split()
    return words[-1].lower().lstrip("(\"'“‘") if words else ""


def _tidy(text: str) -> str:
    return _SPACE_BEFORE_PUNCT_RE.sub("", " ".join(text.split()))


# --------------------------------------------------------------------------- HTML


def _html_citations(document: Document) -> Iterator[tuple[_Found, str]]:
    """Links (and images, kind "media") in an HTML document's main content."""
    root = parse_html(document.text)
    if root is None:
        return
    content = _main_content(root)
    _prune(content)
    text, links = _html_layout(content)
    sentences = _Sentences(text)
    for order, (element, start, end) in enumerate(links):
        if element.tag == "a":
            written, kind = (element.get("href") or "").strip(), "link"
            anchor = " ".join(text[start:end].split()) or _fallback_anchor(element)
        else:
            src = (element.get("src") or "").strip()
            written = src if src and not src.startswith("data:") else (element.get("data-src") or "").strip()
            kind, anchor = "media", " ".join((element.get("alt") or "").split())
        target = absolute_target(written, document.base_url) if written else None
        if target is not None:
            found = _Found(order, order, written, target, anchor, kind, element.sourceline or 0)
            yield found, sentences.around(start, end)


def _fallback_anchor(element: lxml.html.HtmlElement) -> str:
    image = next(element.iter("img"), None)
    for text in (
        image.get("alt") if image is not None else None,
        element.get("aria-label"),
        element.get("title"),
    ):
        if text and text.strip():
            return " ".join(text.split())
    return ""


def _main_content(root: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The largest ``<article>`` (inside ``<main>`` if there is one, never inside an ``<aside>``
    or the like), else ``<main>``/role=main, else the body."""
    mains = root.xpath("//main | //*[@role='main']")
    main: lxml.html.HtmlElement | None = mains[0] if mains else None
    articles = [
        article
        for article in root.iter("article")
        if not any(a.tag in _PRUNE_TAGS for a in article.iterancestors())
        and (main is None or any(a is main for a in article.iterancestors()))
    ]
    if articles:
        return max(articles, key=lambda a: len(a.text_content()))
    if main is not None:
        return main
    body = root.find("body")
    return body if body is not None else root


def _prune(content: lxml.html.HtmlElement) -> None:
    """Drop navigation, headers, footers, asides, scripts and share/related/comment widgets."""
    doomed = [element for element in content.iter(*_PRUNE_TAGS) if element is not content]
    paragraphs = len(content.findall(".//p"))
    for element in content.xpath(".//*[@class or @id]"):
        names = f"{element.get('class') or ''} {element.get('id') or ''}".lower()
        # A wrapper named like "has-sidebar" holding most of the paragraphs is the page, not a widget.
        if _BOILERPLATE_RE.search(names) and not (
            paragraphs > 1 and len(element.findall(".//p")) * 2 > paragraphs
        ):
            doomed.append(element)
    for element in dict.fromkeys(doomed):  # an <aside class="related"> is doomed twice
        if element.getparent() is not None:
            element.drop_tree()


_Link = tuple[lxml.html.HtmlElement, int, int]  # element, start and end of its text in the content's text
_SPACES = str.maketrans("\n\t\r\f\v", "     ")


def _html_layout(content: lxml.html.HtmlElement) -> tuple[str, list[_Link]]:
    """The text of ``content``, blocks (``p``, ``li``…) separated by blank lines, and where each
    ``a``/``img`` sits in it. One streaming pass (``iterwalk``): 100,000 links cost no more than
    the page's size."""
    chunks: list[str] = []
    size = 0
    starts: list[tuple[lxml.html.HtmlElement, int]] = []
    ends: list[int] = []
    pending: list[int] = []

    def add(text: str | None) -> None:
        nonlocal size
        if text:
            chunks.append(text)
            size += len(text)

    for event, element in lxml.etree.iterwalk(content, events=("start", "end", "comment", "pi")):
        if event in ("comment", "pi"):
            add(element.tail and element.tail.translate(_SPACES))
        elif event == "start":
            if element.tag in _BLOCK_TAGS or element.tag == "br":
                add("\n\n")
            if element.tag in ("a", "img"):
                pending.append(len(starts))
                starts.append((element, size))
                ends.append(size)
            add(element.text and element.text.translate(_SPACES))
        else:
            if element.tag in ("a", "img"):
                ends[pending.pop()] = size
            if element.tag in _BLOCK_TAGS:
                add("\n\n")
            if element is not content:
                add(element.tail and element.tail.translate(_SPACES))
    return "".join(chunks), [(element, start, end) for (element, start), end in zip(starts, ends)]
