"""Extraction quality and speed on the real saved pages of ../shared/realpages.

    python bench/realpages.py [--details] [--worst N] [--engine NAME] [--repeat N] [--json]

For each of the 233 pages: the share of its ``with`` strings that ``archiver.extract.extract``
keeps and of its ``without`` strings it drops (the realpages README's normalisation; see
tests/realweb/quality.py for how masked text is compared), and the CPU milliseconds the
extraction took (best of ``--repeat``). Prints the totals, the CPU time per page (mean, median,
p90, max), and with ``--details`` one line per page, worst first. The issue's goal is ≥ 0.95 for
both shares. ``--engine`` is passed to ``extract`` (e.g. ``trafilatura``) for a comparison.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from realweb import format_quality, load, measure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--details", action="store_true", help="one line per page, worst first")
    parser.add_argument("--worst", type=int, default=15, help="how many worst pages to show with their misses")
    parser.add_argument("--engine", default=None, help="extract(..., engine=NAME); default: extract's own")
    parser.add_argument("--repeat", type=int, default=3, help="extract each page N times, keep the fastest")
    parser.add_argument("--json", action="store_true", help="print the totals and per-page figures as JSON")
    args = parser.parse_args(argv)

    quality = measure(load(), engine=args.engine, repeat=args.repeat)
    times = sorted(p.cpu_ms for p in quality.pages)
    cpu = {"mean": statistics.fmean(times), "median": statistics.median(times),
           "p90": times[int(0.9 * (len(times) - 1))], "max": times[-1], "total": sum(times)}
    if args.json:
        print(json.dumps({
            "totals": {**quality.counts(), "with_kept_share": round(quality.with_kept, 4),
                       "without_dropped_share": round(quality.without_dropped, 4)},
            "cpu_ms": {k: round(v, 3) for k, v in cpu.items()},
            "pages": [{"page": p.page.name, "lang": p.page.lang, "with": [len(p.kept), len(p.kept) + len(p.lost)],
                       "without": [len(p.dropped), len(p.dropped) + len(p.leaked)], "cpu_ms": round(p.cpu_ms, 3),
                       "lost": list(p.lost), "leaked": list(p.leaked)} for p in quality.pages],
        }, indent=2, ensure_ascii=False))
        return 0
    print(format_quality(quality, details=True, worst=args.worst))
    print(f"  CPU ms/page     mean {cpu['mean']:.2f}  median {cpu['median']:.2f}  p90 {cpu['p90']:.2f}  "
          f"max {cpu['max']:.2f}  (best of {args.repeat}; {len(times)} pages, {cpu['total']:.0f} ms in all)")
    if args.details:
        print(f"\n{'page':<40} {'lang':<4} {'with':>6} {'without':>8} {'cpu ms':>8}")
        for p in sorted(quality.pages, key=lambda p: (p.with_share + p.without_share, p.page.name)):
            print(f"{p.page.name:<40} {p.page.lang:<4} {len(p.kept):>2}/{len(p.kept) + len(p.lost):<3} "
                  f"{len(p.dropped):>3}/{len(p.dropped) + len(p.leaked):<4} {p.cpu_ms:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
