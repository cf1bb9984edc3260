"""CPU per request of the fetch layer alone: archiver's ``Fetcher.fetch`` against plain ``requests``
and plain ``urllib3``, the same URLs from loopback nginx, the same threads, in one run.

    .venv/bin/python bench/fetch_cpu.py [--n N] [--threads T] [--rounds R] [--what pages|images|both]
                                        [--tree PATH ...]

Serves N generated article pages (30-80 KB) and their photos (8-24 KB: a requisite's size) from
nginx on 127.0.0.1 (``bench/servers.py``). Each measured run is a child process that GETs every URL
once with T threads and reports the CPU it spent doing so (``getrusage``, user + system, taken
after its imports and before its threads end, so start-up is not counted):

* ``requests``: one ``requests.Session`` per thread, ``stream=True``, the raw body read whole (the
  plain loop of ``bench/capture.py`` without its WARC writing);
* ``urllib3``: one ``urllib3.PoolManager`` per thread, ``preload_content=False``, ``read1`` in
  64 KiB pieces, no decoding;
* ``fetcher``: archiver's ``Fetcher.fetch(url)`` as the checker calls it (inside the body gate's
  session, a ``HostThrottle`` of T per host and no delay, an operator's URL);
* ``fetcher-guarded``: ``Fetcher.fetch(url, untrusted=True)`` with private addresses allowed, as a
  document's link or a requisite is fetched (the address policy runs on every hop).

Each ``--tree`` (a checkout; default: this one) runs the archiver modes with ``PYTHONPATH`` at it,
so two commits compare in one run. Runs alternate (every mode and tree once per round, the order
rotated each round), and the table gives each one's median CPU per request and its ratio to
``requests`` in the same run. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import write_pages_parallel
from measure import loadavg, print_machine, table
from servers import Site

HERE = Path(__file__).resolve().parent
PLAIN = ("requests", "urllib3")
ARCHIVER = ("fetcher", "fetcher-guarded")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _pool(
    urls: Sequence[str], threads: int, setup: Callable[[], Any], get: Callable[[Any, str], int]
) -> dict[str, Any]:
    """GET every URL once over ``threads`` threads (each with its own ``setup()`` state)."""
    todo = iter(urls)
    lock = threading.Lock()
    got = [0] * threads
    errors = [0] * threads
    ready = threading.Barrier(threads + 1)

    def work(k: int) -> None:
        state = setup()
        ready.wait()
        while True:
            with lock:
                url = next(todo, None)
            if url is None:
                return
            size = get(state, url)
            if size < 0:
                errors[k] += 1
            else:
                got[k] += size

    pool = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    ready.wait()
    cpu, start = _cpu(), time.perf_counter()
    for t in pool:
        t.join()
    return {
        "cpu_s": _cpu() - cpu,
        "seconds": time.perf_counter() - start,
        "bytes": sum(got),
        "errors": sum(errors),
    }


def _run_requests(urls: Sequence[str], threads: int) -> dict[str, Any]:
    import requests

    def get(session: requests.Session, url: str) -> int:
        try:
            resp = session.get(url, stream=True, timeout=(10, 30))
            body = resp.raw.read(decode_content=False)
            resp.close()
        except requests.RequestException:
            return -1
        return len(body) if resp.status_code == 200 else -1

    return _pool(urls, threads, requests.Session, get)


def _run_urllib3(urls: Sequence[str], threads: int) -> dict[str, Any]:
    import urllib3

    def get(pm: urllib3.PoolManager, url: str) -> int:
        try:
            resp = pm.request(
                "GET",
                url,
                preload_content=False,
                retries=False,
                redirect=False,
                timeout=urllib3.Timeout(connect=10, read=30),
            )
            parts = []
            while chunk := resp.read1(65536, decode_content=False):
                parts.append(chunk)
            resp.release_conn()
        except urllib3.exceptions.HTTPError:
            return -1
        return len(b"".join(parts)) if resp.status == 200 else -1

    return _pool(urls, threads, urllib3.PoolManager, get)


def _run_fetcher(urls: Sequence[str], threads: int, guarded: bool) -> dict[str, Any]:
    from archiver.config import FetchConfig
    from archiver.fetch import AddressPolicy, Fetcher, HostThrottle
    from archiver.models import Outcome

    config = FetchConfig(allow_private=guarded)
    fetcher = Fetcher(
        config, throttle=HostThrottle(threads, 0.0), policy=AddressPolicy(allow_private=guarded)
    )

    def get(_: None, url: str) -> int:
        with fetcher.gate.session():
            result = fetcher.fetch(url, untrusted=guarded)
        return len(result.hops[-1].body) if result.outcome is Outcome.OK else -1

    try:
        return _pool(urls, threads, lambda: None, get)
    finally:
        fetcher.close()


def _child(spec: dict[str, Any]) -> None:
    urls = Path(spec["urls"]).read_text().split()
    mode, threads = spec["mode"], spec["threads"]
    if mode == "requests":
        out = _run_requests(urls, threads)
    elif mode == "urllib3":
        out = _run_urllib3(urls, threads)
    else:
        out = _run_fetcher(urls, threads, guarded=mode == "fetcher-guarded")
    print(json.dumps(out))


def _measure(mode: str, tree: str | None, urls_file: Path, threads: int) -> dict[str, Any]:
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = tree + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    spec = {"mode": mode, "urls": str(urls_file), "threads": threads}
    done = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(spec)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{mode} ({tree or 'this tree'}) failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=2000, help="pages served (default 2000)")
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--what", choices=("pages", "images", "both"), default="both")
    ap.add_argument(
        "--tree", action="append", default=[], help="a checkout whose archiver to measure (repeatable)"
    )
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _child(json.loads(args.child))
        return
    trees: list[str | None] = [str(Path(t).resolve()) for t in args.tree] or [None]
    load_before = loadavg()
    tmp = Path(tempfile.mkdtemp(prefix="archiver-fetchcpu-"))
    site = Site(tmp)
    try:
        (site.www / "v1").mkdir()
        write_pages_parallel(site.www / "v1", args.n)
        site.serve("v1")
        site.start()
        base = f"http://127.0.0.1:{site.port}"
        urls = []
        if args.what in ("pages", "both"):
            urls += site.urls(args.n)
        if args.what in ("images", "both"):
            urls += [f"{base}/img/{i}.jpg" for i in range(args.n)]
        urls_file = tmp / "urls.txt"
        urls_file.write_text("\n".join(urls))
        runs: list[tuple[str, str | None]] = [(m, None) for m in PLAIN] + [
            (m, t) for t in trees for m in ARCHIVER
        ]
        cpu: dict[tuple[str, str | None], list[float]] = {r: [] for r in runs}
        wall: dict[tuple[str, str | None], list[float]] = {r: [] for r in runs}
        for k in range(args.rounds):
            order = runs[k % len(runs) :] + runs[: k % len(runs)]
            for mode, tree in order:
                out = _measure(mode, tree, urls_file, args.threads)
                if out["errors"]:
                    print(f"warning: {mode} ({tree or 'this tree'}): {out['errors']} requests failed")
                cpu[(mode, tree)].append(out["cpu_s"] / len(urls) * 1000)
                wall[(mode, tree)].append(len(urls) / out["seconds"])
        load_after = loadavg()
        print_machine(load_before)
        print(f"load average after: {load_after}; server: {site.kind}")
        print(f"{len(urls)} URLs ({args.what}), {args.threads} threads, {args.rounds} rounds (median)\n")
        plain = statistics.median(cpu[("requests", None)])
        rows = []
        for mode, tree in runs:
            ms = statistics.median(cpu[(mode, tree)])
            label = mode if tree is None or len(trees) == 1 else f"{mode} @ {tree}"
            rows.append(
                [
                    label,
                    f"{ms:.3f}",
                    f"{ms / plain:.2f}",
                    f"{statistics.median(wall[(mode, tree)]):.0f}",
                    " ".join(f"{x:.3f}" for x in cpu[(mode, tree)]),
                ]
            )
        print(table(rows, ["run", "CPU ms/request", "× requests", "requests/s", "each round (ms)"]))
    finally:
        site.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
