"""Documents: real files on disk (and stdin) → Document: kind, decoded text, own URL, base URL."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from archiver.documents import front_matter, read_document, sniff_kind
from archiver.errors import DocumentError

DOCS = Path(__file__).resolve().parent / "fixtures" / "documents"


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        pytest.param("a.md", "plain words", "markdown", id="md-extension"),
        pytest.param("a.markdown", "plain words", "markdown", id="markdown-extension"),
        pytest.param("a.html", "plain words", "html", id="html-extension"),
        pytest.param("a.HTM", "plain words", "html", id="htm-upper"),
        pytest.param("a.txt", "Just words and https://example.org/a.", "text", id="txt-text"),
        pytest.param(
            "a.txt", "<!DOCTYPE html><html><body><p>x</p></body></html>", "html", id="txt-sniff-doctype"
        ),
        pytest.param("a.txt", "  <html lang=en><p>x</p></html>", "html", id="txt-sniff-html-tag"),
        pytest.param("a.txt", "<article><p>x</p></article>", "html", id="txt-sniff-fragment"),
        pytest.param("a.txt", "See [this](https://example.org/a).", "markdown", id="txt-sniff-inline-link"),
        pytest.param(
            "a.txt", "See [this][1].\n\n[1]: https://example.org/a", "markdown", id="txt-sniff-reference"
        ),
        pytest.param("a.txt", "---\ntitle: x\n---\nBody", "markdown", id="txt-sniff-front-matter"),
        pytest.param("a", "---\nnot: front matter", "text", id="unclosed-front-matter"),
        pytest.param("notes.rst", "a <b> tag in prose, 3 < 4", "text", id="other-extension"),
    ],
)
def test_kind(tmp_path: Path, name: str, content: str, kind: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    document = read_document(path)
    assert document.kind == kind
    assert document.path == str(path)
    assert document.text == content


def test_seed_with_front_matter_and_raw_html_is_markdown(seeds: Path) -> None:
    document = read_document(seeds / "000_7e39a6834e70aa6b.txt")
    assert document.kind == "markdown"
    assert document.source_url == (
        "https://www.whitehouse.gov/articles/2026/02/"
        "americans-overwhelmingly-support-deporting-criminal-illegals-local-cooperation-with-ice/"
    )
    assert document.base_url == document.source_url


@pytest.mark.parametrize(
    "name", ["001_6d6aea4910809db8.txt", "002_1c4e6dc21fb5f98c.txt", "004_2c5601f76085a0fa.txt"]
)
def test_seeds_without_markup_are_text(seeds: Path, name: str) -> None:
    document = read_document(seeds / name)
    assert (document.kind, document.source_url, document.base_url) == ("text", None, None)


@pytest.mark.parametrize(
    ("data", "text"),
    [
        pytest.param("Grüße “quoted”".encode(), "Grüße “quoted”", id="utf-8"),
        pytest.param(b"\xef\xbb\xbfBOM \xc3\xa9", "BOM é", id="utf-8-bom"),
        pytest.param("\ufeffUTF-16 é".encode("utf-16-le"), "UTF-16 é", id="utf-16-le-bom"),
        pytest.param("\ufeffUTF-16 é".encode("utf-16-be"), "UTF-16 é", id="utf-16-be-bom"),
        pytest.param(b"Caf\xe9 \x93quoted\x94", "Café “quoted”", id="cp1252-fallback"),
        pytest.param(b"a\r\nb\rc\n", "a\nb\nc\n", id="newlines-normalised"),
    ],
)
def test_decoding(tmp_path: Path, data: bytes, text: str) -> None:
    path = tmp_path / "doc.txt"
    path.write_bytes(data)
    assert read_document(path).text == text


def test_html_meta_charset_is_used_when_not_utf8() -> None:
    document = read_document(DOCS / "cp1251.html")
    assert document.kind == "html"
    assert "Новости" in document.text


def test_html_meta_charset_sniffed_in_a_txt_file(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    path.write_bytes(b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=koi8-r"></head>'
                     b"<body><p>\xee\xcf\xd7\xcf\xd3\xd4\xc9</p></body></html>")  # fmt: skip
    document = read_document(path)
    assert document.kind == "html"
    assert "Новости" in document.text


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        pytest.param("binary.txt", r"binary file \(NUL byte at line 1\)", id="nul-bytes"),
        pytest.param("undecodable.txt", "undecodable byte 0x81 at line 1", id="undecodable"),
    ],
)
def test_broken_documents_name_the_file(name: str, reason: str) -> None:
    path = DOCS / name
    with pytest.raises(DocumentError, match=rf"^{path}: .*{reason}"):
        read_document(path)


def test_undecodable_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"line one\nline two\nbad \x81 byte\n")
    with pytest.raises(DocumentError, match=r"notes\.txt: undecodable byte 0x81 at line 3"):
        read_document(path)


def test_control_characters_without_nul_are_binary(tmp_path: Path) -> None:
    path = tmp_path / "image.txt"
    path.write_bytes(bytes(range(1, 9)) * 40 + b"https://example.com/")
    with pytest.raises(DocumentError, match="binary"):
        read_document(path)


def test_invalid_bytes_after_bom(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(b"\xef\xbb\xbfok \xff\xfe broken")
    with pytest.raises(DocumentError, match=r"bad\.txt: invalid utf-8"):
        read_document(path)


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nope.md"
    with pytest.raises(DocumentError, match=rf"^{path}: No such file"):
        read_document(path)


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match=rf"^{tmp_path}: "):
        read_document(tmp_path)


def test_path_is_kept_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.md").write_text("x")
    monkeypatch.chdir(tmp_path)
    assert read_document("a.md").path == "a.md"


def test_stdin_text_stream() -> None:
    document = read_document("-", stdin=io.StringIO("See [x](https://example.org/a)."))
    assert (document.path, document.kind) == ("-", "markdown")


def test_stdin_bytes_are_decoded_like_a_file() -> None:
    stream = io.TextIOWrapper(
        io.BytesIO(b"\xef\xbb\xbfCaf\xc3\xa9 https://example.org/a"), encoding="latin-1"
    )
    document = read_document("-", stdin=stream)
    assert (document.kind, document.text) == ("text", "Café https://example.org/a")


@pytest.mark.parametrize(
    ("front", "source_url"),
    [
        pytest.param("source_url: https://example.org/a", "https://example.org/a", id="source_url"),
        pytest.param("source_url: 'https://example.org/a'", "https://example.org/a", id="single-quoted"),
        pytest.param('source_url: "https://example.org/a"', "https://example.org/a", id="double-quoted"),
        pytest.param("url: https://example.org/b", "https://example.org/b", id="url"),
        pytest.param("canonical_url: https://example.org/c", "https://example.org/c", id="canonical_url"),
        pytest.param(
            "url: https://example.org/u\nsource_url: https://example.org/s",
            "https://example.org/s",
            id="priority",
        ),
        pytest.param("source_url: /relative/path", None, id="relative-ignored"),
        pytest.param("source_url: mailto:x@example.org", None, id="other-scheme-ignored"),
        pytest.param("title: no url here", None, id="absent"),
    ],
)
def test_front_matter_source_url(tmp_path: Path, front: str, source_url: str | None) -> None:
    path = tmp_path / "a.md"
    path.write_text(f"---\n{front}\ntags: x\n---\nBody text.\n")
    document = read_document(path)
    assert (document.source_url, document.base_url) == (source_url, source_url)


def test_front_matter_reads_top_level_scalars_only() -> None:
    text = "---\ntitle: Americans Support\n  with ICE\nsource_url: https://e.org/a\nnested:\n  url: https://e.org/x\n---\n"
    assert front_matter(text) == {"title": "Americans Support", "source_url": "https://e.org/a", "nested": ""}


def _html(head: str) -> str:
    return f"<!DOCTYPE html><html><head>{head}</head><body><p>Hi</p></body></html>"


@pytest.mark.parametrize(
    ("head", "source_url", "base_url"),
    [
        pytest.param('<link rel="canonical" href="https://e.org/a">', "https://e.org/a", "https://e.org/a", id="canonical"),
        pytest.param('<link rel="alternate canonical" href="https://e.org/a">', "https://e.org/a", "https://e.org/a",
                     id="canonical-token"),
        pytest.param('<meta property="og:url" content="https://e.org/og">', "https://e.org/og", "https://e.org/og",
                     id="og-url"),
        pytest.param('<meta property="og:url" content="https://e.org/og"><link rel=canonical href="https://e.org/c">',
                     "https://e.org/c", "https://e.org/c", id="canonical-beats-og"),
        pytest.param('<link rel=canonical href="/c"><meta property="og:url" content="https://e.org/og">',
                     "https://e.org/c", "https://e.org/c", id="relative-canonical-against-og"),
        pytest.param('<link rel=canonical href="https://e.org/a/b"><base href="../x/">', "https://e.org/a/b",
                     "https://e.org/x/", id="relative-base"),
        pytest.param('<base href="https://cdn.e.org/">', None, "https://cdn.e.org/", id="absolute-base-alone"),
        pytest.param('<base href="/x/">', None, None, id="relative-base-alone"),
        pytest.param("<title>nothing</title>", None, None, id="none"),
    ],
)  # fmt: skip
def test_html_urls(tmp_path: Path, head: str, source_url: str | None, base_url: str | None) -> None:
    path = tmp_path / "a.html"
    path.write_text(_html(head))
    document = read_document(path)
    assert (document.source_url, document.base_url) == (source_url, base_url)


def test_html_fixture_urls() -> None:
    document = read_document(DOCS / "article.html")
    assert document.source_url == "https://www.example-times.com/2026/02/16/local-police-ice/"
    assert document.base_url == "https://www.example-times.com/2026/02/"


def test_xml_declared_xhtml_parses(tmp_path: Path) -> None:
    path = tmp_path / "a.xhtml"
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n' + _html('<link rel="canonical" href="https://e.org/x">')
    )
    assert read_document(path).source_url == "https://e.org/x"


def test_empty_html_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.html"
    path.write_text("")
    document = read_document(path)
    assert (document.kind, document.text, document.source_url) == ("html", "", None)


def test_sniff_kind_examples() -> None:
    assert sniff_kind("") == "text"
    assert sniff_kind("<p>para</p>") == "html"
    assert sniff_kind("a < b and c > d") == "text"
