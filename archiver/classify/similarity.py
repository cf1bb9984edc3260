"""Classify stage: cheap text resemblance, so verdicts need nothing from the diff stage.

Texts become lower-cased words (each CJK character counts as a word, since those scripts do
not separate words with spaces); ``similarity`` is the Jaccard resemblance of their 3-word
shingles (Broder), ``containment`` how much of one text's shingles appear in another.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

# A CJK character alone, else a run of letters/digits.
_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\W_]+")
SHINGLE = 3


def words(text: str, *, ignore: Collection[str] = ()) -> list[str]:
    """The lower-cased words of ``text``, minus those in ``ignore``.

    >>> words("Page NOT found: /a-b", ignore={"a"})
    ['page', 'not', 'found', 'b']
    """
    found: list[str] = _TOKEN.findall(text.lower())
    return [w for w in found if w not in ignore] if ignore else found


def shingles(tokens: Sequence[str], k: int = SHINGLE) -> frozenset[tuple[str, ...]]:
    """The set of ``k``-word runs of ``tokens`` (the whole run when it is shorter)."""
    if len(tokens) <= k:
        return frozenset({tuple(tokens)}) if tokens else frozenset()
    return frozenset(tuple(tokens[i : i + k]) for i in range(len(tokens) - k + 1))


def _pair(a: str, b: str, ignore: Collection[str]) -> tuple[frozenset[tuple[str, ...]], frozenset[tuple[str, ...]]]:
    wa, wb = words(a, ignore=ignore), words(b, ignore=ignore)
    # Very short texts are compared word by word: a 3-word shingle of a 2-word title says little.
    k = SHINGLE if min(len(wa), len(wb)) >= 2 * SHINGLE else 1
    return shingles(wa, k), shingles(wb, k)


def similarity(a: str, b: str, *, ignore: Collection[str] = ()) -> float:
    """Resemblance of two texts, 0..1: 1.0 for the same words in the same order, ~0 for unrelated.

    >>> similarity("the cat sat on the mat today", "the cat sat on the mat today")
    1.0
    >>> similarity("the cat sat on the mat today", "a dog ran in the park at night")
    0.0
    >>> similarity("", "")
    1.0
    """
    sa, sb = _pair(a, b, ignore)
    if not sa and not sb:
        return 1.0
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def containment(part: str, whole: str, *, ignore: Collection[str] = ()) -> float:
    """The share of ``part``'s shingles found in ``whole``, 0..1 (1.0: part is a piece of whole).

    >>> containment("the cat sat on the mat", "yesterday the cat sat on the mat and slept")
    1.0
    """
    sa, sb = _pair(part, whole, ignore)
    if not sa:
        return 0.0
    return len(sa & sb) / len(sa)


def relatedness(a: str, b: str, *, min_words: int = 30) -> float:
    """How much two texts have in common, 0..1: their resemblance, or — when the shorter has at
    least ``min_words`` words — how much of it the longer contains (a summary, a teaser, an
    article inside a bigger page). Tiny texts are not "contained", so "Home" is not an article.

    >>> article = " ".join(f"word{i}" for i in range(200))
    >>> relatedness(article, " ".join(f"word{i}" for i in range(50))) == 1.0
    True
    """
    wa, wb = words(a), words(b)
    k = SHINGLE if min(len(wa), len(wb)) >= 2 * SHINGLE else 1
    sa, sb = shingles(wa, k), shingles(wb, k)
    if not sa or not sb:
        return 1.0 if not sa and not sb else 0.0
    common = len(sa & sb)
    best = common / (len(sa) + len(sb) - common)
    if min(len(wa), len(wb)) >= min_words:
        best = max(best, common / min(len(sa), len(sb)))
    return best
