"""Fetcher against real servers on 127.0.0.1: pages, redirects, limits, encodings, failures, policy.

Ordinary pages come from pytest-httpserver; malformed responses, trickles, silence and the
forwarding proxy from ``tests/servers.py``. Nothing is mocked; only the throttle's clock is injected.
"""

from __future__ import annotations

import gzip
import logging
import platform
import socket
import ssl
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from pytest_httpserver import HTTPServer
from servers import Server, forwarding_proxy, keep_alive, respond, silent, trickle
from werkzeug import Request, Response

from archiver.config import DEFAULT_USER_AGENT, FetchConfig
from archiver.fetch import AddressPolicy, Fetcher, HostThrottle
from archiver.fetch.decode import BROTLI
from archiver.models import FetchResult, Outcome, payload_digest

FAST = FetchConfig(connect_timeout=2.0, read_timeout=2.0, deadline=5.0, max_bytes=1_000_000)


@pytest.fixture(scope="module")
def _origin_server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def origin(_origin_server: HTTPServer) -> Iterator[HTTPServer]:
    """A real HTTP server on 127.0.0.1, handlers and log reset for every test."""
    _origin_server.clear()
    yield _origin_server
    _origin_server.clear()


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(FAST) as f:
        yield f


def fetch_with(config: FetchConfig, url: str, **kwargs: object) -> FetchResult:
    with Fetcher(config, **kwargs) as f:  # type: ignore[arg-type]
        return f.fetch(url)


class FakeClock:
    """An injected clock for HostThrottle: ``sleep`` advances time instead of waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    sock.close()  # nothing listens there now: connecting is refused
    return port


# ---------------------------------------------------------------------- pages and hops


def test_page_is_ok_and_its_hop_is_recorded(origin: HTTPServer, fetcher: Fetcher) -> None:
    origin.expect_request("/a").respond_with_data(b"<p>hello</p>", content_type="text/html; charset=utf-8")
    result = fetcher.fetch(origin.url_for("/a"))
    assert result.outcome is Outcome.OK
    assert result.status == 200 and result.content == b"<p>hello</p>" and not result.truncated
    (hop,) = result.hops
    assert hop.url == origin.url_for("/a") and hop.method == "GET"
    assert hop.reason == "OK" and hop.http_version in ("HTTP/1.0", "HTTP/1.1")
    assert hop.header("Content-Type") == "text/html; charset=utf-8"
    assert hop.body == b"<p>hello</p>" and hop.ip == "127.0.0.1" and not hop.truncated
    sent = dict(hop.request_headers)
    assert sent["Host"] == f"127.0.0.1:{origin.port}"
    assert sent["Accept-Encoding"].startswith("gzip, deflate")
    assert result.elapsed > 0 and result.started_at.tzinfo is not None


def test_user_agent_from_config_is_sent(origin: HTTPServer) -> None:
    origin.expect_request("/ua").respond_with_data(b"ok")
    fetch_with(FetchConfig(user_agent="archiver-test/1.0 (+mailto:ops@example.org)"), origin.url_for("/ua"))
    fetch_with(FAST, origin.url_for("/ua"))
    agents = [request.headers["User-Agent"] for request, _ in origin.log]
    assert agents == ["archiver-test/1.0 (+mailto:ops@example.org)", DEFAULT_USER_AGENT]
    assert "archiver" in DEFAULT_USER_AGENT


def test_recorded_request_headers_are_the_ones_on_the_wire(fetcher: Fetcher) -> None:
    with Server(respond(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")) as server:
        result = fetcher.fetch(server.url("/x?q=1"), headers={"X-Trace": "t1"})
    lines = server.requests[0].decode("latin-1").split("\r\n")
    assert lines[0] == "GET /x?q=1 HTTP/1.1"
    on_wire = [tuple(line.split(": ", 1)) for line in lines[1:] if line]
    assert list(result.hops[0].request_headers) == on_wire
    assert ("X-Trace", "t1") in on_wire


def test_response_headers_keep_wire_order_repeats_and_odd_bytes(fetcher: Fetcher) -> None:
    raw = (
        b"HTTP/1.0 200 Fine\r\nX-B: 2\r\nSet-Cookie: a=1\r\nX-A: 1\r\nSet-Cookie: b=2\r\n"
        b"X-Name: caf\xe9\r\nContent-Length: 2\r\n\r\nok"
    )
    with Server(respond(raw)) as server:
        result = fetcher.fetch(server.url())
    hop = result.hops[0]
    assert [k for k, _ in hop.response_headers] == [
        "X-B",
        "Set-Cookie",
        "X-A",
        "Set-Cookie",
        "X-Name",
        "Content-Length",
    ]
    assert hop.header("x-name") == "caf\xe9"  # latin-1 round-trips to the bytes sent
    assert hop.http_version == "HTTP/1.0" and hop.reason == "Fine"


# ---------------------------------------------------------------------- redirects


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_status_is_followed_with_relative_location(
    origin: HTTPServer, fetcher: Fetcher, status: int
) -> None:
    origin.expect_request("/dir/old").respond_with_data(b"", status=status, headers={"Location": "../new"})
    origin.expect_request("/new").respond_with_data(b"moved here")
    result = fetcher.fetch(origin.url_for("/dir/old"))
    assert result.outcome is Outcome.OK
    assert result.redirects == (origin.url_for("/dir/old"), origin.url_for("/new"))
    assert [h.status for h in result.hops] == [status, 200]
    assert result.content == b"moved here" and result.final_url == origin.url_for("/new")


def test_redirect_chain_of_three_hops_is_recorded(origin: HTTPServer, fetcher: Fetcher) -> None:
    origin.expect_request("/1").respond_with_data(b"", status=301, headers={"Location": "/2"})
    origin.expect_request("/2").respond_with_data(b"", status=302, headers={"Location": origin.url_for("/3")})
    origin.expect_request("/3").respond_with_data(b"", status=308, headers={"Location": "4?x=1"})
    origin.expect_request("/4").respond_with_data(b"end")
    result = fetcher.fetch(origin.url_for("/1"))
    assert [h.status for h in result.hops] == [301, 302, 308, 200]
    assert result.final_url == origin.url_for("/4") + "?x=1"


def test_redirect_loop_is_bad_response_with_hops_kept(origin: HTTPServer, fetcher: Fetcher) -> None:
    origin.expect_request("/a").respond_with_data(b"", status=302, headers={"Location": "/b"})
    origin.expect_request("/b").respond_with_data(b"", status=302, headers={"Location": "/a"})
    result = fetcher.fetch(origin.url_for("/a"))
    assert result.outcome is Outcome.BAD_RESPONSE
    assert result.detail.startswith("redirect loop: ")
    assert [h.url for h in result.hops] == [origin.url_for("/a"), origin.url_for("/b")]


def test_self_redirect_that_sets_a_cookie_is_not_a_loop(origin: HTTPServer, fetcher: Fetcher) -> None:
    def consent(request: Request) -> Response:
        if request.cookies.get("seen") == "1":
            return Response(b"article")
        return Response(b"", status=302, headers={"Location": "/story", "Set-Cookie": "seen=1; Path=/"})

    origin.expect_request("/story").respond_with_handler(consent)
    result = fetcher.fetch(origin.url_for("/story"))
    assert result.outcome is Outcome.OK and result.content == b"article"
    assert [h.status for h in result.hops] == [302, 200]


def test_too_many_redirects_is_bad_response(origin: HTTPServer) -> None:
    for i in range(10):
        origin.expect_request(f"/r{i}").respond_with_data(b"", status=302, headers={"Location": f"/r{i + 1}"})
    result = fetch_with(FetchConfig(max_redirects=3), origin.url_for("/r0"))
    assert result.outcome is Outcome.BAD_RESPONSE
    assert result.detail.startswith("too many redirects (4")
    assert len(result.hops) == 4 and all(h.status == 302 for h in result.hops)


def test_utf8_location_header_is_followed(fetcher: Fetcher, origin: HTTPServer) -> None:
    origin.expect_request("/caf\u00e9").respond_with_data(b"accent")
    location = f"http://127.0.0.1:{origin.port}/caf\u00e9".encode()
    with Server(
        respond(b"HTTP/1.1 301 Moved\r\nLocation: %s\r\nContent-Length: 0\r\n\r\n" % location)
    ) as server:
        result = fetcher.fetch(server.url())
    assert result.outcome is Outcome.OK and result.content == b"accent"
    assert result.final_url == f"http://127.0.0.1:{origin.port}/caf\u00e9"


@pytest.mark.allow_hosts(["127.0.0.0/8", "::1"])
def test_credentials_are_not_sent_to_another_host_after_a_redirect(
    origin: HTTPServer, fetcher: Fetcher
) -> None:
    with Server(respond(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), host="127.0.0.2") as other:
        origin.expect_request("/a").respond_with_data(b"", status=302, headers={"Location": other.url("/b")})
        result = fetcher.fetch(
            origin.url_for("/a"), headers={"Authorization": "Bearer s3cret", "X-Trace": "t1"}
        )
    assert result.outcome is Outcome.OK
    assert origin.log[0][0].headers["Authorization"] == "Bearer s3cret"
    assert b"Authorization" not in other.requests[0] and b"X-Trace: t1" in other.requests[0]


def test_cookies_do_not_carry_over_from_one_fetch_to_the_next(origin: HTTPServer, fetcher: Fetcher) -> None:
    origin.expect_request("/set").respond_with_data(b"", headers={"Set-Cookie": "meter=1; Path=/"})
    origin.expect_request("/next").respond_with_data(b"")
    fetcher.fetch(origin.url_for("/set"))
    fetcher.fetch(origin.url_for("/next"))
    assert "Cookie" not in origin.log[1][0].headers


def test_failure_after_a_redirect_keeps_the_redirect_hop(origin: HTTPServer, fetcher: Fetcher) -> None:
    dead = f"http://127.0.0.1:{closed_port()}/gone"
    origin.expect_request("/a").respond_with_data(b"", status=301, headers={"Location": dead})
    result = fetcher.fetch(origin.url_for("/a"))
    assert result.outcome is Outcome.CONNECT_ERROR
    assert result.detail == f"connection refused (at {dead})"
    assert [h.status for h in result.hops] == [301]


def test_a_redirect_to_a_broken_url_keeps_the_redirect_hop(fetcher: Fetcher) -> None:
    # requests' Session.send parsed the Location even without following it, and its ValueError
    # lost the response; the hop is kept now, and the chain ends on the bad target.
    with Server(respond(b"HTTP/1.1 302 Found\r\nLocation: http://[::1\r\nContent-Length: 0\r\n\r\n")) as server:
        result = fetcher.fetch(server.url("/moved"))
    assert result.outcome is Outcome.BAD_RESPONSE
    assert result.detail.startswith("redirect to a bad URL: malformed URL")
    assert [(h.url, h.status, h.location) for h in result.hops] == [(server.url("/moved"), 302, "http://[::1")]


def test_credentials_in_the_url_are_sent_as_basic_auth_and_not_in_the_request_line(fetcher: Fetcher) -> None:
    with Server(respond(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")) as server:
        url = server.url("/private").replace("http://", "http://reader:s%40fe@")
        result = fetcher.fetch(url)
    head = server.requests[0].decode("latin-1")
    assert result.outcome is Outcome.OK and head.startswith("GET /private HTTP/1.1\r\n")
    assert "Authorization: Basic cmVhZGVyOnNAZmU=\r\n" in head  # base64("reader:s@fe")
    assert ("Authorization", "Basic cmVhZGVyOnNAZmU=") in result.hops[0].request_headers


@pytest.mark.allow_hosts(["127.0.0.0/8", "::1"])
def test_a_cookie_set_in_a_chain_goes_only_to_its_own_host(origin: HTTPServer, fetcher: Fetcher) -> None:
    with Server(respond(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), host="127.0.0.2") as other:
        origin.expect_request("/a").respond_with_data(
            b"", status=302, headers={"Location": "/b", "Set-Cookie": "session=1; Path=/"}
        )
        origin.expect_request("/b").respond_with_data(b"", status=302, headers={"Location": other.url("/c")})
        result = fetcher.fetch(origin.url_for("/a"))
    assert [h.status for h in result.hops] == [302, 302, 200]
    assert origin.log[1][0].headers.get("Cookie") == "session=1"
    assert b"Cookie" not in other.requests[0]
    assert ("Cookie", "session=1") in result.hops[1].request_headers


# ---------------------------------------------------------------------- HTTP errors


@pytest.mark.parametrize("status", [404, 410, 500])
def test_http_error_status_keeps_hops_and_body(origin: HTTPServer, fetcher: Fetcher, status: int) -> None:
    origin.expect_request("/e").respond_with_data(b"<h1>nope</h1>", status=status)
    result = fetcher.fetch(origin.url_for("/e"))
    assert result.outcome is Outcome.HTTP_ERROR and result.status == status
    assert result.hops[0].body == b"<h1>nope</h1>" and result.content == b"<h1>nope</h1>"


def test_retry_after_on_429_defers_the_host_and_returns_the_response(origin: HTTPServer) -> None:
    clock = FakeClock()
    throttle = HostThrottle(per_host_delay=0, clock=clock, sleep=clock.sleep)
    origin.expect_request("/busy").respond_with_data(b"slow down", status=429, headers={"Retry-After": "120"})
    result = fetch_with(FAST, origin.url_for("/busy"), throttle=throttle)
    assert result.outcome is Outcome.HTTP_ERROR and result.status == 429 and result.content == b"slow down"
    assert throttle.deferred_until("127.0.0.1") == clock.now + 120


def test_every_hop_takes_a_throttle_slot(origin: HTTPServer) -> None:
    clock = FakeClock()
    throttle = HostThrottle(per_host_delay=1.0, clock=clock, sleep=clock.sleep)
    origin.expect_request("/a").respond_with_data(b"", status=302, headers={"Location": "/b"})
    origin.expect_request("/b").respond_with_data(b"", status=302, headers={"Location": "/c"})
    origin.expect_request("/c").respond_with_data(b"ok")
    result = fetch_with(FAST, origin.url_for("/a"), throttle=throttle)
    assert result.outcome is Outcome.OK
    assert clock.sleeps == [1.0, 1.0]  # three requests to one host: two waits of per_host_delay


# ---------------------------------------------------------------------- size and time limits


def test_slow_trickle_is_cut_at_the_deadline(fetcher: Fetcher) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n"
    config = FetchConfig(read_timeout=5.0, deadline=1.0)
    with Server(trickle(head, interval=0.05)) as server:
        result = fetch_with(config, server.url())
    assert result.outcome is Outcome.TIMEOUT
    assert result.detail == "deadline of 1s exceeded"
    assert result.hops[0].truncated and set(result.hops[0].body) == {ord("x")}


def test_silent_server_is_a_read_timeout() -> None:
    with Server(silent) as server:
        result = fetch_with(FetchConfig(read_timeout=0.3, deadline=5.0), server.url())
    assert result.outcome is Outcome.TIMEOUT
    assert result.detail == "read timed out"
    assert result.hops == ()


def test_oversized_body_is_cut_at_the_byte_cap(origin: HTTPServer) -> None:
    body = bytes(range(256)) * 40
    origin.expect_request("/big").respond_with_data(body, content_type="application/octet-stream")
    result = fetch_with(FetchConfig(max_bytes=1000), origin.url_for("/big"))
    assert result.outcome is Outcome.TOO_LARGE and result.truncated
    assert result.hops[0].truncated and result.hops[0].body == body[:1000]
    assert result.content == body[:1000]
    assert result.detail == "body larger than 1000 bytes (cut)"


def test_the_digest_made_while_reading_is_that_of_the_body_kept(origin: HTTPServer) -> None:
    # The fetcher hashes each piece as it spools it (one pass); the digest must be the body's,
    # whole, cut at the byte cap, or after a redirect.
    body = bytes(range(256)) * 400
    origin.expect_request("/big").respond_with_data(body, content_type="application/octet-stream")
    origin.expect_request("/moved").respond_with_data(b"", status=302, headers={"Location": "/big"})
    whole = fetch_with(FAST, origin.url_for("/moved"))
    cut = fetch_with(FetchConfig(max_bytes=70_000), origin.url_for("/big"))
    for result in (whole, cut):
        for hop in result.hops:
            assert hop.digest == payload_digest(hop.body)
    assert whole.payload_digest == payload_digest(body) and len(whole.hops) == 2
    assert cut.payload_digest == payload_digest(body[:70_000]) and cut.truncated


def test_body_exactly_at_the_cap_is_not_truncated(origin: HTTPServer) -> None:
    origin.expect_request("/exact").respond_with_data(b"y" * 1000)
    result = fetch_with(FetchConfig(max_bytes=1000), origin.url_for("/exact"))
    assert result.outcome is Outcome.OK and not result.truncated and len(result.content) == 1000


# ---------------------------------------------------------------------- encodings and bytes


def test_gzip_body_is_kept_as_sent_and_content_is_decoded(origin: HTTPServer, fetcher: Fetcher) -> None:
    page = b"<p>" + b"compressed words " * 200 + b"</p>"
    packed = gzip.compress(page)
    origin.expect_request("/gz").respond_with_data(packed, headers={"Content-Encoding": "gzip"})
    result = fetcher.fetch(origin.url_for("/gz"))
    assert result.outcome is Outcome.OK
    assert result.hops[0].body == packed  # the WARC gets what the server sent
    assert result.content == page


def test_gzip_bomb_is_bounded_by_max_bytes(origin: HTTPServer) -> None:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    bomb = b"".join(packer.compress(block) for _ in range(64)) + packer.flush()  # 64 MiB of zeros
    assert len(bomb) < 100_000
    origin.expect_request("/bomb").respond_with_data(bomb, headers={"Content-Encoding": "gzip"})
    result = fetch_with(FetchConfig(max_bytes=200_000), origin.url_for("/bomb"))
    assert result.hops[0].body == bomb and not result.hops[0].truncated
    assert len(result.content) == 200_000 and result.truncated
    assert result.outcome is Outcome.TOO_LARGE
    assert result.detail == "decoded body larger than 200000 bytes (cut)"


def test_corrupt_gzip_gives_empty_content_and_a_detail(origin: HTTPServer, fetcher: Fetcher) -> None:
    origin.expect_request("/bad").respond_with_data(
        b"\x1f\x8b\x08garbage", headers={"Content-Encoding": "gzip"}
    )
    result = fetcher.fetch(origin.url_for("/bad"))
    assert result.outcome is Outcome.OK  # by status; the WARC still records the bytes
    assert result.content == b"" and result.hops[0].body == b"\x1f\x8b\x08garbage"
    assert result.detail.startswith("corrupt gzip body")


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS], ids=["zlib-wrapped", "raw-deflate"])
def test_deflate_body_is_decoded(origin: HTTPServer, fetcher: Fetcher, wbits: int) -> None:
    page = b"deflated text " * 50
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
    packed = packer.compress(page) + packer.flush()
    origin.expect_request("/df").respond_with_data(packed, headers={"Content-Encoding": "deflate"})
    result = fetcher.fetch(origin.url_for("/df"))
    assert result.hops[0].body == packed and result.content == page


@pytest.mark.skipif(BROTLI is None, reason="no brotli module with a bounded decoder (brotli >= 1.2)")
def test_brotli_body_is_decoded_when_a_bounded_decoder_is_installed(
    origin: HTTPServer, fetcher: Fetcher
) -> None:
    assert BROTLI is not None
    page = b"brotli text " * 50
    origin.expect_request("/br").respond_with_data(BROTLI.compress(page), headers={"Content-Encoding": "br"})
    result = fetcher.fetch(origin.url_for("/br"))
    assert result.content == page
    assert dict(result.hops[0].request_headers)["Accept-Encoding"] == "gzip, deflate, br"


def test_unsupported_content_encoding_gives_empty_content_and_a_detail(
    origin: HTTPServer, fetcher: Fetcher
) -> None:
    origin.expect_request("/z").respond_with_data(
        b"\x28\xb5\x2f\xfd...", headers={"Content-Encoding": "zstd"}
    )
    result = fetcher.fetch(origin.url_for("/z"))
    assert result.outcome is Outcome.OK and result.content == b""
    assert result.detail == "unsupported content-encoding: zstd"
    assert result.hops[0].body == b"\x28\xb5\x2f\xfd..."


def test_windows_1252_body_bytes_are_unchanged(origin: HTTPServer, fetcher: Fetcher) -> None:
    body = "<p>Caf\u00e9 \u2013 \u201cquoted\u201d \u20ac5</p>".encode("cp1252")
    origin.expect_request("/cp").respond_with_data(body, content_type="text/html; charset=windows-1252")
    result = fetcher.fetch(origin.url_for("/cp"))
    assert result.hops[0].body == body and result.content == body


def test_pdf_binary_is_intact(origin: HTTPServer, fetcher: Fetcher) -> None:
    pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 64 + b"\n%%EOF\n"
    origin.expect_request("/doc.pdf").respond_with_data(pdf, content_type="application/pdf")
    result = fetcher.fetch(origin.url_for("/doc.pdf"))
    assert result.outcome is Outcome.OK and result.content_type == "application/pdf"
    assert result.hops[0].body == pdf and result.content == pdf


# ---------------------------------------------------------------------- malformed responses


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        pytest.param(b"HTTX/1.1 200 OK\r\n\r\n", "malformed status line", id="bad-status-line"),
        pytest.param(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100\r\nonly a few bytes",
            "broken chunked encoding",
            id="truncated-chunked",
        ),
        pytest.param(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
            "broken chunked encoding",
            id="bad-chunk-size",
        ),
        pytest.param(
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly twenty-two bytes",
            "body shorter than announced",
            id="short-content-length",
        ),
    ],
)
def test_malformed_response_is_bad_response(fetcher: Fetcher, raw: bytes, detail: str) -> None:
    with Server(respond(raw)) as server:
        result = fetcher.fetch(server.url())
    assert result.outcome is Outcome.BAD_RESPONSE
    assert result.detail.startswith(detail), result.detail


def test_empty_reply_is_a_connect_error(fetcher: Fetcher) -> None:
    with Server(respond(b"")) as server:
        result = fetcher.fetch(server.url())
    assert result.outcome is Outcome.CONNECT_ERROR
    assert result.detail == "server closed the connection without a response"


@pytest.mark.parametrize(
    "url", ["not a url", "ftp://example.org/file", "http://", "http://[::1/", "http://example.org:99999/", ""]
)
def test_malformed_url_is_bad_response_not_an_exception(fetcher: Fetcher, url: str) -> None:
    result = fetcher.fetch(url)
    assert result.outcome is Outcome.BAD_RESPONSE and result.detail and result.hops == ()


# ---------------------------------------------------------------------- network failures


def test_closed_port_is_connection_refused(fetcher: Fetcher) -> None:
    result = fetcher.fetch(f"http://127.0.0.1:{closed_port()}/")
    assert result.outcome is Outcome.CONNECT_ERROR and result.detail == "connection refused"


# A real name-resolution failure with no packet leaving the machine: glibc's resolver refuses a
# name that is not a valid host name ("!") before building a query (checked with strace: no
# sendto), and the name sits under the reserved .invalid TLD (RFC 6761) besides. pytest-socket's
# --allow-hosts only guards connect(), not getaddrinfo, so the test must not rely on it.
@pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="relies on glibc refusing invalid names locally"
)
def test_unresolvable_name_is_dns_error(fetcher: Fetcher) -> None:
    result = fetcher.fetch("http://no!such-host.invalid/")
    assert result.outcome is Outcome.DNS_ERROR and result.detail == "name does not resolve"


def _resolver_is_local() -> bool:
    try:
        lines = Path("/etc/resolv.conf").read_text().splitlines()
    except OSError:
        return False
    servers = [line.split()[1] for line in lines if line.startswith("nameserver") and len(line.split()) > 1]
    return bool(servers) and all(s.startswith("127.") or s == "::1" for s in servers)


@pytest.mark.skipif(
    not _resolver_is_local(), reason="the resolver is off this machine: the query would leave it"
)
def test_reserved_invalid_tld_is_dns_error(fetcher: Fetcher) -> None:
    result = fetcher.fetch("http://archiver-test.invalid/")
    assert result.outcome is Outcome.DNS_ERROR


def test_http_proxy_from_environment_is_used(origin: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    origin.expect_request("/via-proxy").respond_with_data(b"proxied page")
    with Server(forwarding_proxy) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url())
        result = fetch_with(FAST, origin.url_for("/via-proxy"))
    assert result.outcome is Outcome.OK and result.content == b"proxied page"
    assert proxy.requests[0].startswith(f"GET {origin.url_for('/via-proxy')} HTTP/1.1\r\n".encode())
    assert result.hops[0].ip is None  # the peer was the proxy, not the site


def test_no_proxy_bypasses_the_proxy(origin: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    origin.expect_request("/direct").respond_with_data(b"direct page")
    with Server(forwarding_proxy) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url())
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        result = fetch_with(FAST, origin.url_for("/direct"))
    assert result.content == b"direct page" and proxy.requests == []
    assert result.hops[0].ip == "127.0.0.1"


@pytest.fixture(scope="module")
def tls_origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[HTTPServer, Path]]:
    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    bundle = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.expect_request("/secure").respond_with_data(b"over tls")
    server.start()
    yield server, bundle
    server.stop()


def test_tls_trusts_the_ca_bundle_from_the_environment(
    tls_origin: tuple[HTTPServer, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, bundle = tls_origin
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    result = fetch_with(FAST, server.url_for("/secure"))
    assert server.url_for("/secure").startswith("https://")
    assert result.outcome is Outcome.OK and result.content == b"over tls"
    assert result.hops[0].ip == "127.0.0.1"


def test_tls_without_the_ca_is_a_tls_error(tls_origin: tuple[HTTPServer, Path]) -> None:
    server, _ = tls_origin
    result = fetch_with(FAST, server.url_for("/secure"))
    assert result.outcome is Outcome.TLS_ERROR
    assert result.detail.startswith("certificate verify failed: ")


# ---------------------------------------------------------------------- address policy


def test_untrusted_url_to_loopback_is_blocked_before_any_request(
    origin: HTTPServer, fetcher: Fetcher
) -> None:
    origin.expect_request("/private").respond_with_data(b"secret")
    result = fetcher.fetch(origin.url_for("/private"), untrusted=True)
    assert result.outcome is Outcome.BLOCKED
    assert result.detail.endswith("points at a loopback address (127.0.0.1)")
    assert origin.log == [] and result.hops == ()


def test_untrusted_localhost_name_is_blocked(fetcher: Fetcher) -> None:
    result = fetcher.fetch("http://localhost:9/", untrusted=True)
    assert result.outcome is Outcome.BLOCKED and result.detail.endswith("is a local host name (localhost)")


def test_operator_url_on_loopback_may_redirect_to_loopback(origin: HTTPServer, fetcher: Fetcher) -> None:
    origin.expect_request("/a").respond_with_data(b"", status=302, headers={"Location": "/b"})
    origin.expect_request("/b").respond_with_data(b"fine")
    result = fetcher.fetch(origin.url_for("/a"))
    assert result.outcome is Outcome.OK and result.content == b"fine"


# 127.0.0.2 plays a public site: the policy is told to treat it as public (an operator's
# exemption, a real production option), so the production rule is what refuses the hop to
# 127.0.0.1. pytest-socket is widened to loopback /8 for the second loopback address.
@pytest.mark.allow_hosts(["127.0.0.0/8", "::1"])
@pytest.mark.parametrize("untrusted", [False, True], ids=["operator-url", "document-url"])
def test_redirect_from_public_to_private_is_blocked(origin: HTTPServer, untrusted: bool) -> None:
    origin.expect_request("/internal").respond_with_data(b"internal data")
    target = origin.url_for("/internal").encode()
    redirect = b"HTTP/1.1 302 Found\r\nLocation: %s\r\nContent-Length: 0\r\n\r\n" % target
    policy = AddressPolicy(exempt=["127.0.0.2/32"])
    with Server(respond(redirect), host="127.0.0.2") as public, Fetcher(FAST, policy=policy) as fetcher:
        result = fetcher.fetch(public.url("/link"), untrusted=untrusted)
    assert result.outcome is Outcome.BLOCKED
    assert result.detail == f"{target.decode()} points at a loopback address (127.0.0.1)"
    assert [h.status for h in result.hops] == [302] and result.hops[0].ip == "127.0.0.2"
    assert origin.log == []


class _RebindingPolicy(AddressPolicy):
    """Resolution at check time says "public"; the connection then lands on loopback (DNS rebinding)."""

    def check(self, url: str) -> str | None:
        return None


def test_connection_that_lands_on_a_private_address_is_blocked(origin: HTTPServer) -> None:
    origin.expect_request("/x").respond_with_data(b"secret")
    with Fetcher(FAST, policy=_RebindingPolicy()) as fetcher:
        result = fetcher.fetch(origin.url_for("/x"), untrusted=True)
    assert result.outcome is Outcome.BLOCKED
    assert result.detail.endswith("connected to a loopback address (127.0.0.1)")
    assert result.hops == ()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/", "points at a loopback address (127.0.0.1)"),
        ("http://127.1/", "points at a loopback address (127.0.0.1)"),
        ("http://[::1]/", "points at a loopback address (::1)"),
        ("http://[::ffff:127.0.0.1]/", "points at a loopback address (::ffff:7f00:1)"),
        ("http://10.1.2.3/", "points at a private address (10.1.2.3)"),
        ("http://192.168.0.1/", "points at a private address (192.168.0.1)"),
        ("http://169.254.169.254/latest/meta-data/", "points at a cloud metadata address (169.254.169.254)"),
        ("http://169.254.1.1/", "points at a link-local address (169.254.1.1)"),
        ("http://[fe80::1]/", "points at a link-local address (fe80::1)"),
        ("http://[fd12:3456::1]/", "points at a unique-local address (fd12:3456::1)"),
        ("http://224.0.0.1/", "points at a multicast address (224.0.0.1)"),
        ("http://0.0.0.0/", "points at an unspecified address (0.0.0.0)"),
        ("http://240.0.0.1/", "points at a reserved address (240.0.0.1)"),
        ("http://100.64.0.1/", "points at a non-public address (100.64.0.1)"),
        ("http://localhost/", "is a local host name (localhost)"),
        ("http://app.localhost/", "is a local host name (app.localhost)"),
        ("http://metadata.google.internal/", "is a cloud metadata host name (metadata.google.internal)"),
        ("http://93.184.215.14/", None),
        ("https://[2606:4700:4700::1111]/", None),
    ],
)
def test_address_policy(url: str, reason: str | None) -> None:
    assert AddressPolicy().check(url) == reason


def test_allow_private_lifts_address_rules_but_not_metadata() -> None:
    policy = AddressPolicy(allow_private=True)
    assert policy.check("http://10.1.2.3/") is None and policy.check("http://localhost/") is None
    assert policy.check("http://169.254.169.254/") == "points at a cloud metadata address (169.254.169.254)"


def test_exempt_networks_are_treated_as_public() -> None:
    policy = AddressPolicy(exempt=["10.20.0.0/16"])
    assert policy.check("http://10.20.3.4/") is None
    assert policy.check("http://10.21.0.1/") == "points at a private address (10.21.0.1)"


# ---------------------------------------------------------------------- sessions and logging


def test_each_thread_gets_its_own_session_and_close_closes_them_all() -> None:
    with Server(keep_alive(b"kept")) as server:
        fetcher = Fetcher(FAST)
        assert fetcher.fetch(server.url("/1")).content == b"kept"
        assert fetcher.fetch(server.url("/2")).content == b"kept"
        assert server.connections == 1  # one thread: its session's pooled connection is reused
        other = threading.Thread(target=fetcher.fetch, args=(server.url("/3"),))
        other.start()
        other.join()
        assert len(server.requests) == 3
        assert server.connections == 2  # another thread: its own session, its own connection
        fetcher.close()
        assert server.wait_closed(2)  # close() closed both sessions' connections


def test_one_info_log_line_per_request(
    origin: HTTPServer, fetcher: Fetcher, caplog: pytest.LogCaptureFixture
) -> None:
    origin.expect_request("/a").respond_with_data(b"", status=301, headers={"Location": "/b"})
    origin.expect_request("/b").respond_with_data(b"12345")
    with caplog.at_level(logging.INFO, logger="archiver.fetch"):
        fetcher.fetch(origin.url_for("/a"))
    lines = [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("archiver.fetch") and r.levelno == logging.INFO
    ]
    assert len(lines) == 2
    assert lines[0].startswith(f"GET {origin.url_for('/a')} -> 301 ")
    assert lines[1].startswith(f"GET {origin.url_for('/b')} -> 200 OK (") and "5 bytes" in lines[1]
