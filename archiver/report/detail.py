"""An event's details as display items: its evidence as labelled lines, its diff as changes.

Takes ``Event.evidence`` (free-form, filled by the classifier) and ``Diff``; returns plain
strings and ``Change`` items (a sentence before and after, changed words flagged) that the
Markdown, HTML and web-view formatters render. Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from archiver.models import Diff
from archiver.report.shape import jsonable

#: A value longer than this is cut: evidence may quote a whole page, a report shows the gist.
MAX_VALUE_CHARS = 300

#: Evidence keys whose list values are sequences in time (redirect hops, status chains).
_CHAIN_WORDS = ("chain", "redirect", "hops", "statuses", "history")


def clip(text: str, limit: int = MAX_VALUE_CHARS) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis.

    >>> clip("a\\n  b", 10)
    'a b'
    >>> clip("abcdef", 4)
    'abc…'
    """
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _render_value(key: str, value: Any) -> str:
    if isinstance(value, list):
        sep = " → " if any(word in key.lower() for word in _CHAIN_WORDS) else ", "
        return sep.join(_render_value("", v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_render_value(str(k), v)}" for k, v in value.items())
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def evidence_items(evidence: dict[str, Any]) -> list[tuple[str, str]]:
    """``(label, text)`` per evidence key, in the classifier's order; lists of hops joined by →.

    >>> evidence_items({"status_chain": [301, 200], "marker": "Page not found"})
    [('status chain', '301 → 200'), ('marker', 'Page not found')]
    """
    plain = jsonable(evidence)
    if not isinstance(plain, dict):
        return [("evidence", clip(str(plain)))]
    return [(str(k).replace("_", " "), clip(_render_value(str(k), v))) for k, v in plain.items()]


# --------------------------------------------------------------------------- readable changes

#: Changes shown per event in full (sentence before and after); the rest are counted.
MAX_CHANGES = 12
_NUMBER = re.compile(r"^[(\[]?[$€£¥]?[-+]?\d[\d,.]*(?:%|[kKmMbB]n?)?[)\]]?$")
_PART_LABELS = {"headline": "Headline", "byline": "Byline", "dateline": "Dateline"}


@dataclass(slots=True)
class Change:
    """One thing a reader looks at: a sentence (or table row, or paragraph) before and after.

    ``kind`` is "changed", "removed" (a paragraph gone: ``after`` is empty) or "added"
    (``before`` is empty); ``numbers`` are the figures that changed in it, old → new.
    """

    part: str
    kind: str
    paragraph: int
    before: str
    after: str
    numbers: list[tuple[str, str]] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.part in _PART_LABELS:
            return _PART_LABELS[self.part]
        verb = {"removed": " removed", "added": " added"}.get(self.kind, "")
        return f"Paragraph {self.paragraph + 1}{verb}"


def _figure(word: str) -> str | None:
    core = word.strip(".,;:!?\"'")
    return core if _NUMBER.match(core) else None


def _numbers(old: str, new: str) -> list[tuple[str, str]]:
    a = [n for n in map(_figure, old.split()) if n]
    b = [n for n in map(_figure, new.split()) if n]
    return [(x, y) for x, y in zip(a, b) if x != y] if a and len(a) == len(b) else []


def changes(diff: Diff) -> list[Change]:
    """The diff as a reader's list: headline, byline and dateline first, then each changed
    sentence or table row whole, before and after; several word changes in one sentence are one
    change. Hunks stored before sentences were kept (no ``before``/``after``) show their words."""
    out: list[Change] = []
    index: dict[tuple[str, str, str], Change] = {}
    for hunk in diff.hunks:
        if hunk.op == "equal":
            continue
        before = hunk.before or hunk.old
        after = hunk.after or hunk.new
        kind = "removed" if not after else "added" if not before else "changed"
        key = (hunk.part, before, after)
        change = index.get(key)
        if change is None:
            change = index[key] = Change(hunk.part, kind, hunk.paragraph, before, after)
            out.append(change)
        for pair in _numbers(hunk.old, hunk.new):
            if pair not in change.numbers:
                change.numbers.append(pair)
    return out


def marked(before: str, after: str) -> tuple[list[tuple[bool, str]], list[tuple[bool, str]], list[tuple[str, str]]]:
    """Word runs of ``before`` and ``after`` flagged True where they differ, and the inline
    sequence of ``("equal"|"del"|"ins", text)`` runs that reads both at once.

    >>> b, a, inline = marked("support is 61% now", "support is 59% now")
    >>> b, a
    ([(False, 'support is'), (True, '61%'), (False, 'now')], [(False, 'support is'), (True, '59%'), (False, 'now')])
    >>> inline
    [('equal', 'support is'), ('del', '61%'), ('ins', '59%'), ('equal', 'now')]
    """
    ow, nw = before.split(), after.split()
    left: list[tuple[bool, str]] = []
    right: list[tuple[bool, str]] = []
    inline: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, ow, nw, autojunk=False).get_opcodes():
        old, new = " ".join(ow[i1:i2]), " ".join(nw[j1:j2])
        if op == "equal":
            left.append((False, old))
            right.append((False, new))
            inline.append(("equal", old))
            continue
        if old:
            left.append((True, old))
            inline.append(("del", old))
        if new:
            right.append((True, new))
            inline.append(("ins", new))
    return left, right, inline


def number_line(change: Change, width: int = 160) -> str | None:
    """"61% → 59% in 'The poll found that 61% of voters…'", or None without changed figures."""
    if not change.numbers or change.part != "text":  # a headline or byline is short: it says it itself
        return None
    figures = ", ".join(f"{a} → {b}" for a, b in change.numbers)
    return f"{figures} in “{clip(change.before, width)}”"
