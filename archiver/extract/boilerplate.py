"""HTML parsing and structural boilerplate removal for the fast engine.

``parse`` (lxml, one parser per call) → ``strip_boilerplate``: scripts, navigation, site headers and
footers, hidden elements, and elements whose class or id names ads, cookie banners, share bars,
related/most-read lists, comments or sidebars, all removed *before* any text is read. Also the
small tree helpers the other HTML modules share.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from lxml import etree

logger = logging.getLogger(__name__)

__all__ = [
    "Element",
    "classes",
    "drop",
    "head_meta",
    "is_logo",
    "parse",
    "parse_counted",
    "strip_boilerplate",
    "text_len",
    "text_of",
]

Element = Any  # lxml.etree._Element; lxml ships no type information

# --------------------------------------------------------------------------- parse


def parse(text: str) -> Element | None:
    """The document element, or None when there is no markup to parse.

    Plain ``etree`` elements, not ``lxml.html``'s: its per-element class lookup costs a third of
    the extraction time on a 50 KB page, and nothing here needs its methods.
    """
    return parse_counted(text)[0]


def parse_counted(text: str, *, clean: bool = False) -> tuple[Element | None, bool]:
    """``parse(text)``, and whether control characters were taken out of ``text`` before parsing.
    ``clean``: the caller knows ``text`` holds none (``archiver.extract.parse_html``)."""
    declaration = _XML_DECL.match(text)  # lxml refuses str input that declares an encoding
    if declaration is not None:
        text = text[declaration.end():]
    controls = 0
    if not clean:
        text, controls = _CONTROL.subn("", text)
    if not text.strip():
        return None, controls > 0
    return _parse_clean(text), controls > 0


def _parse_clean(text: str) -> Element | None:
    parser = etree.HTMLParser(
        remove_comments=True, remove_pis=True, collect_ids=False
    )  # one per call: not thread-safe
    try:
        return etree.fromstring(text, parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        logger.debug("HTML did not parse: %s", exc)
        return None


def text_of(el: Element) -> str:
    """All the text inside ``el`` (``lxml.html``'s ``text_content`` for plain elements).

    Serialised as text rather than evaluated as XPath ``string()`` (the same string): the
    serialiser needs no evaluation context per call, which halves its cost with a check's 16
    threads, and it is called for every candidate region of every page.
    """
    return str(etree.tostring(el, method="text", encoding="unicode", with_tail=False))


def drop(el: Element) -> None:
    """Remove ``el`` and its subtree, keeping its tail text in place (``drop_tree``)."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is None:
            parent.text = (parent.text or "") + el.tail
        else:
            prev.tail = (prev.tail or "") + el.tail
    parent.remove(el)


_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# --------------------------------------------------------------------------- head metadata


def head_meta(root: Element) -> dict[str, str]:
    """``<meta>`` values by lower-cased name/property/itemprop (first wins), plus lang and canonical."""
    out: dict[str, str] = {}
    for el in root.iter("meta"):
        key = el.get("property") or el.get("name") or el.get("itemprop")
        value = el.get("content")
        if key and value and value.strip():
            out.setdefault(key.strip().lower(), value.strip())
    for el in root.iter("link"):
        if (el.get("rel") or "").lower() == "canonical" and el.get("href"):
            out.setdefault("canonical", el.get("href").strip())
    lang = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    if lang:
        out["lang"] = lang.strip()
    title = root.find(".//title")
    if title is not None and text_of(title).strip():
        out["title"] = text_of(title).strip()
    return out


# --------------------------------------------------------------------------- boilerplate

# Elements that are never main content, whatever their class says.
_DROP_TAG_NAMES = frozenset((
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed", "button", "select", "input",
    "textarea", "nav", "aside", "dialog", "menu",
))  # fmt: skip
_DROP_ROLES = frozenset((
    "navigation", "banner", "contentinfo", "complementary", "dialog", "alertdialog", "search",
))  # fmt: skip
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# Class/id words that name boilerplate. Each family came from a template in tests/fixtures/pages:
# ads and sponsored slots, cookie/consent banners (news_article), newsletter and subscribe boxes,
# share bars and counters, related/most-read/recommended lists (news_article, blog_post), comment
# sections (news_article, blog_post), sidebars and widgets (blog_post), breadcrumbs and pagers
# (press_release), screen-reader-only helper text; the next/previous story teasers, contact boxes and
# paywall prompts ("article-payant") of real templates, and the French and German words for
# "recommended". Matched as whole words between -, _ and spaces.
_BOILERPLATE = re.compile(
    r"(?:^|[\s_-])(?:ads?|adv|advert\w*|adslot|adunit|ad[-_]?slot|dfp|gpt|adsbygoogle|taboola|outbrain"
    r"|sponsor(?:ed|s)?|promo(?:tion)?s?|banner|cookies?|consent|gdpr|cmp|newsletters?|subscribe|signup"
    r"|paywall|disclosures?|share|sharing|sharebar|social|related\w*|similar|cross[-_]?sell\w*|upsell\w*|recommend\w*|recommand\w*|empfehlung\w*|recirc\w*|most[-_]?(?:read|popular|viewed)"
    r"|next[-_]?(?:story|stories|post|posts|article)|prev(?:ious)?[-_]?(?:story|post|article)|post[-_]navigation"
    r"|payant|contact[-_]?(?:teaser|box|card)"
    r"|mostread|popular|trending|more[-_]stories|comments?|comment[-_]list|commentlist|disqus|respond"
    r"|sidebar|widgets?|breadcrumbs?|pagination|pager|toolbar|skip[-_]link|sr[-_]only|visually[-_]hidden"
    r"|screen[-_]reader[-_]text|modal|popup|overlay|print[-_]only|tags|tag[-_]list|(?:tag|cat)[-_]links|ticker|footer|colophon)(?:$|[\s_-])",
    re.IGNORECASE,
)

_QUOTE = re.compile(r"(?:^|[\s_-])(?:quote|blockquote|pullquote|pull[-_]quote)(?:$|[\s_-])", re.IGNORECASE)
_LOGO = re.compile(r"logo|brand|site[-_]?(?:title|name)|masthead", re.IGNORECASE)
# Picture captions and credits ("Photo: AP", "Credit: Getty Images", "Bild: dpa"; named in German
# "Bildunterschrift", French "légende", Italian "didascalia"/"dida"): they describe a picture, not
# the story, and a re-cropped photo or a new credit is not an edit. trafilatura drops them too. A
# <figure> that holds a table or a quote is kept: that is data.
_CAPTION = re.compile(
    r"(?:^|[\s_-])(?:caption\w*|(?:wp|img|image|photo|picture|media|figure)[-_]?(?:caption|credits?|copyright|source)"
    r"|credits?|copyright|bildunterschrift|legende|didascalia|dida|imagecaptionwrapper)(?:$|[\s_-])",
    re.IGNORECASE,
)
# An author's biography box ("Jane Doe is a personal finance expert…"): about the writer, not the
# story. A short byline in the same markup stays (it is only a box when it runs past 12 words).
_BIO = re.compile(
    r"(?:^|[\s_-])(?:bio|biography|(?:author|autor|writer)[-_]{0,2}(?:bio|box|info|about|description|card|profile|details|teaser)"
    r"|about[-_]?(?:the[-_]?)?author|abh[-_]\w+)(?:$|[\s_-])",
    re.IGNORECASE,
)


def classes(el: Element) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def text_len(el: Element) -> int:
    return len(text_of(el).strip())


#: ``//*[@itemprop='articleBody']`` (the same elements, in document order) found through the
#: attribute axis: a third of the cost of testing every element's attribute.
_ARTICLE_BODY = etree.XPath("//@itemprop[.='articleBody']/..")


def _protected(root: Element) -> tuple[set[Element], bool]:
    """Elements that hold the headline or the declared article body (never removed by class), and
    whether there is such an anchor at all."""
    keep: set[Element] = set()
    anchors = [h for h in root.iter("h1") if not is_logo(h)]
    anchors += _ARTICLE_BODY(root)
    for el in anchors:
        keep.add(el)
        keep.update(el.iterancestors())
    return keep, bool(anchors)


def is_logo(h1: Element) -> bool:
    return (
        bool(_LOGO.search(classes(h1)))
        or h1.find(".//img") is not None
        or bool(h1.xpath("ancestor::*[contains(@class,'logo') or contains(@class,'masthead')]"))
    )


# Class words that say only whether a block is shown now, not what it is.
_STATE_WORDS = frozenset((
    "hidden", "is-hidden", "d-none", "hide", "inactive", "collapsed", "active", "is-active", "current", "visible", "show",
))  # fmt: skip


def _kind(el: Element) -> frozenset[str]:
    return frozenset((el.get("class") or "").split()) - _STATE_WORDS


def _next_page(el: Element) -> bool:
    """A hidden block that is one of a run of its kind (same tag, same class words but for state),
    beside one that is shown: the further pages of a gallery or a paginated article, which the
    reader reaches with a click. They are the article (trafilatura reads them too)."""
    kind = _kind(el)
    if not kind:
        return False
    for sib in (*el.itersiblings(preceding=True), *el.itersiblings()):
        if sib.tag == el.tag and _kind(sib) == kind and not _hidden(sib):
            return True
    return False


def _hidden(el: Element) -> bool:
    """Not shown: the ``hidden`` attribute, ``aria-hidden``, or a style that hides it."""
    return (el.get("hidden") is not None or el.get("aria-hidden") == "true"
            or bool(_HIDDEN_STYLE.search(el.get("style") or "")))


def _is_boilerplate(el: Element, tag: str, total: int | None) -> bool:
    if tag in _DROP_TAG_NAMES:
        return True
    get = el.get
    if tag == "footer":  # a <footer> inside a <blockquote> is the quote's attribution: content
        return not any(anc.tag == "blockquote" for anc in el.iterancestors())
    if tag == "header" and (
        get("role") == "banner" or el.find(".//nav") is not None or el.find(".//form") is not None
    ):
        return True  # the site header; an article's own <header> has no menu or search form
    if get("hidden") is not None or get("aria-hidden") == "true" or get("aria-modal") == "true":
        return True
    if get("role") in _DROP_ROLES:
        return True
    style = get("style")
    if style and _HIDDEN_STYLE.search(style) and not _next_page(el):
        return True
    if tag == "figcaption":
        return True
    if tag == "a" and "sponsored" in (get("rel") or "").lower().split():
        return True  # a paid link, declared so (rel="sponsored"): an ad, wherever its slot sits
    if tag == "figure":
        return el.find(".//table") is None and el.find(".//blockquote") is None
    cls, ident = get("class"), get("id")
    if (cls or ident) and tag not in ("html", "body", "main", "article"):
        names = f"{cls or ''} {ident or ''}"
        if _CAPTION.search(names) and el.find(".//table") is None and text_len(el) < 400:
            return True
        if _BIO.search(names) and len(text_of(el).split()) > 12:
            return True
    if (cls or ident) and _BOILERPLATE.search(f"{cls or ''} {ident or ''}"):
        if tag in ("html", "body", "main", "article") or _QUOTE.search(f"{cls or ''} {ident or ''}"):
            return False  # a pull quote made to be shared ("social-media-quote", "tweetable-quote") is the text
        # A wrapper whose class merely mentions a sidebar ("has-sidebar") holds the page. With a
        # headline, protection already keeps it; without one, keep what holds 40% of the text.
        # Not with a headline: a long comment thread under a short article is still comments.
        return total is None or text_len(el) < 0.4 * total
    return False


#: Never content, whatever a template says.
_HARD_DROP = frozenset(("script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed"))


def strip_boilerplate(root: Element, keep: Callable[[Element], bool] | None = None) -> bool:
    """Remove boilerplate in place, in one walk that skips what it drops; returns whether the page
    had scripts (for the "no text without scripts" verdict).

    ``keep`` may spare an element the rules would remove (a host template knows that this site's
    article body sits in a "widget" box); scripts, styles and embeds are removed regardless."""
    had_scripts = root.find(".//script") is not None
    body = root.find("body")
    body = root if body is None else body
    protected, has_headline = _protected(root)
    total = (
        None
        if has_headline
        else text_len(body) - sum(len(el.text or "") for el in body.iter("script", "style"))
    )
    doomed = []
    walker = etree.iterwalk(body, events=("start",))
    for _, el in walker:
        tag = el.tag
        if not isinstance(tag, str) or el is body:
            continue
        if el in protected and tag not in ("script", "style"):
            continue
        if _is_boilerplate(el, tag, total) and (keep is None or tag in _HARD_DROP or not keep(el)):
            doomed.append(el)
            walker.skip_subtree()
    head = root.find("head")
    if head is not None:
        doomed.extend(head.iter("script", "style", "noscript", "template"))
    for el in doomed:
        drop(el)
    return had_scripts
