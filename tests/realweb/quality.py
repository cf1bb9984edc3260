"""Extraction quality on the real pages: the share of ``with`` strings kept and of ``without``
strings dropped, per page and in total.

What is compared: ``archiver.extract.extract(page bytes, content_type=…, url=…)``'s title and
paragraphs, less the byline and dateline paragraphs the extractor labels (``main_text``). When the
text version exposes the text *before* noise masking (a ``raw_paragraphs``
or ``raw_text`` attribute, or the same key in ``meta``), that is used, with the README's
normalisation on both sides. Otherwise the masked paragraphs are used, and matching is made
masking-aware, honestly:

- both sides are folded the way masking folds characters (NFKC, straight quotes, one hyphen), which
  changes no word;
- a ``with`` string that is not found literally is still *kept* when it is found with each of its
  number runs either as written or replaced by a mask token (``[n]``, ``[date]``…): the words are
  there, masking replaced the digits. Those are counted apart (``kept_masked``), so the figure
  says how much of "kept" rests on that allowance;
- a ``without`` string is *dropped* only when it is found neither way: a masked counter line is
  still boilerplate in the text.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from archiver.extract import extract
from archiver.extract import normalise as mask

from .corpus import RealPage, normalise

#: Masking's character folds (archiver.extract.masking ``collapse``): quotes and dashes.
_FOLD = {
    **dict.fromkeys(map(ord, "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\u301d\u301e"), '"'),
    **dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u2032\u2039\u203a`\u00b4"), "'"),
    **dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2212"), "-"),
}
_NUMBER = re.compile(r"\d+(?:[.,:/]\d+)*")
_MASK = r"\[[a-z]+\]"
_RAW_FIELDS = ("raw_paragraphs", "raw_text")


def fold(text: str) -> str:
    """The README's normalisation plus masking's character folds (no word changes)."""
    return " ".join(unicodedata.normalize("NFKC", normalise(text)).translate(_FOLD).split())


def masked_pattern(needle: str) -> re.Pattern[str]:
    """``needle`` (folded) with each number run allowed to appear as a mask token instead.

    >>> bool(masked_pattern("Two or three 10-15 min").search("Two or three [n]-[n] min"))
    True
    """
    parts, last = [], 0
    for m in _NUMBER.finditer(needle):
        parts += [re.escape(needle[last:m.start()]), f"(?:{re.escape(m.group())}|{_MASK})"]
        last = m.end()
    parts.append(re.escape(needle[last:]))
    return re.compile("".join(parts))


@dataclass(frozen=True, slots=True)
class PageQuality:
    page: RealPage
    kept: tuple[str, ...]  # with strings found in the text
    lost: tuple[str, ...]  # with strings not found
    dropped: tuple[str, ...]  # without strings not in the text
    leaked: tuple[str, ...]  # without strings in the text
    kept_masked: int  # of ``kept``, how many only with number runs as mask tokens
    lost_masked: int  # of ``lost``, how many are there in the form masking gives them (not counted as kept)
    raw: bool  # compared on unmasked text
    cpu_ms: float
    engine: str = ""

    @property
    def with_share(self) -> float:
        return len(self.kept) / max(1, len(self.kept) + len(self.lost))

    @property
    def without_share(self) -> float:
        return len(self.dropped) / max(1, len(self.dropped) + len(self.leaked))


@dataclass(frozen=True, slots=True)
class Quality:
    pages: tuple[PageQuality, ...]
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def with_kept(self) -> float:
        kept = sum(len(p.kept) for p in self.pages)
        return kept / max(1, kept + sum(len(p.lost) for p in self.pages))

    @property
    def without_dropped(self) -> float:
        dropped = sum(len(p.dropped) for p in self.pages)
        return dropped / max(1, dropped + sum(len(p.leaked) for p in self.pages))

    @property
    def cpu_ms(self) -> float:
        return sum(p.cpu_ms for p in self.pages) / max(1, len(self.pages))

    def counts(self) -> dict[str, int]:
        return {
            "pages": len(self.pages),
            "with": sum(len(p.kept) + len(p.lost) for p in self.pages),
            "with_kept": sum(len(p.kept) for p in self.pages),
            "with_kept_masked": sum(p.kept_masked for p in self.pages),
            "with_lost_masked": sum(p.lost_masked for p in self.pages),
            "without": sum(len(p.dropped) + len(p.leaked) for p in self.pages),
            "without_dropped": sum(len(p.dropped) for p in self.pages),
            "pages_on_raw_text": sum(p.raw for p in self.pages),
        }

    def worst(self, n: int = 10, *, by: str = "both") -> list[PageQuality]:
        """The pages that do worst: by ``with`` kept share (``by="with"``), ``without`` dropped share
        (``"without"``) or their sum (``"both"``); ties by more strings missed, then by name."""
        def key(p: PageQuality) -> tuple[float, int, str]:
            if by == "with":
                return (p.with_share, -len(p.lost), p.page.name)
            if by == "without":
                return (p.without_share, -len(p.leaked), p.page.name)
            return (p.with_share + p.without_share, -len(p.lost) - len(p.leaked), p.page.name)

        return [p for p in sorted(self.pages, key=key)[:n] if (p.lost if by == "with" else p.leaked if by == "without"
                                                                 else p.lost or p.leaked)]


def _raw_text(version: object) -> Sequence[str] | None:
    meta = getattr(version, "meta", {}) or {}
    for name in _RAW_FIELDS:
        value = getattr(version, name, None) or meta.get(name)
        if value:
            return [value] if isinstance(value, str) else list(value)
    return None


def main_text(version: Any) -> list[str]:
    """The paragraphs that are the article's main text: all but those the extractor names the
    article's byline or dateline (``meta["header_roles"]``). They stay in the text version, as
    content for the verdicts (interface.md), and they are what trafilatura, whose judgement the
    checks record, keeps apart from its text as author and date."""
    roles = list((getattr(version, "meta", {}) or {}).get("header_roles") or [])
    return [p for i, p in enumerate(version.paragraphs) if not (i < len(roles) and roles[i])]


def measure_page(page: RealPage, *, engine: str | None = None, repeat: int = 1) -> PageQuality:
    """Extract ``page`` (``repeat`` times, keeping the fastest CPU time) and check its strings.

    ``engine`` is passed to ``extract`` when given (else its default)."""
    body = page.body()
    options: dict[str, Any] = {} if engine is None else {"engine": engine}
    cpu_ms = float("inf")
    for _ in range(max(1, repeat)):
        started = time.process_time()
        version = extract(body, content_type=page.content_type, url=page.url, **options)
        cpu_ms = min(cpu_ms, (time.process_time() - started) * 1000)
    raw = _raw_text(version)
    title = str(getattr(version, "title", "") or "")
    if raw is not None:
        text = normalise("\n".join([title, *raw]))
        found = {s: normalise(s) in text for s in (*page.with_, *page.without)}
    else:
        text = fold("\n".join([title, *main_text(version)]))
        found = {s: fold(s) in text or bool(masked_pattern(fold(s)).search(text)) for s in (*page.with_, *page.without)}
    kept = tuple(s for s in page.with_ if found[s])
    lost = tuple(s for s in page.with_ if not found[s])
    masked = 0 if raw is not None else sum(fold(s) not in text for s in kept)
    # Diagnostic only: a lost string whose *masked* form is in the text was kept by the extractor
    # and changed by masking (a tag-like "<config files>" stripped, a short line taken for a label).
    lost_masked = 0 if raw is not None else sum(bool(m) and fold(m) in text for m in map(mask, lost))
    engine = str(version.meta.get("extractor") or version.meta.get("engine") or "")
    return PageQuality(
        page, kept, lost, tuple(s for s in page.without if not found[s]),
        tuple(s for s in page.without if found[s]), masked, lost_masked, raw is not None, cpu_ms, engine,
    )  # fmt: skip


def measure(pages: Iterable[RealPage], *, engine: str | None = None, repeat: int = 1) -> Quality:
    return Quality(tuple(measure_page(p, engine=engine, repeat=repeat) for p in pages))


def format_quality(quality: Quality, *, details: bool = False, worst: int = 10) -> str:
    c = quality.counts()
    lines = [
        f"realpages extraction: {c['pages']} pages ({c['pages_on_raw_text']} compared on unmasked text)",
        (f"  with kept       {c['with_kept']}/{c['with']} = {quality.with_kept:.3f}"
         f"  ({c['with_kept_masked']} only with numbers masked; of the lost, {c['with_lost_masked']} are"
         " in the text in their masked form)"),
        f"  without dropped {c['without_dropped']}/{c['without']} = {quality.without_dropped:.3f}",
        f"  extract CPU     {quality.cpu_ms:.2f} ms/page (mean)",
    ]
    if details:
        for by, label in (("with", "with strings lost"), ("without", "without strings leaked")):
            lines.append(f"  worst pages, {label}:")
            for p in quality.worst(worst, by=by):
                lines.append(f"    {p.page.name:<40} {p.page.lang:<3} with {len(p.kept)}/{len(p.kept) + len(p.lost)}"
                             f"  without {len(p.dropped)}/{len(p.dropped) + len(p.leaked)}")
                lines += [f"      {'lost' if by == 'with' else 'leaked'}: {s!r}" for s in (p.lost if by == "with"
                                                                                            else p.leaked)[:3]]
    return "\n".join(lines)
