"""DEFAULT: the main suite of scenarios, steps 0..8, with ground truth in the interface's words.

Sites (each its own loopback origin; unknown-path policy in brackets): news [404], polls [soft-404],
blog [redirect-home], press [catch-all], api [404, JSON], files [404, PDF/PNG], social [404,
Mastodon-like], quota (the 429 scenario alone), riverwatch (parked from step 3), gazette (nothing
listens at steps 2-6).
Every scenario's docstring-like ``description`` says what happens and why the events are expected.
"""

from __future__ import annotations

from collections.abc import Mapping

from . import templates as t
from .media import pdf, png
from .model import (
    GONE,
    RESET,
    Category,
    Expected,
    Page,
    PageLike,
    Response,
    Scenario,
    Site,
    Suite,
    Unknown,
    page,
    phases,
)
from .prose import Article, story
from .templates import BACKGROUND, QUIET, Noise, Post

E, TD, N, TR, MV, RS = (Category.EDIT, Category.TAKEDOWN, Category.NOISE, Category.TRANSIENT, Category.MOVE,
                        Category.RESTORE)

NEWS = Site("news", t.news_home, t.news_not_found, Unknown.NOT_FOUND)
POLLS = Site("polls", t.poll_home, t.poll_not_found, Unknown.SOFT_404)
BLOG = Site("blog", t.blog_home, t.blog_not_found, Unknown.REDIRECT_HOME)
PRESS = Site("press", t.press_home, t.press_not_found, Unknown.CATCH_ALL)
API = Site("api", lambda s: t.api_document({"endpoints": ["/v1/indicators/"]}, s), t.api_not_found)
FILES = Site("files", t.files_home, t.files_not_found)
SOCIAL = Site("social", t.social_home, t.social_not_found)
RIVERWATCH = Site("riverwatch", t.blog_home, t.blog_not_found, parked_from=3,
                  parking=t.parking_page("riverwatch-northbridge.org"))
# A Retry-After defers a whole host, so the 429 scenario gets a host of its own.
QUOTA = Site("quota", t.poll_home, t.poll_not_found, Unknown.SOFT_404)
GAZETTE = Site("gazette", t.blog_home, t.blog_not_found, offline=frozenset(range(2, 7)))


def news(art: Article, noise: Noise = BACKGROUND, **kw: bool) -> Page:
    return lambda step: t.news_article(art, step, noise, **kw)


def blog(art: Article, noise: Noise = BACKGROUND) -> Page:
    return lambda step: t.blog_post(art, step, noise)


def press(art: Article, noise: Noise = BACKGROUND) -> Page:
    return lambda step: t.press_release(art, step, noise)


def poll(art: Article, noise: Noise = BACKGROUND) -> Page:
    return lambda step: t.poll_page(art, step, noise)


def status(code: int, base: Page, *headers: tuple[str, str]) -> Page:
    return lambda step: base(step).with_status(code, *headers)


def slow(base: Page) -> Page:
    def respond(step: int) -> Response:
        r = base(step)
        return Response(r.status, r.headers, r.body, r.action, slow=True)
    return respond


def sc(name: str, site: Site, path: str, respond: PageLike, cats: set[Category],
       expected: dict[int, list[Expected]] | None = None, description: str = "",
       routes: Mapping[str, PageLike] | None = None) -> Scenario:
    return Scenario(name, site, path, page(respond), frozenset(cats), expected or {}, description,
                    {route: page(p) for route, p in (routes or {}).items()})


TEXT = "text-changed"
POLL = story("tram-poll", title="Tram extension poll: most Northbridge voters back the plan",
             byline="Civic Polling Institute research team", dateline="3–6 October 2026", n=3,
             table=(("Question", "Support", "Oppose", "Don't know"),
                    ("Extend the tram to Eastfield", "61%", "29%", "10%"),
                    ("Raise fares to pay for it", "34%", "55%", "11%"),
                    ("Trust the council to deliver", "41%", "47%", "12%")))


def poll_story(slug: str, title: str) -> Article:
    """Another release from the polling site: its own text and title, the same table layout."""
    return story(slug, title=title, byline=POLL.byline, dateline=POLL.dateline, n=3, table=POLL.table)


POLL_EDITED = POLL.but(table=(POLL.table[0], ("Extend the tram to Eastfield", "59%", "31%", "10%"), *POLL.table[2:]))
QUOTED = story("barrier-quote", quote="We will finish the flood barrier before next winter, whatever it costs.",
               quote_by="Helen Mbeki, council leader")
RELEASE = story("bridge-release", title="£4.2 billion programme to repair the county's bridges",
                byline="Press Office", dateline="London, 14 October 2026",
                quote="These bridges carry our economy. We will not let them crumble.", quote_by="The minister")
PDF_LINES = ["The audit found that the tram contract will cost £412 million, against a budget of £340 million.",
             "Recommendation 1: the council should publish the full contract.",
             "Recommendation 2: an independent engineer should review the timetable."]
STATS = {"indicator": "unemployment_rate", "region": "Northbridge", "period": "2026-Q3", "value": 5.2, "unit": "%"}
POST = Post("113254871234567890", "ruth", "Ruth Castellano",
            "The council has just confirmed the Eastfield tram extension will open in 2029, two years late.",
            "2026-10-14T09:12:00Z")
PARKED = story("riverwatch-report")
UNDER_NOISE = story("storm-damage", paragraphs=(
    "Twelve people were injured when the storm brought down scaffolding on Harbour Street, police said.",
    *story("storm-damage").paragraphs[1:]))
ALL_NOISE = Noise(clock=True, ad=True, counters=True, token=True, cachebust=True, shuffle=True, ticker=True,
                  comments=True, whitespace=True)


def _edits() -> list[Scenario]:
    hl = story("harbour-headline")
    ab_a, ab_b = story("ab-test"), story("ab-test").but(title="You won't believe what the council did with the tram")
    two = story("two-edits", quote="Nobody asked us.")
    moved_blog = story("blog-move")
    return [
        sc("edit/poll-figure", POLLS, "/polls/2026/tram-extension", phases({0: poll(POLL), 3: poll(POLL_EDITED)}),
           {E}, {3: [("edited", TEXT)]}, "Support figure 61% → 59% (oppose 29% → 31%) in the figures table at step 3."),
        sc("edit/headline", NEWS, "/news/2026/10/harbour-headline",
           phases({0: news(hl), 2: news(hl.but(title="Harbour contract scrapped after audit finds £40m overspend"))}),
           {E}, {2: [("edited", TEXT)]}, "The headline is rewritten at step 2."),
        sc("edit/quote", NEWS, "/news/2026/10/barrier-quote",
           phases({0: news(QUOTED), 4: news(QUOTED.but(quote="We hope to finish the flood barrier within two years."))}),
           {E}, {4: [("edited", TEXT)]}, "The pull quote is changed at step 4."),
        sc("edit/byline", NEWS, "/news/2026/10/byline", phases({0: news(story("byline")),
                                                               5: news(story("byline").but(byline="Staff reporter"))}),
           {E}, {5: [("edited", TEXT)]}, "The byline changes to 'Staff reporter' at step 5."),
        sc("edit/dateline", PRESS, "/government/news/bridge-repairs",
           phases({0: press(RELEASE), 3: press(RELEASE.but(dateline="London, 15 October 2026"))}),
           {E}, {3: [("edited", TEXT)]}, "The release's own dateline moves a day at step 3."),
        sc("edit/paragraph-removed", BLOG, "/2026/10/ferry-timetable/",
           phases({0: blog(story("ferry")), 4: blog(story("ferry").but(paragraphs=story("ferry").paragraphs[:2]
                                                                              + story("ferry").paragraphs[3:]))}),
           {E}, {4: [("edited", TEXT)]}, "The third paragraph disappears at step 4."),
        sc("edit/correction-appended", NEWS, "/news/2026/10/school-meals",
           phases({0: news(story("meals")), 6: news(story("meals").but(
               correction="An earlier version of this article said the scheme would cost £12 million; it is £21 million."))}),
           {E}, {6: [("edited", TEXT)]}, "A correction is appended at step 6."),
        sc("edit/pdf-text", FILES, "/documents/audit-2026.pdf",
           phases({0: Response.data(pdf("Tram contract audit", PDF_LINES), "application/pdf"),
                   3: Response.data(pdf("Tram contract audit", [PDF_LINES[0].replace("412", "436"), *PDF_LINES[1:]]),
                                    "application/pdf")}),
           {E}, {3: [("edited", TEXT)]}, "The PDF's cost figure £412 million → £436 million at step 3."),
        sc("edit/json-value", API, "/v1/indicators/unemployment", phases({
            0: lambda s: t.api_document(STATS, s), 4: lambda s: t.api_document({**STATS, "value": 5.4}, s)}),
           {E}, {4: [("edited", TEXT)]}, "The JSON value 5.2 → 5.4 at step 4."),
        sc("edit/ab-variants", NEWS, "/news/2026/10/ab-test",
           lambda s: t.news_article(ab_b if s % 2 else ab_a, s, BACKGROUND),
           {E, N}, {1: [("edited", TEXT)]},
           "Headline A/B test: variant B first appears at step 1 (new content: edited); from then on the page "
           "flips between two known variants, which is not an edit."),
        sc("edit/paywall", NEWS, "/news/2026/10/paywalled", phases({0: news(story("paywall")),
                                                                   3: news(story("paywall"), paywall=True)}),
           {E}, {3: [("edited", "paywall")]}, "From step 3 only the first paragraph and a subscribe box are served."),
        sc("edit/social-post", SOCIAL, f"/@ruth/{POST.id}", phases({
            0: lambda s: t.social_post(POST, s), 3: lambda s: t.social_post(_edited_post(), s)}),
           {E}, {3: [("edited", None)]}, "The post's text is edited at step 3 (Mastodon shows 'Edited').",
           {f"/api/v1/statuses/{POST.id}": phases({0: lambda s: t.social_status_json(POST, s),
                                                   3: lambda s: t.social_status_json(_edited_post(), s)})}),
        sc("edit/image-replaced", FILES, "/images/flood-map.png", phases({
            0: Response.data(png((40, 90, 200)), "image/png"), 5: Response.data(png((200, 60, 40)), "image/png")}),
           {E}, {5: [("edited", None)]}, "The image is replaced by a different one at step 5."),
        sc("edit/figure-under-noise", NEWS, "/news/2026/10/storm-damage", phases({
            0: news(UNDER_NOISE, ALL_NOISE),
            4: news(UNDER_NOISE.but(paragraphs=(UNDER_NOISE.paragraphs[0].replace("Twelve", "Fourteen"),
                                                 *UNDER_NOISE.paragraphs[1:])), ALL_NOISE)}),
           {E}, {4: [("edited", TEXT)]}, "Every kind of noise at every step; the injured count 12 → 14 at step 4."),
        sc("edit/two-edits", BLOG, "/2026/09/nobody-asked/", phases({
            0: blog(two), 2: blog(two.but(quote="Nobody asked the residents.")),
            6: blog(two.but(quote="Nobody asked the residents.", paragraphs=(
                *two.paragraphs, "Update: the council has now agreed to a public meeting.")))}),
           {E}, {2: [("edited", TEXT)], 6: [("edited", TEXT)]}, "Quote changed at step 2, update paragraph at step 6."),
        sc("edit/press-figure", PRESS, "/government/news/rail-budget", phases({
            0: press(story("rail-budget", title="Rail budget of £4.2 billion confirmed")),
            5: press(story("rail-budget", title="Rail budget of £4.7 billion confirmed"))}),
           {E}, {5: [("edited", TEXT)]}, "The headline figure £4.2bn → £4.7bn at step 5."),
        sc("move/then-edited", BLOG, "/2026/08/old-slug/", phases({
            0: blog(moved_blog), 2: Response.redirect("/2026/08/new-slug/", 301)}),
           {MV, E}, {2: [("moved", None)], 6: [("edited", TEXT)]},
           "Moved with the same content at step 2; the new location's text is edited at step 6.",
           {"/2026/08/new-slug/": phases({0: GONE, 2: blog(moved_blog),
                                          6: blog(moved_blog.but(title="Why the tram is late (updated)"))})}),
    ]


def _edited_post() -> Post:
    return Post(POST.id, POST.account, POST.display, POST.text.replace("2029, two years late", "2030, three years late"),
                POST.created_at, edited_at="2026-10-14T11:40:00Z")


def _noise() -> list[Scenario]:
    cases: list[tuple[str, Noise, str]] = [
        ("clock", Noise(clock=True, ad=False), "the masthead clock"),
        ("ad-rotation", Noise(clock=False, ad=True), "the leaderboard advert"),
        ("counters", Noise(clock=False, ad=False, counters=True), "view and share counters"),
        ("csrf-token", Noise(clock=False, ad=False, token=True), "CSRF token and script nonce"),
        ("cache-busting", Noise(clock=False, ad=False, cachebust=True), "?v=NNN on asset and body links"),
        ("related-shuffle", Noise(clock=False, ad=False, shuffle=True), "the order of related links"),
        ("redesign", Noise(clock=False, ad=False, redesign_from=4), "a new layout from step 4, same text"),
        ("updated-ticker", Noise(clock=False, ad=False, ticker=True), "'Updated N minutes ago'"),
        ("everything", ALL_NOISE.but(redesign_from=5),
         "all of the above at once"),
    ]
    out = [sc(f"noise/{name}", NEWS, f"/news/2026/10/noise-{name}", news(story(f"noise-{name}"), noise), {N},
              description=f"Only {what} changes from step to step: no event.") for name, noise, what in cases]
    out += [
        sc("noise/whitespace", BLOG, "/2026/10/whitespace/", blog(story("ws"), Noise(clock=False, ad=False, whitespace=True)),
           {N}, description="The same words reflowed with different whitespace at every step: no event."),
        sc("noise/comments", BLOG, "/2026/10/comments/", blog(story("comments"), Noise(clock=False, ad=False, comments=True)),
           {N}, description="A reader comment is added under the post at every step: no event."),
        sc("noise/poll-ticker", POLLS, "/polls/2026/bus-satisfaction",
           poll(poll_story("bus-poll", "Bus satisfaction tracker: October"), Noise(ticker=True)), {N},
           description="Clock, promo and 'Last updated N minutes ago' change each step: no event."),
        sc("noise/social-counters", SOCIAL, "/@kwame/113254871234500001",
           lambda s: t.social_post(_post2(), s, Noise(counters=True)), {N},
           description="Reply, boost and favourite counts grow every step: no event.",
           routes={"/api/v1/statuses/113254871234500001": lambda s: t.social_status_json(_post2(), s, Noise(counters=True))}),
        sc("noise/json-meta", API, "/v1/indicators/inflation",
           lambda s: t.api_document({**STATS, "indicator": "cpi_inflation", "value": 2.9}, s, Noise(token=True)), {N},
           description="generated_at and request_id in the JSON metadata change every step: no event."),
        sc("noise/unchanged", PRESS, "/government/news/unchanged", press(story("unchanged"), QUIET), {N},
           description="Byte-identical at every step (control): no event."),
        sc("noise/stable-redirect", NEWS, "/go/8841", Response.redirect("/news/2026/10/stable-target", 301), {N, MV},
           description="The watched URL always redirected (the baseline already did): no event.",
           routes={"/news/2026/10/stable-target": news(story("stable-target"))}),
    ]
    return out


def _post2() -> Post:
    return Post("113254871234500001", "kwame", "Kwame Asante", "Flood barrier consultation closes on Friday. "
                "Please read the plans and have your say before the deadline.", "2026-10-12T16:03:00Z")


def _takedowns() -> list[Scenario]:
    gone_at = {"http-404": 3, "http-410": 4, "http-451": 5}
    out = [
        sc(f"takedown/{reason}", NEWS, f"/news/2026/10/{reason}",
           phases({0: news(story(reason)), step: GONE if reason == "http-404" else
                   status(int(reason[5:]), t.news_error_page(reason))}),
           {TD}, {step: [("removed", reason)]}, f"From step {step} the article answers {reason[5:]}.")
        for reason, step in gone_at.items()]
    unrelated = story("unrelated-target", topic="sport")  # another beat: no shared sentences
    out += [
        sc("takedown/soft-404", POLLS, "/polls/2026/housing", phases({0: poll(poll_story("housing", "Housing poll: renters want rent controls")), 3: GONE}),
           {TD}, {3: [("removed", "soft-404")]}, "Removed at step 3; the site serves its not-found page with 200."),
        sc("takedown/catch-all", PRESS, "/government/news/withdrawn", phases({0: press(story("withdrawn")), 4: GONE}),
           {TD}, {4: [("removed", "soft-404")]}, "Removed at step 4; the site answers every unknown path with its "
                                                 "home page (200), as the soft-404 probe sees too."),
        sc("takedown/redirect-home-policy", BLOG, "/2026/07/deleted-post/", phases({0: blog(story("deleted")), 2: GONE}),
           {TD}, {2: [("removed", "redirect-home")]}, "Removed at step 2; the blog 302-redirects unknown paths to /."),
        sc("takedown/redirect-home-301", NEWS, "/news/2026/10/pulled", phases({0: news(story("pulled")),
                                                                             4: Response.redirect("/", 301)}),
           {TD}, {4: [("removed", "redirect-home")]}, "At step 4 the article 301-redirects to the home page: "
                                                      "a permanent redirect, but to home, so removed, not moved."),
        sc("takedown/removal-notice", NEWS, "/news/2026/10/legal-complaint",
           phases({0: news(story("legal")), 3: lambda s: t.news_removed_notice(s)}),
           {TD}, {3: [("removed", "soft-404")]}, "At step 3 a 200 page says the article was removed; the site's "
                                                 "probe answer is a real 404, so only the page's words tell."),
        sc("takedown/redirect-unrelated", NEWS, "/news/2026/10/investigation",
           phases({0: news(story("investigation", topic="council")), 5: Response.redirect("/news/2026/10/unrelated-target", 301)}),
           {TD}, {5: [("removed", "redirect-unrelated")]}, "At step 5 a redirect to a different article.",
           {"/news/2026/10/unrelated-target": news(unrelated)}),
        sc("takedown/parked-domain", RIVERWATCH, "/2026/river-report/", blog(PARKED), {TD},
           {3: [("removed", "domain-parked")]}, "From step 3 the whole domain (home and probe included) serves a "
                                                "registrar's for-sale parking page."),
        sc("takedown/connection-refused", GAZETTE, "/2026/harbour-gazette-story/", blog(story("gazette")), {TD, TR, RS},
           {2: [("unreachable", None)], 4: [("removed", None)], 7: [("restored", None)]},
           "Nothing listens on the site's address at steps 2-6: unreachable at the first failure, removed at the "
           "third consecutive one (failures_before_removed = 3), restored when it answers again at step 7."),
        sc("takedown/connection-reset", NEWS, "/news/2026/10/reset", phases({0: news(story("reset")), 3: RESET}),
           {TD, TR}, {3: [("unreachable", None)], 5: [("removed", None)]},
           "From step 3 the server resets the connection without answering (the host's home page still "
           "works): unreachable at step 3, removed after the third consecutive failure at step 5."),
        sc("takedown/social-post-deleted", SOCIAL, "/@ruth/113254871299999999", phases({
            0: lambda s: t.social_post(_post3(), s), 4: GONE}), {TD}, {4: [("removed", None)]},
           "The post is deleted at step 4: page and API answer 404 (reason post-deleted or http-404).",
           {"/api/v1/statuses/113254871299999999": phases({
               0: lambda s: t.social_status_json(_post3(), s),
               4: Response.json({"error": "Record not found"}, status=404)})}),
        sc("takedown/social-suspended", SOCIAL, "/@spammer/113254871288888888", phases({
            0: lambda s: t.social_post(_post4(), s), 5: t.social_suspended(_post4())}), {TD}, {5: [("removed", None)]},
           "The account is suspended at step 5: 410 with 'This account has been suspended.'",
           {"/api/v1/statuses/113254871288888888": phases({
               0: lambda s: t.social_status_json(_post4(), s),
               5: Response.json({"error": "Record not found"}, status=404)})}),
        sc("takedown/api-404", API, "/v1/indicators/housing-starts", phases({
            0: lambda s: t.api_document({**STATS, "indicator": "housing_starts", "value": 1180}, s), 3: GONE}),
           {TD}, {3: [("removed", "http-404")]}, "The JSON resource answers 404 from step 3."),
        sc("takedown/pdf-404", FILES, "/documents/minutes-2026-09.pdf", phases({
            0: Response.data(pdf("Minutes of the planning committee", PDF_LINES[1:]), "application/pdf"), 6: GONE}),
           {TD}, {6: [("removed", "http-404")]}, "The PDF answers 404 from step 6."),
    ]
    return out


def _post3() -> Post:
    return Post("113254871299999999", "ruth", "Ruth Castellano", "Hearing that the harbour contract audit will be "
                "buried until after the election. Can anyone confirm?", "2026-10-13T21:40:00Z")


def _post4() -> Post:
    return Post("113254871288888888", "spammer", "Best Deals 2026", "Huge discounts on winter tyres today only, "
                "follow the link in my profile for details.", "2026-10-13T07:00:00Z")


def _transients() -> list[Scenario]:
    login = "<html><head><title>Sign in</title></head><body><h1>Sign in to continue</h1><form method=post>" \
            "<input name=email><input type=password name=password><button>Sign in</button></form></body></html>"
    return [
        sc("transient/http-503-once", NEWS, "/news/2026/10/flaky", phases({
            0: news(story("flaky")), 2: Response.html("<h1>Service Unavailable</h1>", 503), 3: news(story("flaky"))}),
           {TR, RS}, {2: [("unreachable", "http-503")], 3: [("restored", None)]}, "503 at step 2 only."),
        sc("transient/http-429", QUOTA, "/polls/2026/ferry", phases({
            0: poll(poll_story("ferry-poll", "Ferry users split on new timetable")),
            3: Response.html("<h1>Too Many Requests</h1>", 429, [("Retry-After", "0")]),
            4: poll(poll_story("ferry-poll", "Ferry users split on new timetable"))}),
           {TR, RS}, {3: [("unreachable", "http-429")], 4: [("restored", None)]},
           "429 at step 3. Retry-After: 0, because a step stands for a day but may last a fraction of a second "
           "here: any real deferral would be over by the next step, and a longer one would skip step 4. "
           "On a host of its own: a Retry-After defers every URL of its host."),
        sc("transient/http-403", BLOG, "/2026/06/forbidden/", phases({
            0: blog(story("forbidden")), 4: Response.html("<h1>403 Forbidden</h1>", 403), 5: blog(story("forbidden"))}),
           {TR, RS}, {4: [("unreachable", "http-403")], 5: [("restored", None)]},
           "403 at step 4 (access refused is not evidence of removal)."),
        sc("transient/timeout", PRESS, "/government/news/slow", phases({
            0: press(story("slow")), 5: slow(press(story("slow"))), 6: press(story("slow"))}),
           {TR, RS}, {5: [("unreachable", "timeout")], 6: [("restored", None)]},
           "At step 5 the answer stalls for SimWeb.slow_seconds (set archiver's read timeout below it)."),
        sc("transient/5xx-four-times", API, "/v1/indicators/gdp", phases({
            0: lambda s: t.api_document({**STATS, "indicator": "gdp_growth", "value": 0.4}, s),
            **{s: Response.json({"error": "upstream"}, status=code) for s, code in zip(range(2, 6), (500, 502, 503, 504))},
            6: lambda s: t.api_document({**STATS, "indicator": "gdp_growth", "value": 0.4}, s)}),
           {TR, RS}, {2: [("unreachable", "http-500")], 6: [("restored", None)]},
           "500, 502, 503, 504 at steps 2-5: unreachable once (server errors are never removal), restored at 6."),
        sc("transient/login-redirect", NEWS, "/news/2026/10/members", phases({
            0: news(story("members")), 3: Response.redirect("/login?next=/news/2026/10/members", 302), 4: news(story("members"))}),
           {TR, RS}, {3: [("unreachable", None)], 4: [("restored", None)]},
           "At step 3 a redirect to a sign-in page (access refused, reason redirect-login).",
           {"/login": Response.html(login)}),
    ]


def _moves_and_restores() -> list[Scenario]:
    m1, m2, r1, r2 = story("move-301"), story("move-308"), story("restore-same"), story("restore-diff")
    slash = story("slash")
    return [
        sc("move/301-same-content", BLOG, "/2026/05/tram-history/", phases({
            0: blog(m1), 3: Response.redirect("/archive/2026/tram-history/", 301)}),
           {MV}, {3: [("moved", None)]}, "At step 3 a 301 to a new URL that serves the same post.",
           {"/archive/2026/tram-history/": blog(m1)}),
        sc("move/308-same-content", NEWS, "/news/2026/10/move-308", phases({
            0: news(m2), 5: Response.redirect("/news/local/2026/10/move-308", 308)}),
           {MV}, {5: [("moved", None)]}, "At step 5 a 308 to a new URL with the same article.",
           {"/news/local/2026/10/move-308": news(m2)}),
        sc("move/slash-only", PRESS, "/government/news/slash", phases({
            0: press(slash), 3: Response.redirect("/government/news/slash/", 301)}),
           {MV, N}, {}, "At step 3 the URL redirects to itself with a trailing slash, same content: no event.",
           {"/government/news/slash/": press(slash)}),
        sc("restore/404-same", NEWS, "/news/2026/10/restore-same", phases({0: news(r1), 2: GONE, 4: news(r1)}),
           {TD, RS}, {2: [("removed", "http-404")], 4: [("restored", None)]}, "404 at steps 2-3, back unchanged at 4."),
        sc("restore/404-different", NEWS, "/news/2026/10/restore-diff", phases({
            0: news(r2), 3: GONE, 5: news(r2.but(title="Council reverses tram decision after legal challenge"))}),
           {TD, RS, E}, {3: [("removed", "http-404")], 5: [("restored", None), ("edited", TEXT)]},
           "404 at steps 3-4, back at 5 with a new headline: restored, then edited."),
        sc("restore/soft-404-same", POLLS, "/polls/2026/library", phases({
            0: poll(poll_story("library", "Library closures: what residents think")), 2: GONE,
            5: poll(poll_story("library", "Library closures: what residents think"))}),
           {TD, RS}, {2: [("removed", "soft-404")], 5: [("restored", None)]},
           "Soft-404 (not-found page with 200) at steps 2-4, back unchanged at 5."),
    ]


def build() -> Suite:
    return Suite("default", tuple(_edits() + _noise() + _takedowns() + _transients() + _moves_and_restores()), 8)


DEFAULT = build()

__all__ = ["DEFAULT", "build"]
