"""Scoring archiver's events against a suite's ground truth: precision, recall, F1, latency.

Matching, per scenario:
- Each expected event ``(type, reason)`` at step ``s`` is matched by the earliest not yet matched
  emitted event of the same type — and the same reason, unless the expected reason is ``None`` or
  ``reasons=False`` — emitted at a step in ``s .. s + latency_window``. Expected events are taken
  in step order. A match is a true positive; its latency is the emitted step minus ``s``.
- An expected event left unmatched is a false negative; an emitted event left unmatched is a
  false positive. Both count in the category of the event's *type* (edited → edit, removed →
  takedown, unreachable → transient, moved → move, restored → restore), whatever the scenario's
  tags: a false "edited" on a takedown page hurts edit precision, which is what that figure is for.
- Noise has no true positives, so it is reported apart: for scenarios tagged ``noise``, how many
  stayed clean (no unmatched event) and how many false events they produced (each of those is
  also a false positive in its type's row).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .model import TYPE_CATEGORY, Category, Suite

EventsByStep = Mapping[str, Mapping[int, Sequence[tuple[str, str | None]]]]


@dataclass(frozen=True, slots=True)
class Match:
    """One line of the verdict: an expected event found or missed, or an event nobody expected."""

    scenario: str
    step: int  # the expected step (hit, miss) or the emitted step (false)
    type: str
    reason: str | None
    outcome: str  # "hit" | "miss" | "false"
    latency: int | None = None


@dataclass(frozen=True, slots=True)
class CategoryScore:
    category: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    latencies: tuple[int, ...] = ()

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        """2·TP / (2·TP + FP + FN); 1.0 when nothing was expected and nothing emitted."""
        denominator = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denominator if denominator else 1.0

    @property
    def mean_latency(self) -> float | None:
        return sum(self.latencies) / len(self.latencies) if self.latencies else None

    @property
    def max_latency(self) -> int | None:
        return max(self.latencies) if self.latencies else None


@dataclass(frozen=True, slots=True)
class NoiseScore:
    scenarios: int
    clean: int
    false_events: int


@dataclass(frozen=True, slots=True)
class Scores:
    suite: str
    categories: dict[str, CategoryScore]  # edit, takedown, transient, move, restore (+ "other" if seen)
    overall: CategoryScore  # micro-averaged over every category
    noise: NoiseScore
    matches: tuple[Match, ...] = field(default=())
    latency_window: int = 2
    reasons: bool = True

    @property
    def edit_f1(self) -> float:
        return self.categories[Category.EDIT].f1

    @property
    def takedown_f1(self) -> float:
        return self.categories[Category.TAKEDOWN].f1

    def misses(self) -> list[Match]:
        """The expected events not found and the events nobody expected."""
        return [m for m in self.matches if m.outcome != "hit"]


def score(events_by_step: EventsByStep, suite: Suite, *, latency_window: int = 2, reasons: bool = True) -> Scores:
    """Score ``events_by_step[scenario name][step] = [(type, reason), …]`` against ``suite``."""
    unknown = set(events_by_step) - {sc.name for sc in suite}
    if unknown:
        raise ValueError(f"events for scenarios not in suite {suite.name}: {sorted(unknown)}")
    matches: list[Match] = []
    noisy = clean = false_in_noise = 0
    for sc in suite:
        emitted = sorted((step, str(kind), None if reason is None else str(reason))
                         for step, events in events_by_step.get(sc.name, {}).items() for kind, reason in events)
        used = [False] * len(emitted)
        for step in sorted(sc.expected):
            for kind, reason in sc.expected[step]:
                hit = _find(emitted, used, step, kind, reason if reasons else None, latency_window)
                if hit is None:
                    matches.append(Match(sc.name, step, kind, reason, "miss"))
                else:
                    used[hit] = True
                    matches.append(Match(sc.name, step, kind, reason, "hit", emitted[hit][0] - step))
        false = [Match(sc.name, s, k, r, "false") for (s, k, r), u in zip(emitted, used) if not u]
        matches += false
        if Category.NOISE in sc.categories:
            noisy += 1
            clean += not false
            false_in_noise += len(false)
    categories = {c.value: _tally(matches, c.value) for c in TYPE_CATEGORY.values()}
    if any(_category(m.type) == "other" for m in matches):
        categories["other"] = _tally(matches, "other")
    overall = _tally(matches, None)
    return Scores(suite.name, categories, overall, NoiseScore(noisy, clean, false_in_noise), tuple(matches),
                  latency_window, reasons)


def _find(emitted: list[tuple[int, str, str | None]], used: list[bool], step: int, kind: str,
          reason: str | None, window: int) -> int | None:
    for i, (s, k, r) in enumerate(emitted):
        if not used[i] and k == kind and step <= s <= step + window and (reason is None or r == reason):
            return i
    return None


def _category(kind: str) -> str:
    category = TYPE_CATEGORY.get(kind)
    return category.value if category else "other"


def _tally(matches: list[Match], category: str | None) -> CategoryScore:
    mine = [m for m in matches if category is None or _category(m.type) == category]
    hits = [m for m in mine if m.outcome == "hit"]
    return CategoryScore(category or "overall", len(hits), sum(m.outcome == "false" for m in mine),
                         sum(m.outcome == "miss" for m in mine), tuple(m.latency or 0 for m in hits))


def format_scores(scores: Scores, *, details: bool = False) -> str:
    """A plain-text table of the scores; ``details`` appends every miss and false event."""
    reasons = "must match" if scores.reasons else "ignored"
    header = (f"{'category':<10} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>9} {'recall':>7} {'F1':>6} "
              f"{'latency mean/max':>17}")
    lines = [f"suite {scores.suite}: latency window {scores.latency_window} step(s), reasons {reasons}", header]
    for row in (*scores.categories.values(), scores.overall):
        latency = "-" if row.mean_latency is None else f"{row.mean_latency:.2f}/{row.max_latency}"
        lines.append(f"{row.category:<10} {row.tp:>4} {row.fp:>4} {row.fn:>4} {row.precision:>9.3f} "
                     f"{row.recall:>7.3f} {row.f1:>6.3f} {latency:>17}")
    n = scores.noise
    lines.append(f"noise: {n.clean}/{n.scenarios} scenarios clean, {n.false_events} false event(s)")
    lines.append(f"edit F1 {scores.edit_f1:.3f}   takedown F1 {scores.takedown_f1:.3f}   "
                 f"overall F1 {scores.overall.f1:.3f}")
    if details:
        for m in scores.misses():
            what = "expected, not found" if m.outcome == "miss" else "not expected"
            lines.append(f"  {m.scenario} step {m.step}: {m.type} {m.reason or '*'} — {what}")
    return "\n".join(lines)


def describe(suite: Suite) -> str:
    """The suite's ground truth, one scenario a line: name, categories, expected events by step."""
    lines = [f"suite {suite.name}: {len(suite)} scenarios, steps 0..{suite.steps}"]
    for sc in suite:
        events = "; ".join(f"{step}: " + ", ".join(f"{k} {r or '*'}" for k, r in evs)
                           for step, evs in sorted(sc.expected.items())) or "no event"
        lines.append(f"{sc.name:<34} {','.join(sorted(sc.categories)):<26} {events}")
    return "\n".join(lines)
