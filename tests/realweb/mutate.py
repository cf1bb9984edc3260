"""What changes on a real page between two fetches: noise outside the article, or an edit inside it.

Everything is found by markup, never by site: ``<time>`` elements and date-named elements outside
the article, elements whose class or id names a counter, a related/"most read" list or an ad slot,
``<script>`` nonces, CSRF fields and stylesheet/script URLs. The article is known by the manifest's
``with`` strings (its anchors): an element containing one, or inside one, is never touched by noise.
Every mutation is a pure function of (page, epoch, seed).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeAlias
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lxml import etree

HtmlElement: TypeAlias = etree._Element  # plain lxml elements: lxml.html's class lookup costs a third of a render

from .corpus import RealPage, normalise

# -- parse and serialise -------------------------------------------------------------------------


def _codec(charset: str) -> str:
    # iso-8859-1 decodes and encodes every byte to itself, so the page's bytes survive the trip.
    return {"gb2312": "gb18030"}.get(charset.lower(), charset.lower())


def parse(body: bytes, charset: str) -> HtmlElement:
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", body.decode(_codec(charset), "replace"))  # XHTML's declaration
    root = etree.fromstring(text, etree.HTMLParser())
    assert root is not None, "a page with no markup"
    return root


def serialise(root: HtmlElement, charset: str) -> bytes:
    doctype = root.getroottree().docinfo.doctype or "<!DOCTYPE html>"
    text: str = etree.tostring(root, method="html", encoding="unicode", doctype=doctype)
    return text.encode(_codec(charset), "xmlcharrefreplace")


def fragment(html: str) -> HtmlElement:
    return etree.fromstring(html, etree.HTMLParser()).find("body")[0]


def drop(el: HtmlElement) -> None:
    """Remove ``el`` and its subtree, keeping the text that follows it (lxml.html's drop_tree)."""
    parent = el.getparent()
    assert parent is not None
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def token(*parts: object, length: int = 16) -> str:
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:length]


def text_of(el: HtmlElement) -> str:
    return normalise(etree.tostring(el, method="text", encoding="unicode", with_tail=False))


def elements(root: HtmlElement) -> Iterator[HtmlElement]:
    yield from root.iter(etree.Element)


_HIDDEN = frozenset({"script", "style", "noscript", "template", "textarea", "title"})

# -- the article's anchors -------------------------------------------------------------------------


@dataclass
class Anchors:
    """The smallest element holding each ``with`` string, and what must not be touched."""

    strings: tuple[str, ...]
    found: dict[str, HtmlElement]  # with string -> smallest element containing it
    without: tuple[str, ...] = ()  # the manifest's boilerplate strings: never edited as if article

    def boilerplate(self, el: HtmlElement) -> bool:
        """``el`` holds a string the manifest names boilerplate (a "Weiterführender Link" box)."""
        text = normalise(text_of(el))
        return any(s in text for s in self.without)

    @classmethod
    def find(cls, root: HtmlElement, strings: Sequence[str]) -> Anchors:
        body = root.find("body")
        wanted = tuple(s for s in (normalise(w) for w in strings) if s)
        found = {}
        for s in wanted:
            node = body if body is not None and s in text_of(body) else None
            while node is not None:
                inner = next((c for c in node if isinstance(c.tag, str) and c.tag not in _HIDDEN and s in text_of(c)),
                             None)
                if inner is None:
                    break
                node = inner
            if node is not None and node is not body:  # not only in scripts or spread over the page
                found[s] = node
        return cls(wanted, found)

    @classmethod
    def of_page(cls, root: HtmlElement, page: RealPage) -> Anchors:
        """``find`` for a tree parsed from ``page``'s own bytes, with the search done once per page."""
        found = {}
        for string, path in _anchor_paths(page):
            node = root
            for i in path:
                node = node[i]
            found[string] = node
        without = tuple(s for s in (normalise(w) for w in page.without) if s)
        return cls(tuple(s for s in (normalise(w) for w in page.with_) if s), found, without)

    def protects(self, el: HtmlElement) -> bool:
        """True when ``el`` contains, or is inside, a with string's element (or holds its text)."""
        holders = set(self.found.values())
        if el in holders or any(a in holders for a in el.iterancestors()):
            return True
        if any(_contains(el, a) for a in holders):
            return True
        text = text_of(el)
        return any(s in text for s in self.strings)

    def region(self, root: HtmlElement) -> list[HtmlElement]:
        """The article's region: ``<article>``/``<main>``/articleBody elements, the anchors' common
        ancestor and the headline's parent (where the dateline sits)."""
        out = [el for el in elements(root) if el.tag in ("article", "main")
               or el.get("itemprop") == "articleBody" or el.get("role") == "main"]
        lca = self.common_ancestor()
        if lca is not None:
            out.append(lca)
        h1 = root.find(".//h1")
        if h1 is not None and h1.getparent() is not None:
            out.append(h1.getparent())
        return out

    def near(self, el: HtmlElement, root: HtmlElement) -> bool:
        """Whether ``el`` belongs to the article's neighbourhood (its header, dateline, byline):
        the smallest element holding both ``el`` and the article (or the headline) is not much
        bigger than the article. With no anchors, everything counts as near."""
        lca = self.common_ancestor()
        if lca is None:
            return True
        h1 = root.find(".//h1")
        for target in (lca, h1):
            if target is None:
                continue
            # A set of the proxies themselves, held while we look: lxml hands out the same proxy
            # for an element only while one is referenced (so no ``id()`` of a passing proxy).
            mine = {el, *el.iterancestors()}
            joint = next((a for a in (target, *target.iterancestors()) if a in mine), None)
            if joint is not None and len(text_of(joint)) <= 1.3 * len(text_of(target)) + 600:
                return True
        return False

    def common_ancestor(self) -> HtmlElement | None:
        nodes = list(self.found.values())
        if not nodes:
            return None
        paths = [list(reversed([n, *n.iterancestors()])) for n in nodes]
        common = None
        for level in zip(*paths):
            if all(x is level[0] for x in level):
                common = level[0]
            else:
                break
        return common


@functools.cache
def _anchor_paths(page: RealPage) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """Where each with string's element sits in the parsed page: child indices from the root."""
    root = parse(page.body(), page.charset)
    out = []
    for string, el in Anchors.find(root, page.with_).found.items():
        path = []
        node = el
        while node.getparent() is not None:
            parent = node.getparent()
            path.append(parent.index(node))
            node = parent
        out.append((string, tuple(reversed(path))))
    return tuple(out)


def _contains(outer: HtmlElement, inner: HtmlElement) -> bool:
    return any(a is outer for a in inner.iterancestors())


def _inside_any(el: HtmlElement, roots: Sequence[HtmlElement]) -> bool:
    return any(el is r or _contains(r, el) for r in roots)


def _names(el: HtmlElement) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}".lower()


# -- noise -----------------------------------------------------------------------------------------

_DATE_NAME = re.compile(r"date|time|clock|updated|published|datum|fecha|heure|data-pub")
_COUNTER_NAME = re.compile(r"(?<![a-z])(\w*count\w*|shares?|comments?|views|likes?|hits|reads|votes?|reactions?"
                           r"|kommentare?)(?![a-z])")
_COUNT_TEXT = re.compile(r"\D{0,20}\d[\d.,]*\s?[KkMm]?\D{0,20}")
_RELATED_NAME = re.compile(r"related|(?<![a-z])most|popular|trending|recommend|read-?next|teaser|top-?stories"
                           r"|latest|more-?(news|stories|articles)|meistgelesen|weitere|empfehl|lire-aussi"
                           r"|relacionad|similar|other-?(news|articles)")
_AD_NAME = re.compile(r"(?<![a-z])(ads?|adv|advert\w*|sponsor\w*|promo\w*|dfp|gpt|adslot|ad-?slot|werbung"
                      r"|anzeige|publicite)(?![a-z])")
_TOKEN_FIELD = re.compile(r"csrf|token|nonce|authenticity|form_build_id", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
_BUSTERS = {"v", "ver", "version", "_", "cb", "t", "ts", "rev", "build"}

NEW_HEADLINES = {
    "en": ["Council approves new budget after long debate", "Heavy rain expected across the region this weekend",
           "Local team wins cup final in extra time", "Museum reopens after two years of renovation"],
    "de": ["Gemeinderat beschließt neuen Haushalt", "Starkregen am Wochenende erwartet",
           "Heimteam gewinnt Pokalfinale in der Verlängerung", "Museum öffnet nach zwei Jahren Umbau wieder"],
    "fr": ["Le conseil adopte un nouveau budget", "De fortes pluies attendues ce week-end",
           "L'équipe locale remporte la coupe", "Le musée rouvre après deux ans de travaux"],
    "es": ["El consejo aprueba un nuevo presupuesto", "Se esperan fuertes lluvias este fin de semana",
           "El equipo local gana la final de copa", "El museo reabre tras dos años de obras"],
    "pt": ["Câmara aprova novo orçamento", "Chuva forte prevista para o fim de semana",
           "Equipe local vence a final da copa", "Museu reabre após dois anos de obras"],
    "it": ["Il consiglio approva il nuovo bilancio", "Forti piogge attese nel fine settimana",
           "La squadra locale vince la finale di coppa", "Il museo riapre dopo due anni di lavori"],
    "pl": ["Rada przyjęła nowy budżet", "Silne opady deszczu w weekend",
           "Miejscowa drużyna wygrała finał pucharu", "Muzeum otwarte po dwóch latach remontu"],
}
AD_COPY = ["Save 30% on winter tyres today", "Your new kitchen, planned online", "Fly to Lisbon from 49 €",
           "Try our meal boxes: first week free", "Fast fibre broadband for your home", "Book a test drive now"]
COUNTER_WORDS = {"en": ("shares", "comments"), "de": ("Mal geteilt", "Kommentare"), "fr": ("partages", "commentaires"),
                 "es": ("compartidos", "comentarios")}


@dataclass
class NoiseReport:
    """How many targets each kind of noise found on a page (for the world's description)."""

    times: int = 0
    counters: int = 0
    related: int = 0
    ads: int = 0
    scripts: int = 0
    tokens: int = 0
    busted: int = 0


def _clock(text: str, epoch: int, salt: str) -> str:
    """Dates and times moved on by ``epoch``: years kept, hours 0-23, minutes 0-59, days 1-12."""

    def move(m: re.Match[str]) -> str:
        run, start, end = m.group(), m.start(), m.end()
        value, width = int(run), len(run)
        shift = epoch + int(token(salt, start, length=2), 16) % 5 * epoch
        if width == 4 and run[:2] in ("19", "20"):
            return run
        if start and text[start - 1] == ":":
            value = (value + 17 * shift) % 60
        elif end < len(text) and text[end] == ":":
            value = (value + shift) % 24
        elif width <= 2:
            value = (value - 1 + shift) % 12 + 1
        else:
            value = int(token(salt, epoch, run, length=8), 16) % 10**width
        return str(value).zfill(width if run.startswith("0") or width > 2 else 1)

    return _DIGITS.sub(move, text)


def _renumber(text: str, epoch: int, salt: str) -> str:
    """Counts that move: each number grows by a page-and-epoch dependent amount."""
    return _DIGITS.sub(lambda m: str(int(m.group()) + epoch * (3 + int(token(salt, m.start(), length=2), 16) % 40)),
                       text)


def _rewrite_text(el: HtmlElement, change: Callable[[str], str]) -> None:
    """Apply ``change`` to every text node inside ``el`` (not to its own tail)."""
    if el.text:
        el.text = change(el.text)
    for child in el.iterdescendants():
        if child.text and isinstance(child.tag, str):
            child.text = change(child.text)
        if child.tail:
            child.tail = change(child.tail)


def _is_counter(el: HtmlElement, names: str) -> bool:
    """A counter: named like one, and its text is one number with at most a few words around it
    ("1,234 shares", "Kommentare: 12"); a teaser or a date in a "views-row" is not."""
    if not _COUNTER_NAME.search(names):
        return False
    text = text_of(el)
    return len(text) <= 30 and len(text.split()) <= 4 and bool(_COUNT_TEXT.fullmatch(text))


def _short(el: HtmlElement, limit: int) -> bool:
    text = text_of(el)
    return 0 < len(text) <= limit and any(ch.isdigit() for ch in text)


def add_noise(root: HtmlElement, anchors: Anchors, *, page: str, lang: str, epoch: int) -> NoiseReport:
    """Every kind of noise at ``epoch`` (epoch 0 is the page's own baseline state)."""
    report = NoiseReport()
    region = anchors.region(root)
    _inject(root, anchors, page=page, lang=lang, epoch=epoch)
    rewritten: set[HtmlElement] = set()  # a date or counter inside one already rewritten is left be
    for el in list(elements(root)):
        if el.tag in ("script", "style", "head", "html", "body") or el.getparent() is None:
            continue
        if rewritten and any(a in rewritten for a in el.iterancestors()):
            continue
        names = _names(el)
        if el.tag == "time" or (_DATE_NAME.search(names) and _short(el, 60)):
            if not _inside_any(el, region) and not anchors.protects(el) and not anchors.near(el, root):
                _rewrite_text(el, lambda t: _clock(t, epoch, page))
                if el.get("datetime"):
                    el.set("datetime", _clock(el.get("datetime") or "", epoch, page))
                report.times += 1
                rewritten.add(el)
        elif _is_counter(el, names) and not anchors.protects(el):
            _rewrite_text(el, lambda t: _renumber(t, epoch, page))
            report.counters += 1
            rewritten.add(el)
    report.related = _shuffle_related(root, anchors, page=page, lang=lang, epoch=epoch)
    report.ads = _refill_ads(root, anchors, page=page, epoch=epoch)
    report.scripts, report.tokens = _tokens(root, page=page, epoch=epoch)
    report.busted = _bust_caches(root, anchors, page=page, epoch=epoch)
    return report


def _inject(root: HtmlElement, anchors: Anchors, *, page: str, lang: str, epoch: int) -> None:
    """A share bar with counters and an ad slot right under the headline (or atop the body), and a
    CSRF meta tag: the furniture most article templates carry, on every page."""
    shares, comments = COUNTER_WORDS.get(lang, COUNTER_WORDS["en"])
    base = int(token(page, "counts", length=3), 16)
    bar = fragment(
        f'<div class="share-bar"><a class="share-count" href="#share">{base + 7 * epoch} {shares}</a> '
        f'<a class="comment-count" href="#comments">{base % 97 + 2 * epoch} {comments}</a></div>')
    ad = fragment('<div class="ad-slot" id="ad-top"></div>')
    h1 = root.find(".//h1")
    body = root.find("body")
    if h1 is not None and h1.getparent() is not None:
        h1.addnext(ad)
        h1.addnext(bar)
    elif body is not None:
        body.insert(0, ad)
        body.insert(0, bar)
    head = root.find("head")
    if head is not None:
        head.append(etree.Element("meta", name="csrf-token", content=token(page, epoch, "csrf", length=40)))


def _items(container: HtmlElement) -> list[HtmlElement]:
    """The entries of a list-like block: the first level (within 3) with 3+ children holding a link."""
    frontier = [container]
    for _ in range(4):
        for node in frontier:
            linked = [c for c in node if isinstance(c.tag, str) and any(text_of(a) for a in c.iter("a"))]
            if len(linked) >= 3:
                return linked
        frontier = [c for node in frontier for c in node if isinstance(c.tag, str)]
    return []


def _shuffle_related(root: HtmlElement, anchors: Anchors, *, page: str, lang: str, epoch: int) -> int:
    """Related/"most read" lists: entries rotated by the epoch, one entry replaced by a new story."""
    done: list[HtmlElement] = []
    headlines = NEW_HEADLINES.get(lang, NEW_HEADLINES["en"])
    named = [el for el in elements(root) if el.tag not in ("body", "html", "head") and _RELATED_NAME.search(_names(el))]
    for el in named + _headline_lists(root, anchors):
        if len(done) == 3:
            break
        if any(el is d or _contains(d, el) or _contains(el, d) for d in done) or anchors.protects(el):
            continue
        items = _items(el)
        if not items:
            continue
        parent = items[0].getparent()
        if any(i.getparent() is not parent for i in items):
            continue
        slots = [parent.index(i) for i in items]
        shift = epoch % len(items)
        order = items[shift:] + items[:shift]
        for slot, item in zip(slots, order):
            parent.insert(slot, item)  # moving an element keeps its tail with it
        fresh = order[(epoch * 7) % len(order)]
        link = next(a for a in fresh.iter("a") if text_of(a))
        for child in list(link):
            link.remove(child)
        link.text = headlines[(epoch + len(done)) % len(headlines)]
        link.set("href", f"/news/{token(page, epoch, len(done), length=8)}")
        done.append(el)
    return len(done)


_CHROME = frozenset({"nav", "header", "footer"})
_CHROME_ROLES = frozenset({"navigation", "banner", "contentinfo"})


def _headline_lists(root: HtmlElement, anchors: Anchors) -> list[HtmlElement]:
    """Unnamed "most read"/latest rails: lists outside the article and the site's navigation whose
    3+ items are each a headline link (4+ words, mostly link text)."""
    region = anchors.region(root)
    found = []
    for ul in root.iter("ul", "ol"):
        chain = [ul, *ul.iterancestors()]
        if any(a.tag in _CHROME or a.get("role") in _CHROME_ROLES for a in chain) or _inside_any(ul, region):
            continue
        items = [li for li in ul if isinstance(li.tag, str) and li.tag == "li"]
        if len(items) >= 3 and all(_is_headline_item(li) for li in items) and not anchors.near(ul, root):
            found.append(ul)  # (near the article, a list of links may be its own: left alone)
    return found


def _is_headline_item(li: HtmlElement) -> bool:
    link = max((text_of(a) for a in li.iter("a")), key=len, default="")
    return len(link) >= 25 and len(link.split()) >= 4 and len(link) >= 0.6 * len(text_of(li))


def _refill_ads(root: HtmlElement, anchors: Anchors, *, page: str, epoch: int) -> int:
    """Ad slots: emptied and refilled with this epoch's creative."""
    slots = [el for el in elements(root) if el.tag not in ("body", "html", "head", "script", "style")
             and _AD_NAME.search(_names(el)) and len(text_of(el)) <= 300]
    slots = [el for el in slots if not any(_contains(o, el) for o in slots)]
    filled = 0
    for n, el in enumerate(slots[:6]):
        if anchors.protects(el):
            continue
        for child in list(el):
            el.remove(child)
        copy = AD_COPY[(epoch + n + int(token(page, length=2), 16)) % len(AD_COPY)]
        el.text = None
        el.append(fragment(
            f'<a href="https://ads.example.net/c?id={token(page, epoch, n, length=10)}" rel="sponsored">'
            f'<img src="/ads/{token(page, epoch, n, length=6)}.jpg" alt="">{copy}</a>'))
        filled += 1
    return filled


def _tokens(root: HtmlElement, *, page: str, epoch: int) -> tuple[int, int]:
    """Script nonces (every script gets one, as under a CSP) and CSRF fields get new values."""
    scripts = 0
    for n, el in enumerate(root.iter("script")):
        el.set("nonce", token(page, epoch, "nonce", n, length=22))
        scripts += 1
    fields = 0
    for el in root.iter("input", "meta"):
        name = el.get("name") or ""
        if _TOKEN_FIELD.search(name) and (el.tag == "meta" or el.get("type", "").lower() == "hidden"):
            el.set("content" if el.tag == "meta" else "value", token(page, epoch, name, length=40))
            fields += 1
    return scripts, fields


def _bust_caches(root: HtmlElement, anchors: Anchors, *, page: str, epoch: int) -> int:
    """Stylesheet, script and image URLs carry this epoch's ``?v=`` (existing busters replaced)."""
    busted = 0
    for el in list(root.iter("link", "script", "img")):
        attr = "href" if el.tag == "link" else "src"
        url = el.get(attr)
        if not url or url.startswith("data:") or (el.tag == "link" and "stylesheet" not in (el.get("rel") or "")):
            continue
        if el.tag == "img" and anchors.protects(el):
            continue
        parts = urlsplit(url)
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in _BUSTERS]
        query.append(("v", token(page, epoch, "v", length=8)))
        el.set(attr, urlunsplit(parts._replace(query=urlencode(query))))
        busted += 1
    return busted
