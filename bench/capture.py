"""Capture throughput, WARC and index growth, memory, and registration speed (issue 2's targets).

    .venv/bin/python bench/capture.py [--quick | --n N] [--workers W] [--rounds R] [--cli] [--big N]
                                      [--no-requisites] [--screenshots]

Serves N generated article pages (30-80 KB) from nginx on 127.0.0.1 (a child process with its own
config; ``apt-get install -y nginx-light``; without it a threaded Python server is used and said
so), then measures, each phase in its own child process:

* ``check --all`` via ``Archive.check(None)``, first pass and an unchanged re-check, against a plain
  requests + warcio thread pool of the same width fetching the same pages. Every archiver phase is
  bracketed by two baseline runs (B A B A B) and compared with their mean, so drifting machine
  load hits both sides of each ratio;
* WARC bytes, index growth and bytes written to disk (``/proc/self/io``) per URL on each pass;
  peak RSS per phase (ru_maxrss);
* ``Archive.add`` of ``--big`` URLs and ``Archive.import_documents`` of a document citing them.

Benchmark config: per_host_concurrency = workers and per_host_delay = 0 (every page is on one
host); the soft-404 probe stays on (one extra GET per host per probe_ttl, so one in the whole run).
Each new version's requisites are fetched as by default (served on loopback beside the pages);
screenshots are off unless ``--screenshots`` (one Chromium render per new version). The plain
loop fetches the pages alone: it judges the page fetch, and the ratio includes the requisites.
Prints figures and ratios; asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import write_pages_parallel
from measure import index_bytes, loadavg, print_machine, table
from phases import phase, write_urls
from servers import Site

TARGETS = {"first": 0.60, "recheck": 0.90, "rss_10k": 150, "rss_100k": 300}


def registration_inputs(tmp: Path, n: int) -> tuple[str, str]:
    """A list of ``n`` URLs for ``add`` and a Markdown document citing ``n`` URLs for ``import``."""
    rng = random.Random(7)
    sections = ("news", "politics", "science", "health", "business", "opinion", "data", "reports")
    words = (
        "levy",
        "poll",
        "budget",
        "court",
        "ruling",
        "transit",
        "housing",
        "audit",
        "bridge",
        "flood",
        "vote",
        "school",
        "grant",
        "study",
    )
    urls = []
    for k in range(n):
        host = f"www.outlet{k % 2500}.example"
        slug = "-".join(rng.choices(words, k=4))
        tracking = "?utm_source=newsletter&utm_medium=email" if k % 7 == 0 else ""
        urls.append(f"https://{host}/{rng.choice(sections)}/2026/{1 + k % 12:02d}/{slug}-{k}{tracking}")
    doc = ["# Sources for the transit levy investigation\n"]
    for k, url in enumerate(urls):
        if k % 10 == 0:
            doc.append("\n")
        doc.append(
            f"The {rng.choice(words)} report ([{rng.choice(words)} {rng.choice(words)}]({url})) found {k % 97}% support. "
        )
    doc_path = tmp / "sources.md"
    doc_path.write_text("".join(doc))
    return write_urls(tmp / "add.urls", urls), str(doc_path)


def run_round(
    site: Site, tmp: Path, urls_file: str, n: int, workers: int, r: int, baseline: bool = True,
    options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """B A1 B A2 B: the first pass and the re-check, each between two baseline runs."""
    data = tmp / f"data-{r}"

    def plain(tag: str) -> dict[str, Any] | None:
        if not baseline:
            return None
        out = tmp / f"plain-{r}-{tag}"
        res = phase("plain", {"urls": urls_file, "out": str(out), "workers": workers})
        shutil.rmtree(out, ignore_errors=True)
        print(
            f"  plain loop {tag}: {n / res['seconds']:7.1f} URLs/s  rss {res['rss_mb']:.0f} MB  (load {loadavg()})",
            flush=True,
        )
        return res

    add = phase("add", {"data": str(data), "urls": urls_file, "workers": workers})
    idx0 = index_bytes(data)
    b0 = plain("before")
    first = phase("check", {"data": str(data), "workers": workers, **(options or {})})
    idx1 = index_bytes(data)
    print(
        f"  archiver first pass: {n / first['seconds']:7.1f} URLs/s  rss {first['rss_mb']:.0f} MB "
        f"(reading process {first.get('pool_rss_mb', 0):.0f} MB)  events {first['events']}",
        flush=True,
    )
    b1 = plain("between")
    again = phase("check", {"data": str(data), "workers": workers, **(options or {})})
    idx2 = index_bytes(data)
    print(
        f"  archiver re-check:   {n / again['seconds']:7.1f} URLs/s  rss {again['rss_mb']:.0f} MB  events {again['events']}",
        flush=True,
    )
    b2 = plain("after")
    shutil.rmtree(data, ignore_errors=True)
    return {"add": add, "b": (b0, b1, b2), "first": first, "again": again, "idx": (idx0, idx1, idx2)}


def run_cli(site: Site, tmp: Path, urls_file: str, n: int, workers: int) -> dict[str, Any]:
    data = tmp / "data-cli"
    out = tmp / "plain-cli"
    b0 = phase("plain", {"urls": urls_file, "out": str(out), "workers": workers})
    shutil.rmtree(out, ignore_errors=True)
    first = phase("cli", {"data": str(data), "workers": workers, "add": urls_file})
    again = phase("cli", {"data": str(data), "workers": workers})
    b1 = phase("plain", {"urls": urls_file, "out": str(out), "workers": workers})
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(data, ignore_errors=True)
    base = statistics.mean(n / b["seconds"] for b in (b0, b1))
    return {"first": first, "again": again, "base": base}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=10_000, help="pages to serve and check (default 10000)")
    parser.add_argument("--quick", action="store_true", help="N = 1000, --big 10000")
    parser.add_argument(
        "--workers", type=int, default=None, help="check workers (default: archiver's config)"
    )
    parser.add_argument("--rounds", type=int, default=1, help="repeat the B A B A B sequence (median ratio)")
    parser.add_argument("--cli", action="store_true", help="also time `archiver check --all` as a subprocess")
    parser.add_argument(
        "--big", type=int, default=100_000, help="URLs for the add/import timing (default 100000)"
    )
    parser.add_argument("--server", choices=("auto", "nginx", "python"), default="auto")
    parser.add_argument("--no-requisites", action="store_true", help="new versions without their requisites")
    parser.add_argument(
        "--processes", type=int, default=None, help="[check] processes: reading worker processes (-1: cores - 1; default: the config's)"
    )
    parser.add_argument(
        "--screenshots", action="store_true", help="a screenshot of each new version (needs Chromium)"
    )
    parser.add_argument(
        "--no-baseline",
        action="store_true",
        help="archiver passes only, no plain loop and no add/import (for RSS at large N)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.big = 1000, min(args.big, 10_000)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from archiver.config import CheckConfig

    workers = args.workers or CheckConfig().workers
    n = args.n
    load_before = loadavg()
    print(
        f"bench/capture.py  {time.strftime('%Y-%m-%d %H:%M %Z')}  N={n} workers={workers} rounds={args.rounds}"
    )
    print_machine(load_before)
    tmp = Path(tempfile.mkdtemp(prefix="archiver-bench-"))
    site = Site(tmp, server=args.server)
    try:
        t = time.perf_counter()
        page_bytes = write_pages_parallel(site.www / "pass1", n)
        site.serve("pass1")
        print(f"pages: {n} generated in {time.perf_counter() - t:.1f}s, mean {page_bytes / n / 1024:.1f} KB")
        site.start()
        print(f"server: {site.kind}  {site.note}".rstrip())
        options = {"requisites": not args.no_requisites, "screenshot": args.screenshots, "processes": args.processes}
        print(
            "config: per_host_concurrency = workers, per_host_delay = 0, soft404_probe on (once per host), "
            f"requisites {'on' if options['requisites'] else 'off'}, screenshots {'on' if args.screenshots else 'off'}, "
            f"reading processes {'default' if args.processes is None else args.processes}"
        )
        urls_file = write_urls(tmp / "pages.urls", site.urls(n))
        phase(
            "plain",
            {
                "urls": write_urls(tmp / "warm.urls", site.urls(min(n, 300))),
                "out": str(tmp / "warm"),
                "workers": workers,
            },
        )  # warm-up: connections, page cache, imports
        rounds = []
        for r in range(args.rounds):
            print(f"round {r + 1}:", flush=True)
            rounds.append(
                run_round(site, tmp, urls_file, n, workers, r, baseline=not args.no_baseline, options=options)
            )
        if args.no_baseline:
            rd = rounds[0]
            print(
                f"first pass {n / rd['first']['seconds']:.1f} URLs/s, peak RSS {rd['first']['rss_mb']:.0f} MB; "
                f"re-check {n / rd['again']['seconds']:.1f} URLs/s, peak RSS {rd['again']['rss_mb']:.0f} MB; "
                f"WARC per URL {rd['first']['warc_bytes'] / n / 1024:.2f} / {rd['again']['warc_bytes'] / n / 1024:.2f} KB"
            )
            print(
                f"CPU per URL {rd['first']['cpu_s'] / n * 1000:.2f} / {rd['again']['cpu_s'] / n * 1000:.2f} ms; "
                f"written to disk per URL {rd['first']['disk_bytes'] / n / 1024:.2f} / "
                f"{rd['again']['disk_bytes'] / n / 1024:.2f} KB"
            )
            print(f"load average after: {loadavg()}")
            return 0
        cli = run_cli(site, tmp, urls_file, n, workers) if args.cli else None
        add_file, doc = registration_inputs(tmp, args.big)
        big_add = phase("add", {"data": str(tmp / "data-add"), "urls": add_file})
        big_import = phase("import", {"data": str(tmp / "data-import"), "document": doc})
        report(rounds, cli, big_add, big_import, n, args.big, site)
    finally:
        site.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"load average after: {loadavg()}")
    return 0


def _median_round(rounds: list[dict[str, Any]], ratios: list[float]) -> tuple[dict[str, Any], float]:
    """The round whose ratio is the median (the lower one for an even count), and that ratio."""
    k = sorted(range(len(ratios)), key=ratios.__getitem__)[(len(ratios) - 1) // 2]
    return rounds[k], ratios[k]


def report(
    rounds: list[dict[str, Any]],
    cli: dict[str, Any] | None,
    big_add: dict[str, Any],
    big_import: dict[str, Any],
    n: int,
    big: int,
    site: Site,
) -> None:
    """One table; each throughput row comes from the round with the median ratio for that row."""

    def rate(res: dict[str, Any]) -> float:
        return n / float(res["seconds"])

    def ms(res: dict[str, Any]) -> float:
        return float(res["cpu_s"]) / n * 1000

    first_ratios = [rate(r["first"]) / statistics.mean(rate(b) for b in r["b"][:2]) for r in rounds]
    again_ratios = [rate(r["again"]) / statistics.mean(rate(b) for b in r["b"][1:]) for r in rounds]
    r1, ratio1 = _median_round(rounds, first_ratios)
    r2, ratio2 = _median_round(rounds, again_ratios)
    base1 = statistics.mean(rate(b) for b in r1["b"][:2])
    base2 = statistics.mean(rate(b) for b in r2["b"][1:])
    cpu1 = statistics.median(statistics.mean(ms(b) for b in r["b"]) / ms(r["first"]) for r in rounds)
    cpu2 = statistics.median(statistics.mean(ms(b) for b in r["b"]) / ms(r["again"]) for r in rounds)
    rd = rounds[len(rounds) // 2]
    idx0, idx1, idx2 = rd["idx"]
    plain_kb = statistics.mean(b["warc_bytes"] for b in rd["b"]) / n / 1024
    plain_ms = statistics.mean(ms(b) for b in rd["b"])
    rss_target = TARGETS["rss_10k"] if n <= 10_000 else TARGETS["rss_100k"]
    first, again = TARGETS["first"], TARGETS["recheck"]
    rows: list[tuple[object, ...]] = [
        (
            "check --all, first pass",
            f"{rate(r1['first']):.1f} URLs/s",
            f"{base1:.1f} URLs/s",
            f"{ratio1:.2f}",
            f">= {first}",
        ),
        (
            "unchanged re-check",
            f"{rate(r2['again']):.1f} URLs/s",
            f"{base2:.1f} URLs/s",
            f"{ratio2:.2f}",
            f">= {again}",
        ),
    ]
    if cli:
        c1, c2, cb = rate(cli["first"]), rate(cli["again"]), cli["base"]
        rows += [
            (
                "CLI check --all, first pass",
                f"{c1:.1f} URLs/s",
                f"{cb:.1f} URLs/s",
                f"{c1 / cb:.2f}",
                f">= {first}",
            ),
            (
                "CLI unchanged re-check",
                f"{c2:.1f} URLs/s",
                f"{cb:.1f} URLs/s",
                f"{c2 / cb:.2f}",
                f">= {again}",
            ),
        ]
    rows += [
        (
            "CPU per URL, first pass / re-check",
            f"{ms(rd['first']):.2f} / {ms(rd['again']):.2f} ms",
            f"{plain_ms:.2f} ms",
            f"{cpu1:.2f} / {cpu2:.2f}",
            "",
        ),
        (
            "WARC per URL, first pass",
            f"{rd['first']['warc_bytes'] / n / 1024:.2f} KB",
            f"{plain_kb:.2f} KB",
            "",
            "",
        ),
        ("WARC per URL, re-check", f"{rd['again']['warc_bytes'] / n / 1024:.2f} KB", "", "", "<= 1.2 KB"),
        (
            "written to disk per URL, first pass / re-check",
            f"{rd['first']['disk_bytes'] / n / 1024:.2f} / {rd['again']['disk_bytes'] / n / 1024:.2f} KB",
            "",
            "",
            "re-check <= 4 KB",
        ),
        (
            "index per URL: add / first pass / re-check",
            f"{idx0 / n / 1024:.2f} / {(idx1 - idx0) / n / 1024:.2f} / {(idx2 - idx1) / n / 1024:.2f} KB",
            "",
            "",
            "",
        ),
        (
            "peak RSS, first pass / re-check",
            f"{rd['first']['rss_mb']:.0f} / {rd['again']['rss_mb']:.0f} MB",
            f"{max(b['rss_mb'] for b in rd['b']):.0f} MB",
            "",
            f"< {rss_target} MB",
        ),
        (
            "events, first pass / re-check",
            f"{rd['first']['events']} / {rd['again']['events']}",
            "",
            "",
            "0 / 0",
        ),
    ]
    if cli:
        rss = f"{cli['first']['child_rss_mb']:.0f} / {cli['again']['child_rss_mb']:.0f} MB"
        rows.append(("CLI peak RSS, first pass / re-check", rss, "", "", f"< {rss_target} MB"))
    rows += [
        (f"add {big:,} URLs", f"{big_add['seconds']:.2f} s ({big_add['rss_mb']:.0f} MB)", "", "", "< 10 s"),
        (
            f"import a document citing {big:,} URLs",
            f"{big_import['seconds']:.2f} s ({big_import['rss_mb']:.0f} MB)",
            "",
            "",
            "< 10 s",
        ),
    ]
    print()
    print(table(rows, ("measure", "archiver", "plain loop", "ratio", "target")))
    if len(rounds) > 1:
        print(
            f"ratios per round: first pass {', '.join(f'{x:.2f}' for x in first_ratios)}; "
            f"re-check {', '.join(f'{x:.2f}' for x in again_ratios)}"
        )
    print(
        "ratio = archiver / plain loop (mean of the two runs around it); CPU ratio = plain / archiver CPU per URL"
    )
    if big_import["citations"] != big or big_add["added"] != big:
        print(
            f"note: import found {big_import['citations']} citations, add registered {big_add['added']} URLs"
        )


if __name__ == "__main__":
    sys.exit(main())
