"""The default suite's site templates: news, polls, blog, press office, social posts, parked domain.

Each renders an Article (prose.py) into its own markup at a step, with ``Noise`` saying which page
furniture changes from step to step (clock, ad, counters, tokens, …). With a flag off, that piece
is still on the page but frozen, so a noise scenario isolates one kind of noise.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any

from .model import Response
from .prose import MONTHS, WEEKDAYS, Article, headline_list

NEWS = "The Daily Ledger"
POLLS = "Civic Polling Institute"
BLOG = "Field Notes"
PRESS = "Ministry of Infrastructure"


@dataclass(frozen=True, slots=True)
class Noise:
    """Page furniture that changes at every step when its flag is set (else frozen at step 0)."""

    clock: bool = True
    ad: bool = True
    counters: bool = False  # views, shares, likes, replies
    token: bool = False  # CSRF token, script nonce
    cachebust: bool = False  # ?v=NNN on asset and body links
    shuffle: bool = False  # related-links order
    ticker: bool = False  # "Updated N minutes ago"
    comments: bool = False  # one more reader comment per step
    whitespace: bool = False  # the same words, reflowed
    redesign_from: int | None = None  # from this step on, the alternative layout (same text)

    def n(self, flag: bool, step: int) -> int:
        return step if flag else 0

    def but(self, **changes: Any) -> Noise:
        return dataclasses.replace(self, **changes)


BACKGROUND = Noise()  # what every page of a real site has: a clock and a rotating ad
QUIET = Noise(clock=False, ad=False)

ADS = ("Winter tyres from £49 fitted — Brennan Motors", "Switch your energy supplier and save £180 a year",
       "Last chance: 40% off annual gym membership", "Lakeside holiday lodges — book for spring",
       "New: the Aurora X5 phone, now in three colours", "Free hearing test at Clearway Audiology",
       "Calder Building Society — fixed rate 4.1%", "Learn a language in 10 minutes a day")
COMMENTS = ("Typical. They never consult the people who actually live here.",
            "Does anyone know if the meeting will be streamed online?",
            "I worked on the original survey and the numbers never added up.",
            "Good to see someone finally asking these questions.",
            "The bus service has been terrible since the franchise changed.",
            "My street flooded twice last winter. Build the barrier.",
            "Who is paying for all of this? Not the developers, that's for sure.",
            "Excellent reporting, thank you.", "This is the third delay in two years.",
            "Can the council publish the full contract please?")


def clock(n: int) -> str:
    return f"{WEEKDAYS[n % 5]} {(n % 27) + 1} {MONTHS[(n // 27) % 12]} 2026, {8 + n % 12:02d}:{(n * 7 + 13) % 60:02d} GMT"


def token(seed: str, n: int) -> str:
    return hashlib.sha256(f"{seed}:{n}".encode()).hexdigest()[:32]


def reflow(text: str, seed: str, on: bool) -> str:
    """Same words, different whitespace (newlines and indentation inside the element)."""
    if not on:
        return text
    rng = random.Random(seed)
    seps = (" ", " ", " ", "\n", "  ", "\n        ", "\t")
    words = text.split(" ")
    return words[0] + "".join(rng.choice(seps) + w for w in words[1:])


def _related(art: Article, step: int, noise: Noise, prefix: str) -> list[str]:
    titles = headline_list(f"related-{art.slug}", 5)
    items = [f'<li><a href="{prefix}{i}-{art.slug[:12]}{_cb(noise, step)}">{escape(t)}</a></li>'
             for i, t in enumerate(titles)]
    if noise.shuffle:
        random.Random(f"shuffle:{art.slug}:{step}").shuffle(items)
    return items


def _cb(noise: Noise, step: int) -> str:
    return f"?v={4100 + 37 * noise.n(noise.cachebust, step)}"


def _comments(art: Article, step: int, noise: Noise) -> str:
    count = 2 + noise.n(noise.comments, step)
    rng = random.Random(f"comments:{art.slug}")
    authors = ("harbourwatcher", "J. Pike", "m_delaney", "Eastfield Mum", "oldtimer62", "R. Osei")
    items = "".join(
        f'<div class="comment"><span class="comment-author">{rng.choice(authors)}</span>'
        f"<p>{escape(COMMENTS[i % len(COMMENTS)])}</p></div>\n" for i in range(count))
    tok = token(art.slug, noise.n(noise.token, step))
    return (f'<section id="comments" class="comments"><h2>Comments ({count})</h2>\n'
            f'<form method="post" action="/comments"><input type="hidden" name="csrf_token" value="{tok}">'
            f'<textarea name="body"></textarea><button>Post comment</button></form>\n{items}</section>')


def _story_body(art: Article, step: int, noise: Noise, *, paywall: bool = False) -> str:
    paras = art.paragraphs[:1] if paywall else art.paragraphs
    out = []
    for i, p in enumerate(paras):
        text = escape(reflow(p, f"ws:{art.slug}:{step}:{i}", noise.whitespace))
        if i == 1 and not paywall:
            text += f' Read <a href="/reports/{art.slug}.pdf{_cb(noise, step)}">the full report</a>.'
        out.append(f"<p>{text}</p>")
        if i == 0 and art.quote and not paywall:
            out.append(f'<blockquote class="pullquote"><p>“{escape(art.quote)}”</p>'
                       f"<cite>{escape(art.quote_by)}</cite></blockquote>")
    if paywall:
        out.append('<div class="paywall"><h3>Subscribe to continue reading</h3><p>This article is for '
                   "subscribers only. Subscribe now for unlimited access to The Daily Ledger from £1 a week. "
                   'Already a subscriber? <a href="/login">Log in</a>.</p></div>')
    if art.correction:
        out.append(f'<p class="correction"><strong>Correction:</strong> {escape(art.correction)}</p>')
    return "\n".join(out)


def _head(title: str, step: int, noise: Noise, seed: str) -> str:
    nonce = token(f"nonce:{seed}", noise.n(noise.token, step))
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="csrf-token" content="{token(seed, noise.n(noise.token, step))}">\n'
            f'<link rel="stylesheet" href="/static/site.css{_cb(noise, step)}">\n'
            f'<script nonce="{nonce}" src="/static/app.js{_cb(noise, step)}" defer></script></head>\n')


def news_article(art: Article, step: int, noise: Noise = BACKGROUND, *, paywall: bool = False) -> Response:
    """A news story: masthead with clock, ads, story, related links and comments."""
    n = noise.n
    ad = ADS[n(noise.ad, step) % len(ADS)]
    stats = (f'<span class="views">{12408 + 1317 * n(noise.counters, step):,} views</span> · '
             f'<span class="shares">{87 + 23 * n(noise.counters, step)} shares</span>')
    updated = f'<span class="updated">Updated {3 + 11 * n(noise.ticker, step)} minutes ago</span>'
    header = (f'<h1 class="headline">{escape(art.title)}</h1>\n<p class="standfirst">{escape(art.standfirst)}</p>\n'
              f'<p class="meta"><span class="byline">By {escape(art.byline)}</span> · '
              f'<time class="dateline">{escape(art.dateline)}</time> · {updated} · {stats}</p>')
    body = _story_body(art, step, noise, paywall=paywall)
    related = "\n".join(_related(art, step, noise, "/news/"))
    masthead = (f'<header class="masthead"><a class="logo" href="/">{NEWS}</a> <span class="clock">'
                f'{clock(n(noise.clock, step))}</span>\n<nav><a href="/politics/">Politics</a> <a href="/business/">'
                'Business</a> <a href="/local/">Local</a> <a href="/sport/">Sport</a> <a href="/opinion/">Opinion</a></nav></header>')
    adbox = f'<div class="ad ad-leaderboard" data-slot="top"><span>Advertisement</span> <a href="/ads/click">{ad}</a></div>'
    footer = f'<footer><p>© 2026 {NEWS} Ltd. <a href="/privacy">Privacy</a> · <a href="/terms">Terms</a></p></footer>'
    if noise.redesign_from is not None and step >= noise.redesign_from:
        page = (f'<body class="v2">\n<div class="top-bar">{masthead}</div>\n<div class="grid">\n'
                f'<aside class="rail"><h3>More from {NEWS}</h3><ol class="more">\n{related}\n</ol>{adbox}</aside>\n'
                f'<main class="content"><div class="article-shell"><article data-layout="wide">\n'
                f'<div class="article-header">{header}</div>\n<section class="article-body rich-text">\n{body}\n'
                f'</section></article></div>\n{_comments(art, step, noise)}</main>\n</div>\n{footer}</body></html>')
    else:
        page = (f"<body>\n{masthead}\n{adbox}\n<main>\n<article class=\"story\">\n{header}\n"
                f'<div class="story-body">\n{body}\n</div>\n</article>\n<aside class="related"><h2>Related</h2>'
                f'<ul>\n{related}\n</ul></aside>\n{_comments(art, step, noise)}\n</main>\n{footer}</body></html>')
    return Response.html(_head(f"{art.title} | {NEWS}", step, noise, art.slug) + page)


def news_removed_notice(step: int) -> Response:
    """A 200 page saying the article is gone: a soft-404 the probe cannot see (the site 404s)."""
    return Response.html(
        _head(f"Article unavailable | {NEWS}", 0, QUIET, "removed") +
        f'<body><header class="masthead"><a class="logo" href="/">{NEWS}</a> <span class="clock">{clock(step)}</span>'
        '</header><main><h1>This article is no longer available</h1><p>This article has been removed from '
        f"our website. We apologise for any inconvenience.</p><p><a href=\"/\">Return to the {NEWS} front page</a>"
        "</p></main></body></html>")


def news_home(step: int) -> Response:
    items = "".join(f'<li><a href="/news/{i}">{escape(t)}</a></li>'
                    for i, t in enumerate(headline_list(f"news-home-{step // 3}", 8)))
    return Response.html(
        _head(f"{NEWS} — news, sport and opinion", 0, QUIET, "home") +
        f'<body><header class="masthead"><a class="logo" href="/">{NEWS}</a> <span class="clock">{clock(step)}</span>'
        f'</header><div class="ad">{ADS[step % len(ADS)]}</div><main><h1>Top stories</h1><ul class="top">{items}'
        f"</ul></main><footer>© 2026 {NEWS} Ltd.</footer></body></html>")


def news_not_found(path: str, step: int) -> Response:
    return Response.html(
        _head(f"Page not found | {NEWS}", 0, QUIET, "404") +
        f'<body><header class="masthead"><a class="logo" href="/">{NEWS}</a></header><main class="error">'
        "<h1>Page not found</h1><p>Sorry, we couldn't find the page you were looking for. It may have been "
        'moved or deleted.</p><p>Try our <a href="/search">search</a> or go to the <a href="/">front page</a>.'
        "</p></main></body></html>", status=404)


def news_error_page(reason: str) -> Callable[[int], Response]:
    """The error page the news site shows for 410 Gone and 451 Unavailable For Legal Reasons."""
    words = {"http-410": ("Gone", "This page has been permanently removed."),
             "http-451": ("Unavailable for legal reasons",
                          "This article is not available in your country following a court order.")}[reason]
    page = Response.html(_head(f"{words[0]} | {NEWS}", 0, QUIET, reason) +
                         f'<body><header class="masthead"><a class="logo" href="/">{NEWS}</a></header>'
                         f'<main class="error"><h1>{words[0]}</h1><p>{words[1]}</p></main></body></html>', status=404)
    return lambda step: page


def poll_page(art: Article, step: int, noise: Noise = BACKGROUND) -> Response:
    """A polling release: headline figures in a table, fieldwork dates, methodology."""
    n = noise.n
    head, *rows = art.table
    thead = "".join(f"<th scope=\"col\">{escape(c)}</th>" for c in head)
    tbody = "\n".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    paras = "\n".join(f"<p>{escape(reflow(p, f'ws:{art.slug}:{step}:{i}', noise.whitespace))}</p>"
                      for i, p in enumerate(art.paragraphs))
    return Response.html(
        _head(f"{art.title} — {POLLS}", step, noise, art.slug) +
        f'<body class="cpi"><div id="topbar"><a href="/">{POLLS}</a><ul class="menu"><li><a href="/polls/">Polls</a></li>'
        f'<li><a href="/methodology/">Methodology</a></li><li><a href="/about/">About</a></li></ul>'
        f'<small>{clock(n(noise.clock, step))}</small></div>\n<div id="content"><div class="release">\n'
        f'<h1>{escape(art.title)}</h1>\n<div class="release-meta">Fieldwork: {escape(art.dateline)} · '
        f"Published by {escape(art.byline)} · <em>Last updated {2 + 9 * n(noise.ticker, step)} minutes ago</em></div>\n"
        f'<p class="lead">{escape(art.standfirst)}</p>\n<table class="figures">\n<thead><tr>{thead}</tr></thead>\n'
        f"<tbody>\n{tbody}\n</tbody></table>\n{paras}\n"
        f'<p><a href="/data/{art.slug}.csv{_cb(noise, step)}">Download the full tables (CSV)</a></p>\n'
        f'</div><div class="promo">{ADS[n(noise.ad, step) % len(ADS)]}</div></div>\n'
        f'<div id="footer">{POLLS} is a member of the British Polling Council.</div></body></html>')


def poll_home(step: int) -> Response:
    items = "".join(f"<li>{escape(t)}</li>" for t in headline_list("polls-home", 5))
    return Response.html(f"<!DOCTYPE html><html><head><title>{POLLS}</title></head><body><h1>{POLLS}</h1>"
                         f"<p>Independent public opinion research since 1987.</p><ul>{items}</ul>"
                         f"<small>{clock(step)}</small></body></html>")


def poll_not_found(path: str, step: int) -> Response:
    """The not-found page; the site serves it with 200 (a soft-404 site). It echoes the path."""
    return Response.html(f"<!DOCTYPE html><html><head><title>Oops! — {POLLS}</title></head><body>"
                         f'<div id="topbar"><a href="/">{POLLS}</a></div><div id="content"><h1>Oops!</h1>'
                         f"<p>We can't find the page “{escape(path)}” you were looking for.</p>"
                         "<p>Perhaps you were looking for our latest polls?</p></div></body></html>", status=404)


def blog_post(art: Article, step: int, noise: Noise = BACKGROUND) -> Response:
    """A personal blog post (WordPress-ish): entry content, tags, likes, comments."""
    n = noise.n
    paras = "\n".join(f"<p>{escape(reflow(p, f'ws:{art.slug}:{step}:{i}', noise.whitespace))}</p>"
                      for i, p in enumerate(art.paragraphs))
    quote = f"<blockquote><p>{escape(art.quote)}</p></blockquote>" if art.quote else ""
    return Response.html(
        _head(f"{art.title} – {BLOG}", step, noise, art.slug) +
        f'<body class="single-post"><div class="site-header"><p class="site-title"><a href="/">{BLOG}</a></p>'
        f'<p class="site-description">Notes on cities, transport and the things in between</p></div>\n'
        f'<div id="primary"><article class="post hentry"><header class="entry-header"><h1 class="entry-title">'
        f'{escape(art.title)}</h1><div class="entry-meta">Posted on <time>{escape(art.dateline)}</time> by '
        f'<span class="author vcard">{escape(art.byline)}</span></div></header>\n<div class="entry-content">\n'
        f"{paras}\n{quote}\n</div>\n<footer class=\"entry-footer\">Tags: transport, local politics · "
        f'<span class="likes">♥ {31 + 4 * n(noise.counters, step)} likes</span></footer></article>\n'
        f"{_comments(art, step, noise)}</div>\n"
        f'<div id="secondary"><section class="widget"><h2>Recent posts</h2><ul>{"".join(_related(art, step, noise, "/posts/"))}</ul>'
        f'</section><section class="widget">{clock(n(noise.clock, step))}</section></div></body></html>')


def blog_home(step: int) -> Response:
    items = "".join(f"<h2>{escape(t)}</h2><p>Continue reading →</p>" for t in headline_list("blog-home", 4))
    return Response.html(f"<!DOCTYPE html><html><head><title>{BLOG}</title></head><body><p class=\"site-title\">"
                         f"{BLOG}</p><p>Notes on cities, transport and the things in between</p>{items}</body></html>")


def blog_not_found(path: str, step: int) -> Response:
    return Response.html(f"<!DOCTYPE html><html><head><title>Nothing found – {BLOG}</title></head><body>"
                         "<h1>Nothing here</h1><p>It looks like nothing was found at this location. "
                         "Maybe try a search?</p></body></html>", status=404)


def press_release(art: Article, step: int, noise: Noise = BACKGROUND) -> Response:
    """A government press release: dateline, body, notes to editors, media contact."""
    n = noise.n
    first, *rest = art.paragraphs
    body = [f"<p><strong>{escape(art.dateline.upper())} —</strong> {escape(first)}</p>"]
    body += [f"<p>{escape(p)}</p>" for p in rest]
    if art.quote:
        body.insert(2, f"<p>{escape(art.quote_by)} said:</p><blockquote>“{escape(art.quote)}”</blockquote>")
    return Response.html(
        _head(f"{art.title} - GOV", step, noise, art.slug) +
        f'<body><div class="govuk-header">{PRESS} <span class="date">{clock(n(noise.clock, step))}</span></div>\n'
        '<div class="govuk-width-container"><main class="govuk-main-wrapper"><span class="govuk-caption">'
        f'Press release</span>\n<h1 class="govuk-heading-xl">{escape(art.title)}</h1>\n'
        f'<p class="govuk-body-l">{escape(art.standfirst)}</p>\n<dl class="metadata"><dt>From:</dt><dd>{PRESS}</dd>'
        f"<dt>Published</dt><dd>{escape(art.dateline)}</dd></dl>\n<div class=\"govspeak\">\n" + "\n".join(body) +
        "\n<h2>Notes to editors</h2><p>For immediate release. Embargoed copies are not available.</p>"
        f"<h2>Media enquiries</h2><p>Press office: 020 7946 0{400 + len(art.slug)}</p>\n</div></main></div>"
        "<footer>© Crown copyright · Open Government Licence v3.0</footer></body></html>")


def press_home(step: int) -> Response:
    items = "".join(f'<li><a href="/news/{i}">{escape(t)}</a></li>' for i, t in enumerate(headline_list("press-home", 6)))
    return Response.html(f"<!DOCTYPE html><html><head><title>{PRESS}</title></head><body><h1>{PRESS}</h1>"
                         f"<h2>Latest news and announcements</h2><ul>{items}</ul></body></html>")


def press_not_found(path: str, step: int) -> Response:
    return Response.html("<!DOCTYPE html><html><head><title>Page not found - GOV</title></head><body>"
                         "<h1>Page not found</h1><p>If you typed the web address, check it is correct.</p>"
                         "</body></html>", status=404)


@dataclass(frozen=True, slots=True)
class Post:
    """A Mastodon-like status."""

    id: str
    account: str  # "ruth" → @ruth
    display: str
    text: str
    created_at: str  # ISO 8601
    edited_at: str | None = None


def social_post(post: Post, step: int, noise: Noise = BACKGROUND) -> Response:
    """The status page at /@account/ID (server-rendered, as Mastodon does for crawlers)."""
    n = noise.n(noise.counters, step)
    edited = f' <span class="edited">Edited {post.edited_at}</span>' if post.edited_at else ""
    return Response.html(
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(post.display)}: '
        f'"{escape(post.text[:40])}…" - town.social</title><meta property="og:description" content="{escape(post.text)}">'
        f'</head><body><div class="app-holder"><div class="detailed-status"><a class="display-name" href="/@{post.account}">'
        f'<strong>{escape(post.display)}</strong> <span>@{post.account}@town.social</span></a>'
        f'<div class="status__content"><p>{escape(post.text)}</p></div>'
        f'<div class="detailed-status__meta"><time datetime="{post.created_at}">{post.created_at[:10]}</time>{edited} · '
        f'<span class="replies">{4 + 2 * n} replies</span> · <span class="boosts">{19 + 7 * n} boosts</span> · '
        f'<span class="favourites">{52 + 13 * n} favourites</span></div></div></div></body></html>')


def social_status_json(post: Post, step: int, noise: Noise = BACKGROUND) -> Response:
    """The status as Mastodon's API returns it at /api/v1/statuses/ID."""
    n = noise.n(noise.counters, step)
    return Response.json({"id": post.id, "created_at": post.created_at, "edited_at": post.edited_at,
                          "content": f"<p>{escape(post.text)}</p>", "url": f"/@{post.account}/{post.id}",
                          "replies_count": 4 + 2 * n, "reblogs_count": 19 + 7 * n, "favourites_count": 52 + 13 * n,
                          "account": {"username": post.account, "display_name": post.display}})


def social_home(step: int) -> Response:
    return Response.html("<!DOCTYPE html><html><head><title>town.social</title></head><body><h1>town.social</h1>"
                         "<p>A Mastodon server for the people of Northbridge and Eastfield.</p></body></html>")


def social_not_found(path: str, step: int) -> Response:
    return Response.html("<!DOCTYPE html><html><head><title>The page you are looking for isn't here. - town.social"
                         "</title></head><body><div class=\"error\"><h1>The page you are looking for isn't here.</h1>"
                         "</div></body></html>", status=404)


def social_suspended(post: Post) -> Callable[[int], Response]:
    page = Response.html("<!DOCTYPE html><html><head><title>town.social</title></head><body><div class=\"error\">"
                         "<h1>This account has been suspended.</h1><p>The account's posts are no longer available."
                         "</p></div></body></html>", status=410)
    return lambda step: page


def api_document(obj: dict[str, object], step: int, noise: Noise = QUIET) -> Response:
    """A JSON API resource; with token noise, a per-request id and generation time change each step."""
    n = noise.n(noise.token, step)
    meta = {"generated_at": f"2026-10-14T{8 + n % 12:02d}:{(7 * n) % 60:02d}:0{n % 10}Z", "request_id": token("req", n)}
    return Response.json({"data": obj, "meta": meta})


def api_not_found(path: str, step: int) -> Response:
    return Response.json({"error": {"code": "not_found", "message": f"No resource at {path}"}}, status=404)


def files_home(step: int) -> Response:
    return Response.html("<!DOCTYPE html><html><head><title>Document library</title></head><body>"
                         "<h1>Northbridge Council document library</h1><p>Agendas, minutes and reports.</p></body></html>")


def files_not_found(path: str, step: int) -> Response:
    return Response.data(b"404 Not Found\n", "text/plain; charset=utf-8", status=404)


def parking_page(domain: str) -> Callable[[str], Response]:
    """A registrar's parking page: the domain lapsed and was bought by a parking service."""
    body = (f"<!DOCTYPE html><html><head><title>{domain} - This domain is for sale!</title></head><body>"
            f'<div class="banner"><h1>{domain}</h1><h2>This domain may be for sale!</h2>'
            '<a class="buy" href="https://sedo.example/buy">Buy this domain</a></div><div class="related">'
            "<h3>Related searches</h3><ul><li>River Cruises</li><li>Fishing Licences</li><li>Cheap Flights</li>"
            "<li>Home Insurance</li></ul></div><p>Copyright © 2026 Domain parking services. "
            "Privacy Policy</p></body></html>")
    page = Response.html(body)
    return lambda path: page
