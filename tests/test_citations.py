"""Citations: every link form, one table row each, plus provenance, order, warnings and the fixtures."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from archiver.citations import extract_citations, trim_url, unique_urls
from archiver.documents import read_document
from archiver.models import Citation, Document

DOCS = Path(__file__).resolve().parent / "fixtures" / "documents"


def cite(
    text: str, kind: str = "markdown", *, source_url: str | None = None, base_url: str | None = None
) -> list[Citation]:
    return extract_citations(
        Document(path="doc", kind=kind, text=text, source_url=source_url, base_url=base_url)
    )


def urls(text: str, kind: str = "markdown", **kwargs: str) -> list[str]:
    return [c.url for c in cite(text, kind, **kwargs)]


MARKDOWN = [
    pytest.param("See [the poll](https://example.com/p) now.", ["https://example.com/p"], id="inline"),
    pytest.param('See [x](https://example.com/p "A title") now.', ["https://example.com/p"], id="inline-title"),
    pytest.param("See [x](<https://example.com/a b>) now.", ["https://example.com/a%20b"], id="inline-angle"),
    pytest.param("[x]( https://example.com/p )", ["https://example.com/p"], id="inline-spaces"),
    pytest.param("[wiki](https://en.wikipedia.org/wiki/Polling_(statistics))",
                 ["https://en.wikipedia.org/wiki/Polling_(statistics)"], id="inline-parentheses"),
    pytest.param("[**reckless\nobstruction**](https://example.com/w)**,**", ["https://example.com/w"], id="inline-wrapped"),
    pytest.param("[a](https://example.com/a)[b](https://example.com/b)", ["https://example.com/a", "https://example.com/b"],
                 id="inline-adjacent"),
    pytest.param("[![alt](https://example.com/i.png)](https://example.com/t)", ["https://example.com/t"],
                 id="linked-image"),
    pytest.param("![alt](https://example.com/i.png)", [], id="image-is-decoration"),
    pytest.param("[x][r]\n\n[r]: https://example.com/r", ["https://example.com/r"], id="reference"),
    pytest.param("[x][R 1]\n\n[r  1]: https://example.com/r", ["https://example.com/r"], id="reference-label-normalised"),
    pytest.param("[r][]\n\n[r]: https://example.com/r", ["https://example.com/r"], id="reference-collapsed"),
    pytest.param("the [AP] says\n\n[ap]: <https://example.com/ap> 'AP'", ["https://example.com/ap"], id="reference-shortcut"),
    pytest.param("[x][r] and [y][r]\n\n[r]: https://example.com/r", ["https://example.com/r"] * 2, id="reference-twice"),
    pytest.param("[r]: https://example.com/unused", ["https://example.com/unused"], id="definition-unused"),
    pytest.param("[x][r]\n\n[r]: https://example.com/1\n[r]: https://example.com/2", ["https://example.com/1"],
                 id="definition-duplicate"),
    pytest.param("[x][missing] https://example.com/b", ["https://example.com/b"], id="reference-undefined"),
    pytest.param("<https://example.com/auto>", ["https://example.com/auto"], id="autolink"),
    pytest.param("<www.example.com/a>", ["https://www.example.com/a"], id="autolink-www"),
    pytest.param("See https://example.com/bare here", ["https://example.com/bare"], id="bare"),
    pytest.param("HTTPS://EXAMPLE.COM/Bare", ["https://example.com/Bare"], id="bare-upper-scheme"),
    pytest.param("see www.example.com/a.", ["https://www.example.com/a"], id="schemeless-www"),
    pytest.param("see www.example.com.", ["https://www.example.com/"], id="schemeless-www-no-path"),
    pytest.param("video t.co/zLkNJ30Oqp", ["https://t.co/zLkNJ30Oqp"], id="schemeless-t.co"),
    pytest.param("Americans… pic.twitter.com/VZsRSPH8iL", ["https://pic.twitter.com/VZsRSPH8iL"],
                 id="schemeless-pic.twitter"),
    pytest.param('<a href="https://example.com/raw">raw</a>', ["https://example.com/raw"], id="raw-html-a"),
    pytest.param('<a title="x" href=\'/rel\'>r</a>', ["https://site.example/rel"], id="raw-html-a-relative"),
    pytest.param('<figure><img src="https://example.com/i.jpg" srcset="https://example.com/i.jpg 2x"></figure>', [],
                 id="raw-html-img-is-decoration"),
    pytest.param("<!-- https://example.com/commented -->", [], id="html-comment"),
    pytest.param("Run `curl https://example.com/code` now", [], id="inline-code"),
    pytest.param("Run ``a `b` https://example.com/code`` now", [], id="inline-code-double"),
    pytest.param("```\nhttps://example.com/fenced\n```\nafter https://example.com/a", ["https://example.com/a"],
                 id="fenced-code"),
    pytest.param("~~~~python\nx = 'https://example.com/fenced'\n~~~~", [], id="fenced-tilde"),
    pytest.param("```\nhttps://example.com/unclosed", [], id="fenced-unclosed"),
    pytest.param("Para.\n\n    https://example.com/indented\n\nafter", [], id="indented-code"),
    pytest.param("Para\n    [x](https://example.com/lazy)", ["https://example.com/lazy"], id="indented-continuation"),
    pytest.param("-   item\n\n    [x](https://example.com/in-list)", ["https://example.com/in-list"],
                 id="list-paragraph-not-code"),
    pytest.param("---\nsource_url: https://example.com/self\nimage: https://example.com/hero.jpg\n---\nText",
                 [], id="front-matter-not-prose"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), MARKDOWN)
def test_markdown_forms(text: str, expected: list[str]) -> None:
    assert urls(text, base_url="https://site.example/docs/") == expected


PUNCTUATION = [
    pytest.param("(see https://example.com/a).", "https://example.com/a", id="paren-dot"),
    pytest.param('"https://example.com/a"', "https://example.com/a", id="double-quotes"),
    pytest.param("“https://example.com/a”", "https://example.com/a", id="curly-quotes"),
    pytest.param("‘https://example.com/a’", "https://example.com/a", id="curly-single"),
    pytest.param("'https://example.com/a'", "https://example.com/a", id="single-quotes"),
    pytest.param("https://example.com/a, and", "https://example.com/a", id="comma"),
    pytest.param("https://example.com/a; and", "https://example.com/a", id="semicolon"),
    pytest.param("https://example.com/a: and", "https://example.com/a", id="colon"),
    pytest.param("https://example.com/a!", "https://example.com/a", id="bang"),
    pytest.param("https://example.com/a?", "https://example.com/a", id="question"),
    pytest.param("https://example.com/a?q=1.", "https://example.com/a?q=1", id="query-then-dot"),
    pytest.param("https://example.com/a…", "https://example.com/a", id="ellipsis"),
    pytest.param("[see https://example.com/a]", "https://example.com/a", id="square-brackets"),
    pytest.param("https://example.com/a]b", "https://example.com/a]b", id="bracket-inside"),
    pytest.param("(https://en.wikipedia.org/wiki/Polling_(statistics))",
                 "https://en.wikipedia.org/wiki/Polling_(statistics)", id="wiki-parentheses"),
    pytest.param("https://en.wikipedia.org/wiki/Polling_(statistics)).",
                 "https://en.wikipedia.org/wiki/Polling_(statistics)", id="wiki-parentheses-dot"),
    pytest.param("https://example.com/a&amp;", "https://example.com/a", id="trailing-entity"),
    pytest.param("https://example.com/?a=1&amp;b=2", "https://example.com/?a=1&b=2", id="entity-in-query"),
    pytest.param("<https://example.com/a>,", "https://example.com/a", id="angle"),
    pytest.param("https://example.com/a\u00a0next", "https://example.com/a", id="nbsp"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), PUNCTUATION)
def test_trailing_punctuation_is_not_part_of_a_url(text: str, expected: str) -> None:
    assert urls(text, "text") == [expected]
    assert urls(text, "markdown") == [expected]


NEVER = [
    pytest.param("[m](mailto:a@example.com)", id="mailto"),
    pytest.param("[j](javascript:void(0))", id="javascript"),
    pytest.param("[d](data:text/plain,hi)", id="data"),
    pytest.param("[f](file:///etc/passwd)", id="file"),
    pytest.param("[t](tel:+15555550100)", id="tel"),
    pytest.param("[f](ftp://example.com/x)", id="ftp"),
    pytest.param("<mailto:a@example.com>", id="mailto-autolink"),
    pytest.param("<a@example.com>", id="email-autolink"),
    pytest.param("[mail](a@example.com)", id="email-as-link"),
    pytest.param("write to user@host.com today", id="email-bare"),
    pytest.param("write to me@www.example.com today", id="email-www"),
    pytest.param("[rel](/about) and [rel2](about.html)", id="relative-without-base"),
    pytest.param("[top](#top)", id="fragment-only"),
    pytest.param("a bit.ly link, FWD.US, U.S. citizens, file.txt, v1.2.3, e.g. x", id="not-urls"),
    pytest.param("see http://localhost:8000/x", id="no-dot-host"),
    pytest.param("path/t.co/x and xwww.example.com", id="inside-words"),
]


@pytest.mark.parametrize("text", NEVER)
def test_never_watched(text: str) -> None:
    assert urls(text) == []
    assert urls(text, "text") == []


def test_relative_links_resolve_against_base() -> None:
    assert urls("[a](/about) [b](c.html) [c](//cdn.example.org/x)", base_url="https://e.org/docs/") == [
        "https://e.org/about",
        "https://e.org/docs/c.html",
        "https://cdn.example.org/x",
    ]


def test_self_first_then_document_order() -> None:
    citations = cite(
        "A https://b.org/1 and [x](https://a.org/2) and www.c.org/3",
        source_url="https://self.org/s?utm_source=x",
    )
    assert [(c.kind, c.url, c.position) for c in citations] == [
        ("self", "https://self.org/s", 0),
        ("link", "https://b.org/1", 1),
        ("link", "https://a.org/2", 2),
        ("link", "https://www.c.org/3", 3),
    ]
    assert citations[0].url_as_written == "https://self.org/s?utm_source=x"


def test_provenance() -> None:
    [c] = cite("Intro. A **[second _new_ poll](https://E.com/p?utm_source=x#s)** reveals more. Next one.")
    assert c == Citation(
        url="https://e.com/p",
        url_as_written="https://E.com/p?utm_source=x#s",
        document="doc",
        anchor="second new poll",
        context="A second new poll reveals more.",
        position=0,
        kind="link",
    )


def test_all_occurrences_kept_and_unique_urls_dedupes() -> None:
    citations = cite(
        "[a](https://e.org/x) https://e.org/x?utm_source=y [b](https://f.org/) https://e.org/x#frag"
    )
    assert [c.url for c in citations] == [
        "https://e.org/x",
        "https://e.org/x",
        "https://f.org/",
        "https://e.org/x",
    ]
    assert unique_urls(citations) == ["https://e.org/x", "https://f.org/"]


@pytest.mark.parametrize(
    ("text", "kind", "context"),
    [
        pytest.param("One. Then Gov. Wes Moore said https://e.org/a today. Two.", "text",
                     "Then Gov. Wes Moore said https://e.org/a today.", id="abbreviation"),
        pytest.param("President Donald J. Trump [said](https://e.org/a) so. Next.", "markdown",
                     "President Donald J. Trump said so.", id="initial"),
        pytest.param("Intro line\n\n- first item [x](https://e.org/a)\n- second item", "markdown",
                     "first item x", id="list-item"),
        pytest.param("## Heading [x](https://e.org/a)\nBody text.", "markdown", "Heading x", id="heading"),
        pytest.param("Agitators do not speak for Americans. pic.twitter.com/VZsRSPH8iL\n\n– Someone", "text",
                     "Agitators do not speak for Americans. pic.twitter.com/VZsRSPH8iL",
                     id="url-alone-takes-sentence-before"),
    ],
)  # fmt: skip
def test_context_is_the_sentence(text: str, kind: str, context: str) -> None:
    [c] = cite(text, kind)
    assert c.context == context
    assert len(c.context) <= 320


def test_long_sentence_is_cut_around_the_link() -> None:
    [c] = cite("word " * 200 + "https://e.org/a " + "word " * 200, "text")
    assert c.context.startswith("…word ") and c.context.endswith(" word…")
    assert " https://e.org/a " in c.context
    assert 280 <= len(c.context) <= 310


def test_unusable_url_warns_once_and_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    text = "first line\nsee [bad](<https://exa mple.com/>) and\nhttps://example.com:99999/x and https://ok.example.com/"
    with caplog.at_level(logging.WARNING, logger="archiver.citations"):
        assert urls(text) == ["https://ok.example.com/"]
    assert [r.getMessage() for r in caplog.records] == [
        "doc:2: skipping unusable URL https://exa mple.com/: malformed host",
        "doc:3: skipping unusable URL https://example.com:99999/x: port out of range",
    ]


def test_idn_and_non_ascii_paths() -> None:
    citations = cite("See https://münchen.de/straße and [x](http://例え.テスト/パス).", "markdown")
    assert [c.url for c in citations] == [
        "https://xn--mnchen-3ya.de/stra%C3%9Fe",
        "http://xn--r8jz45g.xn--zckzah/%E3%83%91%E3%82%B9",
    ]
    assert citations[0].url_as_written == "https://münchen.de/straße"


HTML = [
    pytest.param('<p>See <a href="https://e.org/a">this</a>.</p>', [("link", "https://e.org/a")], id="a"),
    pytest.param('<p><a href="https://e.org/?a=1&amp;utm_source=x&amp;b=2">q</a></p>', [("link", "https://e.org/?a=1&b=2")],
                 id="amp-entity"),
    pytest.param('<p><a href="/rel">r</a> <a href="x.html">x</a></p>',
                 [("link", "https://base.example/rel"), ("link", "https://base.example/dir/x.html")], id="relative"),
    pytest.param('<p><a href="#s">s</a> <a href="">e</a> <a>none</a></p>', [], id="fragment-empty-missing"),
    pytest.param('<p><a href="mailto:a@e.org">m</a><a href="javascript:x()">j</a><a href="tel:1">t</a></p>', [],
                 id="never-schemes"),
    pytest.param('<p><img src="/i.png" alt="A chart"><img src="data:image/gif;base64,R0"></p>',
                 [("media", "https://base.example/i.png")], id="img-media"),
    pytest.param('<p><img src="data:image/gif;base64,R0" data-src="/lazy.png"></p>',
                 [("media", "https://base.example/lazy.png")], id="img-lazy"),
    pytest.param('<nav><a href="/n">n</a></nav><p><a href="/a">a</a></p><footer><a href="/f">f</a></footer>',
                 [("link", "https://base.example/a")], id="nav-footer"),
    pytest.param('<header><a href="/h">h</a></header><aside><a href="/s">s</a></aside><p><a href="/a">a</a></p>',
                 [("link", "https://base.example/a")], id="header-aside"),
    pytest.param('<div class="share-buttons"><a href="https://facebook.com/sharer">f</a></div><p><a href="/a">a</a></p>',
                 [("link", "https://base.example/a")], id="share-class"),
    pytest.param('<div id="comments"><a href="https://spam.e/">s</a></div><ul class="menu"><li><a href="/m">m</a></li></ul>'
                 '<p><a href="/a">a</a></p>', [("link", "https://base.example/a")], id="comments-menu-ids"),
    pytest.param('<div class="page has-sidebar"><p><a href="/a">a</a></p><p>b</p></div>',
                 [("link", "https://base.example/a")], id="wrapper-named-like-a-widget"),
    pytest.param('<script>document.write("<a href=\'/s\'>s</a>")</script><style>a{}</style><p><a href="/a">a</a></p>',
                 [("link", "https://base.example/a")], id="script-style"),
    pytest.param('<div><a href="/outside">o</a></div><article><p><a href="/in">i</a></p></article>',
                 [("link", "https://base.example/in")], id="article-preferred"),
    pytest.param('<div><a href="/outside">o</a></div><div role="main"><p><a href="/in">i</a></p></div>',
                 [("link", "https://base.example/in")], id="role-main"),
    pytest.param('<article><p>x</p></article><article><p>long long long <a href="/big">b</a></p></article>',
                 [("link", "https://base.example/big")], id="largest-article"),
    pytest.param('<main><div><p>story <a href="/story">s</a></p></div></main>'
                 '<aside><article><p>card text, a long one <a href="/card">c</a></p></article></aside>',
                 [("link", "https://base.example/story")], id="article-card-in-aside-ignored"),
    pytest.param('<article><p>teaser, quite a long teaser <a href="/teaser">t</a></p></article>'
                 '<main><p>story <a href="/story">s</a></p></main>',
                 [("link", "https://base.example/story")], id="article-outside-main-ignored"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "expected"), HTML)
def test_html_forms(body: str, expected: list[tuple[str, str]]) -> None:
    text = f"<!DOCTYPE html><html><head><title>t</title></head><body>{body}</body></html>"
    citations = cite(text, "html", base_url="https://base.example/dir/")
    assert [(c.kind, c.url) for c in citations] == expected


def test_html_anchor_and_context() -> None:
    text = (
        '<p>Intro. According to <a href="https://e.org/a"><b>new</b> data</a>, arrests rose.</p><p>Next.</p>'
    )
    [c] = cite(text, "html")
    assert (c.anchor, c.context, c.url_as_written) == (
        "new data",
        "According to new data, arrests rose.",
        "https://e.org/a",
    )


def test_html_relative_links_without_base_are_skipped() -> None:
    assert urls('<p><a href="/rel">r</a> <a href="https://e.org/">e</a></p>', "html") == ["https://e.org/"]


def test_html_warning_names_the_line(caplog: pytest.LogCaptureFixture) -> None:
    text = '<html><body>\n<p>x</p>\n<p><a href="https://exa mple.com/">bad</a></p></body></html>'
    with caplog.at_level(logging.WARNING, logger="archiver.citations"):
        assert urls(text, "html") == []
    assert [r.getMessage() for r in caplog.records] == [
        "doc:3: skipping unusable URL https://exa mple.com/: malformed host"
    ]


def test_empty_documents() -> None:
    assert cite("", "markdown") == cite("", "text") == cite("", "html") == cite("   ", "html") == []


@pytest.mark.parametrize(
    ("url", "trimmed"),
    [
        pytest.param("https://e.org/a).", "https://e.org/a", id="paren-dot"),
        pytest.param("https://e.org/a_(b)", "https://e.org/a_(b)", id="balanced"),
        pytest.param("https://e.org/a**", "https://e.org/a", id="emphasis"),
        pytest.param("https://e.org/a&quot;", "https://e.org/a", id="entity"),
    ],
)
def test_trim_url(url: str, trimmed: str) -> None:
    assert trim_url(url) == trimmed


# --------------------------------------------------------------------------- fixtures


def test_every_form_fixture() -> None:
    citations = extract_citations(read_document(DOCS / "every-form.md"))
    assert [(c.kind, c.url, c.anchor) for c in citations] == [
        ("self", "https://news.example.org/2026/02/polls-annotated/", ""),
        ("link", "https://www.cygn.al/polls/national-poll/", "new poll"),
        ("link", "https://harvardharrispoll.com/key-results-january-6/", "second poll"),
        (
            "link",
            "https://harvardharrispoll.com/wp-content/uploads/2026/02/HHP%20Jan2026.pdf",
            "full results",
        ),
        (
            "link",
            "https://www.wsj.com/politics/policy/democrat-respone-abolish-ice-bc51a946",
            "reference-style write-up",
        ),
        ("link", "https://www.cbsnews.com/news/democrats-immigration-anti-ice-midterms/", "CBS piece"),
        ("link", "https://apnews.com/article/immigration-poll-0123456789abcdef", "AP"),
        ("link", "https://www.pewresearch.org/politics/2026/01/15/immigration/", ""),
        ("link", "https://en.wikipedia.org/wiki/Polling_(statistics)", ""),
        ("link", "https://www.example.com/a/b?id=2&ref=abc", ""),
        ("link", "https://www.example.net/story-1", ""),
        ("link", "https://t.co/AbCdEf123", ""),
        ("link", "https://pic.twitter.com/VZsRSPH8iL", ""),
        ("link", "https://news.example.org/about/", "about page"),
        ("link", "https://www.census.gov/data/tables.html?year=2025&state=all", "Census tables"),
        ("link", "https://www.mn.gov/report-2026.pdf", "the state report"),
        ("link", "https://x.com/DHSgov/status/1886900000000000000", ""),
        ("link", "https://www.example.com/listed-but-never-used", ""),
    ]
    assert (
        citations[1].url_as_written
        == "https://www.cygn.al/polls/national-poll/?utm_source=newsletter&utm_medium=email"
    )
    assert citations[1].context == "A new poll finds broad agreement on the fundamentals."
    assert citations[8].context.startswith(
        "Bare links in prose: https://en.wikipedia.org/wiki/Polling_(statistics),"
    )
    assert citations[15].context == (
        "A list item that wraps onto a continuation line with a link to the state report and more prose."
    )


def test_article_fixture() -> None:
    citations = extract_citations(read_document(DOCS / "article.html"))
    assert [(c.kind, c.url, c.anchor) for c in citations] == [
        ("self", "https://www.example-times.com/2026/02/16/local-police-ice/", ""),
        ("link", "https://www.fwd.us/news/287g-data/?ref=abc", "new data from FWD.us"),
        ("link", "https://www.example-times.com/2026/02/16/sheriffs-pledge/", "sheriffs' pledge"),
        ("link", "https://www.ice.gov/identify-and-arrest/287g?id=2&page=3", "287(g) program"),
        ("media", "https://www.example-times.com/images/2026/02/ice-map.png", "Map of 287(g) agreements"),
        ("link", "https://en.wikipedia.org/wiki/Section_287(g)", "Background"),
        ("link", "https://bit.ly/3xAmPle", "Watch the video"),
    ]
    assert citations[1].context == (
        "Collaborations between local law enforcement and ICE saw a sharp increase, according to new data from "
        "FWD.us, a nonpartisan policy organization."
    )
    assert citations[4].context == "Agreements by state."  # an image alone: its caption


def test_notes_fixture() -> None:
    assert unique_urls(extract_citations(read_document(DOCS / "notes.txt"))) == [
        "https://www.cygn.al/polls/national-poll/",
        "https://harvardharrispoll.com/wp-content/uploads/2026/02/HHP_Jan2026_KeyResults.pdf",
        "https://pic.twitter.com/VZsRSPH8iL",
        "https://t.co/zLkNJ30Oqp",
        "https://www.example.org/archive?id=7",
        "https://www.cbsnews.com/news/democrats-immigration-anti-ice-midterms/",
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("cp1251.html", ["https://example.ru/news/1"], id="cp1251"),
        pytest.param("latin1-notes.txt", ["https://example.fr/caf%C3%A9-menu"], id="cp1252"),
        pytest.param("bom-crlf.txt", ["https://example.com/bom", "https://example.com/crlf"], id="bom-crlf"),
    ],
)
def test_decoded_fixtures(name: str, expected: list[str]) -> None:
    assert unique_urls(extract_citations(read_document(DOCS / name))) == expected


def test_many_urls() -> None:
    """100,000 URLs come out complete and in order (the timing lives in bench/, not here)."""
    lines = [f"- item {i}: [link](https://e{i % 97}.example.org/a/{i}?utm_source=x) and https://b.example.org/{i}."
             for i in range(50_000)]  # fmt: skip
    citations = cite("\n".join(lines))
    assert len(citations) == 100_000
    assert citations[-1].url == "https://b.example.org/49999"
    assert citations[-2].url == "https://e44.example.org/a/49999"
    assert citations[-1].context == "item 49999: link and https://b.example.org/49999."
