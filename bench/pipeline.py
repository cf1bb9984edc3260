"""Re-check of pages whose bytes all changed by noise, 5 % with a real edit (issue 3's targets).

    .venv/bin/python bench/pipeline.py [--quick | --n N] [--workers W] [--rounds R]

Pass 1 serves N article pages (the generator in corpus.py) and runs ``check --all``. Then the
served directory is swapped (a symlink nginx follows per request) for pass 2, where every page's
bytes differ by noise only: clock and "generated at" times, "N hours ago", rotated ads in the
article body and sidebar, a new CSRF token, script nonce, request id and cache-busters, share and
like counters. 5 % of the pages also carry a real edit, alternately a changed figure ("61%" →
"58%") and a rewritten sentence. Pass 2 is every page through fetch → WARC → extract → diff →
classify, timed against the plain requests + warcio loop fetching the pass-2 pages (B A B).

Prints pass-2 URLs/s and its ratio to the plain loop (target >= 1/3), false edits (target 0),
missed edits, every other event by type, and peak RSS. Benchmark config as in capture.py
(per_host_concurrency = workers, per_host_delay = 0, soft-404 probe on). Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import EDIT_KINDS, page_path, write_pages_parallel
from measure import loadavg, print_machine, table
from phases import phase, write_urls
from servers import Site

TARGET_RATIO = 0.5  # issue 13: pass 2 (changes found, diffs and verdicts made) >= 0.5x the plain loop
EDIT_SHARE = 0.05


def edit_plan(n: int, seed: int = 3) -> dict[int, str]:
    """Which pages get a real edit in pass 2, and what kind."""
    chosen = sorted(random.Random(seed).sample(range(n), max(1, round(n * EDIT_SHARE))))
    return {i: EDIT_KINDS[k % len(EDIT_KINDS)] for k, i in enumerate(chosen)}


def score(events: list[list[str]], edits: dict[int, str], port: int) -> dict[str, Any]:
    edited_urls = {f"http://127.0.0.1:{port}{page_path(i)}": kind for i, kind in edits.items()}
    found = {url for url, kind, _ in events if kind == "edited"}
    false = sorted(found - edited_urls.keys())
    missed = sorted(edited_urls.keys() - found)
    missed_by_kind = Counter(edited_urls[u] for u in missed)
    others = Counter(f"{kind}/{reason}" for _, kind, reason in events if kind != "edited")
    return {
        "true": len(found & edited_urls.keys()),
        "false": false,
        "missed": missed,
        "missed_by_kind": missed_by_kind,
        "others": others,
    }


def run_round(
    site: Site, tmp: Path, urls_file: str, n: int, workers: int, r: int, processes: int | None = None
) -> dict[str, Any]:
    data = tmp / f"data-{r}"

    def plain(tag: str) -> dict[str, Any]:
        out = tmp / f"plain-{r}-{tag}"
        res = phase("plain", {"urls": urls_file, "out": str(out), "workers": workers})
        shutil.rmtree(out, ignore_errors=True)
        print(f"  plain loop {tag}: {n / res['seconds']:7.1f} URLs/s  (load {loadavg()})", flush=True)
        return res

    site.serve("pass1")
    first = phase("check", {"data": str(data), "workers": workers, "add": urls_file, "processes": processes})
    print(
        f"  archiver pass 1: {n / first['seconds']:7.1f} URLs/s  rss {first['rss_mb']:.0f} MB  events {first['events']}",
        flush=True,
    )
    site.serve("pass2")
    b0 = plain("before")
    events_file = tmp / f"events-{r}.json"
    second = phase(
        "check", {"data": str(data), "workers": workers, "events_file": str(events_file), "processes": processes}
    )
    print(
        f"  archiver pass 2: {n / second['seconds']:7.1f} URLs/s  rss {second['rss_mb']:.0f} MB  events {second['events']}",
        flush=True,
    )
    b1 = plain("after")
    shutil.rmtree(data, ignore_errors=True)
    return {"first": first, "second": second, "b": (b0, b1), "events": json.loads(events_file.read_text())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=10_000, help="pages (default 10000)")
    parser.add_argument("--quick", action="store_true", help="N = 1000")
    parser.add_argument(
        "--workers", type=int, default=None, help="check workers (default: archiver's config)"
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="repeat pass 1 + pass 2 with fresh data (median ratio)"
    )
    parser.add_argument("--details", action="store_true", help="list false and missed edits")
    parser.add_argument("--server", choices=("auto", "nginx", "python"), default="auto")
    parser.add_argument(
        "--processes", type=int, default=None, help="[check] processes: reading worker processes (-1: cores - 1; default: the config's)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.n = 1000
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from archiver.config import CheckConfig

    workers = args.workers or CheckConfig().workers
    n = args.n
    load_before = loadavg()
    print(
        f"bench/pipeline.py  {time.strftime('%Y-%m-%d %H:%M %Z')}  N={n} workers={workers} rounds={args.rounds}"
    )
    print_machine(load_before)
    tmp = Path(tempfile.mkdtemp(prefix="archiver-bench-"))
    site = Site(tmp, server=args.server)
    try:
        edits = edit_plan(n)
        t = time.perf_counter()
        size1 = write_pages_parallel(site.www / "pass1", n)
        write_pages_parallel(site.www / "pass2", n, variant=1, edits=edits)
        print(
            f"pages: 2 x {n} generated in {time.perf_counter() - t:.1f}s, mean {size1 / n / 1024:.1f} KB; "
            f"pass 2: every page's noise re-rolled, {len(edits)} real edits "
            f"({', '.join(f'{v} {k}' for k, v in sorted(Counter(edits.values()).items()))})"
        )
        site.serve("pass1")
        site.start()
        print(f"server: {site.kind}  {site.note}".rstrip())
        print("config: per_host_concurrency = workers, per_host_delay = 0, soft404_probe on (once per host)")
        urls_file = write_urls(tmp / "pages.urls", site.urls(n))
        phase(
            "plain",
            {
                "urls": write_urls(tmp / "warm.urls", site.urls(min(n, 300))),
                "out": str(tmp / "warm"),
                "workers": workers,
            },
        )
        rounds = []
        for r in range(args.rounds):
            print(f"round {r + 1}:", flush=True)
            rounds.append(run_round(site, tmp, urls_file, n, workers, r, args.processes))
        report(rounds, edits, n, site.port, args.details)
    finally:
        site.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"load average after: {loadavg()}")
    return 0


def report(rounds: list[dict[str, Any]], edits: dict[int, str], n: int, port: int, details: bool) -> None:
    """Throughput from the round with the median ratio; detection figures from the worst round."""

    def base(r: dict[str, Any]) -> float:
        return statistics.mean(n / float(b["seconds"]) for b in r["b"])

    def ms(res: dict[str, Any]) -> float:
        return float(res["cpu_s"]) / n * 1000

    ratios = [n / r["second"]["seconds"] / base(r) for r in rounds]
    k = sorted(range(len(ratios)), key=ratios.__getitem__)[(len(ratios) - 1) // 2]
    rd = rounds[k]
    scores = [score(r["events"], edits, port) for r in rounds]
    s = max(scores, key=lambda x: (len(x["false"]) + len(x["missed"]), sum(x["others"].values())))
    missed_kinds = ", ".join(f"{v} {k}" for k, v in sorted(s["missed_by_kind"].items())) or "-"
    plain_ms = statistics.mean(ms(b) for b in rd["b"])
    cpu_ratio = statistics.median(statistics.mean(ms(b) for b in r["b"]) / ms(r["second"]) for r in rounds)
    others = ", ".join(f"{k} {v}" for k, v in sorted(s["others"].items())) or "none"
    rows: list[tuple[object, ...]] = [
        (
            "pass 2: noise everywhere, 5 % edits",
            f"{n / rd['second']['seconds']:.1f} URLs/s",
            f"{base(rd):.1f} URLs/s",
            f"{ratios[k]:.2f}",
            f">= {TARGET_RATIO:.2f}",
        ),
        ("CPU per URL, pass 2", f"{ms(rd['second']):.2f} ms", f"{plain_ms:.2f} ms", f"{cpu_ratio:.2f}", ""),
        ("pass 1 (first capture, for reference)", f"{n / rd['first']['seconds']:.1f} URLs/s", "", "", ""),
        ("edits detected", f"{s['true']} / {len(edits)}", "", "", f"{len(edits)} / {len(edits)}"),
        ("false edits", len(s["false"]), "", "", "0"),
        ("missed edits", f"{len(s['missed'])} ({missed_kinds})", "", "", "0"),
        ("other events", others, "", "", "none"),
        (
            "peak RSS, pass 1 / pass 2",
            f"{rd['first']['rss_mb']:.0f} / {rd['second']['rss_mb']:.0f} MB",
            f"{max(b['rss_mb'] for b in rd['b']):.0f} MB",
            "",
            "< 150 MB",
        ),
        (
            "WARC per URL, pass 2",
            f"{rd['second']['warc_bytes'] / n / 1024:.2f} KB",
            f"{statistics.mean(b['warc_bytes'] for b in rd['b']) / n / 1024:.2f} KB",
            "",
            "",
        ),
    ]
    print()
    print(table(rows, ("measure", "archiver", "plain loop", "ratio", "target")))
    if len(rounds) > 1:
        print(
            f"ratios per round: {', '.join(f'{x:.2f}' for x in ratios)}; detection figures: the worst round"
        )
    print("ratio = archiver / plain loop (mean of the runs before and after); CPU ratio = plain / archiver")
    if details:
        for url in s["false"]:
            print(f"false edit: {url}")
        for url in s["missed"]:
            print(f"missed edit: {url}")


if __name__ == "__main__":
    sys.exit(main())
