"""Accuracy on the simulated web and on real pages: precision/recall per category and detection latency.

    python bench/accuracy.py [--details] [--only default|heldout|realweb] [--update-floors [--allow-lower]]
    python bench/accuracy.py --only realweb --realweb-seed holdout-3 --realweb-pages 120   (a held-out world)

Runs the DEFAULT suite (the one the test suite pins) and the HELDOUT suite (sites, templates and
wordings the classifier was never tuned on), then the real-page world (tests/realweb: extraction
on the 233 pages of ../shared/realpages, and 60 of them served at their real URLs over 4 epochs
of noise, edits and takedowns), prints a table per suite (``--details``: every miss and false
event, and the worst pages), and with
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

from realweb import floors as realweb_floors
from realweb import format_quality, load, measure
from realweb.harness import format_world, run_world
from realweb.world import PAGES, SEED, plan_world
from simweb import DEFAULT, HELDOUT, format_scores
from simweb.harness import FLOORS, measured, run_suite


def realweb_figures(details: bool, seed: str | None = None, pages: int | None = None) -> dict[str, dict[str, float]]:
    """Run the real-page world, print it, and return its figures in the floors' shape. With
    ``seed``/``pages``, another world from the same pages (a held-out check: other pages, other
    edits); only the pinned world (no seed, no count) may be pinned."""
    quality = measure(load())
    print(format_quality(quality, details=details, worst=15))
    plans = None
    if seed is not None or pages is not None:
        plans = plan_world(load(), count=pages or PAGES, seed=seed or SEED)
    with tempfile.TemporaryDirectory() as tmp:
        run = run_world(Path(tmp) / "snapshots", Path(tmp), plans=plans, seed=seed or SEED)
    print(format_world(run, details=details, worst=15) + "\n")
    extraction = {"with_kept": round(quality.with_kept, 4), "without_dropped": round(quality.without_dropped, 4)}
    return {"extraction": extraction, **run.measured()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--details", action="store_true", help="list every miss and false event")
    parser.add_argument("--update-floors", action="store_true", help="pin today's figures as floors")
    parser.add_argument("--allow-lower", action="store_true", help="with --update-floors: allow a floor to go down")
    parser.add_argument("--only", choices=("default", "heldout", "realweb"), help="run just this suite")
    parser.add_argument("--realweb-seed", help="another real-page world: its seed (e.g. holdout-3); not pinned")
    parser.add_argument("--realweb-pages", type=int, help="with --realweb-seed: how many pages (default 60)")
    args = parser.parse_args(argv)
    if args.update_floors and (args.realweb_seed or args.realweb_pages):
        parser.error("--update-floors pins the pinned real-page world only: drop --realweb-seed/--realweb-pages")
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        os.environ.pop(name, None)

    results = {}
    for suite in (DEFAULT, HELDOUT):
        if args.only and args.only != suite.name:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            run = run_suite(suite, Path(tmp) / "snapshots")
        results[suite.name] = run.scores
        print(format_scores(run.scores, details=args.details))
        print(f"edit F1 {run.scores.edit_f1:.3f}  takedown F1 {run.scores.takedown_f1:.3f}  "
              f"noise clean {run.scores.noise.clean}/{run.scores.noise.scenarios}  ({run.seconds:.1f}s)\n")

    real = realweb_figures(args.details, args.realweb_seed, args.realweb_pages) if args.only in (None, "realweb") else None

    if args.update_floors:
        old = json.loads(FLOORS.read_text())["floors"] if FLOORS.exists() else {}
        new = {name: measured(scores) for name, scores in results.items()}
        lowered = [
            f"{s} {c} {m}: {old[s][c][m]} -> {v}"
            for s, cats in new.items() for c, ms in cats.items() for m, v in ms.items()
            if s in old and c in old[s] and m in old[s][c] and v < old[s][c][m]
        ]
        if real is not None:
            lowered += realweb_floors.lowered(real, old.get(realweb_floors.KEY, {}))
        if lowered and not args.allow_lower:
            print("refusing to lower floors (pass --allow-lower to accept):\n  " + "\n  ".join(lowered))
            return 1
        tmp = FLOORS.with_suffix(".tmp")
        floors = {**old, **new}  # suites not run this time keep their floors
        tmp.write_text(json.dumps({"floors": floors, "note": "written by bench/accuracy.py --update-floors"}, indent=2) + "\n")
        tmp.replace(FLOORS)
        if real is not None:
            realweb_floors.write(real)
        print(f"floors written to {FLOORS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
