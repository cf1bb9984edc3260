"""Accuracy on the simulated web: precision/recall per category and detection latency.

    python bench/accuracy.py [--details] [--update-floors [--allow-lower]]

Runs the DEFAULT suite (the one the test suite pins) and the HELDOUT suite (sites, templates and
wordings the classifier was never tuned on), prints a table per suite, and with
``--update-floors`` raises the floors pinned in tests/accuracy_floors.json to today's figures.
Lowering a floor needs ``--allow-lower`` as well (trafilatura's eval_gate habit): a regression
has to be a decision, not an accident. The file is replaced atomically.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from simweb import DEFAULT, HELDOUT, format_scores  # noqa: E402
from simweb.harness import FLOORS, measured, run_suite  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--details", action="store_true", help="list every miss and false event")
    parser.add_argument("--update-floors", action="store_true", help="pin today's figures as floors")
    parser.add_argument("--allow-lower", action="store_true", help="with --update-floors: allow a floor to go down")
    args = parser.parse_args(argv)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        os.environ.pop(name, None)

    results = {}
    for suite in (DEFAULT, HELDOUT):
        with tempfile.TemporaryDirectory() as tmp:
            run = run_suite(suite, Path(tmp) / "snapshots")
        results[suite.name] = run.scores
        print(format_scores(run.scores, details=args.details))
        print(f"edit F1 {run.scores.edit_f1:.3f}  takedown F1 {run.scores.takedown_f1:.3f}  "
              f"noise clean {run.scores.noise.clean}/{run.scores.noise.scenarios}  ({run.seconds:.1f}s)\n")

    if args.update_floors:
        old = json.loads(FLOORS.read_text())["floors"] if FLOORS.exists() else {}
        new = {name: measured(scores) for name, scores in results.items()}
        lowered = [
            f"{s} {c} {m}: {old[s][c][m]} -> {v}"
            for s, cats in new.items() for c, ms in cats.items() for m, v in ms.items()
            if s in old and c in old[s] and m in old[s][c] and v < old[s][c][m]
        ]
        if lowered and not args.allow_lower:
            print("refusing to lower floors (pass --allow-lower to accept):\n  " + "\n  ".join(lowered))
            return 1
        tmp = FLOORS.with_suffix(".tmp")
        tmp.write_text(json.dumps({"floors": new, "note": "written by bench/accuracy.py --update-floors"}, indent=2) + "\n")
        tmp.replace(FLOORS)
        print(f"floors written to {FLOORS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
