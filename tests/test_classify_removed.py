"""Removal verdicts from fixture pages: soft-404s of several CMSs and languages, parked domains,
deleted or suspended posts, redirects to the home page; and the look-alikes that must not fire."""

from __future__ import annotations

import pytest
from classify_inputs import diff_of, fixture, history, observe, page, pairs, plain, post, probe, text_of

from archiver.classify import classify
from archiver.classify.soft404 import soft404_rule
from archiver.models import PostState, SourceStatus, TextStatus, TextVersion

SOFT404 = [
    "wordpress-twentytwentyfour.html", "wordpress-twentyseventeen.html", "drupal.html", "lemonde-fr.html",
    "elpais-es.html", "spiegel-de.html", "corriere-it.html", "asahi-ja.html",
]  # fmt: skip
SITE = "https://news.example-site.org"
URL = f"{SITE}/2026/03/harbour-dredging-plan-approved"
OLD = text_of(fixture("articles/harbor-council.html"))


def _probe_for(html: str, status: int = 200) -> object:
    return probe(f"{SITE}/2026/03/5e1d0c-archiver-probe", html, status=status)


@pytest.mark.parametrize("name", SOFT404)
def test_soft404_template_matching_the_probe(name: str) -> None:
    """The host serves the same template to the probe: decisive, whatever the language."""
    html = fixture(f"soft404/{name}")
    obs = observe(page(URL, html), probe=_probe_for(html))  # type: ignore[arg-type]
    verdicts = classify(history(URL, OLD), obs, diff_of(OLD, obs.text))
    assert pairs(verdicts) == [("removed", "soft-404")]
    assert verdicts[0].evidence["similarity"] >= 0.85
    assert "probe" in verdicts[0].summary


@pytest.mark.parametrize("name", SOFT404)
def test_soft404_without_probe_from_phrase_and_collapse(name: str) -> None:
    """No probe (or a host that answers the probe with a real 404): the title/heading phrase and
    the text collapsed to a short template together decide."""
    html = fixture(f"soft404/{name}")
    for p in (None, _probe_for("", 404)):
        obs = observe(page(URL, html), probe=p)  # type: ignore[arg-type]
        assert pairs(classify(history(URL, OLD), obs, diff_of(OLD, obs.text))) == [("removed", "soft-404")], p


@pytest.mark.parametrize("name", SOFT404)
def test_soft404_when_extraction_found_no_text(name: str) -> None:
    """Extractors often return nothing for a template page; the page's own HTML still speaks."""
    empty = TextVersion(status=TextStatus.EMPTY, kind="html", detail="no main content")
    obs = observe(page(URL, fixture(f"soft404/{name}")), empty)
    assert pairs(classify(history(URL, OLD), obs, diff_of(OLD, empty))) == [("removed", "soft-404")]


def test_soft404_template_unknown_to_the_phrase_table_is_caught_by_the_probe() -> None:
    """A template in no phrase list that echoes the requested path; the probe's copy echoes
    another path, which the comparison ignores."""
    template = fixture("soft404/news-en-echo.html").replace(
        "You may have followed an outdated link, or have mistyped a URL.", "Tidings from the Ledger."
    )
    page_html = template.replace("{path}", "/2026/03/harbour-dredging-plan-approved")
    probe_html = template.replace("{path}", "/2026/03/5e1d0c-archiver-probe")
    obs = observe(page(URL, page_html), probe=_probe_for(probe_html))  # type: ignore[arg-type]
    assert pairs(classify(history(URL, OLD), obs, None)) == [("removed", "soft-404")]
    # Without the probe, a collapse alone is not a removal: the page just changed.
    assert pairs(classify(history(URL, OLD), observe(page(URL, page_html)), None)) == [("edited", "text-changed")]


def test_soft404_common_template_sentence_without_probe() -> None:
    """news-en-echo.html's "You may have followed an outdated link" is a common 404 sentence."""
    obs = observe(page(URL, fixture("soft404/news-en-echo.html").replace("{path}", "/2026/03/x")))
    assert pairs(classify(history(URL, OLD), obs, None)) == [("removed", "soft-404")]


def test_soft404_needs_the_page_to_have_lost_its_content() -> None:
    """A page whose text is still the article is not a soft-404, even when the probe is similar."""
    html = fixture("articles/harbor-council.html")
    obs = observe(page(URL, html), probe=_probe_for(html))  # type: ignore[arg-type]
    assert soft404_rule(history(URL, OLD), obs, None) is None


def test_soft404_error_address_and_phrase() -> None:
    """Redirected to /404.html with a not-found heading: two supporting signals."""
    obs = observe(page(f"{SITE}/404.html", fixture("soft404/elpais-es.html"), via=((URL, 302),)))
    verdicts = classify(history(URL, OLD), obs, None)
    assert pairs(verdicts) == [("removed", "soft-404")]
    assert verdicts[0].evidence["error_address"] == f"{SITE}/404.html"


@pytest.mark.parametrize("name", ["articles/link-rot-feature.html", "articles/harbor-sport.html"])
def test_article_is_not_a_soft404(name: str) -> None:
    """A long article, even one about "Page Not Found" errors, is content: at most an edit."""
    html = fixture(name)
    tv = text_of(html)
    obs = observe(page(URL, html), probe=_probe_for(fixture("soft404/drupal.html")))  # type: ignore[arg-type]
    assert soft404_rule(history(URL, tv), obs, None) is None


PARKED = ["sedo.html", "godaddy.html", "afternic.html", "dan.html", "bodis.html", "hugedomains.html", "sedo-de.html"]


@pytest.mark.parametrize("name", PARKED)
def test_parked_domain_pages(name: str) -> None:
    obs = observe(page(URL, fixture(f"parked/{name}")))
    verdicts = classify(history(URL, OLD), obs, diff_of(OLD, obs.text))
    assert pairs(verdicts) == [("removed", "domain-parked")]
    assert verdicts[0].evidence["matched"]


def test_parked_redirect_to_marketplace() -> None:
    target = "https://dan.com/buy-domain/news.example-site.org"
    obs = observe(page(target, "<html><title>Buy</title><body><p>Secure checkout</p></body></html>", via=((URL, 302),)))
    verdicts = classify(history(URL, OLD), obs, None)
    assert pairs(verdicts) == [("removed", "domain-parked")]
    assert verdicts[0].evidence["matched"] == "redirected to dan.com"


def test_article_about_domain_sales_is_not_parked() -> None:
    """An article quoting "this domain is for sale" is long: the phrase counts only on small pages."""
    original = fixture("articles/link-rot-feature.html")
    html = original.replace("offering it for sale.</p>", "offering it for sale.</p><p>One such page now reads: "
                            "\u201cThis domain is for sale! Buy this domain today.\u201d</p>")
    old = text_of(original)
    obs = observe(page(URL, html))
    assert pairs(classify(history(URL, old), obs, diff_of(old, obs.text))) == [("edited", "text-changed")]


SOCIAL = [
    ("https://x.com/harborwatchdog/status/1790000000000000001", "x-deleted.html", ("removed", "post-deleted")),
    ("https://twitter.com/harborwatchdog/status/1790000000000000001", "x-suspended.html", ("removed", "account-suspended")),
    ("https://x.com/harborwatchdog/status/1790000000000000001", "x-withheld.html", ("removed", "post-withheld")),
    ("https://truthsocial.com/@harborwatch/112233445566778899", "truthsocial-deleted.html", ("removed", "post-deleted")),
    ("https://journa.host/@harborwatchdog/112233445566778899", "mastodon-suspended.html", ("removed", "account-suspended")),
    ("https://social.example-town.net/@harborwatchdog/112233445566778899", "mastodon-404.html", ("removed", "post-deleted")),
    ("https://www.facebook.com/countywater/posts/pfbid02xYz", "facebook-unavailable.html", ("removed", "post-deleted")),
    ("https://www.instagram.com/p/C7xYz12AbCd/", "instagram-unavailable.html", ("removed", "post-deleted")),
    ("https://www.youtube.com/watch?v=Qx7Jd3mPz1k", "youtube-unavailable.html", ("removed", "post-deleted")),
    ("https://www.youtube.com/watch?v=Qx7Jd3mPz1k", "youtube-terminated.html", ("removed", "account-suspended")),
    ("https://www.youtube.com/watch?v=Qx7Jd3mPz1k", "youtube-private.html", ("unreachable", "post-protected")),
    ("https://www.tiktok.com/@harborwatch/video/7350000000000000000", "tiktok-unavailable.html", ("removed", "post-deleted")),
    ("https://bsky.app/profile/harborwatch.bsky.social/post/3kxyz", "bluesky-notfound.html", ("removed", "post-deleted")),
]


@pytest.mark.parametrize(("url", "name", "expected"), [pytest.param(*c, id=c[1]) for c in SOCIAL])
def test_post_pages_say_gone(url: str, name: str, expected: tuple[str, str]) -> None:
    """Without an endpoint snapshot, the platform page's own words (PLATFORMS table) decide."""
    old = plain("Council vote tonight on the sea wall. Thread below with the full agenda and the live stream.")
    obs = observe(page(url, fixture(f"social/{name}")))
    assert pairs(classify(history(url, old), obs, diff_of(old, obs.text))) == [expected]


def test_platform_words_on_another_site_are_an_article() -> None:
    """"Account suspended" on a news site is a headline, not a platform's notice."""
    html = "<html><head><title>Account suspended: what now?</title></head><body><h1>Account suspended</h1>" \
           "<p>Our reporter's account was suspended for a day.</p></body></html>"
    old = plain("Our reporter's account was restored.")
    obs = observe(page(URL, html))
    assert pairs(classify(history(URL, old), obs, diff_of(old, obs.text))) == [("edited", "text-changed")]


def test_snapshot_overrides_the_page() -> None:
    """A live post whose HTML looks like an error page (X serves crawlers an empty shell) is live."""
    url = "https://x.com/harborwatchdog/status/1790000000000000001"
    old = plain("Council vote tonight on the sea wall.")
    obs = observe(page(url, fixture("social/x-deleted.html")), old, post=post(PostState.LIVE, old.text))
    assert classify(history(url, old), obs, diff_of(old, old)) == []


def test_unknown_snapshot_never_removes() -> None:
    url = "https://x.com/harborwatchdog/status/1790000000000000001"
    old = plain("Council vote tonight on the sea wall.")
    obs = observe(page(url, fixture("social/x-deleted.html")), post=post(PostState.UNKNOWN, detail="rate limited"))
    verdicts = classify(history(url, old), obs, None)
    assert pairs(verdicts) == [("unreachable", "post-deleted")]
    assert "rate limited" in verdicts[0].evidence["demoted"]


@pytest.mark.parametrize("target", ["https://news.example-site.org/", "https://news.example-site.org/index.html",
                                    "https://news.example-site.org/en-gb/", "https://example-site.org/home"])
def test_redirect_home_variants(target: str) -> None:
    obs = observe(page(target, fixture("articles/harbor-home.html"), via=((URL, 301),)))
    verdicts = classify(history(URL, OLD), obs, None)
    assert pairs(verdicts) == [("removed", "redirect-home")]
    assert verdicts[0].summary == f"redirected to the home page {target}"


def test_home_page_itself_redirecting_to_an_edition_is_not_removed() -> None:
    home = text_of(fixture("articles/harbor-home.html"))
    obs = observe(page(f"{SITE}/en/", fixture("articles/harbor-home.html"), via=((f"{SITE}/", 302),)))
    assert classify(history(f"{SITE}/", home), obs, diff_of(home, obs.text)) == []


def test_redirect_to_another_sites_home_page() -> None:
    obs = observe(page("https://www.new-owner.example/", fixture("articles/harbor-home.html"), via=((URL, 301),)))
    assert pairs(classify(history(URL, OLD), obs, None)) == [("removed", "redirect-unrelated")]


def test_removed_status_stays_quiet_and_comes_back() -> None:
    gone = observe(page(URL, "<html><body>Not Found</body></html>", status=404))
    assert classify(history(URL, OLD, status=SourceStatus.REMOVED), gone, None) == []
    back = observe(page(URL, fixture("articles/harbor-council.html")))
    assert pairs(classify(history(URL, OLD, status=SourceStatus.REMOVED), back, diff_of(OLD, back.text))) == [
        ("restored", "back-online")
    ]
