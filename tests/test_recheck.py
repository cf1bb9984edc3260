"""An unchanged re-check (issue 13): a payload identical to the last good capture's, reached the
same way, is one request and one revisit record; anything else still goes the whole way (text,
diff, verdicts). Real local servers, real WARC files, both index engines."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from warcio.archiveiterator import ArchiveIterator

from archiver.archive import Archive
from archiver.config import Config, WarcConfig
from archiver.models import FetchResult, Hop, Outcome, SourceStatus
from archiver.warcstore import WarcStore
from archiver.warcstore.files import LocalFiles
from archiver.warcstore.reader import record_head

ARTICLE = """<html><head><title>Levy vote</title></head><body><nav><a href="/">Home</a></nav>
<article><h1>Levy vote set for May</h1><p>The council set the transit levy vote for May 12, after
a three-hour hearing on Tuesday night.</p><p>Supporters say the levy would fund 40 new buses.</p>
</article></body></html>"""


@pytest.fixture
def config(index_url: str) -> Config:
    """A probe at every batch (``probe_ttl = 0``): a check that classifies the page asks for one."""
    base = Config()
    return replace(base, index=replace(base.index, url=index_url),
                   check=replace(base.check, per_host_delay=0.0),
                   detect=replace(base.detect, soft404_probe=True, probe_ttl=0.0))


def asked(httpserver: HTTPServer) -> list[str]:
    return [request.path for request, _ in httpserver.log]


def test_an_unchanged_recheck_is_one_request_and_a_revisit_with_no_probe(config: Config, httpserver: HTTPServer,
                                                                         data_dir: Path) -> None:
    httpserver.expect_request("/news/levy").respond_with_data(ARTICLE, content_type="text/html; charset=utf-8")
    httpserver.expect_request("/favicon.ico").respond_with_data("", status=404)
    httpserver.no_handler_status_code = 404  # the probe's made-up sibling
    url = httpserver.url_for("/news/levy")
    with Archive(data_dir, config) as archive:
        archive.check([url])
        first = asked(httpserver)
        assert any(path.endswith("-archiver-probe") for path in first)  # the first check classified the page
        httpserver.clear_log()
        result = archive.check([url])
        again = asked(httpserver)
        history = archive.history(url)
        state = archive.url_state(url)
    assert again == ["/news/levy"]  # no probe, no requisites: nothing was read or judged again
    assert result.events == []
    assert [c.record_type for c in history] == ["response", "revisit"]
    assert history[1].refers_to == history[0].id
    assert state is not None and state.status is SourceStatus.OK and state.last_good_capture == history[1].id


def test_an_edit_after_unchanged_rechecks_is_still_found(config: Config, httpserver: HTTPServer, data_dir: Path) -> None:
    httpserver.expect_request("/news/levy").respond_with_data(ARTICLE, content_type="text/html; charset=utf-8")
    url = httpserver.url_for("/news/levy")
    with Archive(data_dir, config) as archive:
        archive.check([url])
        archive.check([url])  # unchanged: the short way
        httpserver.clear()
        httpserver.expect_request("/news/levy").respond_with_data(
            ARTICLE.replace("40 new buses", "25 new buses"), content_type="text/html; charset=utf-8")
        result = archive.check([url])
    assert [(e.type, e.reason) for e in result.events] == [("edited", "text-changed")]
    change = result.events[0].diff
    assert change is not None and [(h.before, h.after) for h in change.hunks] == [
        ("Supporters say the levy would fund 40 new buses.", "Supporters say the levy would fund 25 new buses.")]


def test_the_same_page_back_after_a_removal_is_restored_not_skipped(config: Config, httpserver: HTTPServer,
                                                                    data_dir: Path) -> None:
    """The last good capture's payload again, but the last check found the page gone: the
    whole way, so the source is ``restored`` (the short way is only right after a good check)."""
    httpserver.expect_request("/news/levy").respond_with_data(ARTICLE, content_type="text/html; charset=utf-8")
    url = httpserver.url_for("/news/levy")
    with Archive(data_dir, config) as archive:
        archive.check([url])
        httpserver.clear()
        httpserver.expect_request("/news/levy").respond_with_data("gone", status=404)
        removed = archive.check([url])
        httpserver.clear()
        httpserver.expect_request("/news/levy").respond_with_data(ARTICLE, content_type="text/html; charset=utf-8")
        back = archive.check([url])
        history = archive.history(url)
    assert [e.type for e in removed.events] == ["removed"]
    assert [e.type for e in back.events] == ["restored"]
    assert [c.record_type for c in history] == ["response", "response", "revisit"]


def test_a_record_head_reads_the_warc_headers_as_warcio_does(tmp_path: Path) -> None:
    """``record_head`` (what a revisit needs of the record it points at) against warcio's parse
    of every record of a real file: warcinfo, request, response, revisit and metadata records."""
    warcs = tmp_path / "warcs"
    body = ARTICLE.encode() * 40
    with WarcStore(warcs, WarcConfig(), hostname="h") as store:

        def fetched() -> FetchResult:
            hop = Hop(url="https://news.example/levy", method="GET", request_headers=(("Accept", "*/*"),), status=200,
                      reason="OK", http_version="HTTP/1.1", response_headers=(("Content-Type", "text/html"),), body=body)
            return FetchResult(url=hop.url, outcome=Outcome.OK, started_at=datetime.now(UTC), elapsed=0.1, hops=(hop,))

        first = store.write_capture("https://news.example/levy", fetched())
        store.write_capture("https://news.example/levy", fetched(), previous=first)
        store.write_metadata("https://news.example/levy", {"note": "ünïcode"})
    path = next(warcs.glob("*.warc.gz"))
    files = LocalFiles(warcs, fsync=False)
    seen = []
    with path.open("rb") as fh:
        records = ArchiveIterator(fh)
        for rec in records:
            want: dict[str, str] = {}
            for name, value in rec.rec_headers.headers:
                want.setdefault(name.lower(), value)
            assert record_head(files, path.name, records.get_record_offset()) == want
            seen.append(rec.rec_type)
    assert seen == ["warcinfo", "request", "response", "request", "revisit", "metadata"]
    size = path.stat().st_size
    with path.open("r+b") as fh:  # a torn record: not a header read, so the caller reads it whole
        fh.truncate(size - 10)
    assert record_head(files, path.name, size + 100) is None
