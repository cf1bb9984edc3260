"""The quality gate: archiver on the simulated web must stay at or above the pinned floors.

Floors live in tests/accuracy_floors.json and only ``bench/accuracy.py --update-floors`` moves
them (lowering needs ``--allow-lower``). Sites sit on 127.0.0.2 and up, so the loopback range is allowed.
"""

from __future__ import annotations

import pytest
from simweb import DEFAULT, HELDOUT, Suite, format_scores
from simweb.harness import SuiteRun, below_floor, floors, run_suite

pytestmark = pytest.mark.allow_hosts(["127.0.0.0/8"])


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SuiteRun]:
    """Each suite is run once per session; the tests below read the same run."""
    return {suite.name: run_suite(suite, tmp_path_factory.mktemp(suite.name) / "snapshots") for suite in (DEFAULT, HELDOUT)}


@pytest.mark.parametrize("suite", [DEFAULT, HELDOUT], ids=lambda s: s.name)
def test_simulated_web_stays_above_pinned_floors(suite: Suite, runs: dict[str, SuiteRun]) -> None:
    run = runs[suite.name]
    problems = below_floor(run.scores, floors()[suite.name])
    assert not problems, "\n".join(problems) + "\n\n" + format_scores(run.scores, details=True)


def test_no_removed_from_a_single_failed_check(runs: dict[str, SuiteRun]) -> None:
    run = runs[DEFAULT.name]
    for scenario in DEFAULT:
        # Transient-only scenarios: outages that end. (A persistent refusal is also a takedown
        # scenario, and its `removed` comes only after the configured consecutive failures.)
        if "transient" not in scenario.categories or "takedown" in scenario.categories:
            continue
        seen = run.events.get(scenario.name, {})
        removed = [(step, ev) for step, evs in seen.items() for ev in evs if ev[0] == "removed"]
        assert not removed, f"{scenario.name}: removed after a transient failure: {removed}"
