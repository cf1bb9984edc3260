"""Diff stage: two ``TextVersion``s → ``Diff`` (what changed, in hunks and one summary line).

Paragraphs are aligned with difflib, then words within changed paragraphs. ``changed`` is False
exactly when the masked title and paragraphs are equal, so noise masked by ``extract`` never shows.
The summary names the most specific change first: headline, byline, dateline, numbers, quotes,
an appended correction, removed/added paragraphs, then the counts. ``similarity`` is a cheap 0..1
score (word 3-gram Dice) for "nearly the same content" checks (soft-404 probes, moves).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from archiver.extract.masking import DATE_PATTERN, INTL_DATE_PATTERN, INTL_MONTH_PATTERN
from archiver.models import Diff, Hunk, TextStatus, TextVersion

logger = logging.getLogger(__name__)

__all__ = ["NO_CHANGE", "diff", "similarity"]

NO_CHANGE = "no change"
#: Word-level alignment runs on at most this many words per changed block; a bigger block (a page
#: rewritten wholesale) is reported per paragraph with bag-of-words counts, which is linear.
MAX_BLOCK_WORDS = 20_000
#: Paragraph alignment runs on at most this many paragraphs per side (a 5,000-paragraph text is a
#: data dump, not an article); beyond it paragraphs are compared as multisets.
MAX_PARAGRAPHS = 5_000
_MARK = "\x00¶"  # paragraph boundary inside a word sequence; never a word
_NUMBER = re.compile(r"^[(\[]?[$€£¥]?[-+]?\d[\d,.]*(?:%|[kKmMbB]n?)?[)\]]?$")
_TRAILING = ".,;:!?\"'"
_CORRECTION = re.compile(r"^\W*(?:correction|clarification|update|updated|editor'?s note)\b", re.IGNORECASE)
_BYLINE = re.compile(r"^\s*(?:by|von|par|por|door)\s+\S", re.IGNORECASE)
# A dateline in English or in another language's month names ("14. Oktober 2026" → "15. Oktober 2026").
_DATE = re.compile(f"{DATE_PATTERN}|{INTL_DATE_PATTERN}", re.IGNORECASE)
_DATE_PART = re.compile(
    r"^(?:\d{1,4}(?:st|nd|rd|th)?|\d{4}-\d{2}-\d{2}|\[time\]|\[date\]|at|on|[ap]\.?m\.?"
    rf"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?|{INTL_MONTH_PATTERN})$",
    re.IGNORECASE,
)
_DATEISH = re.compile(
    r"\b(?:\d{4}-\d{2}-\d{2}|(?:19|20)\d{2}|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)", re.IGNORECASE
)


def similarity(a: TextVersion, b: TextVersion) -> float:
    """How much of the text two versions share, 0..1: Dice over word 3-grams (title included).

    Linear in the text length; equal digests short-circuit to 1.0, and payloads compared by digest
    (binary, too large) are 1.0 or 0.0.

    >>> from archiver.models import TextStatus, TextVersion
    >>> t = lambda s: TextVersion(TextStatus.OK, "text", (s,), digest=s)
    >>> round(similarity(t("the levy has 61% support in the new poll"), t("the levy has 59% support in the new poll")), 2)
    0.57
    >>> similarity(t("a b c d"), t("w x y z"))
    0.0
    """
    if a.digest and a.digest == b.digest:
        return 1.0
    if {a.status, b.status} & {TextStatus.BINARY, TextStatus.TOO_LARGE}:
        return 0.0
    sa, sb = _shingles(a), _shingles(b)
    if not sa and not sb:
        return 1.0 if a.title == b.title else 0.0
    return 2 * len(sa & sb) / (len(sa) + len(sb))


def _shingles(v: TextVersion, limit: int = 50_000) -> set[tuple[str, ...]]:
    words = " ".join((v.title, *v.paragraphs)).lower().split()[:limit]
    if len(words) < 3:
        return {(w,) for w in words}
    return set(zip(words, words[1:], words[2:]))


# --------------------------------------------------------------------------- word level


@dataclass(slots=True)
class _Tally:
    """What the alignment found, accumulated while walking the opcodes."""

    hunks: list[Hunk] = field(default_factory=list)
    changed: int = 0
    added: int = 0
    removed: int = 0
    words_added: int = 0
    words_removed: int = 0
    numbers: list[tuple[int, str, str]] = field(default_factory=list)  # (paragraph, old, new)
    header_edits: list[Hunk] = field(default_factory=list)  # replace hunks, for byline/dateline
    quote: int | None = None  # 0-based paragraph (new) of the first changed quote
    removed_at: list[int] = field(default_factory=list)  # 0-based old indices
    added_at: list[int] = field(default_factory=list)  # 0-based new indices


def _tokens(paragraphs: Sequence[str], base: int) -> tuple[list[str], list[int], list[bool]]:
    """Words with paragraph markers, each word's paragraph index, and whether it sits in a quote."""
    words: list[str] = []
    where: list[int] = []
    quoted: list[bool] = []
    for offset, text in enumerate(paragraphs):
        if offset:
            words.append(_MARK)
            where.append(base + offset)
            quoted.append(False)
        inside = False
        for word in text.split():
            quotes = word.count('"')
            words.append(word)
            where.append(base + offset)
            quoted.append(inside or quotes > 0)
            inside ^= quotes % 2 == 1
    return words, where, quoted


def _number(word: str) -> str | None:
    core = word.strip(_TRAILING)
    return core if _NUMBER.match(core) else None


def _record_numbers(tally: _Tally, paragraph: int, old: list[str], new: list[str]) -> None:
    a = [n for n in map(_number, old) if n]
    b = [n for n in map(_number, new) if n]
    if a and len(a) == len(b):
        tally.numbers.extend((paragraph, x, y) for x, y in zip(a, b) if x != y)


def _words(ws: list[str]) -> list[str]:
    return [w for w in ws if w != _MARK]


def _align_words(tally: _Tally, old: Sequence[str], new: Sequence[str], old_base: int, new_base: int) -> None:
    """Word-level hunks for a block of changed paragraphs (``old`` → ``new``)."""
    ow, owhere, oquoted = _tokens(old, old_base)
    nw, nwhere, nquoted = _tokens(new, new_base)
    if len(ow) + len(nw) > MAX_BLOCK_WORDS:
        gone, came = Counter(_words(ow)) - Counter(_words(nw)), Counter(_words(nw)) - Counter(_words(ow))
        tally.words_removed += sum(gone.values())
        tally.words_added += sum(came.values())
        tally.hunks.append(Hunk("replace", "\n\n".join(old), "\n\n".join(new), new_base))
        return
    matcher = SequenceMatcher(None, ow, nw, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        old_words, new_words = _words(ow[i1:i2]), _words(nw[j1:j2])
        if not old_words and not new_words:
            continue  # only a paragraph boundary moved
        tally.words_removed += len(old_words)
        tally.words_added += len(new_words)
        paragraph = (
            nwhere[min(j1, len(nwhere) - 1)] if nw and op != "delete" else owhere[min(i1, len(owhere) - 1)]
        )
        tally.hunks.append(Hunk(op, " ".join(old_words), " ".join(new_words), paragraph))
        _record_numbers(tally, paragraph, old_words, new_words)
        if tally.quote is None and (any(oquoted[i1:i2]) or any(nquoted[j1:j2])):
            tally.quote = paragraph


def _align(old: Sequence[str], new: Sequence[str]) -> _Tally:
    tally = _Tally()
    if len(old) > MAX_PARAGRAPHS or len(new) > MAX_PARAGRAPHS:
        gone, came = Counter(old) - Counter(new), Counter(new) - Counter(old)
        tally.removed, tally.added = sum(gone.values()), sum(came.values())
        tally.words_removed = sum(len(p.split()) * n for p, n in gone.items())
        tally.words_added = sum(len(p.split()) * n for p, n in came.items())
        return tally
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if op == "delete":
            for i in range(i1, i2):
                tally.hunks.append(Hunk("delete", old[i], "", i))
                tally.words_removed += len(old[i].split())
                tally.removed_at.append(i)
        elif op == "insert":
            for j in range(j1, j2):
                tally.hunks.append(Hunk("insert", "", new[j], j))
                tally.words_added += len(new[j].split())
                tally.added_at.append(j)
        elif i2 - i1 == j2 - j1:  # paragraphs edited in place: align each pair
            for i, j in zip(range(i1, i2), range(j1, j2)):
                _align_words(tally, [old[i]], [new[j]], i, j)
            tally.changed += i2 - i1
        else:  # paragraphs merged, split, or edited and added: one word alignment for the block
            _align_words(tally, old[i1:i2], new[j1:j2], i1, j1)
            tally.changed += min(i2 - i1, j2 - j1)
            tally.added += max(0, (j2 - j1) - (i2 - i1))
            tally.removed += max(0, (i2 - i1) - (j2 - j1))
    tally.removed += len(tally.removed_at)
    tally.added += len(tally.added_at)
    return tally


# --------------------------------------------------------------------------- summary


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _span(indices: list[int], verb: str) -> str:
    """ "paragraph 4 removed", "paragraphs 4-5 removed", "3 paragraphs removed" (1-based)."""
    first, last = indices[0] + 1, indices[-1] + 1
    if len(indices) == 1:
        return f"paragraph {first} {verb}"
    if last - first + 1 == len(indices):
        return f"paragraphs {first}-{last} {verb}"
    return f"{len(indices)} paragraphs {verb}"


def _meta_change(old: TextVersion, new: TextVersion, *keys: str) -> tuple[str, str] | None:
    for key in keys:
        a, b = old.meta.get(key), new.meta.get(key)
        if a and b and a != b:
            return str(a), str(b)
    return None


def _is_date_edit(hunk: Hunk, paragraph: str) -> bool:
    """Whether every changed word is a date part ("20," → "21,") in a paragraph that holds a date."""
    words = [w.strip(_TRAILING + "()") for w in f"{hunk.old} {hunk.new}".split()]
    return bool(words) and all(_DATE_PART.match(w) for w in words if w) and bool(_DATEISH.search(paragraph))


def _changed_date(old: TextVersion, new: TextVersion, hunk: Hunk) -> tuple[str, str]:
    """The date expressions around a dateline edit ("November 20, 2026" → "November 21, 2026")."""
    j = hunk.paragraph
    before = _DATE.findall(old.paragraphs[j]) if j < len(old.paragraphs) else []
    after = _DATE.findall(new.paragraphs[j])
    for a, b in zip(before, after):
        if a != b:
            return a, b
    return hunk.old, hunk.new


def _header_parts(old: TextVersion, new: TextVersion, tally: _Tally) -> tuple[list[str], set[int]]:
    """Byline and dateline changes, from ``meta`` or from edits in the header zone; and the
    paragraphs they explain (numbers there are the dateline's, not figures)."""
    parts: list[str] = []
    explained: set[int] = set()
    zone = int(new.meta.get("header_zone", 0) or 0)
    in_zone = [h for h in tally.hunks if h.op == "replace" and h.paragraph < zone]
    byline = _meta_change(old, new, "byline")
    for h in in_zone:
        if _BYLINE.match(new.paragraphs[h.paragraph]):
            byline = byline or (h.old, h.new)
            explained.add(h.paragraph)
    if byline and tally.hunks:
        parts.append(f"byline changed: '{_short(byline[0])}' → '{_short(byline[1])}'")
    # The machine value decides; the visible dateline only names it (it may read "2 hours ago").
    both_published = bool(old.meta.get("published") and new.meta.get("published"))
    published = _meta_change(old, new, "published")
    dateline = (_meta_change(old, new, "dateline") or published) if published or not both_published else None
    for h in in_zone:
        if h.paragraph not in explained and _is_date_edit(h, new.paragraphs[h.paragraph]):
            dateline = dateline or _changed_date(old, new, h)
            explained.add(h.paragraph)
    if dateline and tally.hunks:
        parts.append(f"dateline changed: '{_short(dateline[0])}' → '{_short(dateline[1])}'")
    return parts, explained


def _summary_parts(old: TextVersion, new: TextVersion, tally: _Tally) -> list[str]:
    parts: list[str] = []
    if old.title != new.title:
        parts.append(f"headline changed: '{_short(old.title)}' → '{_short(new.title)}'")
    header, explained = _header_parts(old, new, tally)
    parts += header
    numbers = list(dict.fromkeys((a, b) for p, a, b in tally.numbers if p not in explained))
    if numbers:  # the same figure changed in the text and in a table counts once
        shown = ", ".join(f"{a} → {b}" for a, b in numbers[:3])
        more = ", …" if len(numbers) > 3 else ""
        parts.append(f"{_plural(len(numbers), 'number')} changed: {shown}{more}")
    if tally.quote is not None:
        parts.append(f"quote changed in paragraph {tally.quote + 1}")
    added_at = tally.added_at
    tail = (
        len(new.paragraphs) - 3
    )  # "appended": among the last paragraphs, under a "Last updated" line or not
    corrections = [j for j in added_at if j >= tail and _CORRECTION.match(new.paragraphs[j])]
    if corrections:
        parts.append("correction appended")
        added_at = [j for j in added_at if j not in corrections]
    if tally.removed_at:
        parts.append(_span(tally.removed_at, "removed"))
    if added_at:
        parts.append(_span(added_at, "added"))
    return parts


def _status_diff(old: TextVersion, new: TextVersion) -> Diff:
    """Versions that are not both text: compare by status and digest."""
    if old.status == new.status and old.digest == new.digest:
        return Diff(changed=False, summary=NO_CHANGE)
    if old.status == new.status:
        summary = (
            "payload changed" if old.status in (TextStatus.BINARY, TextStatus.TOO_LARGE) else "text changed"
        )
    elif new.status == TextStatus.OK:
        summary = f"text appeared (was {old.status.value})"
    else:
        summary = f"text is now {new.status.value}" + (f": {new.detail}" if new.detail else "")
    removed = sum(len(p.split()) for p in old.paragraphs)
    added = sum(len(p.split()) for p in new.paragraphs)
    return Diff(changed=True, summary=summary, paragraphs_added=len(new.paragraphs),
                paragraphs_removed=len(old.paragraphs), words_added=added, words_removed=removed,
                similarity=similarity(old, new))  # fmt: skip


def diff(old: TextVersion, new: TextVersion) -> Diff:
    """What changed from ``old`` to ``new`` (both from ``extract``).

    >>> from archiver.models import TextStatus, TextVersion
    >>> v = lambda *ps, title="Poll": TextVersion(TextStatus.OK, "html", ps, title, digest=repr((title, ps)))
    >>> diff(v("Support is 61% among voters.", "More text."), v("Support is 59% among voters.", "More text.")).summary
    '1 number changed: 61% → 59%; 1 paragraph changed (+1 -1 words)'
    >>> diff(v("A."), v("A.", title="Poll: levy fails")).summary
    "headline changed: 'Poll' → 'Poll: levy fails'"
    >>> diff(v("A.", "B."), v("A.", "B.")).changed
    False
    """
    if old.digest and old.digest == new.digest and old.status == new.status:
        return Diff(changed=False, summary=NO_CHANGE)  # the common case: return before any work
    if old.status != TextStatus.OK or new.status != TextStatus.OK:
        return _status_diff(old, new)
    if old.paragraphs == new.paragraphs and old.title == new.title:
        return Diff(changed=False, summary=NO_CHANGE)
    tally = _align(old.paragraphs, new.paragraphs)
    parts = _summary_parts(old, new, tally)
    touched = tally.changed + tally.added + tally.removed
    if touched and parts and not tally.changed:
        # Only whole paragraphs came or went, and the parts name them: just add the word counts.
        counts = " ".join(c for c in (f"+{tally.words_added}" * bool(tally.words_added),
                                      f"-{tally.words_removed}" * bool(tally.words_removed)) if c)  # fmt: skip
        parts[-1] += f" ({counts} words)"
    elif touched:
        parts.append(
            f"{_plural(touched, 'paragraph')} changed (+{tally.words_added} -{tally.words_removed} words)"
        )
    return Diff(
        changed=True,
        summary="; ".join(parts),
        paragraphs_changed=tally.changed,
        paragraphs_added=tally.added,
        paragraphs_removed=tally.removed,
        words_added=tally.words_added,
        words_removed=tally.words_removed,
        hunks=tuple(tally.hunks),
        similarity=similarity(old, new),
    )
