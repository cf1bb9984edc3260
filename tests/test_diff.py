"""diff: a labelled corpus of page pairs over four site templates, plus the diff mechanics.

Each pair is a fixture page and a list of edits that turn it into the "later capture". Noise-only
edits (clocks, ads, counters, tokens, cache-busters, shuffled lists, markup, whitespace) must give
identical digests and ``changed=False``; meaningful edits must give ``changed=True`` and a summary
that starts with the most specific description. An edit that no longer matches its fixture fails
the test, so the corpus cannot silently go stale.
"""

from __future__ import annotations

import doctest
import re
from collections.abc import Callable
from pathlib import Path

import pytest

import archiver.diff
from archiver.diff import NO_CHANGE, diff, similarity
from archiver.extract import extract
from archiver.models import TextStatus, TextVersion

PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"

Edit = tuple[str, str] | Callable[[str], str]


def swap(a: str, b: str) -> Callable[[str], str]:
    """An edit that exchanges two snippets (a shuffled list)."""

    def edit(html: str) -> str:
        assert a in html and b in html, (a, b)
        return html.replace(a, "\x00").replace(b, a).replace("\x00", b)

    return edit


def apply(html: str, edits: list[Edit]) -> str:
    for edit in edits:
        if callable(edit):
            html = edit(html)
        else:
            old, new = edit
            assert old in html, f"edit no longer matches the fixture: {old!r}"
            html = html.replace(old, new)
    return html


def version(html: str) -> TextVersion:
    return extract(
        html.encode("utf-8"), content_type="text/html; charset=utf-8", url="https://site.example/a"
    )


def pair(fixture: str, edits: list[Edit]) -> tuple[TextVersion, TextVersion]:
    html = (PAGES / fixture).read_text(encoding="utf-8")
    edited = apply(html, edits)
    assert edited != html
    return version(html), version(edited)


def collapse_whitespace(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def rewrap_sentences(html: str) -> str:
    return html.replace(". ", ".\n            ")


# --------------------------------------------------------------------------- noise

NOISE = [
    # news_article.html: a metro daily's article template
    pytest.param("news_article.html", [("Today is Monday, November 23, 2026", "Today is Tuesday, November 24, 2026")], id="news-header-clock"),
    pytest.param("news_article.html", [("2 hours ago", "5 hours ago"), ("2026-11-23T08:42:11-05:00", "2026-11-23T11:05:40-05:00")], id="news-updated-stamp"),
    pytest.param("news_article.html", [("Last updated: November 23, 2026 8:42 AM ET", "Last updated: November 24, 2026 11:05 AM ET")], id="news-last-updated-line"),
    pytest.param("news_article.html", [
        ("Sponsored: Refinance now and lock in Harbor Credit Union&rsquo;s lowest rate of the year.", "Sponsored: Harbor Honda year-end sales event &mdash; 0% APR for 60 months."),
        ('data-creative="c-77f0a1b2"', 'data-creative="c-19e4d0aa"'), ("Harbor Credit Union: 4.25% APY savings", "Harbor Honda: 0% APR"),
        ("Doctors stunned: this one trick lowers your energy bill", "You won't believe these 12 retirement towns"),
    ], id="news-rotated-ads"),
    pytest.param("news_article.html", [("1.2K shares", "1.4K shares"), ("12 comments", "15 comments"), ("Comments (12)", "Comments (15)"),
                                       ("48.1K views", "52.6K views"), ("14 likes", "19 likes")], id="news-counters"),
    pytest.param("news_article.html", [("r4nd0mN0nc3AbC123xyz", "Qw9pL2mX7vB4nR8sT1yZ"), ("Zk8xQ2p3Tm9aV1J5YjNKcFlXd3dNVEl6TkRVMk56ZzU", "bm90LWEtcmVhbC10b2tlbi0xMjM0NTY3ODkwMTI"),
                                       ("4f1c2b9e-8d7a-4c3b-9e2f-1a0b3c4d5e6f", "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"), ("b7f9e2d41c0a", "c0ffee123456")], id="news-tokens-nonces"),
    pytest.param("news_article.html", [("cb=1763912527", "cb=1764000000"), ("cb=1763628810", "cb=1764001234"), ("?v=20261123", "?v=20261124"),
                                       ("sid=a81f3c9d2e7b", "sid=ffe0123abc99")], id="news-cache-busting-links"),
    pytest.param("news_article.html", [
        swap('<li><a href="/sports/mariners/2026/11/22/mariners-clinch/">', '<li><a href="/news/education/2026/11/22/school-closures/">'),
        swap("September poll: 68% back transit levy", "Council sends $1.9 billion transit levy to the ballot"),
        ("Editorial: Vote yes on the transit levy", "Opinion: The levy asks too much of homeowners"),
    ], id="news-shuffled-related-and-most-read"),
    pytest.param("news_article.html", [("<ol class=\"comments__list\">", "<ol class=\"comments__list\"><li class=\"comment\"><p class=\"comment__body\">First! This levy is a scam and everyone knows it, write your council member today.</p></li>")], id="news-new-comment"),
    pytest.param("news_article.html", [("We use cookies and similar technologies", "We and our 847 partners use cookies")], id="news-cookie-banner"),
    pytest.param("news_article.html", [("<p>", '<p class="story-paragraph" data-block="p">'),
                                       ('<div class="article__body" itemprop="articleBody">', '<section class="story"><div class="article__body" itemprop="articleBody">'),
                                       ('</div>\n\n      <footer class="article__footer">', '</div></section>\n\n      <footer class="article__footer">')], id="news-markup-layout"),
    pytest.param("news_article.html", [("&ldquo;", "\u201c"), ("&rdquo;", "\u201d"), ("&rsquo;", "'"), ("&mdash;", "\u2014")], id="news-entities-and-smart-quotes"),
    pytest.param("news_article.html", [collapse_whitespace], id="news-whitespace-collapsed"),
    pytest.param("news_article.html", [rewrap_sentences], id="news-whitespace-rewrapped"),
    pytest.param("news_article.html", [("Eastside bridge closed after overnight crash; detours in place</a> <span class=\"ticker__time\">Posted 14 minutes ago",
                                        "Mariners parade route announced</a> <span class=\"ticker__time\">Posted 2 minutes ago")], id="news-breaking-ticker"),
    # poll_page.html: a pollster's table layout, no <article>, no semantic header
    pytest.param("poll_page.html", [("Page loaded 11/23/2026 10:42:07", "Page loaded 11/24/2026 08:03:55")], id="poll-clock"),
    pytest.param("poll_page.html", [("Views: 3,402 &middot; 118 shares", "Views: 3,977 &middot; 131 shares")], id="poll-counters-in-content"),
    pytest.param("poll_page.html", [("?ver=1763640000", "?ver=1763999999"), ("?ver=4.2.1", "?ver=4.2.2"), ("PHPSESSID=q8v1n4k2m7c9x3z5", "PHPSESSID=z1x2c3v4b5n6m7k8"),
                                    ("d41d8cd98f00b204e9800998ecf8427e", "0cc175b9c0f1b6a831c399e269772661"), ("7c2e9a1f4b8d3e60", "0d1e2f3a4b5c6d7e")], id="poll-cache-busting-and-tokens"),
    pytest.param("poll_page.html", [swap("State Senate District 9: Ortiz leads by 4", "Governor's race: a statistical tie"),
                                    ("Harbor City school bond: 55% yes", "Port commission recall: 48% yes")], id="poll-sidebar-recent-polls"),
    pytest.param("poll_page.html", [('class="results" border="1" cellpadding="4" cellspacing="0"', 'class="results table-striped" style="width:100%"'),
                                    ("<b>Key finding:</b>", "<strong>Key finding:</strong>"), ("<td>", "<td class=\"cell\">")], id="poll-markup-table"),
    pytest.param("poll_page.html", [collapse_whitespace], id="poll-whitespace"),
    # blog_post.html: WordPress with Jetpack
    pytest.param("blog_post.html", [("345 likes", "351 likes"), ("6 min read", "7 min read"), ("12 thoughts on", "13 thoughts on")], id="blog-counters"),
    pytest.param("blog_post.html", [("2026-11-22T18:05:00+00:00", "2026-11-24T09:00:00+00:00"), ("November 22, 2026</time>", "November 24, 2026</time>")], id="blog-modified-time"),
    pytest.param("blog_post.html", [swap("The September poll, annotated", "What other cities learned from bus rapid transit"),
                                    ("Fare capping, one year in", "Why the Harbor City levy poll numbers are softer than they look (updated)")], id="blog-related-and-widgets"),
    pytest.param("blog_post.html", [('<ol class="comment-list">', '<ol class="comment-list"><li class="comment"><div class="comment-content"><p>I disagree with the reweighting argument entirely, the sample looks fine to me and the trend is noise.</p></div></li>')], id="blog-new-comment"),
    pytest.param("blog_post.html", [("?ver=6.8.1", "?ver=6.8.2"), ("nb=1", "nb=2"), ('"j":"1:14.9"', '"j":"1:15.0"'), ("8a1b2c3d4e", "9f8e7d6c5b")], id="blog-assets-and-tokens"),
    pytest.param("blog_post.html", [("&#8220;", '"'), ("&#8221;", '"'), ("&#8217;", "'")], id="blog-straight-quotes"),
    # press_release.html: a Drupal government site
    pytest.param("press_release.html", [("Page last updated: Monday, November 23, 2026 - 10:42am", "Page last updated: Tuesday, November 24, 2026 - 9:03am")], id="press-last-updated"),
    pytest.param("press_release.html", [("?v=1763640000&amp;sessionid=8f2c1a9e7b3d4c5f6a7b8c9d0e1f2a3b", "?v=1763999999&amp;sessionid=0a1b2c3d4e5f60718293a4b5c6d7e8f9")], id="press-visible-url-session-and-cachebuster"),
    pytest.param("press_release.html", [("k9XcP2mVq7LrT4bW8nY1zA3dF6gH0jE5sUoIiOeR", "Zz1Yy2Xx3Ww4Vv5Uu6Tt7Ss8Rr9Qq0Pp1Oo2Nn3M"), ("css_Q2x7v9KfLm3pRt8WbN1yZc5Hd0uJe4sAo6iTg", "css_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S")], id="press-tokens"),
    pytest.param("press_release.html", [swap("Harbor Avenue BRT project page", "2024 Regional Mobility awards"), ("An official website of the State of Harbor", "An official website of the State of Harbor government")], id="press-related-and-banner"),
    pytest.param("press_release.html", [rewrap_sentences], id="press-whitespace"),
]  # fmt: skip


@pytest.mark.parametrize(("fixture", "edits"), NOISE)
def test_noise_only_pairs_are_unchanged(fixture: str, edits: list[Edit]) -> None:
    old, new = pair(fixture, edits)
    assert old.status == new.status == TextStatus.OK
    assert old.paragraphs == new.paragraphs and old.title == new.title
    assert old.digest == new.digest
    result = diff(old, new)
    assert not result.changed and result.summary == NO_CHANGE and result.similarity == 1.0


# --------------------------------------------------------------------------- meaningful

MEANINGFUL = [
    pytest.param("news_article.html", [("found 33% opposed", "found 35% opposed")], "1 number changed: 33% → 35%", id="news-figure"),
    pytest.param("news_article.html", [("but they are nervous about their property taxes", "but they are angry about their property taxes")], "quote changed in paragraph", id="news-quote"),
    pytest.param("news_article.html", [("Support for transit levy slips to 61% ahead of vote, Herald poll finds</h1>", "Transit levy support falls to 61% in Herald poll</h1>")],
                 "headline changed: 'Support for transit levy slips to 61% ahead of vote, Herald poll finds' → 'Transit levy support falls to 61% in Herald poll'", id="news-headline"),
    pytest.param("news_article.html", [('itemprop="name">Maria Okafor</a>', 'itemprop="name">Daniel Reyes</a>')], "byline changed: 'Maria Okafor' → 'Daniel Reyes'", id="news-byline"),
    pytest.param("news_article.html", [('datetime="2026-11-20T09:00:00-05:00">Nov. 20, 2026 at 9:00 a.m.', 'datetime="2026-11-19T18:30:00-05:00">Nov. 19, 2026 at 6:30 p.m.')],
                 "dateline changed: 'Nov. 20, 2026 at 9:00 a.m.' → 'Nov. 19, 2026 at 6:30 p.m.'", id="news-dateline"),
    pytest.param("news_article.html", [("<p>Transit officials dispute that. Harbor Transit&rsquo;s on-time performance reached 87% in October, its best month since 2019, according to agency figures.</p>", "")],
                 "paragraph 13 removed", id="news-paragraph-removed"),  # the photo caption is not a paragraph
    pytest.param("news_article.html", [('<p class="article__last-updated">', '<p><em>Correction: An earlier version of this story misstated the levy&rsquo;s annual cost for a median-priced home. It is about $287, not $312.</em></p>\n<p class="article__last-updated">')],
                 "correction appended", id="news-correction-appended"),
    pytest.param("news_article.html", [("That idea drew 58% support.", "That idea drew 58% support, though most voters said they had not heard of it.")],
                 "1 paragraph changed (+11 -1 words)", id="news-sentence-extended"),
    pytest.param("poll_page.html", [("<td>Yes</td><td>61%</td>", "<td>Yes</td><td>59%</td>")], "1 number changed: 61% → 59%", id="poll-figure"),
    pytest.param("poll_page.html", [("<td>Yes</td><td>61%</td><td>74%</td>", "<td>Yes</td><td>59%</td><td>71%</td>")], "2 numbers changed: 61% → 59%, 74% → 71%", id="poll-two-figures"),
    pytest.param("poll_page.html", [("<td>Yes</td><td>61%</td>", "<td>Yes</td><td>59%</td>"), ("Sixty-one percent of likely", "Fifty-nine percent of likely")], "1 number changed: 61% → 59%", id="poll-figure-and-prose"),
    pytest.param("poll_page.html", [("<p>The survey was sponsored by The Harbor Herald and KHCR Public Radio. Question wording and full crosstabs are in the topline document.</p>", "")],
                 "paragraph 17 removed", id="poll-paragraph-removed"),
    pytest.param("poll_page.html", [("November 20, 2026</span>", "November 21, 2026</span>")], "dateline changed", id="poll-release-date"),
    pytest.param("poll_page.html", [("Prepared by Lena Whitfield", "Prepared by Marcus Bell")], "byline changed", id="poll-byline"),
    pytest.param("blog_post.html", [("Anything in the low sixties is a coin flip with a thumb on the scale.", "Anything in the low sixties is a toss-up.")], "quote changed in paragraph 4", id="blog-quote"),
    pytest.param("blog_post.html", [("<h1 class=\"entry-title\">Why the Harbor City levy poll numbers are softer than they look</h1>", "<h1 class=\"entry-title\">The Harbor City levy poll is softer than it looks</h1>")],
                 "headline changed", id="blog-headline"),
    pytest.param("blog_post.html", [("<p>None of this means", "<p>The opposition has also started door-knocking in the Eastside precincts, according to two volunteers.</p>\n\t\t<p>None of this means")],
                 "paragraph 7 added", id="blog-paragraph-added"),
    pytest.param("blog_post.html", [("released.</p>", "released.</p>\n\t\t<p><strong>Update, Nov. 24:</strong> A second public poll, by Sound Metrics, puts support at 58 percent.</p>")],
                 "correction appended", id="blog-update-appended"),
    pytest.param("blog_post.html", [(">Sam Okoye</a>", ">Samira Okoye</a>")], "byline changed: 'Sam Okoye' → 'Samira Okoye'", id="blog-byline"),
    pytest.param("press_release.html", [("today awarded $48 million", "today awarded $52 million")], "1 number changed: $48 → $52", id="press-amount"),
    pytest.param("press_release.html", [("deserve fast, reliable service", "deserve faster service")], "quote changed", id="press-quote"),
    pytest.param("press_release.html", [("<p>The department scored 37 applications this cycle. Eleven projects in nine counties received a total of $112 million.</p>", "")],
                 "paragraph 6 removed", id="press-paragraph-removed"),  # nor the "Press Release" label
    pytest.param("press_release.html", [('<p class="text-align-center">###</p>', '<p class="text-align-center">###</p>\n<p><em>Editor&rsquo;s note: This release was updated on Nov. 21 to correct the year the grant program was created.</em></p>')],
                 "correction appended", id="press-editors-note"),
    pytest.param("press_release.html", [('datetime="2026-11-20T12:00:00Z">November 20, 2026', 'datetime="2026-11-18T12:00:00Z">November 18, 2026')], "dateline changed", id="press-date"),
]  # fmt: skip


@pytest.mark.parametrize(("fixture", "edits", "summary"), MEANINGFUL)
def test_meaningful_pairs_are_changed(fixture: str, edits: list[Edit], summary: str) -> None:
    old, new = pair(fixture, edits)
    result = diff(old, new)
    assert result.changed
    assert old.digest != new.digest
    assert result.summary.startswith(summary), result.summary
    assert "\n" not in result.summary
    assert result.hunks or old.title != new.title
    assert 0.5 < result.similarity < 1.0


# --------------------------------------------------------------------------- mechanics


def tv(*paragraphs: str, title: str = "T", meta: dict[str, object] | None = None) -> TextVersion:
    from archiver.extract import text_digest

    return TextVersion(
        TextStatus.OK, "html", paragraphs, title, text_digest(title, paragraphs), meta=meta or {}
    )


def test_identical_digests_return_at_once() -> None:
    a = tv("one", "two")
    result = diff(a, a)
    assert result == diff(a, tv("one", "two"))
    assert not result.changed and result.hunks == () and result.similarity == 1.0


def test_hunks_carry_op_text_and_paragraph_index() -> None:
    old = tv("Alpha stays.", "Support is 61% today.", "Gone paragraph here.")
    new = tv("Alpha stays.", "Support is 59% today.", "Brand new paragraph.", "Another new one.")
    result = diff(old, new)
    replace = [h for h in result.hunks if h.op == "replace"]
    assert replace[0].old == "61%" and replace[0].new == "59%" and replace[0].paragraph == 1
    assert result.paragraphs_changed >= 1 and result.words_added >= result.words_removed
    assert result.summary.startswith("1 number changed: 61% → 59%")


def test_deleted_and_inserted_paragraphs_are_counted_and_located() -> None:
    result = diff(tv("a b", "c d", "e f", "g h"), tv("a b", "e f", "g h", "i j k"))
    assert result.paragraphs_removed == 1 and result.paragraphs_added == 1
    assert {(h.op, h.paragraph) for h in result.hunks} == {("delete", 1), ("insert", 3)}
    assert result.summary == "paragraph 2 removed; paragraph 4 added (+3 -2 words)"


def test_many_numbers_list_three() -> None:
    old = tv("Yes 61% No 33% Undecided 6% n 812")
    new = tv("Yes 59% No 35% Undecided 5% n 800")
    assert diff(old, new).summary.startswith("4 numbers changed: 61% → 59%, 33% → 35%, 6% → 5%, …")


def test_merged_paragraphs_are_one_block() -> None:
    result = diff(tv("First part.", "Second part.", "Tail."), tv("First part. Second part.", "Tail."))
    assert (
        result.changed and result.paragraphs_removed == 1 and result.words_added == result.words_removed == 0
    )


def test_huge_rewrite_is_capped_not_quadratic() -> None:
    old = tv(*(f"old paragraph {i} " + "word " * 50 for i in range(600)))
    new = tv(*(f"new paragraph {i} " + "text " * 50 for i in range(600)))
    result = diff(old, new)  # 30,000+ words a side: bag-of-words counts, no word alignment
    assert result.changed and result.words_added > 30_000 and result.similarity < 0.2


def test_status_changes() -> None:
    empty = TextVersion(TextStatus.EMPTY, "html", digest="e", detail="no text without scripts")
    assert diff(tv("x"), empty).summary == "text is now empty: no text without scripts"
    assert diff(empty, tv("x")).summary == "text appeared (was empty)"
    png1 = TextVersion(TextStatus.BINARY, "binary", digest="aa")
    png2 = TextVersion(TextStatus.BINARY, "binary", digest="bb")
    assert diff(png1, png2).summary == "payload changed" and diff(png1, png1).changed is False
    assert similarity(png1, png2) == 0.0 and similarity(png1, png1) == 1.0


def test_similarity_is_symmetric_and_bounded() -> None:
    a = tv("The levy would expand bus frequency on 14 routes and add 24-hour service on six of them.")
    b = tv("The levy would expand bus frequency on 12 routes and add 24-hour service on six of them.")
    c = tv("Page not found. The page you requested does not exist or has moved.")
    assert similarity(a, b) == similarity(b, a)
    assert 0.6 < similarity(a, b) < 1.0
    assert similarity(a, c) < 0.1
    assert similarity(tv(), tv()) == 1.0


def test_meta_byline_change_is_named_even_if_the_paragraph_says_more() -> None:
    old = tv(
        "By Maria Okafor, City Hall reporter", "Body text.", meta={"byline": "Maria Okafor", "header_zone": 1}
    )
    new = tv("By Dan Reyes, City Hall reporter", "Body text.", meta={"byline": "Dan Reyes", "header_zone": 1})
    assert diff(old, new).summary.startswith("byline changed: 'Maria Okafor' → 'Dan Reyes'")


def test_doctests() -> None:
    result = doctest.testmod(archiver.diff, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_relative_dateline_text_alone_is_not_a_dateline_change() -> None:
    meta_old = {"published": "2026-11-20T09:00:00Z", "dateline": "2 hours ago", "header_zone": 1}
    meta_new = {"published": "2026-11-20T09:00:00Z", "dateline": "3 hours ago", "header_zone": 1}
    old = tv("Published 2026-11-20", "Old body.", meta=meta_old)
    result = diff(old, tv("Published 2026-11-20", "New body.", meta=meta_new))
    assert result.changed and "dateline" not in result.summary


@pytest.mark.parametrize(
    ("old_line", "new_line", "named"),
    [
        (
            "Pubblicato il 3 ottobre 2026",
            "Pubblicato il 4 ottobre 2026",
            "'3 ottobre 2026' → '4 ottobre 2026'",
        ),
        (
            "Gepubliceerd op 3 oktober 2026",
            "Gepubliceerd op 3 november 2026",
            "'3 oktober 2026' → '3 november 2026'",
        ),
    ],
)
def test_dateline_in_another_language_is_named(old_line: str, new_line: str, named: str) -> None:
    old = tv(old_line, "Il consiglio comunale ha approvato il bilancio.", meta={"header_zone": 1})
    new = tv(new_line, "Il consiglio comunale ha approvato il bilancio.", meta={"header_zone": 1})
    assert diff(old, new).summary.startswith(f"dateline changed: {named}")


def test_counters_in_a_byline_line_are_not_an_edit_its_dateline_is() -> None:
    def page_with(meta_line: str) -> TextVersion:
        return version(f"<article><h1>Rada miasta przyjęła budżet</h1><p class='meta'>{meta_line}</p>"
                       "<p>Radni przyjęli budżet na rok 2027 po długiej debacie, która trwała do późnego wieczora.</p></article>")  # fmt: skip

    line = "Por Marta Ibáñez, redactora de la sección de Local y Medio Ambiente · 14/10/2026 · {v} visitas · {c} comentarios"
    base = page_with(line.format(v="13.725", c="88"))
    assert not diff(base, page_with(line.format(v="15.042", c="91"))).changed
    later = page_with(line.format(v="15.042", c="91").replace("14/10/2026", "15/10/2026"))
    assert diff(base, later).changed
