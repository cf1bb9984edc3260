"""``archiver run`` with the check log on (``[index] check_log``): an unchanged URL is re-checked
once per interval, never twice and never left behind, though its checks sit in the log, not in
its ``urls`` row, until the fold at the end.

A real daemon subprocess against a real local site (tests/test_daemon.py's); the site's own
clock of each request is the evidence. The lower bound on the gap is the scheduling property (a
URL whose next check the log holds must not come up due again at once); the upper bound is loose
(a loaded machine), and the count of checks says the URL kept coming up.
"""

from __future__ import annotations

import itertools
import signal
from pathlib import Path

from test_daemon import Run, Site, page, query, register, runs, site, wait_for, write_config  # noqa: F401

INTERVAL = 2.0


def test_an_unchanged_url_is_rechecked_once_per_interval_with_the_check_log(
    tmp_path: Path, site: Site, runs: list[Run]  # noqa: F811
) -> None:
    paths = ["/a", "/b", "/c"]
    for p in paths:
        site.routes[p] = page(f"Steady page {p}")
    data = tmp_path / "data"
    config = write_config(tmp_path / "config.toml", extra="jitter = 0\n\n[index]\ncheck_log = 100000\n")
    urls = [site.url(p) for p in paths]
    register(data, config, urls, every=INTERVAL)
    db = data / "index.db"

    runs.append(run := Run(tmp_path, data, config))
    wait_for("the log holding re-checks",
             lambda: (query(db, "SELECT count(*) FROM check_log") or [(0,)])[0][0] >= 3, run, timeout=60)
    wait_for("five checks of every URL", lambda: all(len(site.times(p)) >= 5 for p in paths), run, timeout=150)
    # the log holds them: the urls rows have not moved since the baselines
    assert max(r[0] for r in query(db, "SELECT checks FROM urls")) <= 2
    assert run.stop(signal.SIGTERM) == 0

    for p, url in zip(paths, urls, strict=True):
        times = site.times(p)
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert min(gaps) >= INTERVAL - 0.05, (p, gaps)  # never twice in one interval
        assert max(gaps) <= 60, (p, gaps)  # never left behind (a loaded machine: a daemon tick can take seconds)
        # folded at the stop: every check in the tables, once
        assert query(db, "SELECT checks FROM urls WHERE url = ?", (url,)) == [(len(times),)]
        assert query(db, "SELECT count(*) FROM captures WHERE url = ?", (url,)) == [(len(times),)]
    assert query(db, "SELECT count(*) FROM check_log") == [(0,)]
