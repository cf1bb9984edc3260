"""The capture pipeline end to end: documents → URLs → fetch → WARC + index, against real local servers.

Every test runs on both index engines (``fast``: SQLite in the data directory, and a fresh database
on the suite's PostgreSQL server, tests/pgserver.py).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from warcio.archiveiterator import ArchiveIterator

from archiver.archive import Archive
from archiver.config import Config
from archiver.models import Outcome

# One host serves every page here: lift the politeness delay so the tests do not wait on it.
FAST = replace(Config(), check=replace(Config().check, per_host_delay=0.0))


@pytest.fixture
def fast(index_url: str) -> Config:
    """``FAST`` on each engine in turn."""
    return replace(FAST, index=replace(FAST.index, url=index_url))

ARTICLE = """<html><head><title>Poll shows support</title></head><body>
<nav><a href="/">Home</a></nav>
<article><h1>Poll shows support</h1><p class="byline">By Ana Ruiz</p>
<p>A new poll finds that 61% of voters support the measure, up from 55% last year.</p>
<p>The survey of 1,200 adults was conducted by telephone in October.</p></article>
<footer>© Example News</footer></body></html>"""


def records(data_dir: Path) -> list[tuple[str, str | None]]:
    out = []
    for path in sorted((data_dir / "warcs").glob("*.warc.gz")):
        with path.open("rb") as fh:
            for rec in ArchiveIterator(fh):
                out.append((rec.rec_type, rec.rec_headers.get_header("WARC-Target-URI")))
    return out


def test_check_writes_request_and_response_records_and_an_index_row(fast: Config, httpserver: HTTPServer, data_dir: Path) -> None:
    httpserver.expect_request("/a").respond_with_data(ARTICLE, content_type="text/html; charset=utf-8")
    url = httpserver.url_for("/a")
    with Archive(data_dir, fast) as archive:
        result = archive.check([url])
        rows = archive.history(url)  # the index's capture rows
    assert result.checked == 1 and result.events == []  # a first capture is a baseline
    recs = records(data_dir)
    assert ("warcinfo", None) == recs[0]
    assert ("request", url) in recs and ("response", url) in recs
    assert len(rows) == 1 and rows[0].status == 200 and rows[0].outcome == Outcome.OK and rows[0].record_type == "response"
    with (data_dir / "warcs" / str(rows[0].warc_file)).open("rb") as fh:
        fh.seek(rows[0].warc_offset or 0)
        rec = next(iter(ArchiveIterator(fh)))
        assert rec.rec_type == "response" and b"61% of voters" in rec.content_stream().read()


def test_unchanged_recheck_writes_a_small_revisit_record(fast: Config, httpserver: HTTPServer, data_dir: Path) -> None:
    httpserver.expect_request("/a").respond_with_data(ARTICLE * 20, content_type="text/html")
    url = httpserver.url_for("/a")
    with Archive(data_dir, fast) as archive:
        archive.check([url])
        size_after_first = sum(p.stat().st_size for p in (data_dir / "warcs").glob("*.warc.gz"))
        archive.check([url])
        history = archive.history(url)
    growth = sum(p.stat().st_size for p in (data_dir / "warcs").glob("*.warc.gz")) - size_after_first
    assert [c.record_type for c in history] == ["response", "revisit"]
    assert history[1].refers_to == history[0].id
    assert growth < 1500 + 600  # request + revisit records, plus a new file's warcinfo (new Archive, new file)
    assert [t for t, _ in records(data_dir)].count("revisit") == 1


def test_edit_is_detected_and_reported_with_a_diff(fast: Config, httpserver: HTTPServer, data_dir: Path) -> None:
    httpserver.expect_request("/a").respond_with_data(ARTICLE, content_type="text/html")
    url = httpserver.url_for("/a")
    with Archive(data_dir, fast) as archive:
        archive.check([url])
        httpserver.clear()
        httpserver.expect_request("/a").respond_with_data(ARTICLE.replace("61%", "59%"), content_type="text/html")
        result = archive.check([url])
        assert [(e.type, e.reason) for e in result.events] == [("edited", "text-changed")]
        assert "61%" in result.events[0].summary and "59%" in result.events[0].summary
        _, _, change = archive.diff(url)
        assert change.changed


def test_404_is_removed_and_a_dead_host_is_a_capture_not_a_crash(fast: Config, httpserver: HTTPServer, data_dir: Path) -> None:
    httpserver.expect_request("/a").respond_with_data(ARTICLE, content_type="text/html")
    url = httpserver.url_for("/a")
    dead = "http://127.0.0.1:9/nothing-listens-here"
    with Archive(data_dir, fast) as archive:
        archive.check([url, dead])
        httpserver.clear()
        httpserver.expect_request("/a").respond_with_data("gone", status=404)
        result = archive.check([url, dead])
        assert ("removed", "http-404") in [(e.type, e.reason) for e in result.events]
        dead_history = archive.history(dead)
    assert [c.outcome for c in dead_history] == [Outcome.CONNECT_ERROR, Outcome.CONNECT_ERROR]
    assert all(c.record_type == "metadata" for c in dead_history)


def test_document_urls_pointing_at_loopback_are_refused_but_typed_ones_are_not(fast: Config, httpserver: HTTPServer, data_dir: Path, tmp_path: Path) -> None:
    httpserver.expect_request("/a").respond_with_data(ARTICLE, content_type="text/html")
    url = httpserver.url_for("/a")
    doc = tmp_path / "doc.md"
    doc.write_text(f"See [the poll]({url}) and [metadata](http://169.254.169.254/latest/meta-data/).\n")
    with Archive(data_dir, fast) as archive:
        imported = archive.import_documents([str(doc)])
        assert imported.urls == [url, "http://169.254.169.254/latest/meta-data/"]
        archive.check(None)
        blocked = archive.history(url)
        assert blocked[-1].outcome == Outcome.BLOCKED and "local" in blocked[-1].detail
        archive.add([url])  # the operator vouches for it
        archive.check([url])
        assert archive.history(url)[-1].outcome == Outcome.OK
    assert not any(b"169.254.169.254" in (uri or "").encode() and t == "response" for t, uri in records(data_dir))


def test_rebuild_index_gives_back_the_same_captures(fast: Config, httpserver: HTTPServer, data_dir: Path) -> None:
    httpserver.expect_request("/a").respond_with_data(ARTICLE, content_type="text/html")
    httpserver.expect_request("/r").respond_with_data("", status=301, headers={"Location": "/a"})
    urls = [httpserver.url_for("/a"), httpserver.url_for("/r"), "http://127.0.0.1:9/dead"]
    with Archive(data_dir, fast) as archive:
        archive.check(urls)
        archive.check(urls)
        before = sorted(archive._index.all_captures(), key=lambda c: c.id)
        assert len(before) == 6
        assert archive.rebuild_index() == 6
        after = sorted(archive._index.all_captures(), key=lambda c: c.id)
    assert after == before


def test_bad_inputs_give_one_line_each_and_the_rest_goes_on(fast: Config, data_dir: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.md"
    good.write_text("Read <https://example.org/report>.\n")
    binary = tmp_path / "broken.md"
    binary.write_bytes(b"\x00\x01\x02binary")
    with Archive(data_dir, fast) as archive:
        imported = archive.import_documents([str(tmp_path / "missing.md"), str(binary), str(good)])
        added = archive.add(["https://example.org/ok", "http://[::1", "ftp://example.org/file"])
    assert imported.documents == 1 and imported.urls == ["https://example.org/report"]
    assert len(imported.errors) == 2 and "missing.md" in imported.errors[0] and "broken.md" in imported.errors[1]
    assert added.added == ["https://example.org/ok"] and len(added.errors) == 2


def test_huge_and_binary_responses_are_kept_truncated_or_by_digest(fast: Config, httpserver: HTTPServer, data_dir: Path) -> None:
    httpserver.expect_request("/big").respond_with_data(b"x" * 300_000, content_type="text/plain")
    httpserver.expect_request("/img").respond_with_data(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10, content_type="image/png")
    config = replace(fast, fetch=replace(fast.fetch, max_bytes=100_000))
    with Archive(data_dir, config) as archive:
        archive.check([httpserver.url_for("/big"), httpserver.url_for("/img")])
        big = archive.history(httpserver.url_for("/big"))[-1]
        img = archive.history(httpserver.url_for("/img"))[-1]
        assert big.truncated and big.outcome == Outcome.TOO_LARGE
        assert img.outcome == Outcome.OK and archive.payload(img).startswith(b"\x89PNG")


@pytest.mark.parametrize("seed", ["000_7e39a6834e70aa6b.txt", "002_1c4e6dc21fb5f98c.txt"])
def test_seed_documents_register_their_urls_with_provenance(fast: Config, seed: str, seeds: Path, data_dir: Path) -> None:
    with Archive(data_dir, fast) as archive:
        result = archive.import_documents([str(seeds / seed)])
        cited = archive.citations_of(str(seeds / seed))
    assert result.errors == [] and cited
    assert [c.url for c in cited][: len(result.urls)] == [c.url for c in result.citations][: len(result.urls)]
    assert all(c.url_as_written for c in cited)


def test_after_rebuild_index_edits_are_still_detected_from_the_warc(fast: Config, httpserver: HTTPServer, data_dir: Path) -> None:
    # rebuild-index keeps no cached texts: the last good text must come back from the WARC record.
    httpserver.expect_request("/a").respond_with_data(ARTICLE, content_type="text/html")
    url = httpserver.url_for("/a")
    with Archive(data_dir, fast) as archive:
        archive.check([url])
        archive.rebuild_index()
        httpserver.clear()
        httpserver.expect_request("/a").respond_with_data(ARTICLE.replace("1,200 adults", "1,500 adults"), content_type="text/html")
        result = archive.check([url])
    assert [(e.type, e.reason) for e in result.events] == [("edited", "text-changed")]
