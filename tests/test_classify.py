"""The classifier's engine: rule order and documentation, baselines, status-change reporting,
``current_status``, and the small helpers the rules share."""

from __future__ import annotations

import doctest
import importlib
import re

import pytest
from classify_inputs import capture, diff_of, failure, fixture, history, observe, page, pairs, plain, text_of

from archiver.classify import RULES, assess, classify, current_status, describe_rules
from archiver.classify.observed import is_variant, page_view, url_key
from archiver.classify.similarity import containment, relatedness, similarity
from archiver.models import EventType, Outcome, Reason, SourceStatus

URL = "https://www.harbortown-gazette.com/news/2026/03/council-approves-sea-wall"
ARTICLE = text_of(fixture("articles/harbor-council.html"))


def test_rules_are_an_ordered_tuple_of_documented_functions() -> None:
    assert isinstance(RULES, tuple) and len(RULES) == len(set(RULES))
    names = [rule.__name__ for rule in RULES]
    # Failures before content; the post snapshot first; access walls before any removal.
    assert names[0] == "post_snapshot_rule"
    assert names.index("access_gate_rule") < names.index("http_status_rule") < names.index("soft404_rule")
    assert names.index("redirect_unrelated_rule") < names.index("restored_rule") < names.index("text_changed_rule")
    assert names[-1] == "text_changed_rule"
    for name, doc in describe_rules():
        assert name.endswith("_rule") and len(doc) > 20, name


def test_first_capture_is_a_baseline() -> None:
    new = history(URL, None, status=SourceStatus.NEW)
    ok = observe(page(URL, fixture("articles/harbor-council.html")))
    assert classify(new, ok, None) == []
    assert current_status(new, [], ok) is SourceStatus.OK


@pytest.mark.parametrize(
    ("result", "status"),
    [
        (page(URL, "<p>gone</p>", status=404), SourceStatus.REMOVED),
        (page(URL, "<p>busy</p>", status=503), SourceStatus.UNREACHABLE),
        (failure(URL, Outcome.DNS_ERROR), SourceStatus.UNREACHABLE),
        (page("https://www.harbortown-gazette.com/", fixture("articles/harbor-home.html"), via=((URL, 302),)),
         SourceStatus.REMOVED),
    ],
)
def test_failing_baseline_is_dead_on_first_check_or_only_a_status(result: object, status: SourceStatus) -> None:
    """A link already gone when first checked is a finding (interface: ``dead-on-first-check``);
    one that is only unreachable on its first check is a status, not an event."""
    new = history(URL, None, status=SourceStatus.NEW)
    obs = observe(result)  # type: ignore[arg-type]
    verdicts = classify(new, obs, None)
    if status is SourceStatus.REMOVED:
        assert [(v.type, v.reason) for v in verdicts] == [(EventType.REMOVED, "dead-on-first-check")]
        assert verdicts[0].evidence["finding"] in ("http-404", "redirect-home")
    else:
        assert verdicts == []
    assert current_status(new, verdicts, obs) is status


def test_current_status_follows_the_last_verdict_or_stays() -> None:
    h = history(URL, ARTICLE, status=SourceStatus.UNREACHABLE)
    obs = observe(page(URL, fixture("articles/harbor-council-edited.html")))
    verdicts = classify(h, obs, diff_of(ARTICLE, obs.text))
    assert [v.type for v in verdicts] == [EventType.RESTORED, EventType.EDITED]
    assert current_status(h, verdicts, obs) is SourceStatus.EDITED
    # A quiet failure keeps the status it had: removed stays removed through a timeout.
    removed = history(URL, ARTICLE, status=SourceStatus.REMOVED)
    timeout = observe(failure(URL, Outcome.TIMEOUT))
    assert classify(removed, timeout, None) == []
    assert current_status(removed, [], timeout) is SourceStatus.REMOVED


def test_failure_streak_threshold_is_configurable() -> None:
    one = history(URL, ARTICLE, threshold=1)
    assert pairs(classify(one, observe(failure(URL, Outcome.DNS_ERROR)), None)) == [("removed", "dns-failure")]
    five = history(URL, ARTICLE, status=SourceStatus.UNREACHABLE, threshold=5, failures=3,
                   previous=capture(URL, outcome=Outcome.CONNECT_ERROR, status=None))
    assert classify(five, observe(failure(URL, Outcome.CONNECT_ERROR)), None) == []
    five = history(URL, ARTICLE, status=SourceStatus.UNREACHABLE, threshold=5, failures=4,
                   previous=capture(URL, outcome=Outcome.CONNECT_ERROR, status=None))
    verdicts = classify(five, observe(failure(URL, Outcome.CONNECT_ERROR)), None)
    assert pairs(verdicts) == [("removed", "connect-failure")]
    assert verdicts[0].summary == "5th consecutive connection failure"


def test_timeouts_never_remove() -> None:
    for n in range(12):
        h = history(URL, ARTICLE, status=SourceStatus.UNREACHABLE if n else SourceStatus.OK, failures=n,
                    previous=capture(URL, outcome=Outcome.TIMEOUT, status=None) if n else None)
        verdicts = assess(h, observe(failure(URL, Outcome.TIMEOUT)), None)
        assert [v.type for v in verdicts] == [EventType.UNREACHABLE]


def test_every_reason_is_an_interface_word() -> None:
    words = {str(r) for r in Reason} | {"blocked"}
    http = re.compile(r"^http-\d{3}$")
    import test_classify_table as table

    for _, build, _ in table.CASES:
        h, obs, diff = build()
        for verdict in assess(h, obs, diff):
            assert verdict.reason in words or http.match(verdict.reason), verdict
            assert verdict.summary and "\n" not in verdict.summary


def test_classify_is_deterministic() -> None:
    obs = observe(page(URL, fixture("soft404/drupal.html")))
    h = history(URL, ARTICLE)
    assert classify(h, obs, None) == classify(h, obs, None)


def test_similarity_helpers() -> None:
    assert similarity(ARTICLE.text, ARTICLE.text) == 1.0
    edited = text_of(fixture("articles/harbor-council-edited.html"))
    assert 0.8 < similarity(ARTICLE.text, edited.text) < 1.0
    sport = text_of(fixture("articles/harbor-sport.html"))
    assert similarity(ARTICLE.text, sport.text) < 0.05
    lead = " ".join(ARTICLE.paragraphs[2:4])
    assert containment(lead, ARTICLE.text) == 1.0
    assert relatedness(lead, ARTICLE.text) == 1.0
    assert relatedness("Home", ARTICLE.text) < 0.1
    assert similarity("ページが見つかりません", "ページが見つかりませんでした") > 0.7


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("http://example.com/a", "https://www.example.com/a/", True),
        ("https://example.com/a", "https://m.example.com/a/index.html", True),
        ("https://example.com/a?utm_source=x", "https://example.com/a", True),
        ("https://example.com/a", "https://example.com/b", False),
        ("https://example.com/a?id=1", "https://example.com/a?id=2", False),
    ],
)
def test_url_variants(a: str, b: str, same: bool) -> None:
    assert is_variant(a, b) is same, (url_key(a), url_key(b))


def test_page_view_reads_html_or_falls_back_to_the_text() -> None:
    view = page_view(observe(page(URL, fixture("soft404/wordpress-twentyseventeen.html"))))
    assert view.title == "page not found | valley cycling club"
    assert "oops! that page can't be found." in view.headings
    bare = page_view(observe(failure(URL, Outcome.TIMEOUT), plain("Just a moment...", title="Just a moment...")))
    assert bare.html == "" and bare.title == "just a moment..."


@pytest.mark.parametrize("name", ["similarity", "observed", "status", "soft404", "redirects", "parked", "social", "content"])
def test_docstring_examples(name: str) -> None:
    """The classify package's docstring examples run (tests/test_doctests.py covers other stages)."""
    module = importlib.import_module(f"archiver.classify.{name}")
    failures, _ = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert failures == 0
