"""A host's article template: where its article sits and which blocks inside it are not article.

Learning is slow and accurate, applying is fast. ``learn`` asks the slow signals (the page's own
JSON-LD ``articleBody``, trafilatura) and the page's own markup (``<article>``, ``<main>``,
``itemprop="articleBody"``, the density pass) where the article is, picks the region the signals
agree with best, and lists the classed blocks inside it that no signal keeps (related lists,
share rows, author boxes, newsletter boxes). ``find`` applies a template to another page of the
same host in one walk, with no second opinion; when it no longer matches, the caller learns again.

The text of a page is always read through a template (``read_with``), whether it was learned just
now or long ago, so a page yields the same text either way: the verdicts can be reproduced from
the template id recorded in the text version.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from archiver.extract.boilerplate import Element, is_logo, text_len, text_of
from archiver.extract.html_page import HtmlText, Prepared, linearise, main_container, read_region
from archiver.extract.signals import Support

__all__ = ["Template", "TemplateBook", "find", "learn", "read_with", "signature", "supported_elements"]

# --------------------------------------------------------------------------- signatures

_UNSTABLE = re.compile(r"\d|^(?:js|is|has|css|sc|jsx|svelte|ng|active|open|selected|visible|hidden)(?:$|[-_])", re.IGNORECASE)
_MAX_LEVELS = 3


def signature(el: Element) -> str:
    """``tag.class.class#id`` with the tokens that vary between pages (numbers, hashes, states) left out."""
    tokens = sorted({t for t in (el.get("class") or "").split() if len(t) <= 40 and not _UNSTABLE.search(t)})
    ident = (el.get("id") or "").strip()
    sig = str(el.tag) + "".join(f".{t}" for t in tokens)
    if ident and len(ident) <= 40 and not _UNSTABLE.search(ident):
        sig += f"#{ident}"
    return sig


def _chain(el: Element, body: Element) -> tuple[str, ...]:
    out = [signature(el)]
    for anc in el.iterancestors():
        if anc is body or len(out) >= _MAX_LEVELS:
            break
        out.append(signature(anc))
    return tuple(out)


def _named(sig: str) -> bool:
    return "." in sig or "#" in sig


@dataclass(frozen=True, slots=True)
class Template:
    """Where a host's article is (a chain of signatures, self first) and which blocks to drop."""

    container: tuple[str, ...]
    drops: tuple[str, ...] = ()
    keeps: tuple[str, ...] = ()  # blocks the boilerplate rules would remove that hold article text
    learned_by: str = "density"  # the signals that chose it: "declared+trafilatura:signals"…
    lines: tuple[str, ...] = ()  # the site's own furniture lines in the region ("Drucken", "Temas")
    leads: tuple[str, ...] = ()  # standfirsts outside the region, between the headline and it

    @property
    def id(self) -> str:
        key = [self.container, self.drops, self.keeps, self.lines, *([self.leads] if self.leads else [])]
        return hashlib.sha1(json.dumps(key).encode()).hexdigest()[:10]

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "container": list(self.container), "drops": list(self.drops),
                "keeps": list(self.keeps), "lines": list(self.lines), "leads": list(self.leads),
                "learned_by": self.learned_by}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Template:
        def strings(key: str) -> tuple[str, ...]:
            value = data.get(key) or ()
            return tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()

        return cls(
            strings("container"), strings("drops"), strings("keeps"), str(data.get("learned_by") or "density"),
            strings("lines"), strings("leads"),
        )


# --------------------------------------------------------------------------- apply


def find(page: Prepared, template: Template) -> Element | None:
    """The element of ``page`` that ``template``'s container names, or None when none matches."""
    body = page.body
    if template.container == ("body",) or not template.container:
        return body
    own = template.container[0]
    tag = own.split(".", 1)[0].split("#", 1)[0]
    best, best_len = None, -1
    for el in body.iter(tag):
        if signature(el) != own or _chain(el, body) != template.container:
            continue
        length = text_len(el)
        if length > best_len:
            best, best_len = el, length
    return best


def _drop_blocks(node: Element, drops: Sequence[str]) -> None:
    if not drops:
        return
    wanted = set(drops)
    doomed = [el for el in node.iter() if isinstance(el.tag, str) and el is not node and signature(el) in wanted]
    for el in doomed:
        parent = el.getparent()
        if parent is not None and all(anc is not None for anc in [parent]):
            tail = el.tail
            if tail and tail.strip():
                prev = el.getprevious()
                if prev is None:
                    parent.text = (parent.text or "") + tail
                else:
                    prev.tail = (prev.tail or "") + tail
            parent.remove(el)


def read_with(page: Prepared, node: Element, template: Template, meta: dict[str, object]) -> HtmlText:
    """Read ``node`` with the template's drops applied (the one way a page's text is read)."""
    _drop_blocks(node, template.drops)
    meta = {**meta, "template": template.to_json()}
    leads = _lead_texts(page, node, template.leads)
    read = read_region(page, node, meta)
    if leads:
        zone = read.header_zone
        read = HtmlText(
            title=read.title,
            paragraphs=(*read.paragraphs[:zone], *leads, *read.paragraphs[zone:]),
            header_zone=zone,
            meta=read.meta,
            had_scripts=read.had_scripts,
            table_rows=frozenset(i + len(leads) if i >= zone else i for i in read.table_rows),
        )
    if not template.lines:
        return read
    lines = set(template.lines)
    keep = [i for i, p in enumerate(read.paragraphs) if " ".join(p.split()) not in lines]
    if len(keep) == len(read.paragraphs):
        return read
    renumber = {old: new for new, old in enumerate(keep)}
    return HtmlText(
        title=read.title,
        paragraphs=tuple(read.paragraphs[i] for i in keep),
        header_zone=sum(1 for i in keep if i < read.header_zone),
        meta=read.meta,
        had_scripts=read.had_scripts,
        table_rows=frozenset(renumber[i] for i in read.table_rows if i in renumber),
    )


def _lead_texts(page: Prepared, node: Element, leads: Sequence[str]) -> list[str]:
    """The paragraphs of the template's lead blocks that come before ``node`` on this page."""
    if not leads:
        return []
    wanted = set(leads)
    order = {el: i for i, el in enumerate(page.body.iter())}
    start = order.get(node, 0)
    out: list[str] = []
    for el in page.body.iter():
        if isinstance(el.tag, str) and order[el] < start and signature(el) in wanted and not _inside(node, el):
            out.extend(" ".join(t.split()) for t, _, _ in linearise(el))
    return [t for t in out if t]


# Class words that declare a standfirst: the page says this paragraph leads the article.
_LEAD = re.compile(
    r"[.#_-](?:intro\w*|leads?|lede|standfirst|summary|dek|abstract|sub-?title|subhead\w*|chapeau|chapo|bajada"
    r"|entradilla|vorspann|einleitung|kicker-text|article-?description)(?:$|[._#-])",
    re.IGNORECASE,
)


def _learn_leads(page: Prepared, node: Element, supports: Sequence[Support]) -> tuple[str, ...]:
    """Named blocks before the region and after the headline whose text the signals keep: the
    standfirst a template's region leaves out (``p.intro`` beside ``div.longText``)."""
    headlines = [h for h in page.body.iter("h1") if not is_logo(h)]
    if not headlines or _inside(headlines[0], node):
        return ()
    order = {el: i for i, el in enumerate(page.body.iter())}
    lo, hi = order.get(headlines[0], 0), order.get(node, 0)
    found: list[str] = []
    for el in page.body.iter("p", "div", "h2", "section"):
        i = order[el]
        if not lo < i < hi or _inside(node, el):
            continue
        sig = signature(el)
        # A block of blocks is a lead only when its own name says so ("div.article__intro" > p).
        if any(isinstance(c.tag, str) and c.tag in ("p", "div", "section") for c in el) and not _LEAD.search(sig):
            continue
        text = " ".join(text_of(el).split())
        if len(text.split()) < 8 or "." not in sig:
            continue
        if max(s.share(text) for s in supports) >= 0.6 or (_LEAD.search(sig) and _link_share(el) < 0.5):
            found.append(sig)
    return tuple(dict.fromkeys(found))[:3]


# --------------------------------------------------------------------------- learn

_REGION_TAGS = ("article", "main", "section", "div", "td", "body")
_KEEP_SHARE = 0.5  # a block is kept by a signal when half its word pairs are in the signal's text
_STRONG_WORDS = 40  # a paragraph this long that no signal keeps is still not dropped by class


def _weights(body: Element, supports: Sequence[Support]) -> dict[Element, int]:
    """Per element, the words of the blocks inside it that some signal keeps."""
    weight: dict[Element, int] = {}
    owners: list[Element] = []
    paragraphs = linearise(body, owners)
    for (text, _, _), owner in zip(paragraphs, owners, strict=True):
        n = len(text.split())
        if n < 3 or max(s.share(text) for s in supports) < _KEEP_SHARE:
            continue
        weight[owner] = weight.get(owner, 0) + n
        for anc in owner.iterancestors():
            weight[anc] = weight.get(anc, 0) + n
            if anc is body:
                break
    return weight


def _supported_region(body: Element, weight: dict[Element, int]) -> Element:
    """The lowest element that holds ≥ 85 % of the kept words (the density descent, on agreed text)."""
    node = body
    total = weight.get(body, 0)
    if not total:
        return body
    while True:
        children = [c for c in node if c in weight]
        if not children:
            break
        best = max(children, key=weight.__getitem__)
        if weight[best] < 0.85 * total:
            break
        node = best
    while node is not body and node.tag not in _REGION_TAGS:  # a <p>-sized region is a one-block page
        node = node.getparent()
    return node


def _candidates(page: Prepared, weight: dict[Element, int]) -> list[tuple[Element, str]]:
    body = page.body
    found: list[tuple[Element, str]] = [(_supported_region(body, weight), "signals")]
    density = main_container(body)
    found.append((density, "density"))
    if density is not body:
        for anc in density.iterancestors():
            found.append((anc, "density"))
            if anc is body:
                break
    for el in body.xpath(".//*[@itemprop='articleBody'] | .//article | .//main | .//*[@role='main']"):
        found.append((el, "declared"))
    seen: set[int] = set()
    unique = []
    for el, why in found:
        if id(el) not in seen:
            seen.add(id(el))
            unique.append((el, why))
    return unique


def supported_elements(body: Element, supports: Sequence[Support]) -> set[Element]:
    """The elements that hold a large part (a quarter or more) of the text the signals keep, on the
    page as served: an article body that sits in a box whose class says "widget" or "sidebar".
    A menu or a related list that repeats a headline holds too little to count."""
    weight = _weights(body, supports)
    total = weight.get(body, 0) or max(weight.values(), default=0)
    return {el for el, n in weight.items() if n and n >= 0.25 * total}


def learn(page: Prepared, supports: Sequence[Support], keeps: Sequence[str] = ()) -> tuple[Element, Template]:
    """Choose the article region by agreement with ``supports`` and list the blocks to drop in it.

    ``keeps`` are the signatures the boilerplate pass was told to spare (see ``supported_elements``).
    Without a usable signal the density pass's region is taken, with nothing dropped. A block that
    reads as the summary the page declares (its ``description``) is the standfirst and is never
    dropped, whatever the signals keep."""
    summary = _declared_summary(page.meta_tags)
    supports = [s for s in supports if s.word_count >= 30]
    body = page.body
    if not supports:
        node = main_container(body)
        return node, Template(_chain(node, body) if node is not body else ("body",), (), (), "density")
    weight = _weights(body, supports)
    scored = []
    for el, why in _candidates(page, weight):
        texts = [t for t, _, _ in linearise(el)]
        score = sum(s.agreement(texts) for s in supports) / len(supports)
        scored.append((score, -text_len(el), why, el))
    score, _, why, node = max(scored, key=lambda item: (item[0], item[1]))
    node = _widen(node, body, supports, score)
    drops = _unsupported_blocks(node, supports, summary)
    lines = _unsupported_lines(node, supports, drops, summary)
    leads = _learn_leads(page, node, supports)
    names = "+".join(s.name for s in supports)
    container = _chain(node, body) if node is not body else ("body",)
    return node, Template(container, drops, tuple(sorted(set(keeps))), f"{names}:{why}", lines, leads)


def _widen(node: Element, body: Element, supports: Sequence[Support], score: float) -> Element:
    # The tightest region that agrees best often leaves out the article's lead or standfirst, which
    # sit a level or two up beside the body text. Climb while the agreement stays within a few per
    # cent of the best and the text grows by at most a third: what the wider region adds that no
    # signal keeps is dropped block by block afterwards.
    base = text_len(node)
    for anc in node.iterancestors():
        if anc is body:
            break
        if anc.tag == "article" or "Article" in (anc.get("itemtype") or ""):
            if text_len(anc) <= 1.5 * base:
                return anc
            break
    # Otherwise climb to take in the headline and the article header beside it (a press release's
    # "Pressemitteilung vom …" above its body), while a level adds little text.
    headlines = [h for h in body.iter("h1") if not is_logo(h)]
    if not headlines or any(_inside(h, node) for h in headlines):
        return node
    climbed = node
    for _ in range(3):
        parent = climbed.getparent()
        if parent is None or parent is body or text_len(parent) > 1.15 * base + 300:
            break
        climbed = parent
        if any(_inside(h, climbed) for h in headlines):
            return climbed
    return node


def _inside(el: Element, node: Element) -> bool:
    return el is node or any(anc is node for anc in el.iterancestors())


def _declared_summary(meta_tags: dict[str, str]) -> Support | None:
    text = meta_tags.get("description") or meta_tags.get("og:description") or ""
    return Support.of("summary", text) if len(text.split()) >= 8 else None


def _kept(text: str, supports: Sequence[Support], summary: Support | None) -> bool:
    return max(s.share(text) for s in supports) >= _KEEP_SHARE or (
        summary is not None and len(text.split()) >= 8 and summary.share(text) >= 0.8
    )


def _unsupported_blocks(node: Element, supports: Sequence[Support], summary: Support | None = None) -> tuple[str, ...]:
    """Signatures of the named blocks in ``node`` whose text no signal keeps.

    A block's words are counted for every named element around it, so a wrapper is dropped only
    when nothing inside it is kept (an image box that also holds the standfirst stays)."""
    owners: list[Element] = []
    paragraphs = linearise(node, owners)
    kept: dict[str, int] = {}
    lost: dict[str, int] = {}
    strong: set[str] = set()
    for (text, in_header, _), owner in zip(paragraphs, owners, strict=True):
        sigs = _named_path(owner, node)
        if not sigs:
            continue
        n = max(1, len(text.split()))
        keep = in_header or _kept(text, supports, summary)
        for sig in sigs:
            if keep:
                kept[sig] = kept.get(sig, 0) + n
            else:
                lost[sig] = lost.get(sig, 0) + n
                # Prose, or a block whose name declares it the article's standfirst, is never dropped.
                if (n >= _STRONG_WORDS or _LEAD.search(sig)) and _link_share(owner) < 0.5:
                    strong.add(sig)
    return tuple(sorted(sig for sig, n in lost.items() if sig not in strong and kept.get(sig, 0) <= 0.1 * n))


#: A line this short that no signal keeps, in the chosen region, is the site's furniture.
_LINE_WORDS = 25


def _unsupported_lines(
    node: Element, supports: Sequence[Support], drops: Sequence[str], summary: Support | None = None
) -> tuple[str, ...]:
    """Short lines in the region, outside the dropped blocks, that no signal keeps: a site's labels
    and furniture ("Drucken", "Temas", "Weiterführende Informationen"), recurring on its pages."""
    dropped = set(drops)
    out = set()
    owners: list[Element] = []
    for (text, in_header, _), owner in zip(linearise(node, owners), owners, strict=True):
        flat = " ".join(text.split())
        if in_header or len(flat.split()) > _LINE_WORDS or any(sig in dropped for sig in _named_path(owner, node)):
            continue
        if any(c.isdigit() for c in flat) or owner.tag in ("td", "th", "tr") or _in_quote(owner, node):
            continue  # figures, table cells and a quote's attribution are data, whatever a signal says
        if len(flat.split()) >= 8 and any(_LEAD.search(sig) for sig in _named_path(owner, node)):
            continue  # the page names it the article's standfirst
        if not _kept(flat, supports, summary):
            out.add(flat)
    return tuple(sorted(out))


def _in_quote(el: Element, node: Element) -> bool:
    while el is not None and el is not node:
        if el.tag in ("blockquote", "q", "table"):
            return True
        el = el.getparent()
    return False


def _named_path(owner: Element, node: Element) -> list[str]:
    out = []
    el = owner
    while el is not None and el is not node:
        sig = signature(el)
        if _named(sig) and el.tag != "h1":
            out.append(sig)
        el = el.getparent()
    return out


def _link_share(el: Element) -> float:
    total = text_len(el)
    if not total:
        return 0.0
    return sum(len(text_of(a).strip()) for a in el.iter("a") if a.get("href") is not None) / total


# --------------------------------------------------------------------------- the book


class TemplateBook:
    """Each host's templates, newest first, shared by the worker threads of a batch.

    ``load(host)`` reads a host's stored templates (once per host), ``save(host, template)``
    stores a new one. A host keeps at most ``MAX_PER_HOST``: an article template, a list page's,
    a gallery's… the oldest is forgotten first."""

    MAX_PER_HOST = 4

    def __init__(
        self,
        load: Callable[[str], Sequence[dict[str, object]]] = lambda host: (),
        save: Callable[[str, Template], None] = lambda host, template: None,
    ) -> None:
        self._load, self._save = load, save
        self._hosts: dict[str, tuple[Template, ...]] = {}
        self._lock = threading.Lock()

    def get(self, host: str) -> tuple[Template, ...]:
        with self._lock:
            known = self._hosts.get(host)
        if known is None:
            known = tuple(Template.from_json(t) for t in self._load(host))[: self.MAX_PER_HOST]
            with self._lock:
                known = self._hosts.setdefault(host, known)
        return known

    def learned(self, host: str, template: Template) -> None:
        """Keep ``template`` as ``host``'s newest (stored once; a known one moves to the front)."""
        with self._lock:
            known = self._hosts.get(host, ())
            fresh = all(t.id != template.id for t in known)
            self._hosts[host] = (template, *(t for t in known if t.id != template.id))[: self.MAX_PER_HOST]
        if fresh:
            self._save(host, template)
