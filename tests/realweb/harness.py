"""Run archiver through the epoch world and score it: shared by ``tests/test_realweb.py`` and
``bench/accuracy.py``.

A real ``Archive`` (real WARCs, real SQLite) checks every page at every epoch through the played
web's proxy (``HTTP(S)_PROXY`` and ``REQUESTS_CA_BUNDLE``, as a newsroom's proxy would be used),
with name lookups refused in the process (``hostproxy.guard_dns``). Scoring is ``simweb.score``
with a latency window of 0: an ``edited`` at the edit's epoch is a hit, any other ``edited`` a
false alarm; a ``removed`` at the takedown's epoch is a hit.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import pytest
from hostproxy import guard_dns
from simweb import Match, Scores, format_scores, score
from simweb.harness import sim_config

from archiver.archive import Archive
from archiver.config import Config

from .corpus import load
from .world import EPOCHS, SEED, Plan, RealWeb, key, plan_world, suite_of

Events = dict[str, dict[int, list[tuple[str, str | None]]]]


def world_config() -> Config:
    """The simulated webs' configuration (no politeness delay), without the browser pass, page
    requisites or screenshots (where this archiver has them): the world measures verdicts."""
    config = sim_config()
    # Nothing in this world stalls on purpose: generous timeouts keep a loaded CI machine from
    # turning a slow answer into an `unreachable`.
    config = replace(config, fetch=replace(config.fetch, connect_timeout=10.0, read_timeout=10.0, deadline=20.0))
    # No headless browser: the world judges the served HTML (its scripts are all 404 here anyway),
    # and a Chromium pass on a page with no text without scripts would make the figures depend on
    # whether Chromium is installed, and cost seconds per check.
    config = replace(config, browser=replace(config.browser, enabled=False, when_empty=False))
    names = {f.name for f in fields(Config)}
    if "requisites" in names:
        config = replace(config, requisites=replace(config.requisites, enabled=False))
    if "screenshot" in names:
        config = replace(config, screenshot=replace(config.screenshot, enabled=False))
    return config


@dataclass
class WorldRun:
    plans: tuple[Plan, ...]
    scores: Scores
    events: Events
    seconds: float
    lookups: list[str]  # names the process tried to resolve (must stay empty)
    changes: dict[str, str | None]  # page -> the edit applied, in words
    web: RealWeb
    epochs: int = EPOCHS
    summaries: dict[tuple[str, int, str], str] = field(default_factory=dict)  # (page, epoch, type) -> summary

    @property
    def scores_steps(self) -> int:
        return self.epochs - 1

    @property
    def noise_clean(self) -> float:
        return self.scores.noise.clean / max(1, self.scores.noise.scenarios)

    def measured(self) -> dict[str, dict[str, float]]:
        cats = self.scores.categories
        return {
            "edit": {"precision": round(cats["edit"].precision, 3), "recall": round(cats["edit"].recall, 3)},
            "takedown": {"precision": round(cats["takedown"].precision, 3),
                         "recall": round(cats["takedown"].recall, 3)},
            "noise": {"clean": round(self.noise_clean, 3)},
        }


def run_world(data_dir: Path, tmp: Path, *, plans: Sequence[Plan] | None = None, epochs: int = EPOCHS,
              seed: str = SEED, config: Config | None = None) -> WorldRun:
    """Serve the world, check every page at every epoch, score the events."""
    plans = tuple(plans if plans is not None else plan_world(load(), epochs=epochs, seed=seed))
    names = {key(p.page.url): p.page.name for p in plans}
    events: Events = {}
    summaries: dict[tuple[str, int, str], str] = {}
    started = time.perf_counter()
    with pytest.MonkeyPatch.context() as mp, RealWeb(plans, tmp, seed=seed) as web:
        web.played.use(mp)
        lookups = guard_dns(mp)
        with Archive(data_dir, config or world_config()) as archive:
            archive.add([p.page.url for p in plans])
            for epoch in range(epochs):
                web.set_epoch(epoch)
                for event in archive.check().events:
                    name = names.get(key(event.url))
                    if name is None:
                        raise ValueError(f"event {event.type} for {event.url}, which no page of the world is")
                    reason = None if event.reason is None else str(event.reason)
                    events.setdefault(name, {}).setdefault(epoch, []).append((str(event.type), reason))
                    summaries.setdefault((name, epoch, str(event.type)), str(getattr(event, "summary", "") or ""))
    scores = score(events, suite_of(plans, epochs), latency_window=0, reasons=False)
    return WorldRun(plans, scores, events, time.perf_counter() - started, lookups, dict(web.changes), web, epochs,
                    summaries)


def format_world(run: WorldRun, *, details: bool = False, worst: int = 10) -> str:
    """The scores table; with ``details`` the worst pages of each category (most misses and false
    events first), each miss or false event with its epoch, and what the edit was."""
    kinds: dict[str, int] = {}
    for plan in run.plans:
        kinds[plan.kind] = kinds.get(plan.kind, 0) + 1
    mix = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
    noise = run.scores.noise
    lines = [
        f"realweb epoch world: {len(run.plans)} real pages, each on its own host, epochs 0..{run.scores_steps}; {mix}",
        format_scores(run.scores),
        f"noise pages clean: {noise.clean}/{noise.scenarios} = {run.noise_clean:.3f}   ({run.seconds:.1f} s)",
    ]
    if details:
        lines += _worst_pages(run, worst)
        lines.append("  noise targets found (pages with at least one): " + ", ".join(
            f"{kind} {sum(1 for n in run.web.noise.values() if getattr(n, kind))}"
            for kind in ("times", "counters", "related", "ads", "scripts", "tokens", "busted")))
    return "\n".join(lines)


_CATEGORY = {"edited": "edit", "removed": "takedown"}


def _worst_pages(run: WorldRun, worst: int) -> list[str]:
    by_name = {p.page.name: p for p in run.plans}
    grouped: dict[tuple[str, str], list[Match]] = {}
    for m in run.scores.misses():
        grouped.setdefault((_CATEGORY.get(m.type, "other"), m.scenario), []).append(m)
    lines = []
    for category in ("edit", "takedown", "other"):
        pages = sorted(((name, ms) for (cat, name), ms in grouped.items() if cat == category),
                       key=lambda item: (-len(item[1]), item[0]))
        if not pages:
            continue
        lines.append(f"  worst {category} pages ({len(pages)} pages, {sum(len(ms) for _, ms in pages)} misses/false events):")
        for name, ms in pages[:worst]:
            plan = by_name[name]
            what = "; ".join(f"epoch {m.step} {m.type} " + ("missed" if m.outcome == "miss" else f"false ({m.reason})")
                             for m in ms)
            lines.append(f"    {name:<40} {plan.kind:<24} {what}")
            if plan.edit and any(m.outcome == "miss" for m in ms):
                lines.append(f"      the edit: {run.changes.get(name)}")
            for m in ms:
                said = run.summaries.get((name, m.step, m.type))
                if m.outcome == "false" and said:
                    lines.append(f"      epoch {m.step} archiver said: {said[:150]}")
    return lines
