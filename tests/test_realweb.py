"""The real-page world (``tests/realweb``): archiver on 233 real saved pages, held to pinned floors.

- Extraction: every page of ``../shared/realpages`` through ``archiver.extract.extract``; the share
  of ``with`` strings kept and of ``without`` strings dropped must not fall under the floors pinned
  under ``"realweb"`` in ``tests/accuracy_floors.json``.

Only ``bench/accuracy.py --update-floors`` moves the floors (lowering needs ``--allow-lower``).
"""

from __future__ import annotations

import pytest
from realweb import Quality, format_quality, load, measure
from realweb.floors import below, pinned


@pytest.fixture(scope="module")
def quality() -> Quality:
    return measure(load())


def test_the_corpus_is_whole() -> None:
    pages = load()
    assert len(pages) == 233
    assert sum(len(p.with_) for p in pages) == 697 and sum(len(p.without) for p in pages) == 726
    assert all(p.body() for p in pages[:3])


def test_extraction_stays_above_pinned_floors(quality: Quality) -> None:
    floors = {"extraction": pinned()["extraction"]}
    measured = {"extraction": {"with_kept": quality.with_kept, "without_dropped": quality.without_dropped}}
    problems = below(measured, floors)
    assert not problems, "\n".join(problems) + "\n\n" + format_quality(quality, details=True, worst=15)
