"""Issue 11, "cite exactly what you relied on" and "rich citation metadata", against a real site.

The site (tests/citing_site.py) is served on 127.0.0.1 and captured for real; citations are
checked by the tools that would read them: biber (``--tool --validate-datamodel``), the
CSL-JSON schema, citeproc-py's APA/Chicago/MLA, bibtexparser and an HTML parser.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from citing_site import CitingSite, build
from click.testing import CliRunner
from sqlite_utils import Database

from archiver.archive import Archive
from archiver.citations.metadata import document_published, page_metadata
from archiver.cite import CitationInfo, format_citation
from archiver.cite.styles import render
from archiver.cli import cli

PUBLIC = "https://archive.example.org/"
SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "csl-data.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CitingSite]:
    built = build(tmp_path_factory.mktemp("citing"))
    yield built
    built.server.stop()


@pytest.fixture
def archive(site: CitingSite) -> Iterator[Archive]:
    with site.archive(PUBLIC) as opened:
        yield opened


def run(site: CitingSite, *args: str, public: str = PUBLIC) -> tuple[int, str]:
    config = site.root / f"config-{abs(hash(public))}.toml"
    config.write_text(f'[fetch]\nallow_private = true\n[publish]\npublic_url = "{public}"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "--data", str(site.data_dir), *args])
    return result.exit_code, result.output


# --------------------------------------------------------------------------- metadata


def test_page_metadata_reads_json_ld_meta_and_open_graph(site: CitingSite) -> None:
    from citing_site import ARTICLE

    meta = page_metadata(ARTICLE.format(pct=54).encode(), content_type="text/html")
    assert meta.authors == ("Jane Doe", "Rich Roe")  # JSON-LD wins over the single meta author
    assert meta.site_name == "Example News" and meta.publisher == "Example Media Group"
    assert meta.published == "2026-11-19T07:30:00+01:00" and meta.modified == "2026-11-19T09:00:00+01:00"
    assert meta.language == "en-GB" and meta.kind == "article"
    assert meta.title == "County turnout reaches 54 percent"
    assert meta.sources["authors"] == "json-ld" and meta.sources["site_name"] == "meta"


def test_htmldate_finds_a_date_the_markup_does_not_declare() -> None:
    html = ("<html><head><title>Budget vote</title></head><body><article><h1>Budget vote</h1>"
            "<p class='date'>Published: 12 March 2025</p><p>The council approved the budget after a long debate "
            "about roads, schools and the library, which will now open on Sundays.</p></article></body></html>")
    meta = page_metadata(html)
    assert meta.published == "2025-03-12" and meta.sources["published"] == "htmldate"
    assert meta.authors == () and meta.site_name is None


def test_a_page_that_declares_nothing() -> None:
    from citing_site import PLAIN

    meta = page_metadata(PLAIN)
    assert (meta.authors, meta.site_name, meta.published, meta.kind) == ((), None, None, "webpage")


def test_document_publication_time() -> None:
    assert document_published("---\npublished_time: 2026-11-21T08:00:00Z\n---\n# A") == datetime(2026, 11, 21, 8, tzinfo=UTC)
    assert document_published("---\ndate: 2026-11-21\n---\n# A") == datetime(2026, 11, 21, tzinfo=UTC)
    html = '<html><head><meta property="article:published_time" content="2026-11-21T09:00:00+01:00"></head></html>'
    assert document_published(html) == datetime(2026, 11, 21, 8, tzinfo=UTC)
    assert document_published("# No date here\n\nJust text.") is None


def test_metadata_is_stored_with_the_capture(site: CitingSite) -> None:
    """Read when the capture is made (``archiver check``), before anything cites it."""
    with site.archive() as archive:
        capture = archive.history(site.article)[0]
    rows = list(Database(site.data_dir / "index.db")["capture_meta"].rows_where("capture = ?", [capture.id]))
    stored = json.loads(rows[0]["meta"])
    assert stored["page"]["authors"] == ["Jane Doe", "Rich Roe"] and stored["record_id"].startswith("<urn:uuid:")


def test_an_undeclared_date_is_guessed_by_the_first_citation(tmp_path: Path) -> None:
    """``check`` stores what the page declares; htmldate's guess (~2 ms a page) waits for a citation."""
    from citing_site import site_config
    from pytest_httpserver import HTTPServer

    html = ("<html><head><title>Budget vote</title><meta name='author' content='Ann Lee'></head><body><article>"
            "<h1>Budget vote</h1><p class='date'>Published: 12 March 2025</p><p>The council approved the budget "
            "after a long debate about roads, schools and the library, which will now open on Sundays.</p>"
            "</article></body></html>")
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        server.expect_request("/vote").respond_with_data(html, content_type="text/html; charset=utf-8")
        url = server.url_for("/vote")
        with Archive(tmp_path / "data", site_config()) as archive:
            assert not archive.check([url]).errors
            capture = archive.history(url)[0]

            def stored() -> dict[str, Any]:
                rows = Database(tmp_path / "data" / "index.db")["capture_meta"].rows_where("capture = ?", [capture.id])
                return dict(json.loads(next(iter(rows))["meta"]))

            before = stored()
            assert before["guess"] is True and before["page"]["published"] is None
            assert before["page"]["authors"] == ["Ann Lee"]  # declared: read at capture time
            info = archive.citation_info(url)
            assert info.published == datetime(2025, 3, 12, tzinfo=UTC) and info.authors == ("Ann Lee",)
            after = stored()
            assert "guess" not in after and after["page"]["sources"]["published"] == "htmldate"
    finally:
        server.stop()


# --------------------------------------------------------------------------- formats


def test_every_format_carries_authors_site_and_dates(archive: Archive, site: CitingSite) -> None:
    for fmt in ("text", "md", "html", "bibtex", "csl-json"):
        out = archive.cite(site.article, fmt=fmt)
        assert "Doe" in out and "Roe" in out, fmt
        assert "Example News" in out, fmt
        assert "2026-11-19" in out or "[2026, 11, 19]" in out.replace("\n", "").replace(" ", "").replace("[2026,11,19]", "[2026, 11, 19]"), fmt
        assert PUBLIC + "capture/" in out, fmt


def test_bibtex_passes_biber_datamodel_validation(archive: Archive, site: CitingSite, tmp_path: Path) -> None:
    biber = shutil.which("biber")
    assert biber, "biber is missing: apt-get install biber (scripts/test.sh installs it)"
    entries = [archive.cite(site.article, fmt="bibtex"), archive.cite(site.plain, fmt="bibtex")]
    bib = tmp_path / "cites.bib"
    bib.write_text("\n\n".join(entries) + "\n", encoding="utf-8")
    done = subprocess.run([biber, "--tool", "--validate-datamodel", str(bib)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    problems = [line for line in done.stdout.splitlines() if line.startswith(("WARN", "ERROR"))]
    assert problems == [], done.stdout
    assert "@article{" in entries[0] and "date = {2026-11-19}" in entries[0]
    assert "author = {Doe, Jane and Roe, Rich}" in entries[0] and "journaltitle = {Example News}" in entries[0]
    assert "@online{" in entries[1] and "the page states no date: dated by its capture" in entries[1]


def test_csl_json_passes_the_csl_schema(archive: Archive, site: CitingSite) -> None:
    for url in (site.article, site.plain):
        items = json.loads(archive.cite(url, fmt="csl-json"))
        jsonschema.validate(items, SCHEMA)
    item = json.loads(archive.cite(site.article, fmt="csl-json"))[0]
    assert item["author"] == [{"family": "Doe", "given": "Jane"}, {"family": "Roe", "given": "Rich"}]
    assert item["issued"] == {"date-parts": [[2026, 11, 19]]} and item["container-title"] == "Example News"
    assert item["publisher"] == "Example Media Group" and item["language"] == "en-GB"
    assert item["archive"] == "archiver" and item["archive_location"].startswith(PUBLIC + "capture/")
    assert "accessed" in item


class Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.anchors.append(dict(attrs))


def test_robust_link_points_at_the_published_capture(archive: Archive, site: CitingSite) -> None:
    capture = archive.capture_near(site.article, None)
    assert capture is not None
    parser = Anchors()
    parser.feed(archive.cite(site.article, fmt="html"))
    robust = parser.anchors[0]
    assert robust["data-versionurl"] == f"{PUBLIC}capture/{capture.id}/"
    assert robust["data-originalurl"] == site.article


def test_styles_apa_chicago_mla(archive: Archive, site: CitingSite) -> None:
    info = archive.citation_info(site.article)
    apa = render(info, "apa")
    assert apa.startswith("Doe, J., & Roe, R. (2026, November 19).") and "(n.d.)" not in apa
    assert "Example News" in apa and PUBLIC + "capture/" in apa
    chicago = render(info, "chicago")
    assert chicago.startswith("Doe, J., and R. Roe. 2026.") and "Example News" in chicago
    mla = render(info, "mla")
    assert mla.startswith("Doe, J., and R. Roe.") and "19 Nov. 2026" in mla
    bare = render(archive.citation_info(site.plain), "apa")
    assert bare.count("Untitled notes") == 1  # no title twice when there is no author
    code, out = run(site, "cite", site.article, "--style", "apa")
    assert code == 0 and out.strip() == apa


def test_without_public_url_citations_say_the_copy_is_local(site: CitingSite) -> None:
    code, out = run(site, "cite", site.article, public="")
    assert code == 0 and "local copy, not published" in out and "127.0.0.1:8080" not in out
    assert "record <urn:uuid:" in out and ".warc.gz@" in out and "sha1:" in out
    code, html = run(site, "cite", site.article, "--format", "html", public="")
    assert "data-versionurl" not in html and "data-originalurl" in html


def test_unknown_style_is_one_clear_line(site: CitingSite) -> None:
    code, out = run(site, "cite", site.article, "--style", "no-such-style")
    assert code == 1 and "no such citation style" in out


# --------------------------------------------------------------------------- which capture


def test_cite_a_capture_by_id_and_by_prefix(archive: Archive, site: CitingSite) -> None:
    first, _second = archive.history(site.article)
    for ref in (first.id, first.id[:6]):
        code, out = run(site, "cite", ref)
        assert code == 0 and f"capture {first.id}" in out and "54 percent" in out, out
    code, out = run(site, "cite", "zzzzzzzz")
    assert code == 1 and "no such capture" in out


def test_cite_url_at_a_capture_id(archive: Archive, site: CitingSite) -> None:
    first, _second = archive.history(site.article)
    code, out = run(site, "cite", site.article, "--at", first.id)
    assert code == 0 and f"capture {first.id}" in out
    code, out = run(site, "cite", site.plain, "--at", first.id)
    assert code == 1 and "not of" in out
    assert "other archive" not in out  # a wrong id is a mistake to name, not a source to look for elsewhere


def test_as_of_document_cites_the_version_we_relied_on(archive: Archive, site: CitingSite) -> None:
    first, second = archive.history(site.article)
    code, latest = run(site, "cite", site.article)
    assert f"capture {second.id}" in latest and "52 percent" in latest  # the edited page
    code, out = run(site, "cite", site.article, "--as-of-document", str(site.document))
    assert code == 0 and f"capture {first.id}" in out and "54 percent" in out, out


def test_cite_document_prints_every_source(archive: Archive, site: CitingSite) -> None:
    first, _ = archive.history(site.article)
    code, out = run(site, "cite", "--document", str(site.document))
    assert code == 0, out
    lines = out.strip().splitlines()
    assert len(lines) == 3
    assert f"capture {first.id}" in lines[0] and "54 percent" in lines[0]
    assert "Untitled notes" in lines[1]
    assert site.dead in lines[2] and "no good capture" in lines[2]
    assert "none configured: [memento] aggregators" in lines[2]  # says where else one could look
    code, out = run(site, "cite", "--document", str(site.document), "--format", "csl-json")
    items = json.loads(out)
    jsonschema.validate(items, SCHEMA)
    assert len(items) == 2


def test_dead_at_first_check_without_aggregators_says_so(site: CitingSite) -> None:
    code, out = run(site, "cite", site.dead)
    assert code == 1 and "no good capture" in out and "[memento] aggregators" in out
    assert "run `archiver check`" not in out  # it was checked: dead, not waiting for a check


def test_formats_keep_working_for_a_bare_info() -> None:
    info = CitationInfo(original_url="https://example.org/a", captured_at=datetime(2026, 11, 23, tzinfo=UTC),
                        capture_id="2zf3x7eknhpr", replay_url="", warc_file="a.warc.gz", warc_offset=5,
                        payload_digest="sha1:X", title=None, final_url=None, status=200)
    jsonschema.validate(json.loads(format_citation(info, "csl-json")), SCHEMA)
    assert re.search(r"date = \{2026-11-23\}", format_citation(replace(info, title="T"), "bibtex"))


def test_the_report_links_captures_to_their_published_pages(archive: Archive, site: CitingSite) -> None:
    _first, second = archive.history(site.article)
    md = archive.report("md", document=str(site.document))
    html = archive.report("html", document=str(site.document))
    assert f"{PUBLIC}capture/{second.id}/" in md and f'href="{PUBLIC}capture/{second.id}/"' in html
    with site.archive("") as local:  # not published: the report's own anchors
        assert PUBLIC not in local.report("html", document=str(site.document))
