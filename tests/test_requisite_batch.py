"""Requisites of one check batch: a host whose name does not resolve is looked up once per batch.

A real resolution failure with no packet leaving the machine, as in test_fetch: glibc refuses a
name that is not a valid host name ("!") before building a query, under the reserved .invalid TLD.
"""

from __future__ import annotations

import platform
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from warcio.archiveiterator import ArchiveIterator

from archiver.config import FetchConfig, RequisitesConfig, WarcConfig
from archiver.fetch import Fetcher
from archiver.models import FetchResult, Outcome
from archiver.requisites import RequisiteFetcher
from archiver.warcstore import WarcStore

DEAD = "http://no!such-host.invalid"
pytestmark = pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="relies on glibc refusing invalid names locally"
)


class CountingFetcher(Fetcher):
    """A real Fetcher that counts the GETs it was asked for, by URL."""

    def __init__(self, config: FetchConfig) -> None:
        super().__init__(config)
        self.asked: list[str] = []

    def fetch(
        self, url: str, *, untrusted: bool = False, headers: Mapping[str, str] | None = None
    ) -> FetchResult:
        self.asked.append(url)
        return super().fetch(url, untrusted=untrusted, headers=headers)


@pytest.fixture
def batch(tmp_path: Path) -> Iterator[tuple[RequisiteFetcher, CountingFetcher, WarcStore]]:
    fetcher = CountingFetcher(FetchConfig(connect_timeout=2.0, read_timeout=2.0, deadline=5.0))
    store = WarcStore(tmp_path / "warcs", WarcConfig())
    requisites = RequisiteFetcher(fetcher, store, RequisitesConfig(per_host_delay=0.0))
    yield requisites, fetcher, store
    requisites.close()
    store.close()
    fetcher.close()


def test_an_unresolved_host_is_looked_up_once_and_each_requisite_recorded(
    httpserver: HTTPServer, batch: tuple[RequisiteFetcher, CountingFetcher, WarcStore]
) -> None:
    requisites, fetcher, store = batch
    httpserver.expect_request("/favicon.ico").respond_with_data(
        b"\x00\x00\x01\x00icon", content_type="image/x-icon"
    )
    pages = {
        f"/a{k}.html": (
            f'<html><body><img src="{DEAD}/ad-{k}-1.jpg"><img src="{DEAD}/ad-{k}-2.jpg">'
            f"<p>page {k}</p></body></html>"
        ).encode()
        for k in range(3)
    }
    found = []
    for k, (path, html) in enumerate(pages.items()):
        done, _ = requisites.capture(f"c{k}", httpserver.url_for(path), html, untrusted=False)
        found += done
    store.sync()

    dead = [u for u in fetcher.asked if u.startswith(DEAD)]
    assert len(dead) == 1  # six requisites on the dead host, one lookup
    failed = [r for r in found if r.url.startswith(DEAD)]
    assert len(failed) == 6 and all(r.record_type == "metadata" and r.status is None for r in failed)
    # Each failed requisite still has its own metadata record saying why, in the WARC.
    details = {}
    for warc in store.files():
        with warc.open("rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type == "metadata":
                    details[rec.rec_headers.get_header("WARC-Target-URI")] = rec.content_stream().read()
    assert {r.url for r in failed} <= set(details)
    assert all(b"dns_error" in details[r.url] and b"does not resolve" in details[r.url] for r in failed)
    # The live host's favicon was fetched once, then pointed at.
    assert [u for u in fetcher.asked if u.endswith("/favicon.ico")] == [httpserver.url_for("/favicon.ico")]
    assert Outcome.DNS_ERROR.value == "dns_error"


def test_a_stylesheet_reused_in_the_batch_still_lists_its_font_without_screenshot_bodies(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    """With no screenshots (``keep_bytes=0``) a batch holds no bodies for later pages, except its
    stylesheets: the second page linking one lists the stylesheet's font too, without a fetch."""
    css = b"@font-face{font-family:F;src:url(/f.woff2)} body{font-family:F}"
    httpserver.expect_request("/site.css").respond_with_data(css, content_type="text/css")
    httpserver.expect_request("/f.woff2").respond_with_data(b"wOF2font", content_type="font/woff2")
    httpserver.expect_request("/favicon.ico").respond_with_data(
        b"\x00\x00\x01\x00", content_type="image/x-icon"
    )
    fetcher = CountingFetcher(FetchConfig(connect_timeout=2.0, read_timeout=2.0, deadline=5.0))
    with WarcStore(tmp_path / "warcs", WarcConfig()) as store:
        requisites = RequisiteFetcher(fetcher, store, RequisitesConfig(per_host_delay=0.0), keep_bytes=0)
        try:
            html = b'<html><head><link rel="stylesheet" href="/site.css"></head><body><p>x</p></body></html>'
            listings = [
                {
                    (r.kind, r.url)
                    for r in requisites.capture(
                        f"c{k}", httpserver.url_for(f"/p{k}.html"), html, untrusted=False
                    )[0]
                }
                for k in range(2)
            ]
        finally:
            requisites.close()
            fetcher.close()
    assert listings[0] == listings[1]
    assert ("font", httpserver.url_for("/f.woff2")) in listings[1]
    assert sorted(fetcher.asked) == sorted(
        httpserver.url_for(p) for p in ("/site.css", "/f.woff2", "/favicon.ico")
    )
