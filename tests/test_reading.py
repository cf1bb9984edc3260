"""One reading of a new page (``archiver.reading.read_page``): one parse, the same values.

The text, citation metadata and requisites of a page are read from one lxml tree
(``extract.parse_html`` → ``tree_metadata`` / ``tree_requisites`` → ``extract(..., parsed=…)``).
Each must be what its own function reads from the bytes alone (``extract``, ``page_metadata``,
``page_requisites``), on every HTML fixture page, with the page's learned template and without;
where the page is not whole in the parse budget, or holds control characters, each reads it on its
own as before.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.citations.metadata import page_metadata
from archiver.extract import Template, extract, parse_html
from archiver.models import Outcome, TextVersion
from archiver.reading import MAX_PARSE_BYTES, METADATA_TAGS, PageJob, parse_budget, read_page
from archiver.requisites import page_requisites

HTML = "text/html"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PAGES = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".html", ".htm", ".xhtml") and p.is_file())


def _same_text(a: TextVersion, b: TextVersion) -> None:
    assert (a.status, a.kind, a.title, a.paragraphs, a.digest, a.detail, a.raw_word_count) == (
        b.status, b.kind, b.title, b.paragraphs, b.digest, b.detail, b.raw_word_count
    )  # fmt: skip
    assert a.meta == b.meta


def _job(body: bytes, url: str, templates: tuple[Template, ...] = (), content_type: str = HTML) -> PageJob:
    return PageJob(
        body, content_type, url, Outcome.OK, templates=templates, metadata=True, view=True, requisites=True
    )


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_one_parse_reads_what_each_reader_reads_alone(page: Path) -> None:
    body = page.read_bytes()
    url = f"https://news.example/{page.stem}"
    learned = extract(body, content_type=HTML, url=url)
    found = learned.meta.get("template")
    for templates in ((), (Template.from_json(found),) if isinstance(found, dict) else ()):
        reading = read_page(_job(body, url, templates))
        _same_text(reading.text, extract(body, content_type=HTML, url=url, templates=templates))
        assert reading.metadata == page_metadata(body, content_type=HTML, guess=False)
        if reading.text.kind == "html":
            assert reading.requisites == tuple(page_requisites(body, url))


def test_extract_uses_a_parsed_page_once_and_reads_the_same_text_again() -> None:
    body = (FIXTURES / "pages" / "news_article.html").read_bytes()
    url = "https://news.example/a"
    parsed = parse_html(body, HTML)
    assert parsed is not None and parsed.root is not None
    first = extract(body, content_type=HTML, url=url, parsed=parsed)
    assert parsed.consumed and parsed.root is None  # the extractor cut the tree up
    _same_text(first, extract(body, content_type=HTML, url=url, parsed=parsed))  # parsed again
    _same_text(first, extract(body, content_type=HTML, url=url))
    assert parse_html(b"%PDF-1.4 ...", "application/pdf") is None


def test_requisites_read_from_the_text_tree_are_decoded_as_the_text_is() -> None:
    """A UTF-8 page (said so by its header only) naming a non-ASCII image: the requisite's URL is
    read in the page's charset, as a browser requests it (a parse of the bytes alone took them for
    Latin-1 and asked for ``Ã©tÃ©.png``)."""
    body = "<html><head><title>Été</title></head><body><img src='/été.png'><p>{}</p></body></html>".format(
        "Un été au bord du lac, raconté jour après jour. " * 20
    ).encode()
    reading = read_page(_job(body, "https://news.example/ete", content_type="text/html; charset=utf-8"))
    assert reading.requisites is not None
    assert [w.url for w in reading.requisites] == [
        "https://news.example/été.png",
        "https://news.example/favicon.ico",
    ]


@pytest.mark.parametrize(
    "body",
    [
        # control characters: the text's parse takes them out, metadata and requisites read the bytes
        b"<html><head><title>T\x01itle</title><meta name=author content='Ana Ruiz'>"
        b"<link rel=stylesheet href=/s.css></head><body><p>"
        + b"Words of the story here. " * 30
        + b"</p></body></html>",
        # over the parse budget's bytes: the text is read from the part before the cut
        b"<html><head><style>p{background:url(/bg.png)}</style><meta name=author content='Ana Ruiz'></head><body>"
        + b"<p>A paragraph of the article, long enough.</p>" * (MAX_PARSE_BYTES // 40)
        + b"</body></html>",
        # a windows-1252 page: metadata decodes it as UTF-8 with replacement, as citations read it back
        "<html><head><meta charset=windows-1252><title>Café</title></head><body><p>{}</p></body></html>".format(
            "Le café du coin ferme ses portes. " * 20
        ).encode("cp1252"),
    ],
    ids=["control-characters", "over-the-byte-budget", "windows-1252"],
)
def test_a_page_not_whole_in_the_tree_is_read_by_each_reader_alone(body: bytes) -> None:
    url = "https://news.example/odd"
    reading = read_page(_job(body, url))
    assert reading.metadata == page_metadata(
        parse_budget(body, METADATA_TAGS)[0], content_type=HTML, guess=False
    )
    assert reading.requisites == tuple(page_requisites(body, url))
    assert reading.text.status.value == "ok"
