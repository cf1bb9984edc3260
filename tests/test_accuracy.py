"""The quality gate: archiver on the simulated web must stay at or above the pinned floors.

Floors live in tests/accuracy_floors.json and only ``bench/accuracy.py --update-floors`` moves
them (lowering needs ``--allow-lower``). Sites sit on 127.0.0.2 and up, so the loopback range is allowed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from simweb import DEFAULT, HELDOUT, format_scores
from simweb.harness import below_floor, floors, run_suite

pytestmark = pytest.mark.allow_hosts(["127.0.0.0/8"])


@pytest.mark.parametrize("suite", [DEFAULT, HELDOUT], ids=lambda s: s.name)
def test_simulated_web_stays_above_pinned_floors(suite, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run = run_suite(suite, tmp_path / "snapshots")
    problems = below_floor(run.scores, floors()[suite.name])
    assert not problems, "\n".join(problems) + "\n\n" + format_scores(run.scores, details=True)


def test_no_removed_from_a_single_failed_check(tmp_path: Path) -> None:
    run = run_suite(DEFAULT, tmp_path / "snapshots")
    for scenario in DEFAULT:
        if "transient" not in scenario.categories:
            continue
        seen = run.events.get(scenario.name, {})
        removed = [(step, ev) for step, evs in seen.items() for ev in evs if ev[0] == "removed"]
        assert not removed, f"{scenario.name}: removed after a transient failure: {removed}"
