"""The classifier's labelled table: (history, observation) → expected [(type, reason)].

Each case is built from fixture pages and plain values, with no network. The "must not fire"
cases (noise, one DNS failure, 503 five times, 403, an article about "not found" pages, an
http→https redirect…) matter as much as the ones that fire.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from classify_inputs import (
    capture,
    diff_of,
    failure,
    fixture,
    history,
    observe,
    page,
    pairs,
    plain,
    post,
    probe,
    text_of,
)

from archiver.classify import classify
from archiver.models import (
    Diff,
    Observation,
    Outcome,
    PostState,
    SourceHistory,
    SourceStatus,
    TextStatus,
    TextVersion,
)

GAZ = "https://www.harbortown-gazette.com"
ART = f"{GAZ}/news/2026/03/council-approves-sea-wall"
ARTICLE = text_of(fixture("articles/harbor-council.html"))
EDITED = text_of(fixture("articles/harbor-council-edited.html"))
BUDGET = "https://www.metrodailyrecord.com/local/2026/04/city-budget-gap"
OK, REMOVED, UNREACHABLE = SourceStatus.OK, SourceStatus.REMOVED, SourceStatus.UNREACHABLE

Case = tuple[SourceHistory, Observation, Diff | None]


def same_page(status: SourceStatus = OK) -> Case:
    obs = observe(page(ART, fixture("articles/harbor-council.html")))
    return history(ART, ARTICLE, status=status), obs, diff_of(ARTICLE, obs.text)


def served(html: str, *, url: str = ART, status: int = 200, via: tuple[tuple[str, int], ...] = (),
           hist: SourceHistory | None = None, **kw: object) -> Case:
    """The article's source now serves ``html`` (after ``via`` redirects)."""
    obs = observe(page(url, html, status=status, via=via), **kw)  # type: ignore[arg-type]
    h = hist or history(ART, ARTICLE)
    return h, obs, diff_of(h.last_good_text, obs.text)


def failed(outcome: Outcome, *, status: SourceStatus = OK, failures: int = 0, before: Outcome | None = None) -> Case:
    previous = capture(ART, outcome=before, status=None) if before else None
    h = history(ART, ARTICLE, status=status, failures=failures, previous=previous)
    return h, observe(failure(ART, outcome, "name or service not known")), None


def http(code: int, status: SourceStatus = OK) -> Case:
    return served("<html><body><h1>Error</h1></body></html>", status=code, hist=history(ART, ARTICLE, status=status))


def noise() -> Case:
    old = plain("Council approves sea wall.\n\nUpdated 3 minutes ago. 1,208 readers.", "Sea wall")
    new = plain("Council approves sea wall.\n\nUpdated 9 minutes ago. 1,377 readers.", "Sea wall")
    obs = observe(page(ART, "<p>x</p>"), new)
    return history(ART, old), obs, Diff(changed=False, summary="noise only: clocks and counters masked")


def soft404_probe(name: str, probe_status: int = 200) -> Case:
    html = fixture(f"soft404/{name}")
    host = "https://riverside-coop.org"
    old = text_of(fixture("articles/harbor-sport.html"))
    p = probe(f"{host}/news/3f9c2a-archiver-probe", html, status=probe_status)
    obs = observe(page(f"{host}/news/summer-market-returns", html), probe=p)
    return history(f"{host}/news/summer-market-returns", old), obs, diff_of(old, obs.text)


def to_landing(target: str, html: str, code: int = 301, *, landed: str | None = None) -> Case:
    h = history(ART, ARTICLE, landed=landed)
    obs = observe(page(target, html, via=((ART, code),)))
    return h, obs, diff_of(ARTICLE, obs.text)


def snapshot(state: PostState, page_status: int = 200, text: str = "") -> Case:
    url = "https://x.com/harborwatchdog/status/1790000000000000001"
    old = plain("Council vote tonight on the sea wall. Thread below.")
    p = post(state, text=text, detail="endpoint answer")
    obs = observe(page(url, "<html><title>X</title><body></body></html>", status=page_status),
                  plain(text) if text else None, post=p)
    return history(url, old, previous_post=post(PostState.LIVE, old.text)), obs, diff_of(old, obs.text)


def short(target: str, html: str, *, via_target: tuple[tuple[str, int], ...] = ()) -> Case:
    link = "https://bit.ly/3xSeaWall"
    h = history(link, ARTICLE, landed=ART, redirects=(link, ART), short=True)
    obs = observe(page(target, html, via=((link, 301), *via_target)))
    return h, obs, diff_of(ARTICLE, obs.text)


def binary(new_digest: str) -> Case:
    url = "https://www.countywater.gov/reports/2025-quality.pdf"
    old = TextVersion(status=TextStatus.BINARY, kind="binary", digest="sha1:AAAA")
    new = TextVersion(status=TextStatus.BINARY, kind="binary", digest=new_digest)
    return history(url, old), observe(page(url, "%PDF-1.7"), new), diff_of(old, new)


def article_about_not_found() -> Case:
    """An article that discusses "404 Page Not Found" pages, on a host whose probe is a Drupal 404 template."""
    url = f"{GAZ}/features/link-rot"
    obs = observe(page(url, fixture("articles/link-rot-feature.html")),
                  probe=probe(f"{GAZ}/features/x-archiver-probe", fixture("soft404/drupal.html")))
    return history(url, obs.text), obs, diff_of(obs.text, obs.text)


def unavailable_many_times() -> Case:
    _, obs, diff = http(503)
    return history(ART, ARTICLE, status=UNREACHABLE, failures=4), obs, diff


def search_landing() -> Case:
    """The article and the host's probe both redirect to the search page."""
    old = text_of(fixture("articles/metro-budget.html"))
    search = "https://www.metrodailyrecord.com/search"
    obs = observe(page(search, fixture("soft404/search-landing.html"), via=((BUDGET, 302),)),
                  probe=probe("https://www.metrodailyrecord.com/local/2026/04/x-archiver-probe",
                              fixture("soft404/search-landing.html"), final_url=search))
    return history(BUDGET, old), obs, diff_of(old, obs.text)


def unchanged_with_real_404_probe() -> Case:
    hist, obs, diff = same_page()
    return hist, observe(obs.result, obs.text, probe=probe(f"{GAZ}/news/x-archiver-probe", status=404)), diff


def x_page(name: str, url: str, old: TextVersion, text: TextVersion | None = None) -> Case:
    """A post page with no endpoint snapshot: only the page's own words speak."""
    obs = observe(page(url, fixture(f"social/{name}")), text)
    return history(url, old), obs, diff_of(old, obs.text)


TWEET = plain("Council approves $14m sea wall after two-year fight. Vote was 7 to 2; construction starts in September.")


HOME = fixture("articles/harbor-home.html")
CASES: list[tuple[str, Callable[[], Case], list[tuple[str, str]]]] = [
    # -- baselines and nothing-happened
    ("baseline", lambda: (history(ART, None, status=SourceStatus.NEW),) + same_page()[1:], []),
    ("baseline-404", lambda: (history(ART, None, status=SourceStatus.NEW),) + http(404)[1:],
     [("removed", "dead-on-first-check")]),  # interface: a cited link already dead is a finding
    ("baseline-503", lambda: (history(ART, None, status=SourceStatus.NEW),) + http(503)[1:], []),
    ("unchanged", same_page, []),
    ("noise-only", noise, []),
    ("http-to-https-redirect", lambda: served(fixture("articles/harbor-council.html"),
                                              via=((ART.replace("https:", "http:"), 301),)), []),
    ("www-and-slash-redirect", lambda: served(fixture("articles/harbor-council.html"), url=ART + "/",
                                              via=((ART.replace("www.", ""), 301),)), []),
    ("article-mentioning-not-found", article_about_not_found, []),
    ("article-mentioning-not-found-first-seen-after-edit", lambda: served(
        fixture("articles/link-rot-feature.html"), url=f"{GAZ}/features/link-rot",
        hist=history(f"{GAZ}/features/link-rot", text_of(fixture("articles/link-rot-feature.html").replace("12,000", "11,500")))),
     [("edited", "text-changed")]),
    # -- transient failures: unreachable once, never removed
    ("503-once", lambda: http(503), [("unreachable", "http-503")]),
    ("503-again", lambda: http(503, UNREACHABLE), []),
    ("503-fifth", unavailable_many_times, []),
    ("403", lambda: http(403), [("unreachable", "http-403")]),
    ("401", lambda: http(401), [("unreachable", "http-401")]),
    ("429", lambda: http(429), [("unreachable", "http-429")]),
    ("500-while-removed", lambda: http(500, REMOVED), []),
    ("timeout-once", lambda: failed(Outcome.TIMEOUT), [("unreachable", "timeout")]),
    ("timeout-fifth", lambda: failed(Outcome.TIMEOUT, status=UNREACHABLE, failures=4, before=Outcome.TIMEOUT), []),
    # -- persistent network failures
    ("dns-once", lambda: failed(Outcome.DNS_ERROR), [("unreachable", "dns-failure")]),
    ("dns-second", lambda: failed(Outcome.DNS_ERROR, status=UNREACHABLE, failures=1, before=Outcome.DNS_ERROR), []),
    ("dns-third", lambda: failed(Outcome.DNS_ERROR, status=UNREACHABLE, failures=2, before=Outcome.DNS_ERROR),
     [("removed", "dns-failure")]),
    ("dns-fourth", lambda: failed(Outcome.DNS_ERROR, status=REMOVED, failures=3, before=Outcome.DNS_ERROR), []),
    ("refused-third", lambda: failed(Outcome.CONNECT_ERROR, status=UNREACHABLE, failures=2, before=Outcome.CONNECT_ERROR),
     [("removed", "connect-failure")]),
    ("tls-third", lambda: failed(Outcome.TLS_ERROR, status=UNREACHABLE, failures=2, before=Outcome.TLS_ERROR),
     [("removed", "tls-failure")]),
    ("dns-after-timeouts", lambda: failed(Outcome.DNS_ERROR, status=UNREACHABLE, failures=4, before=Outcome.TIMEOUT), []),
    # -- protocol answers
    ("404", lambda: http(404), [("removed", "http-404")]),
    ("410", lambda: http(410), [("removed", "http-410")]),
    ("451", lambda: http(451), [("removed", "http-451")]),
    ("404-while-removed", lambda: http(404, REMOVED), []),
    ("404-while-unreachable", lambda: http(404, UNREACHABLE), [("removed", "http-404")]),
    # -- soft-404s
    ("soft404-probe-same-text", lambda: soft404_probe("wordpress-twentytwentyfour.html"), [("removed", "soft-404")]),
    ("soft404-phrases-probe-real-404", lambda: soft404_probe("lemonde-fr.html", 404), [("removed", "soft-404")]),
    ("soft404-same-landing", search_landing, [("removed", "soft-404")]),
    ("not-soft404-unchanged-real-404-probe", unchanged_with_real_404_probe, []),
    # -- redirects
    ("redirect-home", lambda: to_landing(f"{GAZ}/", HOME, 302), [("removed", "redirect-home")]),
    ("redirect-home-edition", lambda: to_landing(f"{GAZ}/en/", HOME, 301), [("removed", "redirect-home")]),
    ("redirect-unrelated", lambda: to_landing(f"{GAZ}/sport/2026/05/harriers", fixture("articles/harbor-sport.html")),
     [("removed", "redirect-unrelated")]),
    ("moved", lambda: to_landing(f"{GAZ}/local/sea-wall-approved", fixture("articles/harbor-council.html")),
     [("moved", "permanent-redirect")]),
    ("moved-already-reported", lambda: to_landing(f"{GAZ}/local/sea-wall-approved", fixture("articles/harbor-council.html"),
                                                  landed=f"{GAZ}/local/sea-wall-approved"), []),
    ("moved-and-edited", lambda: to_landing(f"{GAZ}/local/sea-wall-approved", fixture("articles/harbor-council-edited.html")),
     [("moved", "permanent-redirect"), ("edited", "text-changed")]),
    ("temporary-redirect-same-content", lambda: to_landing(f"{GAZ}/amp/sea-wall", fixture("articles/harbor-council.html"), 302), []),
    ("redirect-login", lambda: to_landing(f"{GAZ}/login?next=%2Fnews%2F2026%2F03%2Fcouncil-approves-sea-wall",
                                          fixture("gates/facebook-login.html"), 302), [("unreachable", "redirect-login")]),
    ("redirect-consent", lambda: to_landing("https://consent.youtube.com/m?continue=https%3A%2F%2Fwww.youtube.com",
                                            fixture("gates/google-consent.html"), 303), [("unreachable", "redirect-login")]),
    ("cloudflare-challenge-403", lambda: served(fixture("gates/cloudflare-challenge.html"), status=403,
                                                ), [("unreachable", "redirect-login")]),
    # -- parked domains
    ("parked-sedo", lambda: served(fixture("parked/sedo.html")), [("removed", "domain-parked")]),
    ("parked-via-marketplace", lambda: to_landing("https://www.hugedomains.com/domain_profile.cfm?d=harbortown-gazette.com",
                                                  fixture("parked/hugedomains.html"), 302), [("removed", "domain-parked")]),
    # -- social posts
    ("post-deleted", lambda: snapshot(PostState.DELETED), [("removed", "post-deleted")]),
    ("account-suspended", lambda: snapshot(PostState.SUSPENDED), [("removed", "account-suspended")]),
    ("post-protected", lambda: snapshot(PostState.PROTECTED), [("unreachable", "post-protected")]),
    ("post-withheld", lambda: snapshot(PostState.WITHHELD), [("removed", "post-withheld")]),
    ("post-unknown-page-404", lambda: snapshot(PostState.UNKNOWN, 404), [("removed", "http-404")]),
    ("post-unknown-page-shell", lambda: snapshot(PostState.UNKNOWN, 200), []),
    ("post-live-edited", lambda: snapshot(PostState.LIVE, text="Council vote tonight on the sea wall. Thread below. Update: vote moved to Thursday."),
     [("edited", "text-changed")]),
    ("post-live-unchanged", lambda: snapshot(PostState.LIVE, text="Council vote tonight on the sea wall. Thread below."), []),
    ("post-page-x-deleted", lambda: x_page("x-deleted.html", "https://x.com/harborwatchdog/status/1790000000000000001",
                                           plain("Council vote tonight.")), [("removed", "post-deleted")]),
    ("post-page-live-quoting-deleted", lambda: x_page("x-live-quoting-deleted.html",
                                                      "https://x.com/htgazette/status/1790000000000000002", TWEET, TWEET), []),
    # -- restored, edited, variants
    ("restored-same", lambda: same_page(REMOVED), [("restored", "back-online")]),
    ("restored-edited", lambda: served(fixture("articles/harbor-council-edited.html"), hist=history(ART, ARTICLE, status=UNREACHABLE)),
     [("restored", "back-online"), ("edited", "text-changed")]),
    ("edited", lambda: served(fixture("articles/harbor-council-edited.html")), [("edited", "text-changed")]),
    ("ab-variant-seen-before", lambda: served(fixture("articles/harbor-council-edited.html"),
                                              hist=history(ART, ARTICLE, recent=(ARTICLE, EDITED))), []),
    ("paywall", lambda: served(fixture("paywall/metro-budget-teaser.html"), url=BUDGET,
                               hist=history(BUDGET, text_of(fixture("articles/metro-budget.html")))), [("edited", "paywall")]),
    ("shortened-by-editors", lambda: served(fixture("articles/metro-budget-shortened.html"), url=BUDGET,
                                            hist=history(BUDGET, text_of(fixture("articles/metro-budget.html")))),
     [("edited", "text-changed")]),
    ("binary-changed", lambda: binary("sha1:BBBB"), [("edited", "payload-changed")]),
    ("binary-unchanged", lambda: binary("sha1:AAAA"), []),
    # -- short links
    ("short-link-retargeted", lambda: short(f"{GAZ}/sport/2026/05/harriers", fixture("articles/harbor-sport.html")),
     [("edited", "retargeted")]),
    ("short-link-target-home", lambda: short(f"{GAZ}/", HOME, via_target=((ART, 302),)), [("removed", "redirect-home")]),
    ("short-link-unchanged", lambda: short(ART, fixture("articles/harbor-council.html")), []),
]


@pytest.mark.parametrize(("build", "expected"), [pytest.param(b, e, id=name) for name, b, e in CASES])
def test_labelled_case(build: Callable[[], Case], expected: list[tuple[str, str]]) -> None:
    hist, obs, diff = build()
    assert pairs(classify(hist, obs, diff)) == expected


def test_table_is_large_and_balanced() -> None:
    """At least 40 cases, a fair share of them cases where nothing must fire."""
    assert len(CASES) >= 40
    assert sum(1 for _, _, expected in CASES if not expected) >= 15
