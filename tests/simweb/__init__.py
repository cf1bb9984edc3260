"""A simulated web for archiver's accuracy test and ``bench/accuracy.py``.

Real HTTP servers, one per site, each on its own loopback address (127.0.0.2, 127.0.0.3, …, so
each site has its own origin and home page "/"), serving scenarios that evolve over steps, with
the events archiver should report at each step as ground truth::

    from simweb import DEFAULT, SimWeb, score, format_scores

    with SimWeb(DEFAULT, slow_seconds=2.0) as web:       # archiver's read timeout must be < 2 s
        archive.add(web.urls.values())                    # scenario name -> watched URL
        events = {}
        for step in range(DEFAULT.steps + 1):             # step 0 is the baseline
            web.set_step(step)
            web.record(step, archive.check().events, into=events)   # or report JSON dicts
        print(format_scores(score(events, DEFAULT), details=True))

``scenario.expected[step]`` is the ground truth; ``describe(DEFAULT)`` prints all of it.

Tests must allow the whole loopback range: ``pytestmark = pytest.mark.allow_hosts(["127.0.0.0/8"])``.
"""

from .heldout import HELDOUT
from .model import (
    GONE,
    RESET,
    TYPE_CATEGORY,
    Action,
    Category,
    Page,
    Response,
    Scenario,
    Site,
    Suite,
    Unknown,
    phases,
)
from .scenarios import DEFAULT
from .scoring import CategoryScore, Match, NoiseScore, Scores, describe, format_scores, score
from .server import SimWeb

__all__ = [
    "DEFAULT", "GONE", "HELDOUT", "RESET", "TYPE_CATEGORY", "Action", "Category", "CategoryScore", "Match",
    "NoiseScore", "Page", "Response", "Scenario", "Scores", "SimWeb", "Site", "Suite", "Unknown", "describe",
    "format_scores", "phases", "score",
]
