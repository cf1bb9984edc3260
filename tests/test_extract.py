"""extract: kinds, charsets, main content per site template, masking, PDF, JSON, binaries, failures."""

from __future__ import annotations

import doctest
import hashlib
import json
import random
from pathlib import Path
from types import ModuleType

import pytest

import archiver.extract
from archiver.extract import MAX_TEXT_BYTES, extract, json_doc, masking, normalise, pdf, sniff, text_digest
from archiver.extract.sniff import decode, sniff_kind
from archiver.models import TextStatus, TextVersion

PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"
URL = "https://site.example/a"


def page(name: str, content_type: str | None = "text/html") -> TextVersion:
    return extract((PAGES / name).read_bytes(), content_type=content_type, url=URL)


def html(body: str, head: str = "") -> bytes:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>".encode()
    )


# --------------------------------------------------------------------------- site templates

TEMPLATES = [
    pytest.param(
        "news_article.html",
        "Support for transit levy slips to 61% ahead of vote, Herald poll finds",
        ["By Maria Okafor City Hall reporter", "Published 2026-11-20 [time]",
         "A Route 7 bus pulls into the Harbor Street transit center",  # caption
         "Sixty-one percent of likely voters", "Buses every 10 minutes or better on 14 routes from 6 a.m. to 9 p.m.",
         "by 8 p.m. on Dec. 8.", "Last updated: [date]"],
        ["cookies", "Most read", "Mariners clinch", "Sixty-one percent is still a landslide", "Refinance now",
         "Morning Briefing", "Skip to main content", "Sign in", "Around the web", "Editorial: Vote yes", "Harbor City 48",
         "Council sends $1.9 billion", "Maria Okafor covers City Hall", "Tags"],
        {"byline": "Maria Okafor", "published": "2026-11-20T09:00:00-05:00", "dateline": "Nov. 20, 2026 at 9:00 a.m.", "lang": "en-US"},
        id="news",
    ),
    pytest.param(
        "poll_page.html",
        "Harbor City Transit Levy Survey",
        ["Prepared by Lena Whitfield, Director of Polling Released November 20, 2026", "Views: [n] · [n] shares",
         "Yes | 61% | 74% | 58% | 52%", "Response | All likely voters | Under 35 | 35-64 | 65+", "Undecided | 5%",
         "Q1. If the election were held today", "plus or minus 3.4 percentage points"],
        ["Call us", "Client login", "Recent polls", "Ortiz leads", "Page loaded", "Share:", "Subscribe"],
        {"byline": "Prepared by Lena Whitfield, Director of Polling"},
        id="poll",
    ),
    pytest.param(
        "blog_post.html",
        "Why the Harbor City levy poll numbers are softer than they look",
        ["Posted on 2026-11-21 [time] by Sam Okoye [n] min read", '"A measure that polls under 60 percent',
         "Priya Raman, political scientist", "Support for the levy in public polls since June.", "[n] likes"],
        ["2026-11-22", "Share this", "The September poll, annotated", "Great analysis", "Leave a comment",
         "Recent Posts", "Archives", "Proudly powered", "Previous post", "Skip to content", "Categorized as"],
        {"byline": "Sam Okoye", "published": "2026-11-21T07:30:00+00:00", "canonical": "https://transitmatters.example/2026/11/21/levy-poll-softer/"},
        id="blog",
    ),
    pytest.param(
        "press_release.html",
        "State awards $48 million for Harbor City bus rapid transit",
        ["Press Release", "2026-11-20 [time]", "FOR IMMEDIATE RELEASE", "OLYMPIA, Harbor — The Harbor State Department",
         "available at https://dot.harbor.example/sites/default/files/2026-11/regional-mobility-awards-2027-29.pdf",
         "About the Regional Mobility program", "###"],
        ["official website", "Here's how you know", "Doing business", "Related links", "Harbor Avenue BRT project page",
         "Public records", "Skip to main content", "sessionid", "Page last updated"],
        {"published": "2026-11-20T12:00:00Z", "dateline": "November 20, 2026"},
        id="press",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("fixture", "title", "present", "absent", "meta"), TEMPLATES)
def test_main_content_per_template(
    fixture: str, title: str, present: list[str], absent: list[str], meta: dict[str, str]
) -> None:
    v = page(fixture)
    assert v.status == TextStatus.OK and v.kind == "html"
    assert v.title == title
    assert title not in v.paragraphs  # the headline is the title, not also a paragraph
    text = v.text
    for snippet in present:
        assert snippet in text, snippet
    for snippet in absent:
        assert snippet not in text, snippet
    for key, value in meta.items():
        assert v.meta[key] == value
    assert v.digest == text_digest(v.title, v.paragraphs)
    assert v.word_count > 50 and abs(v.raw_word_count - v.word_count) < 0.1 * v.raw_word_count


def test_paragraph_order_follows_the_page() -> None:
    v = page("news_article.html")
    order = [
        "By Maria Okafor",
        "HARBOR CITY —",
        "The poll of 812",
        "People still want",
        "What the levy would fund",
        "Ballots will be mailed",
    ]
    positions = [next(i for i, p in enumerate(v.paragraphs) if s in p) for s in order]
    assert positions == sorted(positions)


def test_article_header_keeps_the_dateline_body_masks_stamps() -> None:
    v = page("news_article.html")
    assert v.meta["header_zone"] >= 4
    header = v.paragraphs[: v.meta["header_zone"]]
    assert any("2026-11-20" in p for p in header)  # the article's own date: content
    assert "Updated" in header[-1] and "2026-11-23" not in " ".join(header)  # the CMS's last save: a stamp
    assert v.paragraphs[-1] == "Last updated: [date]"


def test_og_title_and_title_tag_are_fallbacks_for_the_headline() -> None:
    og = extract(html("<p>" + "Body text of a page without a visible headline element. " * 3 + "</p>",
                      head="<meta property='og:title' content='The OG headline'><title>Tab title | Site</title>"),
                 content_type="text/html", url=URL)  # fmt: skip
    assert og.title == "The OG headline"
    plain = extract(
        html("<p>Body</p>", head="<title>Tab title | Site</title>"), content_type="text/html", url=URL
    )
    assert plain.title == "Tab title | Site"


def test_logo_h1_is_not_the_headline() -> None:
    body = ("<header><h1 class='site-logo'><a href='/'>Daily Planet</a></h1><nav><a href='/'>Home</a></nav></header>"
            "<div class='story'><h1>Council approves budget</h1>" + "<p>The council approved a budget of $4.2 billion on Tuesday after a long debate.</p>" * 3 + "</div>")  # fmt: skip
    v = extract(html(body), content_type="text/html", url=URL)
    assert v.title == "Council approves budget" and "Daily Planet" not in v.text


def test_div_soup_with_br_paragraphs_and_link_lists() -> None:
    links = "".join(f"<div><a href='/s/{i}'>Section {i}</a></div>" for i in range(30))
    body = (f"<div id='left'>{links}</div><div id='text'><b>City news</b><br><br>"
            "The harbor master said the new pier will open in March, two months late.<br><br>"
            "Costs rose to $12 million, from $9 million, because of steel prices and a redesign.<br>"
            "<ul><li><a href='/a'>Other story one</a></li><li><a href='/b'>Other story two</a></li><li><a href='/c'>Other story three</a></li></ul></div>")  # fmt: skip
    v = extract(html(body), content_type="text/html", url=URL)
    assert v.paragraphs == (
        "City news",
        "The harbor master said the new pier will open in March, two months late.",
        "Costs rose to $12 million, from $9 million, because of steel prices and a redesign.",
    )


def test_short_page_falls_back_to_full_visible_text() -> None:
    body = "<nav><a href='/'>Home</a></nav><div class='box'><h2>Page not found</h2><p>Sorry, we could not find that page.</p><a href='/'>Go home</a></div><footer>© Site</footer>"
    v = extract(html(body, head="<title>404</title><script>x()</script>"), content_type="text/html", url=URL)
    assert v.status == TextStatus.OK and v.meta["extractor"] == "fulltext"
    assert v.paragraphs == ("Page not found", "Sorry, we could not find that page.", "Go home")


def test_hidden_elements_and_blockquote_attribution() -> None:
    body = ("<article><h1>Headline here</h1><div style='display: none'>Hidden promo text</div>"
            "<p>" + "A sentence of article text that is long enough to count as prose. " * 2 + "</p>"
            "<blockquote><p>We will build it.</p><footer>Mayor Alvarado</footer></blockquote>"
            "<div hidden>Also hidden</div><span aria-hidden='true'>icon</span></article>")  # fmt: skip
    v = extract(html(body), content_type="text/html", url=URL)
    assert "Hidden" not in v.text and "icon" not in v.text
    assert "Mayor Alvarado" in v.paragraphs


def test_byline_and_date_outside_the_content_come_only_from_strong_markers() -> None:
    prose = (
        "<p>" + "The council approved a budget of $4.2 billion on Tuesday after a long debate. " * 3 + "</p>"
    )
    teasers = ("<div class='teasers'><div class='card'><span class='card__author'>Pat Lee</span>"
               "<time datetime='2026-11-22'>Sunday</time> Another story</div></div>")  # fmt: skip
    head = (
        "<meta name='author' content='Ann Cole'><meta property='article:published_time' content='2026-11-20'>"
    )
    v = extract(
        html(f"<div class='wrap'><div class='body'>{prose}</div></div>{teasers}", head),
        content_type="text/html",
        url=URL,
    )
    assert v.meta["byline"] == "Ann Cole" and v.meta["published"] == "2026-11-20"
    assert v.paragraphs[:2] == ("By Ann Cole", "Published 2026-11-20")
    assert "Pat Lee" not in v.text and "2026-11-22" not in v.text


def test_long_comment_thread_under_a_short_article_is_removed() -> None:
    comments = "".join(
        f"<li class='comment'><p>Reader comment number {i}, which goes on for a while about the levy and taxes.</p></li>"
        for i in range(40)
    )
    body = ("<div class='page has-sidebar'><article><h1>Levy passes</h1><p>The transit levy passed with 54% of the vote "
            "on Tuesday night, election officials said.</p></article>"
            f"<section id='comments' class='comments-area'><ol>{comments}</ol></section></div>")  # fmt: skip
    v = extract(html(body), content_type="text/html", url=URL)
    assert v.paragraphs == (
        "The transit levy passed with 54% of the vote on Tuesday night, election officials said.",
    )


def test_without_a_headline_a_wrapper_class_does_not_remove_the_page() -> None:
    prose = "<p>" + "A paragraph of article text that is long enough to count as prose here. " * 3 + "</p>"
    v = extract(
        html(f"<div class='layout-with-sidebar'>{prose * 3}</div><div class='sidebar'>Links</div>"),
        content_type="text/html",
        url=URL,
    )
    assert v.word_count > 30 and "Links" not in v.text


def test_trafilatura_engine_is_available_for_comparison() -> None:
    v = extract(
        (PAGES / "news_article.html").read_bytes(), content_type="text/html", url=URL, engine="trafilatura"
    )
    assert v.status == TextStatus.OK and v.meta["extractor"] == "trafilatura"
    assert any("Sixty-one percent" in p for p in v.paragraphs)
    assert "Most read" not in v.text


# --------------------------------------------------------------------------- kinds and charsets


def test_xhtml_with_xml_declaration() -> None:
    v = page("xhtml_page.xhtml", "application/xhtml+xml")
    assert v.kind == "html" and v.title == "Stadtrat beschließt Busspur in der Hafenstraße"
    assert v.meta["lang"] == "de"
    assert v.paragraphs[0] == "Von Jürgen Weiß"
    assert '"Das ist ein guter Tag' in v.paragraphs[2]  # „…“ became straight quotes


def test_windows_1252_labelled_iso_8859_1() -> None:
    v = page("latin1_page.html", None)
    assert v.meta["charset"] == "cp1252"
    assert v.title == "Café owners fight bus lane"
    assert v.paragraphs[1].startswith('"We will lose half our customers," said André López')


@pytest.mark.parametrize(
    ("content", "content_type", "expected", "codec"),
    [
        pytest.param("café".encode(), "text/html; charset=iso-8859-1", "café", "utf-8", id="utf8-labelled-latin1"),
        pytest.param("café".encode("cp1252"), "text/html; charset=utf-8", "café", "cp1252", id="latin1-labelled-utf8"),
        pytest.param(b"<meta charset='koi8-r'>" + "Привет".encode("koi8-r"), None, "Привет", "koi8-r", id="meta-koi8r"),
        pytest.param(b'<?xml version="1.0" encoding="ISO-8859-15"?><p>\xa4 5</p>', None, "€ 5", "iso8859-15", id="xml-declaration"),
        pytest.param("\ufeffcafé".encode("utf-16-le"), "text/html; charset=utf-8", "café", "utf-16-le", id="bom-wins"),
        pytest.param("café".encode(), "text/html; charset=x-no-such-charset", "café", "utf-8", id="unknown-label"),
        pytest.param(b"caf\x81\x8d", "text/html; charset=utf-8", "caf\ufffd", "utf-8", id="undecodable-anywhere"),
    ],
)  # fmt: skip
def test_charset_detection(content: bytes, content_type: str | None, expected: str, codec: str) -> None:
    text, used = decode(content, content_type)
    assert expected in text and used == codec


@pytest.mark.parametrize("seed", range(25))
def test_garbage_bytes_never_crash(seed: int) -> None:
    rng = random.Random(seed)
    blob = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 3000)))
    for content in (blob, b"<html><body><p>" + blob + b"</p>", b"\xef\xbb\xbf<p>" + blob[:40] + b"\xe2\x82"):
        for ct in (
            "text/html; charset=utf-8",
            "text/html; charset=shift_jis",
            None,
            "application/json",
            "text/plain; charset=utf-16",
        ):
            v = extract(content, content_type=ct, url=URL)
            assert isinstance(v, TextVersion) and v.digest


@pytest.mark.parametrize(
    ("content", "content_type", "kind"),
    [
        (b"%PDF-1.7\n...", "text/html", "pdf"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "text/html", "binary"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "application/octet-stream", "binary"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", None, "binary"),
        (b"\x00\x00\x00\x18ftypmp42", "video/mp4", "binary"),
        (b"<!DOCTYPE html><p>x", "application/octet-stream", "html"),
        (b'{"a": 1}', "text/plain", "json"),
        (b"[1, 2]", "application/vnd.api+json", "json"),
        (b"<?xml version='1.0'?><rss><channel><title>T</title></channel></rss>", "application/rss+xml", "xml"),
        (b"Just some words.", None, "text"),
        (b"  \n ", "text/html", "none"),
        (b"GIF89a\x01\x00", "image/gif", "binary"),
    ],
)  # fmt: skip
def test_sniff_kind(content: bytes, content_type: str | None, kind: str) -> None:
    assert sniff_kind(content, content_type) == kind


# --------------------------------------------------------------------------- empty, binary, truncated, large


def test_script_only_page_is_empty() -> None:
    v = page("spa_shell.html")
    assert v.status == TextStatus.EMPTY and v.detail == "no text without scripts"
    assert v.paragraphs == () and v.title == "Harbor Transit Trip Planner"


def test_empty_bodies() -> None:
    assert extract(b"", content_type="text/html", url=URL).detail == "empty body"
    v = extract(b"<html><body>   </body></html>", content_type="text/html", url=URL)
    assert v.status == TextStatus.EMPTY and v.detail == "no text"


def test_binary_digest_is_sha1_of_the_payload() -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    v = extract(png, content_type="image/png", url=URL)
    assert v.status == TextStatus.BINARY and v.kind == "binary"
    assert v.digest == hashlib.sha1(png).hexdigest() and v.paragraphs == ()


def test_truncated_body_is_still_extracted_and_flagged() -> None:
    content = (PAGES / "news_article.html").read_bytes()[:12000]
    v = extract(content, content_type="text/html", url=URL, truncated=True)
    assert v.status == TextStatus.OK and v.meta["truncated"] is True
    assert "truncated" not in page("news_article.html").meta


def test_oversized_text_is_compared_by_digest() -> None:
    content = b"<p>" + b"a" * MAX_TEXT_BYTES + b"</p>"
    v = extract(content, content_type="text/html", url=URL)
    assert v.status == TextStatus.TOO_LARGE and v.digest == hashlib.sha1(content).hexdigest()


def test_deep_nesting() -> None:
    v = extract(b"<div>" * 200 + b"deep text" + b"</div>" * 200, content_type="text/html", url=URL)
    assert v.paragraphs == ("deep text",)
    # Past libxml2's nesting limit the text is dropped by the parser; what matters is no crash.
    v = extract(b"<div>" * 5000 + b"deep text" + b"</div>" * 5000, content_type="text/html", url=URL)
    assert isinstance(v, TextVersion)


# --------------------------------------------------------------------------- PDF


def make_pdf(pages: list[list[list[str]]], info: dict[str, str] | None = None) -> bytes:
    """A minimal valid PDF: each page a list of paragraphs, each paragraph a list of lines."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    contents = []
    for paragraphs in pages:
        ops = ["BT /F1 11 Tf 14 TL 72 740 Td"]
        for lines in paragraphs:
            ops += [f"({line.replace('(', '[').replace(')', ']')}) Tj T*" for line in lines] + ["( ) Tj T*"]
        stream = "\n".join(ops + ["ET"]).encode("latin-1")
        contents.append(add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)))
    parent = len(objects) + len(pages) + 1
    kids = [add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 %d 0 R >> >> "
                b"/Contents %d 0 R >>" % (parent, font, c)) for c in contents]  # fmt: skip
    assert (
        add(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids)))
        == parent
    )
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % parent)
    trailer = b"/Root %d 0 R" % catalog
    if info:
        entries = b" ".join(b"/%s (%s)" % (k.encode(), v.encode("latin-1")) for k, v in info.items())
        trailer += b" /Info %d 0 R" % add(b"<< " + entries + b" >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(
        b"%010d 00000 n \n" % o for o in offsets
    )
    out += b"trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer, xref)
    return bytes(out)


REPORT = make_pdf(
    [
        [["Harbor Transit Annual Report 2026"], ["Ridership grew 12% in 2026, the largest", "gain since 2019."], ["On-time performance reached 87%."]],
        [["Budget"], ["Operating costs were $212 million."]],
    ],
    {"Title": "Harbor Transit Annual Report", "Author": "Harbor Transit", "CreationDate": "D:20261120090000-05'00'"},
)  # fmt: skip


def test_pdf_text_per_page() -> None:
    v = extract(REPORT, content_type="application/pdf", url=URL)
    assert v.status == TextStatus.OK and v.kind == "pdf"
    assert v.paragraphs == ("Harbor Transit Annual Report 2026", "Ridership grew 12% in 2026, the largest gain since 2019.",
                            "On-time performance reached 87%.", "Budget", "Operating costs were $212 million.")  # fmt: skip
    assert v.meta["pages"] == 2 and v.meta["page_starts"] == [0, 3]
    assert v.title == "Harbor Transit Annual Report"
    assert v.meta["author"] == "Harbor Transit" and v.meta["created"] == "2026-11-20T09:00:00"


def test_pdf_served_as_html_is_still_a_pdf() -> None:
    assert extract(REPORT, content_type="text/html", url=URL).kind == "pdf"


@pytest.mark.parametrize(
    "content",
    [
        REPORT[:400],
        b"%PDF-1.4\nnot really a pdf",
        REPORT.replace(b"xref", b"xxxx").replace(b"/Root", b"/Rooo"),
        b"%PDF-",
    ],
    ids=["truncated", "garbage", "no-root", "header-only"],
)
def test_broken_pdf_is_empty_with_a_reason(content: bytes) -> None:
    v = extract(content, content_type="application/pdf", url=URL)
    assert v.status == TextStatus.EMPTY and v.kind == "pdf"
    assert v.detail and "\n" not in v.detail


def test_pdf_without_text_layer() -> None:
    v = extract(make_pdf([[]]), content_type="application/pdf", url=URL)
    assert v.status == TextStatus.EMPTY and "no text layer" in v.detail


# --------------------------------------------------------------------------- JSON, text, XML


def json_version(data: object, indent: int | None = 2) -> TextVersion:
    return extract(json.dumps(data, indent=indent).encode(), content_type="application/json", url=URL)


def test_json_is_canonical_per_top_level_key() -> None:
    data = json.loads((PAGES / "api_article.json").read_text())
    v = json_version(data)
    assert v.kind == "json" and v.title == data["title"]
    keys = [p.split(":", 1)[0] for p in v.paragraphs]
    assert keys == sorted(data)
    assert (
        'poll: {"margin_of_error": 3.4, "n": 812, "oppose": 0.33, "support": 0.61, "undecided": 0.06}'
        in v.paragraphs
    )
    assert 'published_at: "2026-11-20 [time]"' in v.paragraphs  # the publication date is content
    reordered = dict(reversed(list(data.items())))
    assert json_version(reordered, indent=None).digest == v.digest


def test_json_volatile_values_are_masked_content_is_not() -> None:
    data = json.loads((PAGES / "api_article.json").read_text())
    base = json_version(data).digest
    noisy = {**data, "updated_at": "2026-11-24T10:00:00Z", "server_time": 1763999999, "request_id": "0e9c1b2a-3d4e-4f5a-8b7c-6d5e4f3a2b1c",
             "csrf": "c29tZS1vdGhlci10b2tlbi12YWx1ZTEyMzQ1", "stats": {**data["stats"], "views": 50000, "likes": 400, "comment_count": 20},
             "url": data["url"].replace("cb=1763912527", "cb=1764000001")}  # fmt: skip
    assert json_version(noisy).digest == base
    for changed in ({**data, "poll": {**data["poll"], "support": 0.59}}, {**data, "title": "New title"},
                    {**data, "published_at": "2026-11-19T09:00:00-05:00"}, {**data, "stats": {**data["stats"], "share": 0.5}}):  # fmt: skip
        assert json_version(changed).digest != base


def test_json_list_items_are_paragraphs_and_bad_json_is_text() -> None:
    v = json_version([{"b": 1, "a": 2}, "x"])
    assert v.paragraphs == ('{"a": 2, "b": 1}', '"x"')
    broken = extract(b'{"a": 1,', content_type="application/json", url=URL)
    assert broken.kind == "text" and broken.paragraphs == ('{"a": 1,',)


def test_plain_text_paragraphs() -> None:
    v = extract(
        b"First para\nwraps here.\n\nSecond para.\r\n\r\nUpdated 3 minutes ago",
        content_type="text/plain",
        url=URL,
    )
    assert v.kind == "text" and v.paragraphs == ("First para wraps here.", "Second para.", "Updated [date]")


def test_xml_feed_text() -> None:
    feed = b"<?xml version='1.0'?><rss><channel><title>Herald</title><item><title>Levy poll</title><description>61% back it</description></item></channel></rss>"
    v = extract(feed, content_type="application/rss+xml", url=URL)
    assert v.paragraphs == ("Herald", "Levy poll", "61% back it")


# --------------------------------------------------------------------------- normalise


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("Updated 5 minutes ago", "Updated [date]"),
        ("Posted 2 hours ago by the newsroom", "Posted [ago] by the newsroom"),
        ("Last updated: November 23, 2026 8:42 AM ET", "Last updated: [date]"),
        ("Today is Monday, November 23, 2026", "Today is [date]"),
        ("10:42 AM ET", "[time]"),
        ("23 November 2026", "[date]"),
        ("2026-11-23T10:42:07Z", "[date]"),
        ("1.2K views", "[n] views"),
        ("345 likes · 12 comments", "[n] likes · [n] comments"),
        ("Shares: 30", "Shares: [n]"),
        ("Comments (12)", "Comments ([n])"),
        ("8 min read", "[n] min read"),
        ("Request 4f1c2b9e-8d7a-4c3b-9e2f-1a0b3c4d5e6f failed", "Request [token] failed"),
        ("nonce Zk8xQ2p3Tm9aV1J5YjNKcFlXd3dNVEl6TkRVMk56ZzU and sha 9f8e7d6c5b4a39281706f5e4d3c2b1a0", "nonce [token] and sha [token]"),
        ("See https://e.example/r.pdf?id=7&cb=99&utm_source=x;jsessionid=AB12 now", "See https://e.example/r.pdf?id=7 now"),
        ("\u201cSmart\u201d \u2018quotes\u2019\u00a0and\u200b zero\u2011width", "\"Smart\" 'quotes' and zero-width"),
        ("  lots \n\t of   space ", "lots of space"),
        ("<b>markup</b> &amp; entities", "markup & entities"),
    ],
)  # fmt: skip
def test_normalise_masks_noise(raw: str, masked: str) -> None:
    assert normalise(raw) == masked
    assert normalise(masked) == masked  # idempotent


@pytest.mark.parametrize(
    "content",
    [
        "Support slipped to 59% from 61%, the poll of 812 voters found.",
        '"We have always known this would be close," she said.',
        "The vote on Dec. 8, 2026 at 8 p.m. will decide it, and polls close at 8 p.m. sharp.",
        "The agency received 12 comments on the rule during a long and contested review period last spring.",
        "The levy costs $287 a year for a median home assessed at $612,000 in Harbor City.",
        "Harbor Transit's on-time performance reached 87% in October, its best month since 2019.",
        "Read the TransitLevyPoll2026Results page for details.",
        "Version 3.10.12 shipped on time.",
    ],
)
def test_normalise_keeps_content(content: str) -> None:
    assert normalise(content) == content


def test_dateline_is_kept_in_the_header_zone_only() -> None:
    assert normalise("Nov. 20, 2026 at 9:00 a.m.", keep_dates=True) == "Nov. 20, 2026 at [time]"
    assert normalise("Nov. 20, 2026 at 9:00 a.m.") == "[date]"
    assert normalise("Today is Nov. 23, 2026", keep_dates=True) == "Today is [date]"


@pytest.mark.parametrize(
    "module", [archiver.extract, masking, sniff, json_doc, pdf], ids=lambda m: m.__name__
)
def test_doctests(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
