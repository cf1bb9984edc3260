"""Edits: paywalls, alternating variants, short links retargeted, posts, moves and restorations."""

from __future__ import annotations

import pytest
from classify_inputs import capture, diff_of, fixture, history, observe, page, pairs, plain, post, text_of

from archiver.classify import classify
from archiver.models import Diff, Outcome, PostState, SourceStatus

BUDGET = "https://www.metrodailyrecord.com/local/2026/04/city-budget-gap"
PAYWALLS = [
    ("articles/metro-budget.html", "paywall/metro-budget-teaser.html"),
    ("articles/metro-budget.html", "paywall/metro-budget-metered.html"),
    ("articles/midi-retraites.html", "paywall/midi-retraites-abonnes.html"),
    ("articles/rundschau-hafen.html", "paywall/rundschau-hafen-plus.html"),
]


@pytest.mark.parametrize(("full", "teaser"), PAYWALLS, ids=[t for _, t in PAYWALLS])
def test_paywall_teaser(full: str, teaser: str) -> None:
    old = text_of(fixture(full))
    obs = observe(page(BUDGET, fixture(teaser)))
    verdicts = classify(history(BUDGET, old), obs, diff_of(old, obs.text))
    assert pairs(verdicts) == [("edited", "paywall")]
    assert verdicts[0].evidence["words_now"] < 0.4 * verdicts[0].evidence["words_before"]


def test_metered_paywall_alternating_is_quiet() -> None:
    """The teaser was already seen among the recent versions: a metered paywall, not news."""
    full, teaser = text_of(fixture("articles/metro-budget.html")), text_of(fixture("paywall/metro-budget-teaser.html"))
    obs = observe(page(BUDGET, fixture("paywall/metro-budget-teaser.html")))
    assert classify(history(BUDGET, full, recent=(full, teaser)), obs, diff_of(full, obs.text)) == []


def test_paywall_lifted_is_a_text_change() -> None:
    teaser = text_of(fixture("paywall/metro-budget-teaser.html"))
    obs = observe(page(BUDGET, fixture("articles/metro-budget.html")))
    assert pairs(classify(history(BUDGET, teaser), obs, diff_of(teaser, obs.text))) == [("edited", "text-changed")]


def test_ab_headline_variants() -> None:
    """Two headlines alternate (an A/B test): each one has been seen, so neither is an edit."""
    a = plain("The body of the story stays the same.", title="Council approves sea wall")
    b = plain("The body of the story stays the same.", title="Sea wall wins 7-2 council vote")
    obs = observe(page(BUDGET, "<p>x</p>"), b)
    assert classify(history(BUDGET, a, recent=(a, b)), obs, Diff(changed=True, summary="headline changed")) == []
    c = plain("The body of the story stays the same.", title="Sea wall plan collapses")
    obs = observe(page(BUDGET, "<p>x</p>"), c)
    assert pairs(classify(history(BUDGET, a, recent=(a, b)), obs, Diff(changed=True, summary="headline changed"))) == [
        ("edited", "text-changed")
    ]


def test_diff_says_unchanged_is_never_overruled() -> None:
    old, new = plain("Updated 3 minutes ago."), plain("Updated 7 minutes ago.")
    assert classify(history(BUDGET, old), observe(page(BUDGET, "<p/>"), new), Diff(changed=False, summary="noise")) == []


def test_spacing_only_change_is_quiet() -> None:
    old, new = plain("The  council  voted."), plain("The council voted .")
    assert classify(history(BUDGET, old), observe(page(BUDGET, "<p/>"), new), Diff(changed=True, summary="x")) == []
    assert classify(history(BUDGET, old), observe(page(BUDGET, "<p/>"), new), None) == []


def test_without_a_diff_texts_are_compared_directly() -> None:
    old, new = plain("The council voted 7 to 2."), plain("The council voted 6 to 3.")
    verdicts = classify(history(BUDGET, old), observe(page(BUDGET, "<p/>"), new), None)
    assert pairs(verdicts) == [("edited", "text-changed")]


LINK = "https://t.co/zLkNJ30Oqp"
ART = "https://www.harbortown-gazette.com/news/2026/03/council-approves-sea-wall"
ARTICLE = text_of(fixture("articles/harbor-council.html"))


def _short(final: str, html: str, via: tuple[tuple[str, int], ...]) -> list[tuple[str, str]]:
    h = history(LINK, ARTICLE, landed=ART, redirects=(LINK, ART), short=True)
    obs = observe(page(final, html, via=via))
    return pairs(classify(h, obs, diff_of(ARTICLE, obs.text)))


def test_short_link_retargeted_through_a_chain_of_shorteners() -> None:
    sport = "https://www.harbortown-gazette.com/sport/2026/05/harriers"
    assert _short(sport, fixture("articles/harbor-sport.html"), ((LINK, 301), ("https://bit.ly/4abc", 301))) == [
        ("edited", "retargeted")
    ]


def test_short_link_target_edited_is_a_text_change() -> None:
    assert _short(ART, fixture("articles/harbor-council-edited.html"), ((LINK, 301),)) == [("edited", "text-changed")]


def test_short_link_new_address_same_content_is_quiet() -> None:
    amp = "https://www.harbortown-gazette.com/amp/news/2026/03/council-approves-sea-wall"
    assert _short(amp, fixture("articles/harbor-council.html"), ((LINK, 301),)) == []


def test_short_link_target_removed_is_removed() -> None:
    h = history(LINK, ARTICLE, landed=ART, redirects=(LINK, ART), short=True)
    obs = observe(page(ART, "<html><body>Not found</body></html>", status=404, via=((LINK, 301),)))
    assert pairs(classify(h, obs, None)) == [("removed", "http-404")]


X = "https://x.com/harborwatchdog/status/1790000000000000001"


def test_post_counters_do_not_edit() -> None:
    """The diff may see a change in the page around the post; the post's own words did not change."""
    text = "Council vote tonight on the sea wall."
    obs = observe(page(X, "<html></html>"), plain(text), post=post(PostState.LIVE, text))
    h = history(X, plain(text + " 1,204 likes"), previous_post=post(PostState.LIVE, text))
    assert classify(h, obs, Diff(changed=True, summary="+1 -1 words")) == []


def test_post_restored_and_edited() -> None:
    old, new = "Council vote tonight.", "Council vote moved to Thursday."
    obs = observe(page(X, "<html></html>"), plain(new), post=post(PostState.LIVE, new))
    h = history(X, plain(old), status=SourceStatus.REMOVED, previous_post=post(PostState.LIVE, old))
    assert pairs(classify(h, obs, diff_of(plain(old), obs.text))) == [("restored", "back-online"), ("edited", "text-changed")]


def test_moved_once_then_again() -> None:
    new = "https://www.harbortown-gazette.com/local/sea-wall-approved"
    third = "https://www.harbortown-gazette.com/archive/2026/sea-wall-approved"
    html = fixture("articles/harbor-council.html")
    first = observe(page(new, html, via=((ART, 308),)))
    assert pairs(classify(history(ART, ARTICLE), first, diff_of(ARTICLE, first.text))) == [("moved", "permanent-redirect")]
    moved = history(ART, ARTICLE, status=SourceStatus.MOVED, landed=new, redirects=(ART, new))
    assert classify(moved, first, diff_of(ARTICLE, first.text)) == []
    again = observe(page(third, html, via=((ART, 301),)))
    assert pairs(classify(moved, again, diff_of(ARTICLE, again.text))) == [("moved", "permanent-redirect")]


def test_moved_judged_from_the_previous_capture_too() -> None:
    """A history that only records the previous capture's landing still stops a repeat."""
    new = "https://www.harbortown-gazette.com/local/sea-wall-approved"
    obs = observe(page(new, fixture("articles/harbor-council.html"), via=((ART, 301),)))
    h = history(ART, ARTICLE, status=SourceStatus.MOVED, previous=capture(ART, final_url=new))
    assert classify(h, obs, None) == []


def test_mixed_chain_with_normalisation_hop_is_still_permanent() -> None:
    """http→https by 302 (normalisation) then a 301 to the new address: moved."""
    new = "https://www.harbortown-gazette.com/local/sea-wall-approved"
    obs = observe(page(new, fixture("articles/harbor-council.html"), via=((ART.replace("https", "http"), 302), (ART, 301))))
    h = history(ART.replace("https", "http"), ARTICLE, landed=ART)
    assert pairs(classify(h, obs, None)) == [("moved", "permanent-redirect")]


def test_restored_after_persistent_dns_failure() -> None:
    h = history(ART, ARTICLE, status=SourceStatus.REMOVED, failures=5,
                previous=capture(ART, outcome=Outcome.DNS_ERROR, status=None))
    obs = observe(page(ART, fixture("articles/harbor-council.html")))
    verdicts = classify(h, obs, diff_of(ARTICLE, obs.text))
    assert pairs(verdicts) == [("restored", "back-online")]
    assert verdicts[0].evidence["previous_outcome"] == "dns_error"
