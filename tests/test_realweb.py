"""The real-page world (``tests/realweb``): archiver on 233 real saved pages, held to pinned floors.

- Extraction: every page of ``../shared/realpages`` through ``archiver.extract.extract``; the share
  of ``with`` strings kept and of ``without`` strings dropped must not fall under the floors pinned
  under ``"realweb"`` in ``tests/accuracy_floors.json``.
- The epoch world: 60 pages, each on its own host, served at their real URLs through the local
  routing proxy and mutated over 4 epochs (noise, an edit in the article, a takedown); a real
  ``Archive`` checks them at every epoch. Edit and takedown precision/recall and the share of
  noise-only pages that stayed clean must not fall under their floors.

Only ``bench/accuracy.py --update-floors`` moves the floors (lowering needs ``--allow-lower``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from hostproxy import guard_dns
from realweb import Quality, format_quality, load, measure, normalise
from realweb.edits import EditKind
from realweb.floors import below, pinned
from realweb.harness import WorldRun, format_world, run_world
from realweb.mutate import parse, text_of
from realweb.quality import fold, masked_pattern
from realweb.template import NOT_FOUND
from realweb.world import EPOCHS, RealWeb, Takedown, plan_world, render

pytestmark = pytest.mark.allow_hosts(["127.0.0.0/8"])


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


# -- the epoch world ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> WorldRun:
    """The world is served and checked once per session; the tests below read the same run."""
    tmp = tmp_path_factory.mktemp("realweb")
    return run_world(tmp / "snapshots", tmp)


def test_world_stays_above_pinned_floors(world: WorldRun) -> None:
    floors = {group: pins for group, pins in pinned().items() if group != "extraction"}
    assert set(floors) == {"edit", "takedown", "noise"}
    problems = below(world.measured(), floors)
    assert not problems, "\n".join(problems) + "\n\n" + format_world(world, details=True, worst=40)


def test_world_is_real_pages_through_the_proxy_only(world: WorldRun) -> None:
    """Every request went through the routing proxy, which resolves nothing, and asked only for
    the pages' own hosts."""
    assert world.lookups == []  # no name was ever resolved in this process
    hosts = {p.page.host for p in world.plans}
    assert set(world.web.played.asked) == hosts
    fetched = {hit.split("/", 3)[2] for hit in world.web.played.hits}
    assert hosts <= fetched  # every page was fetched, at its real host name
    assert len(world.plans) == 60 and len({p.page.lang for p in world.plans}) >= 10


def test_world_has_every_scenario(world: WorldRun) -> None:
    kinds = {p.kind for p in world.plans}
    assert kinds == {"noise", *(f"edit/{k}" for k in EditKind), *(f"takedown/{t}" for t in Takedown)}
    assert all(world.changes.get(p.page.name) for p in world.plans if p.edit)  # every edit was applied


def test_noise_never_touches_a_with_string() -> None:
    for plan in plan_world(load()):
        if plan.edit or plan.takedown:
            continue
        before, _, _ = render(plan, 0)
        after, _, _ = render(plan, EPOCHS - 1)
        assert before != after
        text_before = text_of(parse(before, plan.page.charset))
        text_after = text_of(parse(after, plan.page.charset))
        for string in plan.page.with_:
            if normalise(string) in text_before:
                assert normalise(string) in text_after, f"{plan.page.name}: noise touched {string!r}"


def test_an_edit_changes_the_article_not_a_counter_an_identifier_or_a_named_box() -> None:
    """The harness's edits are the article's: a number standing as a word, not a rating count or a
    video id, and never a block holding a string the manifest names boilerplate."""
    from realweb.edits import _NUMBER, _content_number, change_number, delete_paragraph
    from realweb.mutate import Anchors

    def numbers(text: str) -> list[str]:
        return [m.group() for m in _NUMBER.finditer(text) if _content_number(text, m)]

    assert numbers("raised 27 million, bei 4394 Bewertungen, watch?v=tMSNl66etMg") == ["27"]
    root = parse(b"<html><body><div><p>Konflikte mag keiner. Wir reden 3 Stunden.</p>"
                 b"<div class='box'>Weiterf\xc3\xbchrender Link: Personal Leadership 5.0 und mehr</div></div></body></html>", "utf-8")
    para = root.find(".//p")
    anchors = Anchors(("Konflikte mag keiner.",), {"Konflikte mag keiner.": para}, ("Weiterführender Link",))
    assert change_number(anchors, "s") == "number 3 -> " + para.text.split()[-2] + " near 'Konflikte mag keiner.'"
    # The paragraph is the whole article, so a deletion would take a neighbour: the only one is a
    # box the manifest names boilerplate, so there is none to take.
    assert delete_paragraph(anchors, "s") is None and "Weiterführender Link" in text_of(root)


def test_takedowns_are_served_as_the_site_would(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The world itself, asked through the proxy as archiver asks it: pages with their charset,
    a home page, 404 for assets, the site's not-found page for unknown paths (200 on a soft-404
    host, the very page the taken-down URL then serves), 410, and a 301 to the home page."""
    first = {p.takedown: p for p in reversed(plan_world(load())) if p.takedown}
    plans = [first[kind] for kind in Takedown]  # one page of each kind
    guard_dns(monkeypatch)
    with RealWeb(plans, tmp_path) as web, requests.Session() as session:
        session.trust_env = False
        session.proxies = {"http": web.played.proxy.url(), "https": web.played.proxy.url()}
        session.verify = str(web.played.ca_bundle)
        web.set_epoch(0)
        probes = {}
        for plan in plans:
            root = f"{plan.page.scheme}://{plan.page.host}/"
            page = session.get(plan.page.url, allow_redirects=False)
            assert page.status_code == 200 and page.headers["Content-Type"] == plan.page.content_type
            assert session.get(root).status_code == 200
            assert session.get(root + "static/site.css?v=3").status_code == 404
            probes[plan.page.name] = session.get(root + "archiver-probe-7f3a9c/x")
            expected = 200 if plan.takedown is Takedown.SOFT_404 else 404
            assert probes[plan.page.name].status_code == expected
        web.set_epoch(EPOCHS - 1)  # every takedown is due by the last epoch
        for plan in plans:
            gone = session.get(plan.page.url, allow_redirects=False)
            if plan.takedown is Takedown.REDIRECT_HOME:
                assert gone.status_code == 301 and gone.headers["Location"] == f"{plan.page.scheme}://{plan.page.host}/"
                continue
            assert gone.status_code == {Takedown.NOT_FOUND: 404, Takedown.GONE: 410, Takedown.SOFT_404: 200}[plan.takedown]
            assert gone.content == probes[plan.page.name].content  # the site's one not-found page
            text = text_of(parse(gone.content, plan.page.charset))
            assert NOT_FOUND.get(plan.page.lang, NOT_FOUND["en"])[0] in text
            assert sum(normalise(s) in text for s in plan.page.with_) <= 1  # a teaser may repeat a line


def test_masking_aware_matching_is_honest() -> None:
    assert masked_pattern("Support slipped to 59%").search("Support slipped to [n]%")
    assert not masked_pattern("Support slipped to 59%").search("Support slipped to [n]")
    assert fold("\u201cWe\u2019re fine\u201d \u2013 she said") == "\"We're fine\" - she said"
