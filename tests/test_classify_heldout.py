"""The held-out cases of the real-pages issue, each on real saved markup (tests/fixtures/classify):
an A/B-tested headline, a URL still serving the home page it was removed for, a 301 to the
article's own section page, and a 301 to the same article at a new path."""

from __future__ import annotations

from dataclasses import replace

from classify_inputs import capture, diff_of, fixture, history, observe, page, pairs, probe, text_of

from archiver.classify import classify
from archiver.models import SourceStatus

GAZ = "https://www.harbortown-gazette.com"
ART = f"{GAZ}/news/2026/03/council-approves-sea-wall"
ARTICLE_HTML = fixture("articles/harbor-council.html")
ARTICLE = text_of(ARTICLE_HTML)
HOME_HTML = fixture("articles/harbor-home.html")


def _headline(html: str, new: str) -> str:
    old = text_of(html).title
    assert old and old in html
    return html.replace(old, new)


def test_alternating_ab_headlines_are_not_an_edit() -> None:
    # Versions seen: (A, body 1), (B, body 1), then a real edit (A, body 2). The A/B test goes on:
    # (B, body 2) has a headline seen before and a body seen before, so it is not an edit, although
    # no earlier version had that headline with that body.
    edited_html = fixture("articles/harbor-council-edited.html")
    b_title = "Sea wall wins council vote after a long night"
    a1, b1 = ARTICLE, text_of(_headline(ARTICLE_HTML, b_title))
    a2 = text_of(edited_html)
    assert a2.title == a1.title and a2.paragraphs != a1.paragraphs
    hist = history(ART, a2, recent=(a2, b1, a1))
    obs = observe(page(ART, _headline(edited_html, b_title)))
    assert (obs.text.title, obs.text.paragraphs) == (b_title, a2.paragraphs)
    assert pairs(classify(hist, obs, diff_of(a2, obs.text))) == []


def test_a_new_headline_is_still_an_edit() -> None:
    variant_b = text_of(_headline(ARTICLE_HTML, "Sea wall wins council vote after a long night"))
    hist = history(ART, ARTICLE, recent=(ARTICLE, variant_b))
    obs = observe(page(ART, _headline(ARTICLE_HTML, "Council delays sea wall vote to April")))
    verdicts = classify(hist, obs, diff_of(ARTICLE, obs.text))
    assert pairs(verdicts) == [("edited", "text-changed")]


def test_still_serving_the_home_page_it_was_removed_for_is_not_restored() -> None:
    # Removed at the last check: the article 302-redirected to the home page. The home page's
    # headlines have rotated since, and the redirect is gone (the URL now serves the home page
    # itself with 200): still removed, not restored and edited.
    home_then = text_of(HOME_HTML)
    gone = capture(ART, final_url=f"{GAZ}/", redirects=(ART, f"{GAZ}/"))
    hist = replace(history(ART, ARTICLE, status=SourceStatus.REMOVED, previous=gone), previous_text=home_then)
    rotated = HOME_HTML.replace(home_then.paragraphs[-1], "Harbor Harriers win the county cup in extra time")
    obs = observe(page(ART, rotated))
    assert pairs(classify(hist, obs, diff_of(ARTICLE, obs.text))) == []


def test_the_article_coming_back_is_restored() -> None:
    home_then = text_of(HOME_HTML)
    gone = capture(ART, final_url=f"{GAZ}/", redirects=(ART, f"{GAZ}/"))
    hist = replace(history(ART, ARTICLE, status=SourceStatus.REMOVED, previous=gone), previous_text=home_then)
    obs = observe(page(ART, ARTICLE_HTML))
    assert pairs(classify(hist, obs, diff_of(ARTICLE, obs.text))) == [("restored", "back-online")]


def test_a_301_to_the_section_page_is_removed_not_edited() -> None:
    section = f"{GAZ}/news/"
    listing = HOME_HTML.replace("</main>", f"<p>{ARTICLE.title}. {ARTICLE.paragraphs[0]}</p></main>")
    obs = observe(page(section, listing, via=((ART, 301),)))
    verdicts = classify(history(ART, ARTICLE), obs, diff_of(ARTICLE, obs.text))
    assert pairs(verdicts) == [("removed", "redirect-unrelated")]
    assert "section page" in verdicts[0].summary


def test_a_301_to_the_same_article_at_a_new_path_is_moved_at_once() -> None:
    new = f"{GAZ}/politics/2026/03/council-approves-sea-wall-project"
    obs = observe(page(new, ARTICLE_HTML, via=((ART, 301),)))
    verdicts = classify(history(ART, ARTICLE), obs, diff_of(ARTICLE, obs.text))
    assert pairs(verdicts) == [("moved", "permanent-redirect")]


def test_a_short_article_serving_the_hosts_not_found_page_is_removed() -> None:
    # A short police report in a heavy template: the site's not-found page keeps the template's
    # lines (the kicker, the byline box, the report's first lines in a teaser), so half the old
    # words are "still there". The probe, an address that cannot exist, gets the very same page:
    # the host's own answer says the article is gone.
    kept = ("<p>Bockenem Polizei</p><p>Hildesheimer Presse 2023-11-01, Bockenem, Nordstraße, Polizei</p>"
            "<p>Am 31.10.2023 gegen 23:40 Uhr kam es in der Nordstraße in Bockenem zu einem versuchten Einbruch.</p>")
    article_html = (f"<html><head><title>Hund vertreibt Einbrecher</title></head><body>{kept}"
                    "<p>Nach aktuellem Kenntnisstand schlug der Hund des Hausbewohners plötzlich an, die Täter flohen.</p>"
                    "</body></html>")
    not_found = (f"<html><head><title>Seite nicht gefunden</title></head><body><h2>Seite nicht gefunden</h2>{kept}"
                 "</body></html>")
    url = "https://presse.example/2023/11/01/hund-vertreibt-einbrecher/"
    old = text_of(article_html)
    hist = history(url, old)
    obs = observe(page(url, not_found), probe=probe("https://presse.example/2023/11/01/0f3a9c-archiver-probe", not_found))
    assert pairs(classify(hist, obs, diff_of(old, obs.text))) == [("removed", "soft-404")]
    # A host that answered the probe with the article itself tells nothing by it: the article cut
    # to its first lines (its own title kept) is an edit there, not a takedown.
    cut = f"<html><head><title>Hund vertreibt Einbrecher</title></head><body>{kept}</body></html>"
    same = observe(page(url, cut), probe=probe("https://presse.example/2023/11/01/0f3a9c-archiver-probe", article_html))
    assert pairs(classify(hist, same, diff_of(old, same.text))) == [("edited", "text-changed")]


def test_a_page_whose_title_and_headline_now_say_not_found_is_removed() -> None:
    # The site's not-found template keeps teasers of the article around its message, and the host
    # serves the same page for the probe as it did for the article (the probe tells nothing). The
    # page still names itself: its <title> and its headline both say "Page not found" now.
    body = "".join(f"<p>{_LONG} Paragraph {i} of the story.</p>" for i in range(4))
    article = f"<html><head><title>Scientists confirm a record year</title></head><body><h1>Scientists confirm a record year</h1>{body}</body></html>"
    gone = f"<html><head><title>Page not found | Reporter</title></head><body><h1>Page not found</h1>{body}</body></html>"
    url = "https://reporter.example/2023/11/08/record-year/"
    old = text_of(article)
    obs = observe(page(url, gone), probe=probe(url + "f3bd03-archiver-probe", article))
    assert pairs(classify(history(url, old), obs, diff_of(old, obs.text))) == [("removed", "soft-404")]
    # A headline edit that only mentions an error is an edit, when the title does not say it too.
    edited = article.replace("<h1>Scientists confirm a record year</h1>", "<h1>Why the 404 page is not found anymore</h1>")
    obs = observe(page(url, edited))
    assert pairs(classify(history(url, old), obs, diff_of(old, obs.text))) == [("edited", "text-changed")]


_LONG = ("According to scientists, the year is slated to be the hottest on record as the Earth continues its "
         "climb in temperature, ahead of a climate summit where the urgency of action is expected to dominate.")
