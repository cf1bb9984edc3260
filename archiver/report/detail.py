"""An event's details as display items: its evidence as labelled lines, its diff as paragraphs.

Takes ``Event.evidence`` (free-form, filled by the classifier) and ``Diff``; returns plain
strings and trimmed ``Hunk`` runs that the Markdown and HTML formatters render. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from archiver.models import Diff, Hunk
from archiver.report.shape import jsonable

#: A value longer than this is cut: evidence may quote a whole page, a report shows the gist.
MAX_VALUE_CHARS = 300
#: Equal text kept around a change, in words, so the reader sees where the edit sits.
CONTEXT_WORDS = 12
#: Changed paragraphs shown per event; the rest are counted (a rewrite is not read in 2 minutes).
MAX_PARAGRAPHS = 12

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


def _trim_equal(text: str, *, head: bool, tail: bool) -> str:
    """Keep ``CONTEXT_WORDS`` next to each neighbouring change: ``head``/``tail`` say which sides."""
    words = text.split()
    n = CONTEXT_WORDS
    if head and tail:
        return text if len(words) <= 2 * n else " ".join(words[:n]) + " … " + " ".join(words[-n:])
    if head:  # change follows: keep the end
        return text if len(words) <= n else "… " + " ".join(words[-n:])
    if tail:  # change precedes: keep the start
        return text if len(words) <= n else " ".join(words[:n]) + " …"
    return text


def _runs(hunks: Sequence[Hunk]) -> list[list[Hunk]]:
    runs: list[list[Hunk]] = []
    for hunk in hunks:
        if runs and runs[-1][-1].paragraph == hunk.paragraph:
            runs[-1].append(hunk)
        else:
            runs.append([hunk])
    return runs


def diff_paragraphs(diff: Diff) -> tuple[list[list[Hunk]], int]:
    """Paragraphs with a change, equal text trimmed to context; and how many more were left out."""
    changed = [run for run in _runs(diff.hunks) if any(h.op != "equal" for h in run)]
    shown: list[list[Hunk]] = []
    for run in changed[:MAX_PARAGRAPHS]:
        para: list[Hunk] = []
        for i, hunk in enumerate(run):
            if hunk.op == "equal":
                text = _trim_equal(hunk.new or hunk.old, head=i + 1 < len(run), tail=i > 0)
                hunk = Hunk("equal", text, text, hunk.paragraph)
            para.append(hunk)
        shown.append(para)
    return shown, max(0, len(changed) - MAX_PARAGRAPHS)


def change_phrases(diff: Diff, limit: int = 3, width: int = 120) -> list[str]:
    """The first ``limit`` changes as short phrases: ``“old” → “new”``, ``added “…”``."""
    out: list[str] = []
    for hunk in diff.hunks:
        if hunk.op == "replace":
            out.append(f"“{clip(hunk.old, width)}” → “{clip(hunk.new, width)}”")
        elif hunk.op == "insert":
            out.append(f"added “{clip(hunk.new, width)}”")
        elif hunk.op == "delete":
            out.append(f"removed “{clip(hunk.old, width)}”")
        if len(out) == limit:
            break
    return out
