"""HTML → headline, byline, dateline and main-content paragraphs, in one lxml parse (the fast engine).

Stages, each a function: ``parse`` → ``strip_boilerplate`` (structural: scripts, nav, ads, cookie
banners, related/most-read lists, comments, hidden elements) → ``main_container`` (text density:
where most of the long, link-poor paragraphs live) → ``linearise`` (blocks → paragraphs, table rows
→ "cell | cell") → ``HtmlText``. Boilerplate is removed before any text is read, so masking never
has to guess at it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from archiver.extract.boilerplate import (
    Element,
    classes,
    drop,
    head_meta,
    is_logo,
    strip_boilerplate,
    text_len,
    text_of,
)
from archiver.extract.masking import counter_attribute

logger = logging.getLogger(__name__)

__all__ = ["HtmlText", "Prepared", "drop_link_blocks", "linearise", "main_container", "prepare", "read_page", "read_region"]

# --------------------------------------------------------------------------- main container

# A "good" paragraph is at least this long and mostly not link text: the unit of text density in
# readability and boilerpipe. 40 characters keeps captions and short quotes ("news_article"),
# drops menu items, tag chips and "Read more" lines.
_GOOD_CHARS = 40
_MAX_LINK_SHARE = 0.5
_PARAGRAPH_TAGS = ("p", "pre", "td", "li", "dd", "blockquote", "div", "section", "article", "figcaption")
_CONTAINER_TAGS = frozenset({"div", "section", "article", "blockquote", "main"})


def _paragraph_weight(el: Element) -> int:
    if el.tag in _CONTAINER_TAGS:
        # Only the container's own text: its child blocks are counted as paragraphs themselves.
        text = (el.text or "") + "".join((c.tail or "") for c in el)
        if len(text.strip()) < _GOOD_CHARS:
            return 0
        return len(text.strip())
    length = text_len(el)
    if length < _GOOD_CHARS:
        return 0
    link_len = sum(text_len(a) for a in el.iter("a") if a.get("href") is not None)
    if link_len > _MAX_LINK_SHARE * length:
        return 0
    return length - link_len


def main_container(body: Element) -> Element:
    """The element that holds the main text: the lowest one with ≥ 90% of the good-paragraph text,
    widened to its ``<article>`` (or by ascent) when that adds the header and captions but little text."""
    good: dict[Element, int] = {}
    for el in body.iter(*_PARAGRAPH_TAGS):
        weight = _paragraph_weight(el)
        if weight:
            good[el] = good.get(el, 0) + weight
            for anc in el.iterancestors():
                good[anc] = good.get(anc, 0) + weight
                if anc is body:
                    break
    if not good.get(body):
        return body  # no prose at all: the full visible text is the content
    node = body
    while True:
        children = [c for c in node if c in good]
        if not children:
            break
        best = max(children, key=good.__getitem__)
        if good[best] < 0.9 * good[node]:
            break
        node = best
    core, core_text = node, text_len(node)
    # Widen: the <article> that holds the core, if it adds at most 25% more prose (a dek, captions).
    for anc in core.iterancestors():
        if anc is body:
            break
        if anc.tag == "article" or "Article" in (anc.get("itemtype") or ""):
            if good.get(anc, 0) <= 1.25 * good[core]:
                return anc
            break
    # Otherwise climb only to reach the headline, and only while a level adds little prose and little
    # text of any kind: the 300-character allowance admits a headline, byline and dateline above a
    # short body (press_release.html); a layout wrapper with a phone bar and a footer is not taken
    # once the headline is in (poll_page.html).
    headlines = [h for h in body.iter("h1") if not is_logo(h)]
    for anc in core.iterancestors():
        if any(_inside(h, node) for h in headlines) or not headlines:
            break
        if anc is body or good.get(anc, 0) > 1.1 * good[core] or text_len(anc) > 1.15 * core_text + 300:
            break
        node = anc
    return node


# --------------------------------------------------------------------------- linearise

_BLOCK_TAGS = frozenset((
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog", "dir", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
    "h6", "header", "hgroup", "hr", "legend", "li", "main", "menu", "nav", "ol", "p", "pre",
    "section", "summary", "table", "tbody", "tfoot", "thead", "tr", "ul",
))  # fmt: skip
_HEADER_CLASS = re.compile(
    r"(?:^|[\s_-])(?:byline|by[-_]line|dateline|date|dates|time|timestamps?|published|pubdate|posted[-_]on"
    r"|author|authors|article[-_]meta|entry[-_]meta|post[-_]meta|meta|kicker|dek|standfirst|subhead\w*)(?:$|[\s_-])",
    re.IGNORECASE,
)


def _is_header(el: Element) -> bool:
    return el.tag in ("header", "time", "address", "h1") or bool(_HEADER_CLASS.search(classes(el)))


def linearise(node: Element, owners: list[Element] | None = None) -> list[tuple[str, bool, bool]]:
    """``(paragraph, in_header, is_row)`` in document order; table rows become "cell | cell".

    With ``owners``, the innermost block element each paragraph came from is appended to it, one
    per paragraph (template learning asks which element a block of text belongs to)."""
    out: list[tuple[str, bool, bool]] = []
    buf: list[str] = []
    header_stack: list[bool] = []
    header_depth = 0
    cells = False  # a td/th went into the paragraph being built: a table row
    blocks: list[Element] = [node]

    def flush() -> None:
        nonlocal cells
        text = "".join(buf).strip()
        buf.clear()
        if text:
            out.append((text, header_depth > 0, cells))
            if owners is not None:
                owners.append(blocks[-1])
        cells = False

    for event, el in etree.iterwalk(node, events=("start", "end")):
        tag = el.tag
        if not isinstance(tag, str):
            if event == "end" and el.tail:
                buf.append(el.tail)
            continue
        if event == "start":
            is_header = _is_header(el)
            header_stack.append(is_header)
            header_depth += is_header
            if tag in _BLOCK_TAGS:
                flush()
                blocks.append(el)
            elif tag == "br":
                if buf and buf[-1] == "\n":
                    flush()  # <br><br>: a paragraph break in br-formatted text
                else:
                    buf.append("\n")
            elif tag in ("td", "th"):
                if "".join(buf).strip():
                    buf.append(" | ")
                cells = True
            elif tag in ("img", "wbr"):
                buf.append(" " if tag == "img" else "")
            if el.text:
                buf.append(el.text)
        else:
            if tag in _BLOCK_TAGS:
                flush()
                if len(blocks) > 1:
                    blocks.pop()
            header_depth -= header_stack.pop()
            if el.tail and el is not node:
                buf.append(el.tail)
    flush()
    return out


def drop_link_blocks(node: Element, host: str = "") -> None:
    """Remove the article's link-dense neighbours that escaped the class rules.

    - lists whose every item is a link ("Related", "More in Politics", tag lists): three or more
      items, each at least 90% link text;
    - runs of three or more short link blocks under one parent (teasers built from divs);
    - "label: link" lines that send the reader to another page of the same site ("Read more:
      <a>…</a>", "Czytaj też: <a>…</a>", "Lue lisää: <a>…</a>"); "Source: <a>elsewhere</a>" stays;
    - the heading just before a dropped list or run ("You might also like", "Zobacz również").
    A single linked paragraph or heading inside the article stays: that is the author's link.
    """
    doomed: list[Element] = []
    for lst in node.iter("ul", "ol"):
        items = [li for li in lst if li.tag == "li"]
        if len(items) >= 3 and all(_link_chars(li) >= 0.9 * max(text_len(li), 1) for li in items):
            doomed.append(lst)
    runs: dict[Element, list[Element]] = {}
    for el in node.iter("p", "div", "h2", "h3", "h4", "h5", "h6", "li", "dd", "section", "article"):
        if el is node or any(isinstance(c.tag, str) and c.tag in _BLOCK_TAGS for c in el):
            continue
        text = " ".join(text_of(el).split())
        if not text or len(text.split()) > 25:
            continue
        links = _link_chars(el)
        label = _LINK_LABEL.match(text)
        if label and links >= 0.8 * (len(text) - label.end()) and links > 0 and _internal(el, host):
            doomed.append(el)
        elif links >= 0.6 * len(text):
            runs.setdefault(el.getparent(), []).append(el)
    lists = list(doomed)
    for members in runs.values():
        if len(members) >= 3:
            doomed.extend(members)
            lists.append(members[0])
    for el in lists:
        heading = _previous_block(el)
        if heading is not None and _is_section_label(heading):
            doomed.append(heading)
    # A page that is nothing but links (a home page, a section front, a site's not-found page with
    # its list of suggestions) keeps them: they are what it says, and what a soft-404 is told by.
    total = text_len(node)
    if total and sum(text_len(el) for el in _outermost(doomed)) >= 0.8 * total:
        return
    for el in doomed:
        if el.getparent() is not None:
            drop(el)


_LABEL_CLASS = re.compile(r"title|heading|headline|label|caption|header", re.IGNORECASE)


def _is_section_label(el: Element) -> bool:
    """A short heading over a block: a heading element, a ``header``, or a block classed as a title."""
    text = " ".join(text_of(el).split())
    if not text or len(text.split()) > 6:
        return False
    return (el.tag in ("h2", "h3", "h4", "h5", "h6", "strong", "header") or text.endswith(":")
            or bool(_LABEL_CLASS.search(classes(el))))


def _outermost(elements: list[Element]) -> list[Element]:
    chosen = set(elements)
    return [el for el in chosen if not any(anc in chosen for anc in el.iterancestors())]


# "Read more:", "Lesen Sie auch:", "Czytaj też:", "Lue aiheesta lisää:", "Voir aussi :" — a short
# label and a colon, then a link.
_LINK_LABEL = re.compile(r"^\W{0,2}[^\W\d][\w'’ -]{1,38}\s?:\s*")


def _internal(el: Element, host: str) -> bool:
    for a in el.iter("a"):
        target = urlsplit((a.get("href") or "").strip())
        if target.scheme in ("", "http", "https") and (not target.netloc or (host and target.hostname == host)):
            return True
    return False


def _link_chars(el: Element) -> int:
    # Only links: an <a name="…"> with no href is an anchor the page's own contents point at.
    return sum(text_len(a) for a in el.iter("a") if a.get("href") is not None)


def _previous_block(el: Element) -> Element | None:
    prev = el.getprevious()
    while prev is not None and not (isinstance(prev.tag, str) and text_len(prev)):
        prev = prev.getprevious()
    if prev is None or not isinstance(prev.tag, str) or prev.tag not in _BLOCK_TAGS:
        return None
    if (el.getprevious() is not None and (el.getprevious().tail or "").strip()) or prev.tag in ("ul", "ol", "table"):
        return None
    return prev


def _canonical_times(node: Element) -> None:
    # The machine value of <time datetime> is authoritative; its rendering ("2 hours ago" today,
    # "Nov. 20" tomorrow) is presentation (news_article.html "Published"/"Updated" stamps). A time
    # marked as the modification time is the CMS's last save, a page stamp: it is emptied
    # (blog_post.html's hidden <time class="updated">).
    for el in node.iter("time"):
        value = (el.get("datetime") or "").strip()
        if _ISO_DATE.match(value):
            for child in list(el):
                el.remove(child)  # children's tails go with them: they are inside the time element
            modified = _MODIFIED.search(f"{classes(el)} {el.get('itemprop') or ''}")
            el.text = "" if modified else f" {value} "


_MODIFIED = re.compile(
    r"(?:^|[\s_-])(?:updated|modified|date[-_]?modified|last[-_]?modified|dateModified)(?:$|[\s_-])",
    re.IGNORECASE,
)


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _mask_counter_elements(node: Element) -> None:
    # An icon-labelled counter leaves a bare number once its icon is gone: <span class="post-views">
    # <svg …/> 1,234</span>, <a title="Likes">30</a>. When the element's class, id, title or
    # aria-label names a counter (the nouns of masking.COUNTER_NOUNS, any language) and its text is
    # only a count, the count is masked. Table cells are data and are not looked at.
    # A cell or box named a counter whose text is one count and its noun ("<td class=votecount>(31
    # Bewertungen)") is a counter too, table or not: its name says what the number is.
    for el in node.iter("span", "a", "small", "div", "li", "b", "strong", "em", "data", "output", "p", "td", "th"):
        text = el.text
        if not text or len(text) > 40:
            continue
        bare = len(text) <= 16 and _BARE_COUNT.match(text) is not None and el.tag not in ("td", "th")
        counted = not len(el) and _COUNT_AND_NOUN.match(text) is not None
        if not (bare or counted):
            continue  # (a count followed by its label element, "<p class=count>1786 <span>Accesses", counts too)
        attrs = " ".join(
            v for v in (el.get("class"), el.get("id"), el.get("title"), el.get("aria-label")) if v
        )
        if attrs and (counter_attribute(attrs) or _COUNT_NAME.search(attrs)):
            el.text = "[n]" if bare else _ONE_NUMBER.sub("[n]", text, count=1)


_COUNT_AND_NOUN = re.compile(r"^\s*\W{0,3}\d[\d.,' ]*\s?[^\W\d_]+(?:\s[^\W\d_]+)?\W{0,3}\s*$")
_ONE_NUMBER = re.compile(r"\d[\d.,']*")


_BARE_COUNT = re.compile(r"^\s*\(?\d[\d.,' ]*(?:\s?(?:[KkMmBb]|Mio|Tsd)\.?)?\+?\)?\s*$")
# An element named a count ("rating--count", "reviewCount", "cnt") that holds nothing but a number.
_COUNT_NAME = re.compile(
    r"(?:(?:^|[\s_-])(?:count|counter|cnt)|(?<=[a-z])(?:Count|Counter)"
    r"|(?i:vote|view|like|share|comment|reply|replie|hit|click|follower|fan|rating|review|download)s?count)(?=$|[\s_A-Z-])"
)

# --------------------------------------------------------------------------- headline, byline, dateline


@dataclass(frozen=True, slots=True)
class HtmlText:
    """What the HTML stage found, before masking."""

    title: str
    paragraphs: tuple[str, ...]
    header_zone: int  # how many leading paragraphs form the article header (dateline kept there)
    meta: dict[str, Any] = field(default_factory=dict)
    had_scripts: bool = False
    table_rows: frozenset[int] = frozenset()  # paragraphs that are table rows: cells are data


def _headline(root: Element, node: Element, meta: dict[str, str]) -> str:
    """The visible headline: an h1 in the content, else the first non-logo h1, else the metadata."""
    inside = [h for h in node.iter("h1") if text_of(h).strip()]
    outside = [h for h in root.iter("h1") if text_of(h).strip() and not is_logo(h)]
    candidates = inside or outside
    declared = _words(meta.get("og:title") or meta.get("title") or "")
    if declared:  # the h1 the page's own title names wins over a "Comments" heading in the region
        for h in dict.fromkeys([*inside, *outside]):
            words = _words(text_of(h))
            if words and len(words & declared) >= 0.6 * len(words):
                return text_of(h).strip()
    if candidates:
        return text_of(candidates[0]).strip()
    return (
        meta.get("og:title")
        or meta.get("twitter:title")
        or meta.get("citation_title")
        or meta.get("title", "")
    )


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.casefold()))


_BYLINE_XPATH = (
    ".//*[@rel='author' or @itemprop='author' or contains(@class,'byline') or contains(@class,'author')"
    " or contains(@class,'Byline') or contains(@class,'Author') or contains(@id,'byline')]"
)
# Outside the content container only unambiguous markers count: a stray ".card__author" in a
# leftover teaser list would otherwise add a rotating "By …" paragraph.
_STRICT_BYLINE_XPATH = (
    ".//*[@rel='author' or @itemprop='author' or contains(@class,'byline') or contains(@id,'byline')]"
)
_BY = re.compile(r"^\s*(?:by|from|von|par|por)\s+", re.IGNORECASE)


def _byline(scope: Element, xpath: str = _BYLINE_XPATH) -> Element | None:
    # Document order gives the outermost match first; one that reads "By …" beats a wrapper that
    # also holds the reporter's role (news_article.html), and an author bio (> 15 words) never wins.
    found = [el for el in scope.xpath(xpath) if 1 <= len(text_of(el).split()) <= 15]
    by = [el for el in found if _BY.match(text_of(el))]
    if by:
        return min(by, key=lambda el: len(text_of(el).split()))  # the tightest "By …"
    return found[0] if found else None


_PUBLISHED_XPATH = (
    ".//time[@itemprop='datePublished' or @pubdate or contains(@class,'publish')]"
    "|.//*[contains(@class,'publish') or contains(@class,'dateline')]//time"
    "|.//*[@itemprop='datePublished']"
)


def _published(scope: Element, loose: bool) -> Element | None:
    found = scope.xpath(_PUBLISHED_XPATH)
    if found:
        return found[0]
    if not loose:  # outside the container, an unmarked <time> may be any teaser's
        return None
    times = [t for t in scope.iter("time") if t.get("datetime")]
    return times[0] if times else None


def _article_region(node: Element, body: Element) -> Element:
    # Where an article header can sit when the container did not take it in: up to three levels
    # above the container (press_release.html's date field sits one level up).
    region = node
    for _ in range(3):
        parent = region.getparent()
        if parent is None or region is body:
            break
        region = parent
    return region


def _header_zone(paragraphs: list[tuple[str, bool, bool]]) -> int:
    # The header zone runs to the last structurally marked header paragraph among the leading ones,
    # or up to the first paragraph of 20+ words when the template marks nothing (blog_post.html).
    zone = 0
    for i, (text, in_header, _) in enumerate(paragraphs[:8]):
        if in_header:
            zone = i + 1
        elif len(text.split()) >= 20:
            break
        elif zone == i and i < 4:
            zone = i + 1
    return zone


def _inside(el: Element, node: Element) -> bool:
    return el is node or any(anc is node for anc in el.iterancestors())


@dataclass(frozen=True, slots=True)
class Prepared:
    """A parsed page with its boilerplate removed, ready for a region to be read from it."""

    root: Element
    body: Element
    meta_tags: dict[str, str]
    had_scripts: bool
    url: str = ""


def prepare(root: Element, keep: Callable[[Element], bool] | None = None, url: str = "") -> Prepared:
    """Read the head's metadata, then strip boilerplate (``root`` is modified; ``keep`` spares
    elements the rules would remove, see ``strip_boilerplate``)."""
    meta_tags = head_meta(root)
    had_scripts = strip_boilerplate(root, keep)
    body = root.find("body")
    return Prepared(root, root if body is None else body, meta_tags, had_scripts, url)


def read_page(root: Element) -> HtmlText:
    """Everything the density pass extracts from a parsed page (``root`` is modified)."""
    page = prepare(root)
    node = main_container(page.body)
    return read_region(page, node, {"extractor": "fast" if node is not page.body else "fulltext"})


def read_region(page: Prepared, node: Element, meta: dict[str, Any]) -> HtmlText:
    """The headline, article header and paragraphs of ``node``, the page's main-content region."""
    root, body, meta_tags = page.root, page.body, page.meta_tags
    host = urlsplit(page.url or meta_tags.get("canonical", "")).hostname or ""
    drop_link_blocks(node, host)
    title = _headline(root, node, meta_tags)
    for key, name in (("lang", "lang"), ("canonical", "canonical"), ("og:site_name", "site_name"),
                      ("article:modified_time", "modified"), ("description", "description")):  # fmt: skip
        if key in meta_tags:
            meta[name] = meta_tags[key]

    extra: list[tuple[str, bool, bool]] = []
    region = _article_region(node, body)
    byline_el = _byline(node)
    byline_el = byline_el if byline_el is not None else _byline(region, _STRICT_BYLINE_XPATH)
    if byline_el is not None:
        meta["byline"] = _BY.sub("", " ".join(text_of(byline_el).split()))
        if not _inside(byline_el, node):
            extra.append((text_of(byline_el), True, False))
    elif meta_tags.get("author") and not meta_tags["author"].startswith("http"):
        meta["byline"] = meta_tags["author"]
        extra.append((f"By {meta_tags['author']}", True, False))
    published_el = _published(node, loose=True) if node is not body else None
    published_el = published_el if published_el is not None else _published(region, loose=False)
    if published_el is not None:
        meta["published"] = published_el.get("datetime") or published_el.get("content") or ""
        meta["dateline"] = " ".join(text_of(published_el).split()) or meta["published"]
        if not _inside(published_el, node) and meta["published"]:
            extra.append((f"Published {meta['published']}", True, False))
    elif meta_tags.get("article:published_time") or meta_tags.get("citation_publication_date"):
        meta["published"] = meta_tags.get("article:published_time") or meta_tags["citation_publication_date"]
        extra.append((f"Published {meta['published']}", True, False))

    _canonical_times(node)
    _mask_counter_elements(node)
    owners: list[Element] = []
    body_paragraphs = linearise(node, owners)
    cut = _furniture_tail(body_paragraphs, owners, host)
    paragraphs = extra + body_paragraphs[:cut]
    standfirst = _declared_standfirst(body, node, meta_tags, paragraphs)
    if standfirst:
        paragraphs.insert(len(extra), (standfirst, True, False))
    paragraphs = [p for p in paragraphs if not _AD_LABEL.match(p[0]) and not _is_credit(p[0]) and not _READING_TIME.match(p[0])
                  and not _is_breadcrumb(p[0], title)]
    if title:  # the headline is the title, not a paragraph
        flat = " ".join(title.split())
        for i, (text, _, _) in enumerate(paragraphs[:4]):
            if " ".join(text.split()) == flat:
                del paragraphs[i]
                break
    return HtmlText(
        title=title,
        paragraphs=tuple(t for t, _, _ in paragraphs),
        header_zone=_header_zone(paragraphs),
        table_rows=frozenset(i for i, (_, _, row) in enumerate(paragraphs) if row),
        meta=meta,
        had_scripts=page.had_scripts,
    )


def _declared_standfirst(
    body: Element, node: Element, meta_tags: dict[str, str], paragraphs: list[tuple[str, bool, bool]]
) -> str:
    """The article's standfirst when it sits above the region read: the block before the container
    whose text is the summary the page declares (``description`` or ``og:description``, eight words
    or more; a declared summary cut short matches the start of the block). The page says itself
    that this is what the article is about, so it is the article's header, and an edited standfirst
    is an edit. ``""`` when the text already holds it or the page shows no such block.
    """
    order: dict[Element, int] | None = None
    for key in ("description", "og:description"):
        declared = " ".join((meta_tags.get(key) or "").split()).rstrip(".…").strip()
        if len(declared.split()) < 8:
            continue
        probe = declared[:40]
        if any(probe in " ".join(text.split()) for text, _, _ in paragraphs):
            return ""
        try:
            found = body.xpath(".//*[contains(normalize-space(text()), $head)]", head=" ".join(declared.split()[:4]))
        except etree.XPathError:
            continue
        if order is None:
            order = {el: i for i, el in enumerate(body.iter())}
        start = order.get(node, 0)
        for el in found:
            block = el
            while block is not None and block.tag not in _BLOCK_TAGS:
                block = block.getparent()
            if block is None or order.get(block, start) >= start or _inside(node, block):
                continue
            text = " ".join(text_of(block).split())
            if text.startswith(probe) and len(text.split()) <= max(1.5 * len(declared.split()), 80):
                return text
    return ""


_ANNOUNCES = re.compile(r"[^\W\d]\s?:$")  # "Das könnte dich auch interessieren:" with nothing after it
_HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6", "header"))
# How a sentence ends, in the scripts the pages come in (a label or a menu entry ends without it).
_SENTENCE_END = re.compile(r"[.!?。！？…\"”»’)\]]\s*$")


def _furniture_tail(paragraphs: list[tuple[str, bool, bool]], owners: list[Element], host: str) -> int:
    """Where the article's own text ends: the index after which only site furniture follows.

    The region a template or the density pass picks often ends with what sits under the article:
    a section label ("Temas", "Vous aimerez aussi", "Auch interessant:"), a "print" or "back to top"
    link, a run of links to the site's other pages. Walking back from the end, a short block that is
    mostly links to this site is furniture, and so is a short label (six words or fewer with no
    sentence end, or a phrase ending in a colon) with such links after it; a label with nothing
    after it is an author's sign-off and stays, unless it is a heading (a section left empty). The first paragraph that is neither (prose, a table
    row, a link elsewhere: a source list) ends the walk. The article's header zone is never cut,
    and at least one paragraph after it is always kept.
    """
    floor = _header_zone(paragraphs) + 1
    cut = end = len(paragraphs)
    i = end
    while i > floor:
        text, _, is_row = paragraphs[i - 1]
        words = len(text.split())
        if is_row or not words:
            break
        owner = owners[i - 1]
        if words <= 25 and _link_chars(owner) >= 0.6 * max(text_len(owner), 1) and _internal(owner, host):
            cut = i - 1  # links to the site's other pages
        elif not ((words <= 6 and not _SENTENCE_END.search(text)) or (words <= 10 and text.rstrip().endswith(":"))):
            break
        elif cut < end or owner.tag in _HEADINGS or _ANNOUNCES.search(text):
            cut = i - 1  # a label over links already cut ("Mehr Nachrichten"), a heading over nothing
        i -= 1
    return cut


# Labels that ad slots and widgets leave behind when their container has no telling class.
_AD_LABEL = re.compile(
    r"^\W*(?:advertisement|advertising|ad|sponsored(?: content)?|story continues below(?: advertisement)?"
    r"|article continues below|scroll to continue(?: with content)?|skip to (?:main )?content"
    r"|continue reading|read more|share this(?: article| story)?)\W*$",
    re.IGNORECASE,
)


# A breadcrumb trail: the page's place in the site, "Hauptseite » 2010 » Oktober » 26 » Briefe", short
# steps joined by a trail separator and ending with the page's own headline. Site furniture: its date
# steps are the archive's path, not the story's, and a trail rebuilt by the site is not an edit.
_TRAIL = re.compile(r"\s*[»›>]\s*")


def _is_breadcrumb(text: str, title: str) -> bool:
    if "»" not in text and "›" not in text and ">" not in text:
        return False  # no trail separator: one step (most paragraphs; the split below is dear)
    steps = [s for s in _TRAIL.split(" ".join(text.split())) if s]
    if len(steps) < 3 or any(len(s.split()) > 6 or _SENTENCE_END.search(s) for s in steps[:-1]):
        return False
    last = steps[-1].casefold()
    return bool(title) and len(last) >= 3 and last in " ".join(title.split()).casefold()


# A reading-time estimate ("6 min read", "21 minutes - 4312 words", "Lesezeit: 4 Minuten", "11 minut
# czytania"): a counter derived from the text, which changes whenever the text does and says nothing.
_READING_TIME = re.compile(
    r"^\W*(?:(?:reading time|read time|lesezeit|lesedauer|temps de lecture|tiempo de lectura|czas czytania"
    r"|tempo di lettura|lukuaika)\W*)?(?:ca\.\s*)?\d+(?:[-–]\d+)?\s*(?:min(?:ute)?s?|minuten|minut[ay]?|mins?\.?)"
    r"(?:\s+(?:read|reading|reading time|lesezeit|lesedauer|de lecture|de lectura|czytania|di lettura|lukuaika))?"
    r"(?:\W+\d[\d.,]*\s*(?:words|wörter|mots|palabras|słów|parole))?\W*$",
    re.IGNORECASE,
)


# A picture credit left in the text as a line of its own: "Photo: AP", "(Credit: Clayton Aldern /
# Grist)", "Crédits photos : Bestimage", "Bild: dpa", "Kuva: Lehtikuva", "© Reuters". The label is
# journalistic furniture in every language; the line is short and names a source, not a claim.
_CREDIT = re.compile(
    r"^\W{0,3}(?:(?:photo|picture|image|illustration|graphic|video)s?(?:\s+credits?)?|credits?(?:\s+photos?)?"
    r"|photograph(?:ed)?\s+by|crédits?\s+photos?|fotos?|bild(?:er|quelle)?|beitragsbild|quelle|kuva|zdjęcie|fot"
    r"|imagen|foto\s+de|source|copyright|©)\s*[:©]",
    re.IGNORECASE,
)


def _is_credit(text: str) -> bool:
    # The anchored patterns first: they fail at once on most paragraphs, the word count does not.
    return bool(_CREDIT.match(text) or _CREDIT_BY.match(text)) and len(text.split()) <= 20


_CREDIT_BY = re.compile(r"^\W{0,3}(?:photo(?:graph)?s?|photographed|pictures?|images?|foto|fotos|bild)\s+(?:by|von|de|par)\s", re.IGNORECASE)
