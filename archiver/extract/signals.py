"""The slow, accurate signals that decide where a page's article is: what the page declares about
itself (JSON-LD ``articleBody``) and what trafilatura finds. Each is reduced to a ``Support``: a
bag of word pairs against which a block of the page can be tested ("does this signal keep it?").

They are consulted when a host's template is learned (``template.learn``), not on every page:
trafilatura costs 10–45 ms on a real news page, several times the whole capture budget.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from archiver.extract.boilerplate import Element, text_of

logger = logging.getLogger(__name__)

__all__ = ["Support", "declared_body", "trafilatura_text", "words"]

_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    """Lower-cased word tokens (any script; CJK runs count as one token each)."""
    return _WORD.findall(text.lower())


def _pairs(tokens: list[str]) -> Iterator[tuple[str, str]]:
    return pairwise(tokens)


@dataclass(frozen=True, slots=True)
class Support:
    """A signal's text as word pairs (and single words, for one-word blocks)."""

    name: str
    pairs: frozenset[tuple[str, str]]
    singles: frozenset[str]
    word_count: int

    @classmethod
    def of(cls, name: str, text: str) -> Support:
        tokens = words(text)
        return cls(name, frozenset(_pairs(tokens)), frozenset(tokens), len(tokens))

    def share(self, text: str) -> float:
        """How much of ``text`` this signal also holds: the share of its word pairs found here."""
        tokens = words(text)
        if len(tokens) < 2:
            return 1.0 if tokens and tokens[0] in self.singles else 0.0
        pairs = list(_pairs(tokens))
        return sum(p in self.pairs for p in pairs) / len(pairs)

    def agreement(self, texts: Iterable[str]) -> float:
        """F1 of a candidate region's text against this signal, on word pairs."""
        mine: set[tuple[str, str]] = set()
        for text in texts:
            mine.update(_pairs(words(text)))
        if not mine or not self.pairs:
            return 0.0
        common = len(mine & self.pairs)
        if not common:
            return 0.0
        precision, recall = common / len(mine), common / len(self.pairs)
        return 2 * precision * recall / (precision + recall)


# --------------------------------------------------------------------------- JSON-LD

_ARTICLE_TYPES = re.compile(r"Article|BlogPosting|Report|NewsArticle|Posting|Review|Recipe|WebPage", re.IGNORECASE)


def _ld_items(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _ld_items(item)
    elif isinstance(data, dict):
        yield data
        graph = data.get("@graph")
        if graph is not None:
            yield from _ld_items(graph)


def declared_body(root: Element) -> str:
    """The ``articleBody`` (or ``text``) the page declares in JSON-LD, or ``""``.

    Read before scripts are stripped; a page may declare several objects (breadcrumbs, the
    organisation): the longest article body wins.
    """
    best = ""
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        raw = text_of(script).strip()
        if not raw or len(raw) > 2_000_000:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        for item in _ld_items(data):
            kind = item.get("@type")
            kinds = " ".join(kind) if isinstance(kind, list) else str(kind or "")
            if not _ARTICLE_TYPES.search(kinds):
                continue
            body = item.get("articleBody") or item.get("text")
            if isinstance(body, str) and len(body) > len(best):
                best = body
    return best


# --------------------------------------------------------------------------- trafilatura


def trafilatura_text(html: str, url: str) -> str:
    """trafilatura's main text of the page (its default, balanced settings; comments excluded)."""
    import trafilatura  # 150 ms of import the fast path never needs

    try:
        doc = trafilatura.bare_extraction(
            html, url=url or None, include_comments=False, include_tables=True, with_metadata=False
        )
    except Exception as exc:  # noqa: BLE001 - a third-party parser on hostile input: its failure is "no opinion"
        logger.debug("trafilatura failed on %s: %s", url, exc)
        return ""
    if doc is None:
        return ""
    text = doc.get("text") if isinstance(doc, dict) else getattr(doc, "text", "")
    return str(text or "")
