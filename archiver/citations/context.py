"""Citations stage, context: a text and a span in it → the sentence around the span.

``Sentences`` finds sentence ends once per document (skipping abbreviations and initials) and cuts
each citation's context to about ``CONTEXT_CHARS`` characters. Shared by the text and HTML finders.
"""

from __future__ import annotations

import bisect
import re

CONTEXT_CHARS = 300  # a citation's context is its sentence, cut to about this many characters

# Sentence ends; the word before the stop is checked against _ABBREVIATIONS ("Gov. Wes Moore").
_SENTENCE_END_RE = re.compile(r"[.!?]+[\"'’”)\]]*(?=\s)|\n[ \t]*\n")
_ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "gov", "sen", "rep", "st", "jr", "sr", "vs", "etc", "e.g", "i.e",
        "inc", "co", "corp", "gen", "col", "lt", "sgt", "no", "fig", "p", "pp", "vol", "jan", "feb", "mar",
        "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k",
    }
)  # fmt: skip
_SPACE_BEFORE_PUNCT_RE = re.compile(r"\s+(?=[,.;:!?)\]’”])")


class Sentences:
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
