"""Classify stage, where a redirect leads: a login/consent/bot-check wall (``unreachable``), the
site's home page or an unrelated page (``removed``), or the same content at a new address
(``moved``).

Redirects to a scheme, ``www.``, trailing-slash or ``index.html`` variant of the same URL are a
site's own normalisation: never an event (``observed.is_variant``).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

from archiver.models import Diff, EventType, Observation, Outcome, Reason, SourceHistory, Verdict
from archiver.urls import is_home_page, registrable_domain

from .observed import (
    PageView,
    has_long_text,
    host,
    is_page,
    is_redirected,
    is_variant,
    judged_by_post,
    landed_before,
    origin_url,
    page_view,
    reference_text,
    still_related,
    unchanged,
)
from .similarity import relatedness
from .status import GONE_STATUSES, chain

# --------------------------------------------------------------------------- thresholds

#: Below this relatedness to the last good text a redirect target is "unrelated". Two articles
#: of one site share ~0.0-0.05 of their 3-word shingles (articles/harbor-council.html vs
#: harbor-sport.html: 0.0, vs harbor-home.html: 0.01); the same article edited keeps 0.97.
UNRELATED_BELOW = 0.2
#: A 301/308 is ``moved`` when the new page keeps at least this much of the old text; an edit
#: follows when the text also changed (moved-and-edited in the labelled table keeps 0.97).
#: Between UNRELATED_BELOW and this the new address is reported only as a text change.
MOVED_AT_LEAST = 0.5
#: A gate page (bot check, consent, login) replaces the content; a page still this related to
#: the last good text merely carries a consent banner or a login box (test_classify_access:
#: cookie banner and login modal over articles/metro-budget.html).
GATE_RELATED_BELOW = 0.5
#: Bot-check and consent pages are small (gates/*.html: 0-85 words); a 2xx page with more
#: words is a real page.
GATE_MAX_WORDS = 400

# --------------------------------------------------------------------------- gate markers

#: Host-name words of identity, consent and bot-check services (accounts.google.com,
#: consent.youtube.com, geo.captcha-delivery.com, login.microsoftonline.com, guce.yahoo.com).
GATE_HOST_WORDS = frozenset(
    {"login", "signin", "auth", "sso", "accounts", "account", "myaccount", "consent", "captcha",
     "challenge", "challenges", "guce", "passport", "idp", "oauth"}
)  # fmt: skip
#: Whole path segments (extension dropped) of such pages: /login, /accounts/login/, /authwall,
#: /cdn-cgi/challenge-platform/…, /.well-known/sgcaptcha/, /checkpoint/ (Facebook), /subscribe.
#: Whole segments only: an article slug such as "the-climate-challenge" must not match.
GATE_SEGMENTS = frozenset(
    {"login", "log-in", "signin", "sign-in", "sign_in", "logon", "auth", "oauth", "oauth2", "authorize",
     "authenticate", "sso", "saml", "saml2", "cas", "consent", "captcha", "challenge", "challenge-platform",
     "sgcaptcha", "authwall", "checkpoint", "uas", "subscribe", "subscription", "paywall", "agegate",
     "age-gate", "age-verification", "verify-human", "bot-check", "robot-check", "tosv2", "wp-login",
     "cookie-consent", "cookiewall", "cookie-wall", "privacy-gate", "gdpr-consent", "connexion", "anmelden",
     "einloggen", "iniciar-sesion", "accedi", "inloggen", "logowanie"}
)  # fmt: skip
#: Query parameters carrying the page to go back to after logging in or consenting.
RETURN_PARAMS = frozenset(
    {"next", "continue", "return", "returnto", "return_to", "returnurl", "return_url", "redirect_uri",
     "redirect_url", "redirecturl", "came_from", "camefrom", "dest", "destination", "goto", "service",
     "successurl", "backurl", "rurl", "sessionredirect", "done", "redir", "redirect", "redirect_to",
     "redirectto", "return_path", "returnpath"}
)  # fmt: skip

#: Response headers set by bot-management services on a challenge (``name``, value needle, vendor).
GATE_HEADERS = (
    ("cf-mitigated", "challenge", "Cloudflare challenge"),
    ("x-datadome", "", "DataDome"),
    ("x-amzn-waf-action", "", "AWS WAF challenge"),
    ("x-sucuri-block", "", "Sucuri firewall"),
)
#: Tell-tales in a challenge page's HTML that ordinary pages of the same sites do not carry
#: (Cloudflare injects /cdn-cgi/challenge-platform into normal pages too, so that one is absent).
GATE_HTML = (
    ("_cf_chl_opt", "Cloudflare challenge"),
    ("cf-browser-verification", "Cloudflare challenge"),
    ("captcha-delivery.com", "DataDome"),
    ("px-captcha", "PerimeterX"),
    ("gokuprops", "AWS WAF challenge"),
    ("sgcaptcha", "SiteGround captcha"),
)
#: Words of bot-check, consent and firewall pages (title, headings or the first words), in the
#: languages those services localise to. Matched only on small pages unlike the last good text.
GATE_PHRASES = (
    ("just a moment...", "bot check"), ("just a moment…", "bot check"), ("attention required! | cloudflare", "bot check"),
    ("checking your browser", "bot check"), ("checking if the site connection is secure", "bot check"),
    ("verify you are human", "bot check"), ("verifying you are human", "bot check"),
    ("verify that you are human", "bot check"), ("are you a robot", "bot check"), ("are you a human", "bot check"),
    ("i'm not a robot", "bot check"), ("press & hold", "bot check"), ("press and hold", "bot check"),
    ("access to this page has been denied", "bot check"), ("pardon our interruption", "bot check"),
    ("human verification", "bot check"), ("unusual traffic from your computer network", "bot check"),
    ("please enable js and disable any ad blocker", "bot check"), ("enable javascript and cookies to continue", "bot check"),
    ("incapsula incident id", "firewall"), ("sucuri website firewall", "firewall"),
    ("you don't have permission to access", "firewall"), ("ddos protection by", "bot check"),
    ("nur einen moment", "bot check"), ("un instant…", "bot check"), ("un momento…", "bot check"),
    ("um momento…", "bot check"), ("even geduld…", "bot check"), ("chwileczkę…", "bot check"),
    ("ob sie ein mensch sind", "bot check"), ("que vous êtes un humain", "bot check"),
    ("que eres humano", "bot check"), ("che sei un essere umano", "bot check"), ("se você é humano", "bot check"),
    ("человек ли вы", "bot check"), ("人間であることを確認", "bot check"), ("您是否是真人", "bot check"),
    ("before you continue to google", "consent"), ("before you continue to youtube", "consent"),
    ("bevor sie zu google weitergehen", "consent"), ("bevor sie zu youtube weitergehen", "consent"),
    ("avant d'accéder à google", "consent"), ("avant d'accéder à youtube", "consent"),
    ("antes de ir a google", "consent"), ("antes de continuar para o google", "consent"),
    ("prima di continuare su google", "consent"), ("voordat je verdergaat naar google", "consent"),
    ("yahoo is part of the yahoo family of brands", "consent"), ("yahoo fait partie de la famille de marques yahoo", "consent"),
)  # fmt: skip
#: A login page's title; counted only with a password field or on a small page.
_LOGIN_TITLE = re.compile(
    r"^(?:log ?in|sign ?in|log into|sign into|anmelden|einloggen|connexion|se connecter|iniciar sesión|"
    r"accedi|entrar|inloggen|aanmelden|zaloguj|вход|войти|ログイン|登录|登入|로그인)\b",
)
_PASSWORD = re.compile(r"<input\b[^>]*\btype\s*=\s*[\"']?password", re.IGNORECASE)


def _gate_url(origin: str, final: str) -> str | None:
    """Why ``final`` looks like a login/consent/bot-check address that ``origin`` does not, or None."""
    o, f = urlsplit(origin), urlsplit(final)
    origin_words = set(re.split(r"[.-]", (o.hostname or "").lower()))
    for word in re.split(r"[.-]", (f.hostname or "").lower()):
        if word in GATE_HOST_WORDS and word not in origin_words:
            return f"host {f.hostname}"
    origin_segments = {_segment(s) for s in o.path.lower().split("/")}
    for seg in f.path.lower().split("/"):
        if _segment(seg) in GATE_SEGMENTS and _segment(seg) not in origin_segments:
            return f"path segment /{seg}"
    target = unquote(o.path.rstrip("/"))
    for name, value in parse_qsl(f.query, keep_blank_values=True):
        if name.lower() in RETURN_PARAMS and len(target) > 1 and target in unquote(value):
            return f"parameter {name}= carries the page asked for"
    return None


def _segment(seg: str) -> str:
    return seg.rsplit(".", 1)[0] if "." in seg[1:] else seg


def gate_header(observation: Observation) -> str | None:
    """The bot-management service whose challenge header the response carries, or None."""
    final = observation.result.final
    if final is not None:
        for name, needle, vendor in GATE_HEADERS:
            value = final.header(name)
            if value is not None and needle in value.lower():
                return vendor
    return None


def gate_page(observation: Observation, page: PageView) -> str | None:
    """What kind of wall the page is (Cloudflare challenge, consent, login…), from headers, HTML
    tell-tales, phrases, or a login title with a password field; None for an ordinary page."""
    vendor = gate_header(observation)
    if vendor is not None:
        return vendor
    small = page.words <= GATE_MAX_WORDS and len(page.visible.split()) <= 2 * GATE_MAX_WORDS
    if not small and (observation.result.status or 200) < 300:
        return None
    for needle, vendor in GATE_HTML:
        if needle in page.html:
            return vendor
    lead = page.lead + " | " + " ".join(page.visible.split(maxsplit=80)[:80])
    for phrase, kind in GATE_PHRASES:
        if phrase in lead:
            return f"{kind} page ({phrase!r})"
    login_title = _LOGIN_TITLE.search(page.title) or any(_LOGIN_TITLE.search(h) for h in page.headings)
    if login_title and (_PASSWORD.search(page.html) or page.words < 80):
        return "login page"
    return None


def access_gate_rule(history: SourceHistory, observation: Observation, diff: Diff | None) -> Verdict | None:
    """A redirect to a login, consent or bot-check address, or such a page served in place of the
    content (Cloudflare "Just a moment…", Google "Before you continue") → ``unreachable``
    (``redirect-login``): access refused is not evidence of removal."""
    result = observation.result
    if judged_by_post(observation) or result.outcome not in (Outcome.OK, Outcome.HTTP_ERROR, Outcome.TOO_LARGE):
        return None
    if result.status in GONE_STATUSES:
        return None
    evidence: dict[str, object] = {"chain": chain(observation), "final_url": result.final_url}
    origin = origin_url(history, result)
    if is_redirected(history, result):
        why = _gate_url(origin, result.final_url)
        if why is not None:
            evidence["matched"] = why
            summary = f"redirected to a login/consent/bot-check page {result.final_url}"
            return Verdict(EventType.UNREACHABLE, str(Reason.REDIRECT_LOGIN), summary, evidence)
    if unchanged(diff) or (is_page(result) and has_long_text(observation, GATE_MAX_WORDS) and not gate_header(observation)):
        return None
    page = page_view(observation)
    why = gate_page(observation, page)
    if why is None:
        return None
    if still_related(history, page.text, GATE_RELATED_BELOW, evidence):
        return None  # the content is still there, behind a banner
    evidence["matched"] = why
    status = f" ({result.status})" if result.status and result.status != 200 else ""
    return Verdict(EventType.UNREACHABLE, str(Reason.REDIRECT_LOGIN), f"access refused: {why}{status}", evidence)


def redirect_home_rule(history: SourceHistory, observation: Observation, diff: Diff | None) -> Verdict | None:
    """A deep URL now redirected to its own site's home page (``/``, ``/index.html``, ``/en/``…)
    → ``removed`` (``redirect-home``), unless the home page carries the same text."""
    result = observation.result
    if judged_by_post(observation) or not is_page(result) or unchanged(diff) or not is_redirected(history, result):
        return None
    origin, final = origin_url(history, result), result.final_url
    if is_home_page(origin) or not is_home_page(final):
        return None
    if registrable_domain(host(origin)) != registrable_domain(host(final)):
        return None  # another site's home page: redirect_unrelated_rule
    evidence: dict[str, object] = {"chain": chain(observation), "final_url": final}
    old = reference_text(history)
    if old is not None:
        related = relatedness(page_view(observation).text, old.text)
        if related >= MOVED_AT_LEAST:
            return None  # a one-page site whose home page is the article
        evidence["similarity"] = round(related, 3)
    return Verdict(EventType.REMOVED, str(Reason.REDIRECT_HOME), f"redirected to the home page {final}", evidence)


def redirect_unrelated_rule(history: SourceHistory, observation: Observation, diff: Diff | None) -> Verdict | None:
    """A redirect to a new address whose text has almost nothing of the last good text (or to
    another site's home page) → ``removed`` (``redirect-unrelated``)."""
    result = observation.result
    if judged_by_post(observation) or not is_page(result) or unchanged(diff) or not is_redirected(history, result):
        return None
    origin, final = origin_url(history, result), result.final_url
    if landed_before(history, final):
        return None  # it already landed there when it was good
    evidence: dict[str, object] = {"chain": chain(observation), "final_url": final}
    if is_home_page(final) and not is_home_page(origin):
        summary = f"redirected to another site's home page {final}"
        return Verdict(EventType.REMOVED, str(Reason.REDIRECT_UNRELATED), summary, evidence)
    old = reference_text(history)
    if old is None:
        return None
    related = relatedness(page_view(observation).text, old.text)
    if related < MOVED_AT_LEAST and is_section_of(final, origin):
        # A listing or category page above the article (/news/politics/ for /news/politics/2026/x):
        # it may still show the headline as a teaser, but the article is no longer served.
        evidence["similarity"] = round(related, 3)
        summary = f"redirected to the section page {final} (similarity {related:.2f})"
        return Verdict(EventType.REMOVED, str(Reason.REDIRECT_UNRELATED), summary, evidence)
    if related >= UNRELATED_BELOW:
        return None
    evidence["similarity"] = round(related, 3)
    summary = f"redirected to an unrelated page {final} (similarity {related:.2f})"
    return Verdict(EventType.REMOVED, str(Reason.REDIRECT_UNRELATED), summary, evidence)


def is_section_of(final: str, origin: str) -> bool:
    """Whether ``final`` is a section, tag or listing page above ``origin`` on the same site: its
    path is a proper prefix of the origin's (by whole segments), or one of the usual listing paths.

    >>> is_section_of("https://n.example/news/politics/", "https://n.example/news/politics/2026/11/poll")
    True
    >>> is_section_of("https://n.example/tag/levy", "https://n.example/2026/11/poll")
    True
    >>> is_section_of("https://n.example/2026/11/poll-v2", "https://n.example/2026/11/poll")
    False
    """
    a, b = urlsplit(final), urlsplit(origin)
    if (a.hostname or "").removeprefix("www.") != (b.hostname or "").removeprefix("www."):
        return False
    mine = [p for p in a.path.split("/") if p]
    theirs = [p for p in b.path.split("/") if p]
    if mine and len(mine) < len(theirs) and theirs[: len(mine)] == mine:
        return True
    return bool(mine) and mine[0].lower() in _LISTING_ROOTS and len(mine) <= 2 and mine != theirs[: len(mine)]


#: First path segments of listing pages on news sites and CMSs (WordPress, Drupal, Ghost).
_LISTING_ROOTS = frozenset({"tag", "tags", "category", "categories", "topic", "topics", "section", "sections",
                            "thema", "themen", "rubrik", "rubrique", "categoria", "tema", "temas", "archive",
                            "archives", "search"})  # fmt: skip


def is_permanent(history: SourceHistory, observation: Observation) -> bool:
    """Whether every hop from the origin that changes the address (not a mere variant) is a 301/308."""
    hops = observation.result.hops
    origin = origin_url(history, observation.result)
    start = next((i for i, hop in enumerate(hops) if hop.url == origin), 0)
    moving = [
        hops[i].status
        for i in range(start, len(hops) - 1)
        if not is_variant(hops[i].url, hops[i + 1].url)
    ]
    return bool(moving) and all(status in (301, 308) for status in moving)


def moved_rule(history: SourceHistory, observation: Observation, diff: Diff | None) -> Verdict | None:
    """A 301/308 to a different address serving the same content → ``moved``
    (``permanent-redirect``), once: not again while the source keeps landing there."""
    result = observation.result
    if judged_by_post(observation) or not is_page(result) or not is_redirected(history, result):
        return None
    if not is_permanent(history, observation):
        return None
    if landed_before(history, result.final_url):
        return None
    old = reference_text(history)
    if old is None:
        return None
    related = relatedness(page_view(observation).text, old.text)
    if related < MOVED_AT_LEAST:
        return None
    evidence = {"chain": chain(observation), "final_url": result.final_url, "similarity": round(related, 3)}
    summary = f"permanently redirected to {result.final_url} (similarity {related:.2f})"
    return Verdict(EventType.MOVED, str(Reason.PERMANENT_REDIRECT), summary, evidence)
