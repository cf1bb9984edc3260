"""Main-content engines for HTML: the choice ``extract`` makes, and the measurements behind it.

CPU time per page on the 50 KB page ``bench/bench_extract.py`` builds from
``tests/fixtures/pages/news_article.html`` (2-core AMD EPYC VM, Python 3.11, lxml 6.1, trafilatura
2.3.1, readability-lxml 0.9; parse included; best of 3 × 200 pages; 2026-11-23):

=============================================  ======  =========================================
engine                                         ms      keeps (on the four fixture templates)
=============================================  ======  =========================================
lxml parse alone                               0.5
``fast`` (this package: boilerplate +          2.4     body, headline, byline, dateline, captions,
``html_page``)                                         tables; no ads, lists or comments
trafilatura ``bare_extraction`` defaults       7.2     body, tables; no byline/dateline/captions
trafilatura ``fast=True``                      5.7     same
trafilatura ``fast=True, favor_precision``     4.5     same; drops the blog's figure caption
readability-lxml ``Document.summary()``        12.3    body, some bylines; no dates or captions;
                                                       keeps the news page's inline ad
=============================================  ======  =========================================

Capture runs at ~500 URLs/s on 2 cores, ~4 ms of CPU per URL; a re-check may cost at most three
times that, which leaves extraction a few milliseconds. Only ``fast`` fits, and it is also the only
engine that keeps the article header and captions, which the interface counts as content (a
byline or dateline edit is ``edited``). trafilatura stays available as ``engine="trafilatura"`` for
a second opinion and for the bench's comparison; readability-lxml is not a dependency (it pins
chardet<6).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import Any

from archiver.extract.boilerplate import Element, parse, text_len
from archiver.extract.html_page import HtmlText, Prepared, prepare, read_page
from archiver.extract.signals import Support, declared_body, trafilatura_text
from archiver.extract.template import Template, find, learn, read_with, signature, supported_elements

logger = logging.getLogger(__name__)

__all__ = ["ENGINES", "read_page_agreed", "read_page_fast", "read_page_trafilatura"]


def read_page_fast(text: str, url: str) -> HtmlText | None:
    """The default engine: one lxml pass, structural boilerplate removal, text density."""
    root = parse(text)
    return None if root is None else read_page(root)


def read_page_agreed(
    text: str, url: str, templates: Sequence[Template] = (), *, root: Element | None = None
) -> HtmlText | None:
    """The default engine: the host's learned template when one fits, else learn one now.

    The fast path is one lxml parse: a known template is applied with no second opinion. A page
    no template fits is read by agreement between its JSON-LD ``articleBody``, trafilatura and its
    own markup (``template.learn``), and the new template is returned in ``meta["template"]`` for
    the caller to keep. Either way the text is read through a template (``_apply``), so a page
    yields the same text whether its template was learned now or long ago. ``root`` is ``text``
    parsed already (``parse(text)``, which this then cuts up).
    """
    root = parse(text) if root is None else root
    if root is None:
        return None
    if templates:
        read = _apply(root, templates, "template", url)
        if read is not None:
            return _rendered_by_script(read, text)
        root = parse(text)  # no template fits (a redesign, a page of another kind): learn afresh
    template = _learn(root, text, url)
    read = _apply(parse(text), (template,), "learned", url, force=True)
    return None if read is None else _rendered_by_script(read, text)


#: Below this many words of body, a page may be drawn by its scripts: its declared body is read.
_THIN_BODY = 120
_SENTENCES = re.compile(r"(?<=[.!?。！？])\s+(?=[\"“‘'(\[]?[A-ZÀ-ÞА-Я0-9])")


def _rendered_by_script(read: HtmlText, text: str) -> HtmlText:
    """The page's declared article body when the markup carries only its header.

    A page rendered in the browser (scmp.com) ships the headline and byline in its HTML and the
    article only as data; its JSON-LD ``articleBody`` is then the text the reader sees. It is used
    when the body read from the markup is thin (under ``_THIN_BODY`` words) and the declared body is
    more than three times longer; the header read from the markup stays. Long declared paragraphs
    are split into sentences, so an inserted sentence moves no other paragraph.
    """
    zone = read.header_zone
    words = sum(len(p.split()) for p in read.paragraphs[zone:])
    if words >= _THIN_BODY:
        return read
    root = parse(text)
    declared = declared_body(root) if root is not None else ""
    if len(declared.split()) <= max(3 * words, _THIN_BODY):
        return read
    body: list[str] = []
    for line in declared.splitlines():
        line = " ".join(line.split())
        if line:
            body.extend(_SENTENCES.split(line) if len(line) > 600 else [line])
    meta = {**read.meta, "extractor": "declared", "declared_body": True}
    return HtmlText(read.title, (*read.paragraphs[:zone], *body), zone, meta, read.had_scripts,
                    frozenset(i for i in read.table_rows if i < zone))  # fmt: skip


def _apply(
    root: Element, templates: Sequence[Template], extractor: str, url: str, force: bool = False
) -> HtmlText | None:
    keeps = {sig for t in templates for sig in t.keeps}

    def kept(el: Element) -> bool:
        sig = signature(el)
        return sig in keeps or sig.split("#", 1)[0] in keeps

    page = prepare(root, kept if keeps else None, url)
    for template in templates:
        node = find(page, template)
        if node is not None and (force or _fits(page, node)):
            return read_with(page, node, template, {"extractor": extractor})
    if force:  # the template learned from this very page names nothing in it: read it whole
        return read_with(page, page.body, templates[0], {"extractor": extractor})
    return None


def _learn(root: Element, text: str, url: str) -> Template:
    declared = declared_body(root)  # before the scripts it lives in are stripped
    supports = [Support.of("declared", declared)] if declared else []
    supports.append(Support.of("trafilatura", trafilatura_text(text, url)))
    usable = [s for s in supports if s.word_count >= 30]
    body = root.find("body")
    held = supported_elements(root if body is None else body, usable) if usable else set()
    spared: set[str] = set()

    def keep(el: Element) -> bool:
        sig = signature(el)
        if el in held and ("." in sig or "#" in sig):
            # A held block named by id ("section.report#Fazit") stands for its siblings of the same
            # class ("section.report#Praxistest"): the article's sections, one rule for all of them.
            spared.add(sig.split("#", 1)[0] if "." in sig else sig)
            return True
        return False

    page = prepare(root, keep if held else None, url)
    _, template = learn(page, supports, tuple(spared))
    return template


def _fits(page: Prepared, node: Element) -> bool:
    # A template whose region shrank to a fragment of the page (a teaser box with the same class
    # on a page of another kind) no longer describes it.
    length = text_len(node)
    return length >= 500 or length >= 0.2 * text_len(page.body)


def read_page_trafilatura(text: str, url: str) -> HtmlText | None:
    """trafilatura 2.x, configured for speed: ``fast`` (no fallback), ``favor_precision``, tables kept."""
    import trafilatura  # imported here: 150 ms of import time the fast engine never needs

    doc = trafilatura.bare_extraction(
        text, url=url, fast=True, favor_precision=True, include_comments=False, include_tables=True,
        with_metadata=True,
    )  # fmt: skip
    if doc is None:
        return HtmlText("", (), 0, {"extractor": "trafilatura"})
    get = doc.get if isinstance(doc, dict) else lambda k, d=None: getattr(doc, k, d)
    lines = [line.lstrip("- ").strip() for line in (get("text") or "").split("\n")]
    header = [f"By {get('author')}"] if get("author") else []
    header += [f"Published {get('date')}"] if get("date") else []
    meta: dict[str, Any] = {"extractor": "trafilatura"}
    if get("author"):
        meta["byline"] = get("author")
    if get("date"):
        meta["published"] = get("date")
    paragraphs = tuple(header + [line for line in lines if line])
    return HtmlText(str(get("title") or ""), paragraphs, len(header), meta)


#: The engines ``extract(..., engine=…)`` accepts, by name: decoded HTML and URL → HtmlText, or None
#: when there is no markup. ``fast`` is the default.
ENGINES: dict[str, Callable[[str, str], HtmlText | None]] = {
    "agreed": read_page_agreed,
    "fast": read_page_fast,
    "trafilatura": read_page_trafilatura,
}
