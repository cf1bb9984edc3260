"""Access refused is not removal: login, consent and bot-check walls → ``unreachable``
(``redirect-login``), whether reached by a redirect or served in place of the page."""

from __future__ import annotations

import pytest
from classify_inputs import diff_of, fixture, history, observe, page, pairs, text_of

from archiver.classify import classify
from archiver.classify.redirects import access_gate_rule
from archiver.models import SourceStatus

URL = "https://www.metrodailyrecord.com/local/2026/04/school-closures"
OLD = text_of(fixture("articles/metro-budget.html"))

SERVED = [
    ("cloudflare-challenge.html", 403, (("cf-mitigated", "challenge"), ("Server", "cloudflare"))),
    ("cloudflare-challenge.html", 503, (("Server", "cloudflare"),)),
    ("cloudflare-challenge.html", 200, ()),
    ("datadome.html", 403, (("X-DataDome", "protected"),)),
    ("datadome.html", 403, ()),
    ("robot-check.html", 200, ()),
    ("akamai-denied.html", 403, (("Server", "AkamaiGHost"),)),
    ("google-consent.html", 200, ()),
    ("facebook-login.html", 200, ()),
]


@pytest.mark.parametrize(("name", "status", "headers"), [pytest.param(*c, id=f"{c[0]}-{c[1]}") for c in SERVED])
def test_wall_served_in_place(name: str, status: int, headers: tuple[tuple[str, str], ...]) -> None:
    obs = observe(page(URL, fixture(f"gates/{name}"), status=status, headers=headers))
    verdicts = classify(history(URL, OLD), obs, diff_of(OLD, obs.text))
    assert pairs(verdicts) == [("unreachable", "redirect-login")]
    assert verdicts[0].evidence["matched"]


REDIRECTS = [
    "https://www.metrodailyrecord.com/login?next=%2Flocal%2F2026%2F04%2Fschool-closures",
    "https://accounts.google.com/ServiceLogin?continue=https://www.metrodailyrecord.com/local",
    "https://consent.google.com/ml?continue=https://www.metrodailyrecord.com/local/2026/04/school-closures&gl=DE",
    "https://www.linkedin.com/authwall?trk=gf&sessionRedirect=https%3A%2F%2Fwww.linkedin.com%2Fposts%2Fx",
    "https://www.instagram.com/accounts/login/?next=%2Fp%2FC7xYz12AbCd%2F",
    "https://myaccount.metrodailyrecord.com/auth/enter-email?redirect_uri=https%3A%2F%2Fwww.metrodailyrecord.com",
    "https://id.metrodailyrecord.com/?return_to=https%3A%2F%2Fwww.metrodailyrecord.com%2Flocal%2F2026%2F04%2Fschool-closures",
    "https://www.metrodailyrecord.com/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1",
    "https://www.metrodailyrecord.com/subscribe?article=school-closures",
]


@pytest.mark.parametrize("target", REDIRECTS)
def test_redirect_to_a_wall(target: str) -> None:
    body = "<html><head><title>Continue</title></head><body><p>Please continue.</p></body></html>"
    obs = observe(page(target, body, via=((URL, 302),)))
    verdicts = classify(history(URL, OLD), obs, None)
    assert pairs(verdicts) == [("unreachable", "redirect-login")]
    assert verdicts[0].summary.startswith("redirected to a login/consent/bot-check page")


def test_wall_repeated_while_unreachable_is_quiet() -> None:
    obs = observe(page(URL, fixture("gates/cloudflare-challenge.html"), status=403))
    assert classify(history(URL, OLD, status=SourceStatus.UNREACHABLE), obs, None) == []


def test_wall_never_demotes_a_removed_source() -> None:
    obs = observe(page(URL, fixture("gates/cloudflare-challenge.html"), status=403))
    assert classify(history(URL, OLD, status=SourceStatus.REMOVED), obs, None) == []


def test_article_with_login_box_and_cloudflare_scripts_is_the_article() -> None:
    """Ordinary pages carry a password field in a header modal and Cloudflare's detection script."""
    html = fixture("articles/metro-budget.html").replace(
        "<header>",
        '<script src="/cdn-cgi/challenge-platform/scripts/jsd/main.js"></script><header>'
        '<form class="login-modal"><input type="password" name="pw"></form>'
        '<div class="g-recaptcha" data-sitekey="x"></div>',
    )
    obs = observe(page(URL, html))
    assert access_gate_rule(history(URL, OLD), obs, None) is None
    assert classify(history(URL, OLD), obs, diff_of(OLD, obs.text)) == []


def test_slug_with_gate_word_is_not_a_gate() -> None:
    """/news/the-climate-challenge is an article address, not a challenge page."""
    target = "https://www.metrodailyrecord.com/news/the-climate-challenge-consent-decree"
    obs = observe(page(target, fixture("articles/harbor-sport.html"), via=((URL, 301),)))
    assert pairs(classify(history(URL, OLD), obs, None)) == [("removed", "redirect-unrelated")]


def test_cookie_banner_over_the_article_is_not_a_wall() -> None:
    html = fixture("articles/metro-budget.html").replace(
        "<main>", '<div id="cmp"><h2>Before you continue to Metro Daily Record</h2><p>We value your privacy.</p></div><main>'
    )
    obs = observe(page(URL, html))
    assert access_gate_rule(history(URL, OLD), obs, None) is None
