"""Drive archiver through a simulated-web suite and score it: shared by the test and the bench."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from archiver.archive import Archive
from archiver.config import Config

from .model import Suite
from .scoring import Scores, score
from .server import SimWeb

SLOW_SECONDS = 3.0


def sim_config() -> Config:
    """archiver's defaults, but with timeouts below the simulator's stall and no politeness delay.

    Every site runs on one machine and a step lasts about a second, so the per-host delay is 0;
    the read timeout sits under ``SLOW_SECONDS`` so the timeout scenario really times out.
    """
    base = Config()
    return replace(
        base,
        fetch=replace(base.fetch, connect_timeout=2.0, read_timeout=1.5, deadline=4.0),
        check=replace(base.check, per_host_delay=0.0, per_host_concurrency=4, workers=8),
    )


@dataclass
class SuiteRun:
    scores: Scores
    seconds: float
    events: dict[str, dict[int, list[tuple[str, str | None]]]]


def run_suite(suite: Suite, data_dir: Path, config: Config | None = None) -> SuiteRun:
    """Check every scenario URL after every step of ``suite``; return the scores."""
    events: dict[str, dict[int, list[tuple[str, str | None]]]] = {}
    started = time.perf_counter()
    with SimWeb(suite, slow_seconds=SLOW_SECONDS) as web, Archive(data_dir, config or sim_config()) as archive:
        archive.add(list(web.urls.values()))
        for step in range(suite.steps + 1):
            web.set_step(step)
            web.record(step, archive.check().events, into=events)
    return SuiteRun(score(events, suite), time.perf_counter() - started, events)


FLOORS = Path(__file__).resolve().parents[1] / "accuracy_floors.json"


def floors() -> dict[str, dict[str, dict[str, float]]]:
    """Pinned floors: suite → category → {"precision", "recall"} (and "noise_clean")."""
    data: dict[str, Any] = json.loads(FLOORS.read_text())
    return data["floors"]


def measured(scores: Scores) -> dict[str, dict[str, float]]:
    out = {name: {"precision": round(c.precision, 3), "recall": round(c.recall, 3)} for name, c in scores.categories.items()}
    out["noise"] = {"clean": round(scores.noise.clean / max(1, scores.noise.scenarios), 3)}
    return out


def below_floor(scores: Scores, suite_floors: dict[str, dict[str, float]]) -> list[str]:
    """Every figure under its pinned floor, in words."""
    now = measured(scores)
    problems = []
    for category, pins in suite_floors.items():
        for metric, floor in pins.items():
            value = now.get(category, {}).get(metric)
            if value is None or value + 1e-9 < floor:
                problems.append(f"{scores.suite} {category} {metric}: {value} < floor {floor}")
    return problems
