"""Citations stage, Markdown: a Markdown text → its links (inline, reference, autolink, raw ``<a>``).

``markdown_links(views, base)`` blanks what is not prose (front matter, code, comments, link
syntax) in both ``Views`` of the text and returns the links it saw; bare URLs are left for ``text``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator

from archiver.documents import front_matter_span

from .targets import EMAIL_RE, ESCAPE_RE, Found, absolute_target, unescape

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
_PLAIN_ANCHOR_RE = re.compile(r"[^!<>\\*_~#`\s]*(?: [^!<>\\*_~#`\s]+)*")  # nothing to strip: the fast path
_NOT_NEWLINE_RE = re.compile(r"[^\n]")


def _blank(text: str) -> str:
    return " " * len(text) if "\n" not in text else _NOT_NEWLINE_RE.sub(" ", text)


def splice(text: str, edits: list[tuple[int, int, str]]) -> str:
    if not edits:
        return text
    parts: list[str] = []
    last = 0
    for start, end, replacement in edits:
        parts += (text[last:start], replacement)
        last = end
    parts.append(text[last:])
    return "".join(parts)


class Views:
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
        self.scan, self.plain = splice(self.scan, scan_edits), splice(self.plain, plain_edits)


def _anchor_text(markdown: str) -> str:
    if _PLAIN_ANCHOR_RE.fullmatch(markdown):
        return markdown.strip()
    text = _IMAGE_RE.sub(r"\1", markdown)
    text = _TAG_RE.sub("", text)
    return " ".join(strip_markup(ESCAPE_RE.sub(r"\1", text), line_markers=False).split())


def strip_markup(text: str, *, line_markers: bool = True) -> str:
    """Markdown emphasis (and heading, quote and list markers) blanked, same length."""
    if line_markers:
        text = _LINE_MARKUP_RE.sub(lambda m: " " * len(m.group()), text)

    def blank(m: re.Match[str]) -> str:
        marker, start, end = m.group(), m.start(), m.end()
        if marker[0] == "_" and text[start - 1 : start].isalnum() and text[end : end + 1].isalnum():
            return marker
        return " " * len(marker)

    return _INLINE_MARKUP_RE.sub(blank, text)


def markdown_links(views: Views, base: str | None) -> list[Found]:
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
    found: list[Found] = []

    def link(
        start: int, end: int, written: str, anchor: str, plain: str | None
    ) -> tuple[int, int, str | None]:
        found.append(Found(start, end, written, absolute_target(unescape(written), base), anchor))
        return start, end, plain

    views.mask(
        link(m.start(), m.end(), m.group(1), "", f" {m.group(1)} ")
        if not EMAIL_RE.fullmatch(m.group(1))
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
            found.append(Found(start, end, dest, absolute_target(unescape(dest), base), ""))
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
