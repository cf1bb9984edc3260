"""A world of real pages: the 233 saved pages of ``../shared/realpages``, for archiver's tests
and benches.

Two measurements:

- **Extraction quality** (``quality``): every page through ``archiver.extract.extract``; the share
  of the manifest's ``with`` strings kept and ``without`` strings dropped.
- **The epoch world** (``world``, ``mutate``, ``harness``): a spread of pages, each on its own
  host, served at its real URL through ``tests/hostproxy.py`` (HTTP and TLS, no DNS, nothing off
  the machine), mutated over epochs (noise, an edit in the article, or a takedown), checked by a
  real ``Archive`` at every epoch and scored like the simulated webs (``simweb.score``)::

      from realweb import harness
      run = harness.run_world(tmp / "snapshots", tmp)   # serves, checks, scores
      print(harness.format_world(run, details=True))

Modules: ``corpus`` (the manifest, the README's normalisation, a spread of pages), ``quality``
(extraction checks), ``mutate`` (anchors and noise), ``edits`` (edits in the article), ``template``
(the site's not-found and home pages), ``world`` (plans and the served web), ``harness`` (run and
score), ``floors`` (the pinned figures).

Floors are pinned under the ``"realweb"`` key of ``tests/accuracy_floors.json`` (``floors``).
"""

from .corpus import REALPAGES, RealPage, load, normalise, spread
from .quality import PageQuality, Quality, format_quality, measure, measure_page

__all__ = [
    "REALPAGES", "PageQuality", "Quality", "RealPage", "format_quality", "load", "measure", "measure_page",
    "normalise", "spread",
]
