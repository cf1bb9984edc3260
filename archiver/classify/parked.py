"""Classify stage, parked domains: the domain now shows a parking or for-sale page → ``removed``
(``domain-parked``).

Strong evidence is structural: a redirect to a domain marketplace, or the page loading a parking
service's scripts (Sedo, Bodis, ParkingCrew, GoDaddy's parking lander, Google's AdSense-for-domains
``caf.js``). "This domain is for sale" phrases, in several languages, count in the title or on a
small page. Either way the page must have little in common with the last good text.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from archiver.models import Diff, EventType, Observation, Reason, SourceHistory, Verdict
from archiver.urls import registrable_domain

from .observed import PageView, has_long_text, is_page, judged_by_post, page_view, still_related, unchanged
from .status import chain

#: Parking pages are a few dozen words and a list of ad links (parked/*.html: 0-40 words).
SMALL_PAGE_WORDS = 400
#: A page sharing this much with the last good text is the site, not a parking page.
RELATED_BELOW = 0.3

#: Domain marketplaces and parking services a parked domain redirects to: registrable domain and
#: an optional path pattern (GoDaddy is also a registrar, so only its for-sale paths count).
PARKING_SITES: tuple[tuple[str, re.Pattern[str] | None], ...] = (
    ("sedo.com", None), ("sedoparking.com", None), ("bodis.com", None), ("parkingcrew.net", None),
    ("afternic.com", None), ("dan.com", None), ("hugedomains.com", None), ("buydomains.com", None),
    ("undeveloped.com", None), ("domainmarket.com", None), ("brandbucket.com", None), ("efty.com", None),
    ("above.com", None), ("parklogic.com", None), ("domainsponsor.com", None), ("skenzo.com", None),
    ("uniregistry.com", re.compile(r"/(?:buy|market)")), ("atom.com", re.compile(r"/(?:name|lpd)/")),
    ("squadhelp.com", re.compile(r"/name/")), ("sav.com", re.compile(r"/(?:domain|buy)")),
    ("godaddy.com", re.compile(r"forsale|domain-for-sale|domainsearch|/domain-value")),
    ("namecheap.com", re.compile(r"parking|/market/")), ("dynadot.com", re.compile(r"/market|forsale")),
)  # fmt: skip
#: Tell-tales in a parking page's HTML: the services' script and image hosts and landers.
PARKING_HTML = (
    "sedoparking.com", "parkingcrew.net", "bodis.com", "/adsense/domains/caf.js", "parking-lander",
    "img1.wsimg.com/parking", "parkingpage.namecheap.com", "domainsponsor", "above.com/marketplace",
    "dan.com/buy-domain", "afternic.com/forsale", "hugedomains.com/domain_profile", "sedo.com/search/details",
    "window.park =", "window.park=", "parklogic", "skenzo.com",
)  # fmt: skip
#: What parking pages say, by language.
PARKED_WORDS = (
    r"\bdomain(?: name)?(?: [\w.-]+)? (?:is|may be|might be) for sale",
    r"\b[\w-]+\.[a-z]{2,}(?:\.[a-z]{2})? (?:is|may be) for sale",
    r"buy this domain", r"make an offer on this domain", r"this domain is parked",
    r"parked free, courtesy of", r"this (?:web )?page is parked", r"domain has expired",
    r"domain name has expired", r"future home of something quite cool", r"sponsored listings",
    r"inquire about this domain", r"get this domain", r"^related searches$|\| related searches\b",
    r"diese domain steht zum verkauf", r"domain steht zum verkauf", r"diese domain kann erworben werden",
    r"diese domain ist geparkt", r"ce (?:nom de )?domaine est (?:peut-être )?à vendre", r"acheter ce domaine",
    r"este dominio (?:está|puede estar) (?:a la|en) venta", r"comprar este dominio",
    r"questo dominio è in vendita", r"acquista questo dominio", r"este domínio está à venda",
    r"compre este domínio", r"dit domein is te koop", r"deze domeinnaam is te koop",
    r"このドメインは(?:販売中|売り出し中)", r"此域名(?:正在)?出售", r"该域名(?:正在)?出售",
)  # fmt: skip
PARKED_PHRASES = re.compile("|".join(PARKED_WORDS))
_PARKING_HOST = re.compile(r"ww\d+\.", re.IGNORECASE)


def parking_site(url: str) -> str | None:
    """The marketplace or parking service ``url`` belongs to, or None."""
    parts = urlsplit(url)
    domain = registrable_domain((parts.hostname or "").lower())
    for site, path in PARKING_SITES:
        if domain == site and (path is None or path.search(f"{parts.path}?{parts.query}".lower())):
            return site
    return None


def parking_marker(observation: Observation, page: PageView) -> str | None:
    """The strongest sign that the page is a parking page: a marketplace in the redirect chain, a
    parking service in the HTML, or a for-sale phrase in the title or on a small page."""
    hops = observation.result.hops
    for hop in hops[1:]:
        if (site := parking_site(hop.url)) is not None:
            return f"redirected to {site}"
        # Bodis and ParkingCrew send a parked domain's visitors to ww1., ww25.… of the same domain.
        name = urlsplit(hop.url).hostname or ""
        if _PARKING_HOST.match(name) and not _PARKING_HOST.match(urlsplit(hops[0].url).hostname or ""):
            return f"redirected to the parking host {name}"
    for needle in PARKING_HTML:
        if needle in page.html:
            return f"page loads {needle}"
    small = len(page.visible.split() or page.text.split()) <= SMALL_PAGE_WORDS
    for line in (page.title, *page.headings, page.text if small else "", page.visible if small else ""):
        if m := PARKED_PHRASES.search(line):
            return repr(m.group(0))
    return None


def parked_rule(history: SourceHistory, observation: Observation, diff: Diff | None) -> Verdict | None:
    """The domain shows a parking/for-sale page (see the module docstring) → ``removed``
    (``domain-parked``)."""
    result = observation.result
    if judged_by_post(observation) or not is_page(result) or unchanged(diff):
        return None
    if has_long_text(observation, SMALL_PAGE_WORDS) and len(result.hops) < 2:
        return None  # an article; parking pages are tiny, or reached by a redirect
    page = page_view(observation)
    marker = parking_marker(observation, page)
    if marker is None:
        return None
    evidence: dict[str, object] = {"chain": chain(observation), "final_url": result.final_url, "matched": marker}
    if still_related(history, page.text, RELATED_BELOW, evidence):
        return None
    return Verdict(EventType.REMOVED, str(Reason.DOMAIN_PARKED), f"parked domain: {marker}", evidence)
