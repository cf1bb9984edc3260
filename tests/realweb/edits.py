"""Edits inside the article, anchored on the manifest's ``with`` strings: a number changed, a
sentence changed, or a paragraph deleted (the one holding a with string, or its neighbour).
"""

from __future__ import annotations

import re
from enum import StrEnum

from .mutate import Anchors, HtmlElement, drop, text_of, token

BLOCKS = frozenset({"p", "h1", "li", "blockquote", "h2", "h3", "h4", "h5", "h6", "dd", "dt", "figcaption", "pre",
                    "figure", "tr", "div", "section", "td"})
# Digits standing as a word: not part of an identifier or a URL's token ("watch?v=tMSNl66etMg").
_NUMBER = re.compile(r"(?<![^\W\d_])\d+(?![^\W\d_])")
# A count of readers' acts ("4394 Bewertungen", "120 comments"): a counter, which is noise by the
# issue's own definition, not a figure a correction changes.
_COUNTER = re.compile(
    r"(?i)\s*(?:bewertung|rating|review|vote|stimme|kommentar|comment|view|aufruf|like|share|follower|abonnent"
    r"|download|besuche|visit|vue|avis|lecteur|visita|comentario|valoraci|opini|ocen|komentarz|wy\u015bwietle|recensi)")

ADDED = {
    "en": "The company has since disputed these figures.",
    "de": "Das Unternehmen hat diese Angaben inzwischen bestritten.",
    "fr": "L'entreprise a depuis contesté ces chiffres.",
    "es": "La empresa ha cuestionado desde entonces estas cifras.",
    "pl": "Firma zakwestionowała od tego czasu te dane.",
    "pt": "A empresa contestou entretanto estes números.",
    "it": "L'azienda ha poi contestato queste cifre.",
}


class EditKind(StrEnum):
    NUMBER = "number"
    SENTENCE = "sentence"
    DELETE = "delete"


_UNSEEN = frozenset({"script", "style", "noscript", "template", "annotation", "annotation-xml"})


def _unseen(el: HtmlElement) -> bool:
    """Not rendered: scripts, hidden elements, MathML's TeX annotations."""
    return (not isinstance(el.tag, str) or el.tag in _UNSEEN or el.get("hidden") is not None
            or "display:none" in (el.get("style") or "").replace(" ", ""))


def _text_nodes(el: HtmlElement) -> list[tuple[HtmlElement, str]]:
    """(element, "text" | "tail") for every *visible* text node inside ``el``, in document order."""
    out = [(el, "text")] if el.text else []
    hidden: set[HtmlElement] = set()  # unseen elements and everything inside them
    for child in el.iterdescendants():  # parents come before their children
        parent = child.getparent()
        if _unseen(child) or parent in hidden:
            hidden.add(child)
        elif child.text:
            out.append((child, "text"))
        if child.tail and parent not in hidden:  # a tail is text of the parent
            out.append((child, "tail"))
    return out


def _get(node: tuple[HtmlElement, str]) -> str:
    return (node[0].text if node[1] == "text" else node[0].tail) or ""


def _set(node: tuple[HtmlElement, str], value: str) -> None:
    if node[1] == "text":
        node[0].text = value
    else:
        node[0].tail = value


def _order(anchors: Anchors, salt: str) -> list[tuple[str, HtmlElement]]:
    """The anchors in a seeded order, headlines (h1) last."""
    items = sorted(anchors.found.items(), key=lambda kv: (kv[1].tag == "h1", token(salt, kv[0])))
    return items


_MONTHS = re.compile(r"(?i)\b(jan|feb|f\u00e9v|m\u00e4r|mar|apr|avr|mai|may|maj|jun|juin|jul|juil|aug|ao\u00fb|ago|sep|set"
                     r"|o[ck]t|out|nov|de[czs]|d\u00e9c|dic|ene|stycz|lut|kwi|czer|lip|sierp|wrze|pa\u017a|list|grud)")


def _content_number(text: str, m: re.Match[str]) -> bool:
    """A number that is content, not a date, a time or a year: what a real correction changes."""
    run, before, after = m.group(), text[max(0, m.start() - 12):m.start()], text[m.end():m.end() + 12]
    if len(run) == 4 and run[:2] in ("19", "20"):
        return False
    if before[-1:] in ":/.-(" or after[:1] in ":/-)" or (after[:1] == "." and after[1:2].isdigit()):
        return False
    if _COUNTER.match(text, m.end()):
        return False
    return not _MONTHS.search(before + " " + after)


def change_number(anchors: Anchors, salt: str) -> str | None:
    """A number in (or in the same block as) a with string changes: "27 million" → "32 million".
    Dates, times and years are left alone: masking rightly hides those."""
    order = _order(anchors, salt)
    near = [(string, sib) for string, el in order for sib in (_block(el).getprevious(), _block(el).getnext())
            if sib is not None and isinstance(sib.tag, str) and sib.tag in BLOCKS and not anchors.boilerplate(sib)]
    for string, el in [*order, *near]:  # the with strings' own paragraphs first, then their neighbours
        nodes = _text_nodes(_block(el) if el.tag not in BLOCKS else el)
        candidates = [(string in " ".join(_get(n).split()), len(m.group()) > 1, -i, n, m)
                      for i, n in enumerate(nodes) for m in _NUMBER.finditer(_get(n)) if _content_number(_get(n), m)]
        if not candidates:
            continue
        *_, node, m = max(candidates, key=lambda c: c[:3])
        text, run = _get(node), m.group()
        new = str(int(run) + 5 + int(token(salt, run, length=2), 16) % 20).zfill(len(run))
        _set(node, text[:m.start()] + new + text[m.end():])
        return f"number {run} -> {new} near {string[:40]!r}"
    return None


def change_sentence(anchors: Anchors, salt: str, lang: str, variant: int) -> str | None:
    """A sentence changes: the with string loses its last words (variant 0) or the paragraph
    gains a sentence (variant 1)."""
    for string, el in _order(anchors, salt):
        words = string.split()
        if variant == 0 and len(words) >= 4:
            for node in _text_nodes(el):
                text = _get(node)
                if string in " ".join(text.split()):
                    flat = " ".join(text.split())
                    cut = " ".join(words[: max(2, len(words) * 2 // 3)])
                    _set(node, flat.replace(string, cut, 1))
                    return f"sentence cut: {string!r} -> {cut!r}"
        block = _block(el)
        nodes = _text_nodes(block)
        if nodes:
            node = max(nodes, key=lambda n: len(_get(n)))
            text = _get(node).rstrip()
            _set(node, f"{text} {ADDED.get(lang, ADDED['en'])} ")
            return f"sentence added after {string[:40]!r}"
    return None


def delete_paragraph(anchors: Anchors, salt: str) -> str | None:
    """The block holding a with string goes; when that block is the whole article, a neighbour."""
    whole = anchors.common_ancestor()
    whole_len = len(text_of(whole)) if whole is not None else 0
    for string, el in _order(anchors, salt):
        block = _block(el)
        if block.tag in ("body", "html") or block.getparent() is None:
            continue
        if whole_len and len(text_of(block)) < 0.6 * whole_len:
            drop(block)
            return f"deleted <{block.tag}> holding {string[:40]!r}"
        for sibling in (*block.itersiblings(), *block.itersiblings(preceding=True)):
            if (isinstance(sibling.tag, str) and sibling.tag in BLOCKS and len(text_of(sibling)) >= 40
                    and not anchors.boilerplate(sibling)):  # a neighbour of the article's, not a box the manifest names
                drop(sibling)
                return f"deleted <{sibling.tag}> next to {string[:40]!r}"
    return None


def _block(el: HtmlElement) -> HtmlElement:
    node = el
    while node.tag not in BLOCKS and node.getparent() is not None and node.getparent().tag != "body":
        node = node.getparent()
    return node


def apply_edit(anchors: Anchors, kind: EditKind, *, salt: str, lang: str) -> str | None:
    """Apply ``kind`` (falling back to a sentence change); the change in words, or None."""
    done = None
    if kind is EditKind.NUMBER:
        done = change_number(anchors, salt)
    elif kind is EditKind.DELETE:
        done = delete_paragraph(anchors, salt)
    return done or change_sentence(anchors, salt, lang, int(token(salt, length=1), 16) % 2)
