"""Citations stage, HTML: an HTML ``Document`` → the links and images of its main content.

``html_citations`` picks the main content (largest ``<article>``, else ``<main>``, else the body),
prunes navigation and widgets, lays the text out in blocks and yields each ``a``/``img`` with
the sentence around it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import lxml.etree
import lxml.html

from archiver.documents import parse_html
from archiver.models import Document

from .context import Sentences
from .targets import Found, absolute_target

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


def html_citations(document: Document) -> Iterator[tuple[Found, str]]:
    """Links (and images, kind "media") in an HTML document's main content."""
    root = parse_html(document.text)
    if root is None:
        return
    content = _main_content(root)
    _prune(content)
    text, links = _html_layout(content)
    sentences = Sentences(text)
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
            found = Found(order, order, written, target, anchor, kind, element.sourceline or 0)
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
