"""Extract stage, masking: UI counters in one paragraph ("1.2K views", "Kommentare: 12") → ``[n]``.

``mask_counters(text, low, label=…, strict=…)`` masks counts next to the counter nouns of
``tables.COUNTER_NOUNS`` and reading times; ``counter_attribute(value)`` tells ``html_page``
whether a class, id or label names a counter.
"""

from __future__ import annotations

import re

from .tables import COUNTER_ICONS, COUNTER_NOUNS, SEPARATORS, STRICT_COUNTER_NOUNS

_ICON = re.compile("[" + "".join(sorted(COUNTER_ICONS)) + "]")
_NOUNS = frozenset(n for nouns in COUNTER_NOUNS.values() for n in nouns)
_STRICT = frozenset(STRICT_COUNTER_NOUNS)
_ALL_NOUNS = _NOUNS | _STRICT
# The cheap test before any counter work: a noun's last word among the paragraph's words (or an
# icon in it). Punctuation around words becomes space; hyphens and apostrophes stay ("j'aime").
_NOUN_WORDS = frozenset(n.rsplit(None, 1)[-1] for n in _ALL_NOUNS)
_WORD_PUNCT = str.maketrans(dict.fromkeys('.,;:!?()[]{}"\u00b7|/', " "))
# A count in any grouping: 13,725 / 13.725 / 13 725 / 13'725 / 1.2K / 3,4 k / 1,2 Mio / 2 mil / 99+.
_COUNT = re.compile(
    r"(?<![\w.,'])(?:\d{1,3}(?:[,.' ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d+)?)"
    r"(\s?(?:[KkMmBb]|Mio|Mrd|Mln|mln|mld|Tsd|tsd|mil|lakh)\.?(?![^\W\d_]))?\+?(?![\d%])"
)
_WORD_AFTER = re.compile(r"\s*\"?([^\W\d_][\w'-]*)(?:\s+([^\W\d_][\w'-]*))?")
_NOUN_TAIL = re.compile(r"\"?(?:-[^\W\d_]+)?")  # "Gefällt mir"-Angaben
_READING_TIME = re.compile(r"\b\d+\s*(min(?:ute)?s?\.?\s+read)\b", re.IGNORECASE)


def _noun_after(text: str, end: int) -> tuple[str, int] | None:
    m = _WORD_AFTER.match(text, end)
    if not m:
        return None
    first, second = m.group(1).lower(), m.group(2)
    if second and f"{first} {second.lower()}" in _ALL_NOUNS:
        stop = m.end(2)
        noun = f"{first} {second.lower()}"
    elif first in _ALL_NOUNS:
        stop, noun = m.end(1), first
    else:
        return None
    tail = _NOUN_TAIL.match(text, stop)
    return noun, tail.end() if tail else stop


def _noun_before(text: str, start: int) -> tuple[str, int, bool] | None:
    """The counter noun right before a count ("Views: 1,234", "Gefällt mir 30"): (noun, where it
    starts, whether a ":" or "(" labels the count)."""
    head = text[max(0, start - 40) : start].rstrip()
    labelled = head.endswith((":", "("))
    if labelled:
        head = head[:-1].rstrip()
    words = head.rstrip('"').rsplit(None, 2)
    if not words:
        return None
    last = words[-1].lstrip('"').lower()
    if len(words) > 1 and f"{words[-2].lower()} {last}" in _ALL_NOUNS:
        return f"{words[-2].lower()} {last}", text.rfind(words[-2], 0, start), labelled
    if last in _ALL_NOUNS:
        return last, text.rfind(words[-1], 0, start), labelled
    return None


def counter_attribute(value: str) -> bool:
    """Whether a class, id, title or aria-label names a counter ("post-views", "likeCount",
    "Kommentare"): one of its words is a counter noun (ballot nouns only with "count").

    >>> counter_attribute("entry-meta__views"), counter_attribute("voteCount"), counter_attribute("votes")
    (True, True, False)
    """
    low = {w.lower() for w in _ATTR_WORD.findall(value)}
    if not low.isdisjoint(_ATTR_NOUNS):
        return True
    return not low.isdisjoint(_ALL_NOUN_WORDS) and not low.isdisjoint(_COUNT_WORDS)


_ATTR_WORD = re.compile(r"[A-Z]?[a-zà-ÿ']+|[A-Z]+(?![a-z])")
_ATTR_NOUNS = _NOUN_WORDS - _STRICT - {"view", "read"}  # Drupal's class="view", "read-more": need "count"
_ALL_NOUN_WORDS = _NOUN_WORDS | _STRICT
_COUNT_WORDS = frozenset({"count", "counter", "total", "num"})


def _isolated(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] fills a segment of its line: only separators or the line's ends
    around it ("By X · 13,725 views · 110 shares", "Mis à jour … — 241 partages")."""
    before, after = text[:start].rstrip(), text[end:].lstrip()
    left = not before or before[-1] in SEPARATORS or before.endswith(" -")
    right = not after or after[0] in SEPARATORS or after.startswith("- ")
    return left and right


def mask_counters(text: str, low: str, *, label: bool, strict: bool) -> str:
    """Numbers that count views, likes, shares, replies… replaced by "[n]". Masked anywhere: an
    abbreviated count before a counter noun ("1.2K views"), a labelled one ("Views: 1,234",
    "Kommentare (12)"), one behind a counter icon ("👁 1.2k"). In a UI label (``_is_label``), or
    when number and noun fill a segment of the line between separators, any count next to a
    counter noun. Prose ("the agency received 12 comments on the rule") keeps its numbers; a
    headline or a table row (``strict``) is content and gets only the unmistakable forms."""
    icons = not text.isascii() and bool(_ICON.search(text))
    if not icons and _NOUN_WORDS.isdisjoint(low.translate(_WORD_PUNCT).split()):
        return _READING_TIME.sub(lambda m: f"[n] {m.group(1)}", text) if "read" in low else text
    spans: list[tuple[int, int]] = []
    for m in _COUNT.finditer(text):
        start, end = m.span()
        lead = text[:start].rstrip()
        if icons and lead and lead[-1] in COUNTER_ICONS:
            spans.append((start, end))
            continue
        after = _noun_after(text, end)
        before = None if after else _noun_before(text, start)
        if after is None and before is None:
            continue
        noun = after[0] if after else before[0] if before else ""
        if (after and m.group(1)) or (
            before and before[2]
        ):  # "1.2K views", "Views: 1,234", "Kommentare (12)"
            spans.append((start, end))
        elif noun in _STRICT or strict:
            continue
        elif label or _isolated(text, before[1] if before else start, after[1] if after else end):
            spans.append((start, end))
    for start, end in reversed(spans):
        text = f"{text[:start]}[n]{text[end:]}"
    return _READING_TIME.sub(lambda m: f"[n] {m.group(1)}", text) if "read" in low else text
