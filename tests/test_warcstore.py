"""WarcStore: records written for each kind of fetch, read back with warcio, rebuilt, rotated and repaired."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from pytest_httpserver import HTTPServer
from warcio.archiveiterator import ArchiveIterator
from werkzeug import Request, Response

from archiver.config import WarcConfig
from archiver.errors import StoreError
from archiver.models import Capture, FetchResult, Hop, Outcome, capture_id, payload_digest
from archiver.warcstore import REVISIT_PROFILE, WarcStore, parse_fields

T0 = datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
URL = "https://example.org/article"
BIN = Path(sys.executable).parent
REQUEST_HEADERS = (
    ("User-Agent", "archiver/0.1 (test)"),
    ("Accept-Encoding", "gzip, deflate"),
    ("Accept", "*/*"),
    ("Connection", "keep-alive"),
)


def page(size: int = 50_000, seed: str = "a") -> bytes:
    """An HTML page of about ``size`` bytes whose text varies like prose (so it does not compress to nothing)."""
    words = " ".join(f"{seed}{(i * 7919) % 1009:x}" for i in range(size // 3))
    return f"<html><body><p>{words}".encode()[: size - 19] + b"</p></body></html>\n"


def hop(url: str = URL, body: bytes = b"<p>hello</p>", status: int = 200, **kw: Any) -> Hop:
    headers = kw.pop("headers", None)
    if headers is None:
        headers = (
            ("Date", "Fri, 01 May 2026 12:00:00 GMT"),
            ("Server", "nginx/1.25.3"),
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "max-age=600"),
            ("ETag", '"5f3a-61a2b3c4d5e6f"'),
            ("Last-Modified", "Thu, 30 Apr 2026 09:00:00 GMT"),
            ("Vary", "Accept-Encoding"),
            ("Strict-Transport-Security", "max-age=31536000"),
        )
    reason = kw.pop("reason", {200: "OK", 301: "Moved Permanently", 302: "Found", 404: "Not Found"}.get(status, ""))
    return Hop(url=url, method=kw.pop("method", "GET"), request_headers=REQUEST_HEADERS, status=status,
               reason=reason, http_version="HTTP/1.1", response_headers=headers, body=body,
               ip=kw.pop("ip", "93.184.215.14"), **kw)


def result(*hops: Hop, outcome: Outcome = Outcome.OK, at: datetime = T0, **kw: Any) -> FetchResult:
    url = kw.pop("url", hops[0].url if hops else URL)
    return FetchResult(url=url, outcome=outcome, started_at=at, elapsed=kw.pop("elapsed", 0.4321), hops=hops, **kw)


class Clock:
    """An injected clock: each call a millisecond later."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


@pytest.fixture
def warcs(tmp_path: Path) -> Path:
    return tmp_path / "snapshots" / "warcs"


@pytest.fixture
def store(warcs: Path) -> Iterator[WarcStore]:
    with WarcStore(warcs, WarcConfig(), clock=Clock(), hostname="testhost") as s:
        yield s


def records(path: Path) -> list[Any]:
    """Every record of a WARC file, fully read (content_stream), as warcio sees it."""
    out = []
    with open(path, "rb") as fh:
        for rec in ArchiveIterator(fh):
            rec.body = rec.content_stream().read()
            out.append(rec)
    return out


def all_records(warcs: Path) -> list[Any]:
    return [r for p in sorted(warcs.glob("*.warc.gz")) for r in records(p)]


def h(rec: Any, name: str) -> str | None:
    value: str | None = rec.rec_headers.get_header(name)
    return value


# --------------------------------------------------------------------------- one response


def test_a_response_is_a_request_and_a_response_record(store: WarcStore, warcs: Path) -> None:
    body = b"<html><p>hello</p></html>"
    cap = store.write_capture(URL, result(hop(body=body)))

    [info, req, resp] = records(warcs / cap.warc_file)  # type: ignore[operator]
    assert [r.rec_type for r in (info, req, resp)] == ["warcinfo", "request", "response"]
    assert resp.rec_headers.protocol == "WARC/1.1"
    assert h(resp, "WARC-Date") == "2026-05-01T12:00:00.123456Z"
    assert h(resp, "WARC-Target-URI") == h(req, "WARC-Target-URI") == URL
    assert h(req, "WARC-Concurrent-To") == h(resp, "WARC-Record-ID")
    assert h(resp, "WARC-IP-Address") == "93.184.215.14"
    assert h(resp, "WARC-Payload-Digest") == payload_digest(body) and h(resp, "WARC-Block-Digest")
    assert resp.http_headers.get_statuscode() == "200"
    assert resp.http_headers.get_header("ETag") == '"5f3a-61a2b3c4d5e6f"'
    assert resp.body == body
    assert req.http_headers.protocol == "GET" and req.http_headers.statusline == "/article HTTP/1.1"
    assert req.http_headers.get_header("Host") == "example.org"
    assert h(resp, "WARC-Archiver-Outcome") == "ok" and h(resp, "WARC-Archiver-Elapsed") == "0.4321"

    assert cap == Capture(
        id=capture_id(h(resp, "WARC-Record-ID") or ""), url=URL, captured_at=T0, outcome=Outcome.OK, status=200,
        final_url=URL, redirects=(URL,), content_type="text/html; charset=utf-8", payload_digest=payload_digest(body),
        warc_file=cap.warc_file, warc_offset=cap.warc_offset, warc_length=cap.warc_length, record_type="response",
        ip="93.184.215.14", elapsed=0.4321,
    )
    assert store.read_payload(cap) == body


def test_each_file_opens_with_warcinfo_and_is_named_by_the_convention(store: WarcStore, warcs: Path) -> None:
    cap = store.write_capture(URL, result(hop()))
    assert re.fullmatch(r"archiver-\d{20}-\d{5}-testhost\.warc\.gz", cap.warc_file or "")
    info = records(warcs / cap.warc_file)[0]  # type: ignore[operator]
    fields = dict(line.split(": ", 1) for line in info.body.decode().splitlines())
    assert fields["software"].startswith("archiver/0.1.0") and fields["hostname"] == "testhost"
    assert fields["format"] == "WARC File Format 1.1"
    assert h(info, "WARC-Filename") == cap.warc_file
    assert store.files() == [warcs / cap.warc_file]  # type: ignore[operator]


def test_a_url_other_than_the_final_one_is_kept(store: WarcStore, warcs: Path) -> None:
    cap = store.write_capture("https://example.org/article", result(hop(url="https://example.org/article?utm=x")))
    assert cap.url == "https://example.org/article" and cap.final_url == "https://example.org/article?utm=x"
    assert h(records(warcs / cap.warc_file)[-1], "WARC-Archiver-URL") == cap.url  # type: ignore[operator]


# --------------------------------------------------------------------------- real server


def fetch(url: str, **kw: Any) -> FetchResult:
    """What the fetch stage does, in miniature: one exchange, raw bytes as the server sent them."""
    started = datetime.now(UTC)
    with requests.Session() as session:
        r = session.get(url, stream=True, allow_redirects=False, **kw)
        body = r.raw.read(decode_content=False)
        one = Hop(url=url, method="GET", request_headers=tuple(r.request.headers.items()), status=r.status_code,
                  reason=r.reason, http_version=f"HTTP/{r.raw.version // 10}.{r.raw.version % 10}",
                  response_headers=tuple(r.raw.headers.items()), body=body, ip=urlsplit(url).hostname)
        r.close()
    elapsed = (datetime.now(UTC) - started).total_seconds()
    return FetchResult(url=url, outcome=Outcome.OK, started_at=started, elapsed=elapsed, hops=(one,), content=body)


def local(httpserver: HTTPServer, path: str) -> str:
    """The server's URL with a literal loopback address (pytest-socket refuses name lookups)."""
    return f"http://127.0.0.1:{httpserver.port}{path}"


def test_a_real_response_from_a_local_server(httpserver: HTTPServer, store: WarcStore, warcs: Path) -> None:
    body = page(20_000)
    httpserver.expect_request("/page").respond_with_data(body, content_type="text/html", headers={"X-Id": "7"})
    fetched = fetch(local(httpserver, "/page"))
    cap = store.write_capture(fetched.url, fetched)

    resp = records(warcs / cap.warc_file)[-1]  # type: ignore[operator]
    assert resp.rec_type == "response" and resp.body == body
    assert resp.http_headers.get_header("X-Id") == "7"
    assert h(resp, "WARC-Payload-Digest") == fetched.payload_digest == cap.payload_digest
    assert cap.status == 200 and cap.content_type == "text/html" and cap.ip == "127.0.0.1"
    assert store.read_payload(cap) == body
    assert list(store.iter_captures()) == [cap]


def test_read_payload_undoes_content_encoding(httpserver: HTTPServer, store: WarcStore, warcs: Path) -> None:
    body = page(30_000)
    httpserver.expect_request("/gz").respond_with_data(
        gzip.compress(body), content_type="text/html", headers={"Content-Encoding": "gzip"})
    fetched = fetch(local(httpserver, "/gz"), headers={"Accept-Encoding": "gzip"})
    cap = store.write_capture(fetched.url, fetched)

    assert store.read_payload(cap) == body
    stored = store.read_record(cap.warc_file or "", cap.warc_offset or 0)
    assert stored.raw_payload == fetched.hops[0].body and stored.raw_payload[:2] == b"\x1f\x8b"
    assert stored.http_status == 200 and ("Content-Encoding", "gzip") in stored.http_headers
    assert stored.record_type == "response" and stored.date == fetched.started_at
    assert records(warcs / cap.warc_file)[-1].body == body  # type: ignore[operator]  # warcio decodes the same


def test_a_chunked_response_is_stored_dechunked(store: WarcStore, warcs: Path) -> None:
    parts = [page(4000, seed=s) for s in "xyz"]

    def handler(request: Request) -> Response:
        return Response(iter(parts), content_type="text/plain")  # no length: HTTP/1.1 sends it chunked

    with HTTPServer(host="127.0.0.1", threaded=True) as server:  # threaded werkzeug speaks HTTP/1.1
        server.expect_request("/chunked").respond_with_handler(handler)
        fetched = fetch(local(server, "/chunked"))
    assert fetched.hops[0].header("Transfer-Encoding") == "chunked"  # the server really chunked it
    cap = store.write_capture(fetched.url, fetched)

    resp = records(warcs / cap.warc_file)[-1]  # type: ignore[operator]
    assert resp.http_headers.get_header("Transfer-Encoding") is None
    assert h(resp, "WARC-Archiver-Transfer-Encoding") == "chunked"
    assert resp.body == b"".join(parts)
    assert h(resp, "WARC-Payload-Digest") == payload_digest(b"".join(parts)) == cap.payload_digest
    assert not cap.truncated


# --------------------------------------------------------------------------- revisits


def test_unchanged_payload_becomes_a_revisit_chain(store: WarcStore, warcs: Path) -> None:
    body = page()
    first = store.write_capture(URL, result(hop(body=body)))
    second = store.write_capture(URL, result(hop(body=body), at=T0 + timedelta(days=1)), previous=first)
    third = store.write_capture(URL, result(hop(body=body), at=T0 + timedelta(days=2)), previous=second)

    assert [c.record_type for c in (first, second, third)] == ["response", "revisit", "revisit"]
    assert second.refers_to == third.refers_to == first.id
    assert second.payload_digest == third.payload_digest == first.payload_digest
    finals = [r for r in all_records(warcs) if r.rec_type in ("response", "revisit")]
    original, *revisits = finals
    for rev in revisits:
        assert h(rev, "WARC-Profile") == REVISIT_PROFILE
        assert h(rev, "WARC-Refers-To") == h(original, "WARC-Record-ID")
        assert h(rev, "WARC-Refers-To-Target-URI") == URL
        assert h(rev, "WARC-Refers-To-Date") == h(original, "WARC-Date")
        assert rev.http_headers.get_header("ETag") == '"5f3a-61a2b3c4d5e6f"' and rev.body == b""
    with pytest.raises(StoreError, match="revisit"):
        store.read_payload(third)
    assert list(store.iter_captures()) == [first, second, third]


def test_revisit_from_a_new_process_finds_the_original_on_disk(warcs: Path) -> None:
    body = page()
    with WarcStore(warcs, WarcConfig(), clock=Clock(), hostname="h") as one:
        one.write_capture(URL, result(hop(body=body)))
        revisit = one.write_capture(URL, result(hop(body=body), at=T0 + timedelta(days=1)),
                                    previous=next(one.iter_captures()))
    with WarcStore(warcs, WarcConfig(), clock=Clock(), hostname="h") as two:
        previous = list(two.iter_captures())[-1]  # as the index would hand it over
        again = two.write_capture(URL, result(hop(body=body), at=T0 + timedelta(days=2)), previous=previous)
    assert previous == revisit
    assert again.record_type == "revisit" and again.refers_to == revisit.refers_to


def test_changed_payload_or_failed_previous_gives_a_response(store: WarcStore) -> None:
    first = store.write_capture(URL, result(hop(body=page(seed="a"))))
    changed = store.write_capture(URL, result(hop(body=page(seed="b"))), previous=first)
    assert changed.record_type == "response" and changed.refers_to is None
    failed = replace(changed, outcome=Outcome.HTTP_ERROR)
    same = store.write_capture(URL, result(hop(body=page(seed="b"))), previous=failed)
    assert same.record_type == "response"


def test_an_unchanged_recheck_of_a_50kb_page_adds_little(store: WarcStore, warcs: Path) -> None:
    body = page(50_000)
    first = store.write_capture(URL, result(hop(body=body)))
    path = warcs / (first.warc_file or "")
    before = path.stat().st_size
    second = store.write_capture(URL, result(hop(body=body), at=T0 + timedelta(days=1)), previous=first)
    added = path.stat().st_size - before
    print(f"unchanged re-check of a {len(body)}-byte page added {added} bytes")
    assert second.record_type == "revisit"
    assert added <= 1200, added


# --------------------------------------------------------------------------- failures, redirects, truncation


def test_a_fetch_with_no_response_is_a_metadata_record(store: WarcStore, warcs: Path) -> None:
    failed = result(outcome=Outcome.TIMEOUT, url=URL, detail="read timed out\nafter 30 s", elapsed=30.000001)
    cap = store.write_capture(URL, failed)
    [_, meta] = records(warcs / cap.warc_file)  # type: ignore[operator]
    # warc-fields, not JSON: replay tools (pywb, cdxj-indexer, ReplayWeb.page) never index it as the page
    assert meta.rec_type == "metadata" and h(meta, "Content-Type") == "application/warc-fields"
    assert parse_fields(meta.body) == {"url": URL, "outcome": "timeout", "detail": "read timed out\nafter 30 s",
                                     "elapsed": 30.000001, "started_at": "2026-05-01T12:00:00.123456Z"}
    assert cap.record_type == "metadata" and cap.outcome == Outcome.TIMEOUT
    assert (cap.status, cap.final_url, cap.redirects, cap.payload_digest) == (None, None, (), None)
    assert cap.detail == "read timed out\nafter 30 s" and cap.captured_at == T0 and cap.elapsed == 30.000001
    assert parse_fields(store.read_payload(cap))["outcome"] == "timeout"
    assert list(store.iter_captures()) == [cap]


def test_a_redirect_chain_is_every_hop(store: WarcStore, warcs: Path) -> None:
    a, b, c = URL, "https://example.org/moved", "https://www.example.org/moved"
    chain = (
        hop(url=a, status=301, body=b"", headers=(("Location", b), ("Content-Length", "0"))),
        hop(url=b, status=302, body=b"go", headers=(("Location", c), ("Content-Length", "2"))),
        hop(url=c, body=b"<p>here</p>"),
    )
    cap = store.write_capture(a, result(*chain))
    recs = records(warcs / cap.warc_file)[1:]  # type: ignore[operator]
    assert [(r.rec_type, h(r, "WARC-Target-URI")) for r in recs] == [
        ("request", a), ("response", a), ("request", b), ("response", b), ("request", c), ("response", c)]
    for req, resp in zip(recs[::2], recs[1::2]):
        assert h(req, "WARC-Concurrent-To") == h(resp, "WARC-Record-ID")
    assert recs[1].http_headers.get_header("Location") == b and recs[1].http_headers.get_statuscode() == "301"
    assert json.loads(h(recs[-1], "WARC-Archiver-Redirects") or "") == [a, b, c]
    assert (cap.url, cap.final_url, cap.redirects, cap.status) == (a, c, (a, b, c), 200)


def test_a_redirect_loop_keeps_the_hops_and_the_outcome(store: WarcStore, warcs: Path) -> None:
    a, b = URL, "https://example.org/b"
    loop = (hop(url=a, status=302, body=b"", headers=(("Location", b),)),
            hop(url=b, status=302, body=b"", headers=(("Location", a),)))
    cap = store.write_capture(a, result(*loop, outcome=Outcome.BAD_RESPONSE, detail=f"redirect loop at {a}"))
    assert [r.rec_type for r in records(warcs / cap.warc_file)] == ["warcinfo"] + ["request", "response"] * 2  # type: ignore[operator]
    assert (cap.outcome, cap.status, cap.final_url, cap.detail) == (Outcome.BAD_RESPONSE, 302, b, f"redirect loop at {a}")
    assert list(store.iter_captures()) == [cap]


def test_a_truncated_body_is_marked_and_its_length_fixed(store: WarcStore, warcs: Path) -> None:
    body = page(10_000)
    headers = (("Content-Type", "text/html"), ("Content-Length", "250000"))
    cut = hop(body=body, headers=headers, truncated=True)
    cap = store.write_capture(URL, result(cut, outcome=Outcome.TOO_LARGE, truncated=True))
    resp = records(warcs / cap.warc_file)[-1]  # type: ignore[operator]
    assert h(resp, "WARC-Truncated") == "length"
    assert resp.http_headers.get_header("Content-Length") == str(len(body))
    assert h(resp, "WARC-Archiver-Content-Length") == "250000"
    assert resp.body == body and cap.truncated and cap.outcome == Outcome.TOO_LARGE
    assert list(store.iter_captures()) == [cap]


def test_a_head_response_keeps_its_content_length(store: WarcStore, warcs: Path) -> None:
    head = hop(method="HEAD", body=b"", headers=(("Content-Length", "5000"),))
    cap = store.write_capture(URL, result(head))
    resp = records(warcs / cap.warc_file)[-1]  # type: ignore[operator]
    assert resp.http_headers.get_header("Content-Length") == "5000" and not cap.truncated


# --------------------------------------------------------------------------- metadata and side fetches


def test_metadata_and_exchanges_link_to_the_capture_and_are_not_captures(store: WarcStore, warcs: Path) -> None:
    cap = store.write_capture(URL, result(hop()))
    rid = store.record_id(cap)
    probe = store.write_metadata("https://example.org/no-such-page-x7", {"status": 404, "ok": False},
                                 concurrent_to=cap.id)
    side = store.write_exchange("https://publish.example.org/oembed?url=x",
                                result(hop(url="https://publish.example.org/oembed?url=x", body=b'{"html":"<p>x</p>"}')),
                                concurrent_to=rid)
    assert list(store.iter_captures()) == [cap]

    meta = store.read_record(probe.warc_file, probe.offset)
    assert meta.record_type == "metadata" and parse_fields(meta.payload) == {"status": 404, "ok": False}
    assert meta.header("WARC-Concurrent-To") == rid and meta.header("WARC-Record-ID") == probe.record_id
    resp = store.read_record(side.warc_file, side.offset)
    assert resp.record_type == "response" and resp.payload == b'{"html":"<p>x</p>"}'
    assert resp.header("WARC-Concurrent-To") == rid
    with pytest.raises(StoreError, match="unknown capture id"):
        store.write_metadata(URL, {}, concurrent_to="notacapture")


# --------------------------------------------------------------------------- files: rotation, instances


def mixed_results() -> Iterator[tuple[str, FetchResult, bool]]:
    """A day of checks: (url, result, revisit the previous capture of that url?)."""
    for i in range(12):
        url = f"https://example.org/{i % 3}"
        if i % 5 == 4:
            yield url, result(url=url, outcome=Outcome.CONNECT_ERROR, detail="refused", at=T0 + timedelta(hours=i)), False
        else:
            body = page(8000, seed=f"{i % 3}{i // 6}")
            yield url, result(hop(url=url, body=body), at=T0 + timedelta(hours=i), elapsed=i / 7), True


def write_mixed(store: WarcStore) -> list[Capture]:
    out: list[Capture] = []
    last: dict[str, Capture] = {}
    for url, res, revisit in mixed_results():
        cap = store.write_capture(url, res, previous=last.get(url) if revisit else None)
        last[url] = cap
        out.append(cap)
    return out


def test_files_rotate_past_the_size_limit_and_iter_captures_rebuilds_exactly(warcs: Path) -> None:
    with WarcStore(warcs, WarcConfig(max_file_size=6000), clock=Clock(), hostname="h") as store:
        written = write_mixed(store)
        files = store.files()
    assert len(files) > 3
    assert {c.record_type for c in written} == {"response", "revisit", "metadata"}
    for path in files:
        recs = records(path)
        assert recs[0].rec_type == "warcinfo" and all(r.rec_type != "warcinfo" for r in recs[1:])
    assert [p.name for p in files] == list(dict.fromkeys(c.warc_file for c in written))  # write order
    with WarcStore(warcs, WarcConfig(), hostname="h") as reader:
        assert list(reader.iter_captures()) == written


def test_every_instance_starts_a_new_file_and_never_touches_old_ones(warcs: Path) -> None:
    with WarcStore(warcs, WarcConfig(), clock=lambda: T0, hostname="h") as one:
        a = one.write_capture(URL, result(hop()))
    first = warcs / (a.warc_file or "")
    content = first.read_bytes()
    with WarcStore(warcs, WarcConfig(), clock=lambda: T0, hostname="h") as two:  # same clock tick
        b = two.write_capture(URL, result(hop()))
        assert two.read_payload(a) == b"<p>hello</p>"
    assert a.warc_file != b.warc_file and first.read_bytes() == content
    assert [c.warc_file for c in WarcStore(warcs, WarcConfig()).iter_captures()] == [a.warc_file, b.warc_file]


def test_a_store_that_never_writes_creates_no_file(warcs: Path) -> None:
    with WarcStore(warcs, WarcConfig()) as store:
        assert store.files() == [] and list(store.iter_captures()) == []
    with pytest.raises(StoreError, match="closed"):
        store.write_capture(URL, result(hop()))


def test_concurrent_writers_interleave_whole_captures(warcs: Path) -> None:
    with WarcStore(warcs, WarcConfig(max_file_size=50_000), fsync=False) as store:
        written: list[Capture] = []
        lock = threading.Lock()

        def work(n: int) -> None:
            for i in range(15):
                url = f"https://example.org/{n}/{i}"
                cap = store.write_capture(url, result(hop(url=url, body=page(3000, seed=f"{n}-{i}")), elapsed=n + i / 100))
                with lock:
                    written.append(cap)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        rebuilt = list(store.iter_captures())
    assert len(rebuilt) == 120 and sorted(rebuilt, key=lambda c: c.id) == sorted(written, key=lambda c: c.id)
    assert all(store.read_payload(c) == page(3000, seed=c.url.split("/", 3)[3].replace("/", "-")) for c in rebuilt[:10])


def test_each_capture_is_fsynced_before_write_capture_returns(
    warcs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    real_fsync = os.fsync

    def counting_fsync(fd: int) -> None:  # a spy: the real fsync still runs
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", counting_fsync)
    with WarcStore(warcs, WarcConfig()) as store:
        store.write_capture(URL, result(hop()))
        after_first = len(synced)  # warcinfo, the directory, the capture
        store.write_capture(URL, result(hop()))
        assert len(synced) == after_first + 1
    with WarcStore(warcs, WarcConfig(), fsync=False) as fast:
        fast.write_capture(URL, result(hop()))
    assert len(synced) == after_first + 1


# --------------------------------------------------------------------------- indexers


def test_warcio_index_and_cdxj_indexer_agree_with_capture_locations(store: WarcStore, warcs: Path) -> None:
    written = write_mixed(store)
    path = store.files()[0]
    out = subprocess.run([str(BIN / "warcio"), "index", "-f", "warc-record-id,offset,length", str(path)],
                         capture_output=True, text=True, check=True).stdout
    by_id = {row["warc-record-id"]: row for row in map(json.loads, out.splitlines())}
    located = {capture_id(rid): (int(row["offset"]), int(row["length"])) for rid, row in by_id.items()}
    for cap in written:
        assert located[cap.id] == (cap.warc_offset, cap.warc_length)

    cdxj = subprocess.run([str(BIN / "cdxj-indexer"), str(path)], capture_output=True, text=True, check=True).stdout
    lines = [json.loads(line.split(" ", 2)[2]) for line in cdxj.splitlines()]
    indexed = {(int(x["offset"]), int(x["length"])) for x in lines}
    assert {(c.warc_offset, c.warc_length) for c in written if c.record_type != "metadata"} <= indexed
    checked = subprocess.run([str(BIN / "warcio"), "check", "-v", str(path)], capture_output=True, text=True, check=True)
    assert "digest pass" in checked.stdout and "failed" not in checked.stdout


# --------------------------------------------------------------------------- recovery


def test_recover_cuts_a_torn_last_record(warcs: Path) -> None:
    with WarcStore(warcs, WarcConfig(), clock=Clock(), hostname="h") as store:
        kept = [store.write_capture(URL, result(hop(body=page(9000, seed=s)))) for s in "ab"]
        lost = store.write_capture(URL, result(hop(body=page(9000, seed="c"))))
    path = warcs / (lost.warc_file or "")
    torn = (lost.warc_offset or 0) + (lost.warc_length or 0) // 2  # kill -9 in the middle of the final record
    with open(path, "r+b") as fh:
        fh.truncate(torn)

    with WarcStore(warcs, WarcConfig(), hostname="h") as restarted:
        messages = restarted.recover()
        assert len(messages) == 1 and path.name in messages[0] and "torn" in messages[0]
        assert restarted.recover() == []  # now sound: a second pass changes nothing
        assert list(restarted.iter_captures()) == kept
        again = restarted.write_capture(URL, result(hop()))
    assert again.warc_file != path.name  # the repaired file stays closed
    # b's response, then lost's request: whole but orphaned (no final record), so never indexed
    assert [r.rec_type for r in records(path)][-2:] == ["response", "request"]
    assert path.stat().st_size < torn


def test_captures_read_from_a_mid_file_offset_keep_their_own_offsets(warcs: Path) -> None:
    # After a kill -9 the writer indexes the captures past each file's indexed mark, which is
    # mid-file once a batch was committed; each must point at its own record, not past the EOF.
    with WarcStore(warcs, WarcConfig(), clock=Clock(), hostname="h") as store:
        written = write_mixed(store)
    name = written[0].warc_file or ""
    assert all(c.warc_file == name for c in written)
    mark = (written[3].warc_offset or 0) + (written[3].warc_length or 0)  # captures 0-3 indexed, then the crash
    with WarcStore(warcs, WarcConfig(), hostname="h") as reader:
        progress: list[int] = []
        found = list(reader.iter_captures_from(name, mark, progress))
        assert found == written[4:]
        assert progress == [(warcs / name).stat().st_size]
        for capture in found:
            assert reader.read_record(name, capture.warc_offset or 0, limit=0).header("WARC-Record-ID")


def test_recover_moves_a_wholly_broken_file_aside(warcs: Path) -> None:
    with WarcStore(warcs, WarcConfig(), hostname="h") as store:
        cap = store.write_capture(URL, result(hop()))
    path = warcs / (cap.warc_file or "")
    with open(path, "r+b") as fh:
        fh.truncate(40)  # torn inside the warcinfo record
    (warcs / "archiver-empty.warc.gz").write_bytes(b"")
    with WarcStore(warcs, WarcConfig(), hostname="h") as restarted:
        messages = restarted.recover()
    assert len(messages) == 2 and all("moved aside" in m for m in messages)
    assert not path.exists() and (warcs / (path.name + ".damaged")).read_bytes()[:2] == b"\x1f\x8b"


def test_recover_leaves_sound_files_alone(store: WarcStore, warcs: Path) -> None:
    write_mixed(store)
    before = {p: p.read_bytes() for p in store.files()}
    assert WarcStore(warcs, WarcConfig()).recover() == []
    assert {p: p.read_bytes() for p in store.files()} == before


def test_read_record_refuses_paths_and_bad_offsets(store: WarcStore) -> None:
    cap = store.write_capture(URL, result(hop()))
    with pytest.raises(StoreError):
        store.read_record("../escape.warc.gz", 0)
    with pytest.raises(StoreError):
        store.read_record(cap.warc_file or "", 10**9)
