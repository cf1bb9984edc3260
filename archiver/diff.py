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
from dataclasses import dataclass, field, replace
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


#: A word that ends a sentence (closing quotes and brackets may follow the stop) …
_SENTENCE_END = re.compile(r"[.!?…][\"”’)\]]*$")
#: … when the next word starts one (an opening quote or bracket may come first).
_SENTENCE_START = re.compile(r"^[\"“‘(\[]?[A-Z0-9]")
#: Stops that are not sentence ends: initials ("U.S."), titles and month abbreviations.
_ABBREVIATION = re.compile(
    r"^(?:[A-Z]\.)+$|^(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Prof|Gen|Sen|Rep|Gov|Lt|Col|No|vs|etc|Inc|Co|Corp|Ltd"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.$"
)


def sentence_numbers(words: Sequence[str]) -> list[int]:
    """Each word's sentence number within its paragraph (a table row, with no stops, is one).

    >>> sentence_numbers("The poll found 61% support. Dr. Lee agreed. “Yes,” she said.".split())
    [0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
    """
    out: list[int] = []
    n = 0
    for k, word in enumerate(words):
        out.append(n)
        if (
            k + 1 < len(words)
            and _SENTENCE_END.search(word)
            and not _ABBREVIATION.match(word)
            and _SENTENCE_START.match(words[k + 1])
        ):
            n += 1
    return out


@dataclass(slots=True)
class _Side:
    """One side of a block: its words (with paragraph markers), each word's paragraph, whether it
    sits in a quote, its (paragraph, sentence) key, and each sentence's text."""

    words: list[str] = field(default_factory=list)
    where: list[int] = field(default_factory=list)
    quoted: list[bool] = field(default_factory=list)
    sentence: list[tuple[int, int]] = field(default_factory=list)
    texts: dict[tuple[int, int], list[str]] = field(default_factory=dict)

    def usable(self, k: int) -> bool:
        return 0 <= k < len(self.words) and self.words[k] != _MARK

    def context(self, lo: int, hi: int) -> str:
        """The whole sentences that words ``lo..hi-1`` sit in; paragraphs apart by a blank line."""
        keys = list(dict.fromkeys(self.sentence[k] for k in range(max(0, lo), min(hi, len(self.words))) if self.usable(k)))
        out = ""
        for n, key in enumerate(keys):
            if n:
                out += " " if key[0] == keys[n - 1][0] else "\n\n"
            out += " ".join(self.texts[key])
        return out


def _tokens(paragraphs: Sequence[str], base: int) -> _Side:
    """Words with paragraph markers, each with its paragraph, quote state and sentence."""
    side = _Side()
    for offset, text in enumerate(paragraphs):
        if offset:
            side.words.append(_MARK)
            side.where.append(base + offset)
            side.quoted.append(False)
            side.sentence.append((base + offset, -1))
        inside = False
        words = text.split()
        for word, number in zip(words, sentence_numbers(words)):
            quotes = word.count('"')
            key = (base + offset, number)
            side.words.append(word)
            side.where.append(base + offset)
            side.quoted.append(inside or quotes > 0)
            side.sentence.append(key)
            side.texts.setdefault(key, []).append(word)
            inside ^= quotes % 2 == 1
    return side


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


def _contexts(op: str, o: _Side, n: _Side, i1: int, i2: int, j1: int, j2: int) -> tuple[str, str]:
    """The sentences around one word-level change, before and after. A pure insertion or deletion
    also shows its neighbouring sentence on both sides, so the reader sees where it went."""
    if op == "replace":
        return o.context(i1, i2), n.context(j1, j2)
    if o.usable(i1 - 1) and n.usable(j1 - 1):
        return o.context(i1 - 1, i2), n.context(j1 - 1, j2)
    if o.usable(i2) and n.usable(j2):
        return o.context(i1, i2 + 1), n.context(j1, j2 + 1)
    return o.context(i1, i2), n.context(j1, j2)


def _align_words(tally: _Tally, old: Sequence[str], new: Sequence[str], old_base: int, new_base: int) -> None:
    """Word-level hunks for a block of changed paragraphs (``old`` → ``new``), each with the
    whole sentences it sits in."""
    o, n = _tokens(old, old_base), _tokens(new, new_base)
    ow, nw = o.words, n.words
    if len(ow) + len(nw) > MAX_BLOCK_WORDS:
        gone, came = Counter(_words(ow)) - Counter(_words(nw)), Counter(_words(nw)) - Counter(_words(ow))
        tally.words_removed += sum(gone.values())
        tally.words_added += sum(came.values())
        both = "\n\n".join(old), "\n\n".join(new)
        tally.hunks.append(Hunk("replace", *both, new_base, *both))
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
            n.where[min(j1, len(n.where) - 1)] if nw and op != "delete" else o.where[min(i1, len(o.where) - 1)]
        )
        before, after = _contexts(op, o, n, i1, i2, j1, j2)
        tally.hunks.append(Hunk(op, " ".join(old_words), " ".join(new_words), paragraph, before, after))
        _record_numbers(tally, paragraph, old_words, new_words)
        if tally.quote is None and (any(o.quoted[i1:i2]) or any(n.quoted[j1:j2])):
            tally.quote = paragraph


#: Below this share of words in common, a paragraph in the place of another is a replacement
#: (one removed, one added), not an edit: a reader sees both whole rather than a word salad.
UNRELATED_BELOW = 0.3


def _unrelated(a: str, b: str) -> bool:
    wa, wb = a.split(), b.split()
    if len(wa) < 4 or len(wb) < 4:  # a short line edited (a table row, a heading) stays an edit
        return False
    matcher = SequenceMatcher(None, wa, wb, autojunk=False)
    return matcher.quick_ratio() < UNRELATED_BELOW or matcher.ratio() < UNRELATED_BELOW


def _whole(tally: _Tally, op: str, text: str, index: int) -> None:
    """A paragraph removed (``delete``) or added (``insert``), shown whole."""
    if op == "delete":
        tally.hunks.append(Hunk("delete", text, "", index, text, ""))
        tally.words_removed += len(text.split())
        tally.removed_at.append(index)
    else:
        tally.hunks.append(Hunk("insert", "", text, index, "", text))
        tally.words_added += len(text.split())
        tally.added_at.append(index)


def _edit_pair(tally: _Tally, old: Sequence[str], new: Sequence[str], i: int, j: int) -> None:
    """Paragraph ``old[i]`` in the place of ``new[j]``: an edit, or (unrelated) one gone and one new."""
    if _unrelated(old[i], new[j]):
        _whole(tally, "delete", old[i], i)
        _whole(tally, "insert", new[j], j)
        return
    _align_words(tally, [old[i]], [new[j]], i, j)
    tally.changed += 1


#: A changed block larger than this (old × new paragraphs) is aligned word by word as one block.
MAX_PAIRING = 400
#: An unpaired paragraph counts as new (or gone) when less than this share of its words occur on
#: the other side of the block; more, and the block is a merge or a split.
NOVEL_BELOW = 0.5


def _pair_block(old: Sequence[str], new: Sequence[str]) -> list[tuple[int | None, int | None]] | None:
    """Pair a changed block's paragraphs in order (most words in common), the rest added or removed.

    None when the block is a merge or a split (an unpaired paragraph's words are mostly found on the
    other side), or too large: the caller then aligns the block word by word.

    >>> _pair_block(["The mayor said she backs it.", ], ["The mayor said she opposes it.", "Correction: we erred."])
    [(0, 0), (None, 1)]
    >>> _pair_block(["One two three. Four five six."], ["One two three.", "Four five six."]) is None
    True
    """
    m, n = len(old), len(new)
    if m * n > MAX_PAIRING:
        return None
    ow, nw = [p.split() for p in old], [p.split() for p in new]
    score = [[SequenceMatcher(None, a, b, autojunk=False).ratio() for b in nw] for a in ow]
    best = [[0.0] * (n + 1) for _ in range(m + 1)]  # best[i][j]: of old[i:], new[j:]
    for i in range(m - 1, -1, -1):
        for j in range(n - 1, -1, -1):
            pair = best[i + 1][j + 1] + score[i][j] if score[i][j] >= UNRELATED_BELOW else -1.0
            best[i][j] = max(pair, best[i + 1][j], best[i][j + 1])
    steps: list[tuple[int | None, int | None]] = []
    i = j = 0
    while i < m and j < n:
        if score[i][j] >= UNRELATED_BELOW and best[i][j] == best[i + 1][j + 1] + score[i][j]:
            steps.append((i, j))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            steps.append((i, None))
            i += 1
        else:
            steps.append((None, j))
            j += 1
    steps += [(k, None) for k in range(i, m)] + [(None, k) for k in range(j, n)]
    pool_old, pool_new = Counter(w for ws in ow for w in ws), Counter(w for ws in nw for w in ws)
    for a, b in steps:
        if a is not None and b is None:
            words, pool = ow[a], pool_new
        elif a is None and b is not None:
            words, pool = nw[b], pool_old
        else:
            continue
        if words and sum((Counter(words) & pool).values()) >= NOVEL_BELOW * len(words):
            return None  # its words are still there: paragraphs merged or split
    return steps


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
                tally.hunks.append(Hunk("delete", old[i], "", i, old[i], ""))  # shown whole
                tally.words_removed += len(old[i].split())
                tally.removed_at.append(i)
        elif op == "insert":
            for j in range(j1, j2):
                tally.hunks.append(Hunk("insert", "", new[j], j, "", new[j]))
                tally.words_added += len(new[j].split())
                tally.added_at.append(j)
        elif i2 - i1 == j2 - j1:  # paragraphs edited in place: align each pair
            for i, j in zip(range(i1, i2), range(j1, j2)):
                _edit_pair(tally, old, new, i, j)
        elif (steps := _pair_block(old[i1:i2], new[j1:j2])) is not None:
            # paragraphs edited, and others added or removed beside them: each edit on its own,
            # each new or gone paragraph shown whole
            for a, b in steps:
                if a is not None and b is not None:
                    _edit_pair(tally, old, new, i1 + a, j1 + b)
                elif a is not None:
                    _whole(tally, "delete", old[i1 + a], i1 + a)
                elif b is not None:
                    _whole(tally, "insert", new[j1 + b], j1 + b)
        else:  # paragraphs merged or split: one word alignment for the block
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


def _header_parts(old: TextVersion, new: TextVersion, tally: _Tally) -> tuple[list[str], dict[int, str]]:
    """Byline and dateline changes, from ``meta`` or from edits in the header zone; and the
    paragraphs they explain, with the part each is (numbers there are the dateline's, not figures)."""
    parts: list[str] = []
    explained: dict[int, str] = {}
    zone = int(new.meta.get("header_zone", 0) or 0)
    in_zone = [h for h in tally.hunks if h.op == "replace" and h.paragraph < zone]
    roles = list(new.meta.get("header_roles") or [])  # what the extractor says each header line is
    role = {h.paragraph: roles[h.paragraph] for h in in_zone if h.paragraph < len(roles)}
    byline = _meta_change(old, new, "byline")
    for h in in_zone:
        line = new.paragraphs[h.paragraph]
        if _BYLINE.match(line) or (role.get(h.paragraph) == "byline" and not _is_date_edit(h, line)):
            byline = byline or (h.old, h.new)
            explained[h.paragraph] = "byline"
    if byline and tally.hunks:
        parts.append(f"byline changed: '{_short(byline[0])}' → '{_short(byline[1])}'")
    # The machine value decides; the visible dateline only names it (it may read "2 hours ago").
    both_published = bool(old.meta.get("published") and new.meta.get("published"))
    published = _meta_change(old, new, "published")
    dateline = (_meta_change(old, new, "dateline") or published) if published or not both_published else None
    for h in in_zone:
        if h.paragraph not in explained and (
            _is_date_edit(h, new.paragraphs[h.paragraph])
            or (role.get(h.paragraph) == "dateline" and bool(_DATEISH.search(new.paragraphs[h.paragraph])))
        ):
            dateline = dateline or _changed_date(old, new, h)
            explained[h.paragraph] = "dateline"
    if dateline and tally.hunks:
        parts.append(f"dateline changed: '{_short(dateline[0])}' → '{_short(dateline[1])}'")
    return parts, explained


def _summary_parts(old: TextVersion, new: TextVersion, tally: _Tally) -> list[str]:
    parts: list[str] = []
    if old.title != new.title:
        parts.append(f"headline changed: '{_short(old.title)}' → '{_short(new.title)}'")
    header, explained = _header_parts(old, new, tally)
    parts += header
    _order_hunks(old, new, tally, explained)
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


_PART_ORDER = {"headline": 0, "byline": 1, "dateline": 2, "text": 3}


def _order_hunks(old: TextVersion, new: TextVersion, tally: _Tally, header: dict[int, str]) -> None:
    """Name each hunk's part and put the headline, byline and dateline first (a reader checks the
    claim's frame before its body); the rest stay in page order."""
    hunks = [replace(h, part=header[h.paragraph]) if h.op == "replace" and h.paragraph in header else h for h in tally.hunks]
    if old.title != new.title:
        hunks.insert(0, Hunk("replace", old.title, new.title, 0, old.title, new.title, "headline"))
    tally.hunks = sorted(hunks, key=lambda h: _PART_ORDER.get(h.part, 3))  # stable: page order within a part


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
