"""Page requisites and screenshots of new versions, captured for real and read back with warcio.

A styled article (``styled_site``) on 127.0.0.1 is checked with ``Archive.check``: a baseline
fetches every stylesheet, image, font and the favicon, stores them as request/response records
and a screenshot as a ``resource`` record; an unchanged re-check adds one request and one
revisit and fetches nothing else; an edit fetches them again, as revisits of the payloads
already archived, under any URL. Every record names its file's warcinfo.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import requests
from pytest_httpserver import HTTPServer
from styled_site import ARTICLE, StyledSite, serve
from warcio.archiveiterator import ArchiveIterator

from archiver.archive import Archive
from archiver.browser.screenshot import png_size
from archiver.config import CheckConfig, Config, DetectConfig, FetchConfig, RequisitesConfig, ScreenshotConfig
from archiver.report import load_schema
from archiver.requisites import choose_candidate, css_requisites, page_requisites
from archiver.serve import Server, open_archive
from archiver.warcstore import parse_fields


def config(**sections: Any) -> Config:
    base = Config(
        fetch=FetchConfig(allow_private=True), check=CheckConfig(per_host_delay=0.0),
        detect=DetectConfig(soft404_probe=False),
    )
    return dataclasses.replace(base, **sections)


@pytest.fixture
def site(httpserver: HTTPServer) -> Iterator[StyledSite]:
    yield serve(httpserver)


def records(data_dir: Path) -> list[Any]:
    """Every record of every WARC file, in order, with its payload read (warcio)."""
    out = []
    for path in sorted((data_dir / "warcs").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                rec.body = rec.content_stream().read()  # type: ignore[attr-defined]
                rec.file = path.name  # type: ignore[attr-defined]
                out.append(rec)
    return out


def h(rec: Any, name: str) -> str | None:
    return rec.rec_headers.get_header(name)  # type: ignore[no-any-return]


def asked(server: HTTPServer) -> list[str]:
    return [request.path for request, _ in server.log]


# --------------------------------------------------------------------------- finding


def test_page_requisites_are_found_in_the_order_a_browser_needs_them(site: StyledSite) -> None:
    found = page_requisites(ARTICLE.encode(), site.article)
    paths = [(w.kind, w.url.removeprefix(site.url("/")[:-1])) for w in found]
    assert paths == [
        ("stylesheet", "/css/main.css"), ("image", "/img/og.png"), ("image", "/img/band.png"),
        ("image", "/img/chart-small.png"), ("image", "/img/chart.png"), ("image", "/img/photo.png"),
        ("image", "/img/photo-fallback.png"), ("icon", "/favicon.png"),
    ]  # fmt: skip
    # No rel=icon: the browser asks for /favicon.ico, so does archiver.
    bare = page_requisites(b"<html><body><p>x</p></body></html>", "http://ex.org/a/b")
    assert [(w.kind, w.url) for w in bare] == [("icon", "http://ex.org/favicon.ico")]


def test_css_imports_fonts_and_images_and_srcset_choice() -> None:
    css = '@import url("b.css"); @font-face{src: url(f.woff2) format("woff2"), url(f.woff)} .x{background:url(data:image/png;base64,AA)} .y{background:url( "i.png" )}'
    assert [(w.kind, w.url) for w in css_requisites(css, "https://ex.org/s/a.css")] == [
        ("stylesheet", "https://ex.org/s/b.css"), ("font", "https://ex.org/s/f.woff2"), ("image", "https://ex.org/s/i.png"),
    ]  # fmt: skip
    assert choose_candidate("a.png 1x, b.png 2x") == "a.png"
    assert choose_candidate("s.png 320w, m.png 1400w, l.png 2800w") == "m.png"
    assert choose_candidate("s.png 320w, m.png 640w") == "m.png"  # none is wide enough: the largest


# --------------------------------------------------------------------------- capturing


def test_a_baseline_stores_every_requisite_and_a_screenshot(site: StyledSite, tmp_path: Path) -> None:
    data = tmp_path / "snapshots"
    with Archive(data, config()) as archive:
        archive.check([site.article])
        [page] = archive.history(site.article)
        requisites = archive.requisites(page)
        shot = archive.screenshot(page)
    assert {r.url.removeprefix(site.url("/")[:-1]) for r in requisites} == set(site.article_requisites)
    assert {r.kind for r in requisites} == {"stylesheet", "font", "image", "icon"}
    assert all(r.status == 200 for r in requisites)
    # The picture's fallback has the bytes of the chosen source: stored once, the other (whichever
    # was fetched second: they are fetched in parallel) a revisit of it.
    revisits = {r.url: r.payload_uri for r in requisites if r.record_type == "revisit"}
    photos = {site.url("/img/photo.png"), site.url("/img/photo-fallback.png")}
    assert len(revisits) == 1 and {*revisits, *revisits.values()} == photos
    assert "/img/photo-2x.png" not in asked(site.server)  # a 1x browser never loads it

    found = records(data)
    info_ids = {rec.file: h(rec, "WARC-Record-ID") for rec in found if rec.rec_type == "warcinfo"}
    for rec in found:  # WARC 1.1 §5.9: every record names the warcinfo of its own file
        assert rec.rec_type == "warcinfo" or h(rec, "WARC-Warcinfo-ID") == info_ids[rec.file]
    page_rec = next(r for r in found if r.rec_type == "response" and h(r, "WARC-Target-URI") == site.article)
    for r in requisites:
        resp = next(x for x in found if h(x, "WARC-Record-ID") == r.record.record_id)
        assert resp.rec_type == r.record_type and h(resp, "WARC-Target-URI") == r.url
        assert h(resp, "WARC-Concurrent-To") is None  # a capture event of its own (WARC 1.1 §5.7)
        assert any(x.rec_type == "request" and h(x, "WARC-Concurrent-To") == r.record.record_id for x in found)
    listing = next(x for x in found if x.rec_type == "metadata" and h(x, "WARC-Concurrent-To") == h(page_rec, "WARC-Record-ID"))
    assert h(listing, "Content-Type") == "application/warc-fields"
    facts = parse_fields(listing.body)
    assert {tuple(x) for x in facts["requisites"]} == {(r.url, r.kind, r.record.record_id) for r in requisites}

    assert shot is not None and shot.width == 1280 and shot.height >= 1000
    resource = next(x for x in found if h(x, "WARC-Record-ID") == shot.record.record_id)
    assert resource.rec_type == "resource" and h(resource, "WARC-Target-URI") == f"urn:view:{site.article}"
    assert h(resource, "Content-Type") == "image/png" and png_size(resource.body) == (shot.width, shot.height)
    # Taken off the check's path (the screenshot queue): its record names the page's record, and
    # a second listing, written after it, names the screenshot.
    assert h(resource, "WARC-Archiver-Capture") == h(page_rec, "WARC-Record-ID")
    listings = [parse_fields(x.body) for x in found
                if x.rec_type == "metadata" and h(x, "WARC-Concurrent-To") == h(page_rec, "WARC-Record-ID")]
    assert [f.get("screenshot") for f in listings] == [None, shot.record.record_id]


def test_an_unchanged_recheck_fetches_no_requisite_and_writes_one_request_and_one_revisit(
    site: StyledSite, tmp_path: Path
) -> None:
    data = tmp_path / "snapshots"
    with Archive(data, config()) as archive:
        archive.check([site.article])
        before_records, before_asked = len(records(data)), len(asked(site.server))
        archive.check([site.article])
        first, again = archive.history(site.article)
        assert again.record_type == "revisit" and archive.requisites(again) == []
        assert archive.version_of(again).id == first.id  # it shows the version kept whole before
        assert archive.screenshot(again) == archive.screenshot(first)
    added = records(data)[before_records:]
    assert [r.rec_type for r in added if r.rec_type != "warcinfo"] == ["request", "revisit"]
    assert asked(site.server)[before_asked:] == ["/article"]


def test_an_edit_refetches_requisites_as_revisits_across_pages_and_captures(site: StyledSite, tmp_path: Path) -> None:
    data = tmp_path / "snapshots"
    with Archive(data, config()) as archive:
        archive.check([site.article])
        site.server.clear()
        serve(site.server, figure="59")
        archive.check([site.article])
        first, edited = archive.history(site.article)
        assert [e.type for e in archive.events(url=site.article)] == ["edited"]
        again = archive.requisites(edited)
        assert {r.url for r in again} == {r.url for r in archive.requisites(first)}
        assert all(r.record_type == "revisit" for r in again)  # same bytes: stored once
        archive.check([site.other])  # another page, its stylesheet under another URL, same bytes
        [other] = archive.history(site.other)
        copy = next(r for r in archive.requisites(other) if r.url.endswith("/static/copy-of-main.css"))
        main = next(r for r in archive.requisites(first) if r.url.endswith("/css/main.css"))
        assert copy.record_type == "revisit" and copy.payload == main.record
    found = {h(r, "WARC-Record-ID"): r for r in records(data)}
    rec = found[copy.record.record_id]
    assert h(rec, "WARC-Profile") == "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
    assert h(rec, "WARC-Refers-To") == main.record.record_id and h(rec, "WARC-Refers-To-Target-URI") == main.url
    assert h(rec, "WARC-Payload-Digest") == h(found[main.record.record_id], "WARC-Payload-Digest")


def test_limits_from_the_config_bound_what_is_fetched(site: StyledSite, tmp_path: Path) -> None:
    only_css = config(requisites=RequisitesConfig(kinds=("stylesheet",)), screenshot=ScreenshotConfig(enabled=False))
    with Archive(tmp_path / "a", only_css) as archive:
        archive.check([site.article])
        [page] = archive.history(site.article)
        assert {r.kind for r in archive.requisites(page)} == {"stylesheet"}
        assert archive.screenshot(page) is None
    two = config(requisites=RequisitesConfig(max_per_page=2), screenshot=ScreenshotConfig(enabled=False))
    with Archive(tmp_path / "b", two) as archive:
        archive.check([site.article])
        assert len(archive.requisites(archive.history(site.article)[0])) == 2
    off = config(requisites=RequisitesConfig(enabled=False), screenshot=ScreenshotConfig(enabled=False))
    before = len(asked(site.server))
    with Archive(tmp_path / "c", off) as archive:
        archive.check([site.article])
    assert asked(site.server)[before:] == ["/article"]


def test_requisites_obey_the_address_policy(httpserver: HTTPServer, tmp_path: Path) -> None:
    page = ('<html><head><link rel="stylesheet" href="http://169.254.169.254/latest/meta-data/s.css"></head>'
            '<body><p>A page from a document that names a cloud metadata address.</p></body></html>')
    httpserver.expect_request("/doc-page").respond_with_data(page, content_type="text/html")
    doc = tmp_path / "article.md"
    doc.write_text(f"See [the page]({httpserver.url_for('/doc-page')}).\n")
    with Archive(tmp_path / "snapshots", config(screenshot=ScreenshotConfig(enabled=False))) as archive:
        archive.import_documents([str(doc)])
        archive.check()
        [capture] = archive.history(httpserver.url_for("/doc-page"))
        refused = next(r for r in archive.requisites(capture) if "169.254.169.254" in r.url)
    assert refused.record_type == "metadata" and refused.status is None  # blocked before any connection
    found = {h(r, "WARC-Record-ID"): r for r in records(tmp_path / "snapshots")}
    assert parse_fields(found[refused.record.record_id].body)["outcome"] == "blocked"


def test_the_soft404_probe_exchange_is_in_the_warc(site: StyledSite, tmp_path: Path) -> None:
    probing = config(detect=DetectConfig(soft404_probe=True), screenshot=ScreenshotConfig(enabled=False),
                     requisites=RequisitesConfig(enabled=False))
    with Archive(tmp_path / "snapshots", probing) as archive:
        archive.check([site.article])
    probes = [r for r in records(tmp_path / "snapshots") if "archiver-probe" in (h(r, "WARC-Target-URI") or "")]
    assert [r.rec_type for r in probes] == ["request", "response"]
    assert probes[1].http_headers.get_statuscode() == "500"  # pytest-httpserver's answer to an unknown path


def test_a_wacz_of_one_page_carries_its_requisites_and_screenshot(site: StyledSite, tmp_path: Path) -> None:
    data = tmp_path / "snapshots"
    with Archive(data, config()) as archive:
        archive.check([site.article, site.other])
        archive.export_wacz(tmp_path / "article.wacz", [site.article])
        [page] = archive.history(site.article)
        requisites = archive.requisites(page)
        shot = archive.screenshot(page)
        [other] = archive.history(site.other)
    assert shot is not None
    wanted = {r.record.record_id for r in requisites} | {r.payload.record_id for r in requisites if r.payload}
    with zipfile.ZipFile(tmp_path / "article.wacz") as wacz:
        ids: set[str] = set()
        for name in wacz.namelist():
            if name.startswith("archive/"):
                for rec in ArchiveIterator(io.BytesIO(wacz.read(name))):
                    ids.add(h(rec, "WARC-Record-ID") or "")
    assert wanted | {shot.record.record_id} <= ids
    with Archive(data, config()) as archive:
        other_id = archive.store.record_id(other)
    assert other_id not in ids  # only the page asked for, and what it needed


def test_the_report_shows_each_events_version_as_it_looked(site: StyledSite, tmp_path: Path) -> None:
    data = tmp_path / "snapshots"
    with Archive(data, config()) as archive:
        archive.check([site.article])
        site.server.clear()
        serve(site.server, figure="59")
        archive.check([site.article])
        first, edited = archive.history(site.article)
        html = archive.report("html")
        shot = archive.screenshot(edited)
    assert shot is not None and shot.thumbnail is not None
    thumbs = dict(re.findall(r'<tr id="capture-(\w+)">.*?<img class="thumbnail" src="data:image/jpeg;base64,([^"]+)"', html))
    assert set(thumbs) == {first.id, edited.id}  # before and after the edit, inline: the file loads nothing
    jpeg = base64.b64decode(thumbs[edited.id])
    assert jpeg[:2] == b"\xff\xd8" and jpeg != base64.b64decode(thumbs[first.id])
    found = {h(r, "WARC-Record-ID"): r for r in records(data)}
    thumb = found[shot.thumbnail.record_id]
    assert thumb.rec_type == "resource" and h(thumb, "WARC-Target-URI") == f"urn:thumbnail:{site.article}"
    assert thumb.body == jpeg and h(thumb, "Content-Type") == "image/jpeg"


def test_the_json_and_markdown_reports_name_each_events_screenshot(site: StyledSite, tmp_path: Path) -> None:
    data = tmp_path / "snapshots"
    with Archive(data, config()) as archive:
        archive.check([site.article])
        site.server.clear()
        serve(site.server, figure="59")
        archive.check([site.article])
        first, edited = archive.history(site.article)
        doc = json.loads(archive.report("json"))
        md = archive.report("md")
        shots = {c.id: archive.screenshot(c) for c in (first, edited)}
    assert list(jsonschema.Draft202012Validator(load_schema()).iter_errors(doc)) == []
    [event] = doc["events"]
    found = {h(r, "WARC-Record-ID"): r for r in records(data)}
    for key, capture in (("screenshot", edited), ("previous_screenshot", first)):
        shot, facts = shots[capture.id], event[key]
        assert shot is not None and facts["record_id"] == shot.record.record_id and facts["capture"] == capture.id
        rec = found[facts["record_id"]]  # what the report says is what the WARC holds
        assert rec.rec_type == "resource" and facts["target"] == h(rec, "WARC-Target-URI") == f"urn:view:{site.article}"
        assert (facts["warc_file"], facts["warc_offset"]) == (rec.file, shot.record.offset)
        assert facts["bytes"] == len(rec.body) and png_size(rec.body) == (facts["width"], facts["height"])
        digest = "sha1:" + base64.b32encode(hashlib.sha1(rec.body).digest()).decode()
        assert facts["digest"] == digest and facts["content_type"] == "image/png"
        assert f"]({facts['link']}) · `urn:view:{site.article}` · record `{facts['record_id']}`" in md
    # The link is where the web view serves that PNG.
    reading = open_archive(data, config())
    try:
        with Server(reading, host="127.0.0.1", port=0) as server:
            got = requests.get(server.app_url.rstrip("/") + event["screenshot"]["link"], timeout=10)
    finally:
        reading.close()
    assert got.status_code == 200 and got.headers["Content-Type"] == "image/png"
    assert got.content == found[event["screenshot"]["record_id"]].body


def test_rebuild_index_from_the_warc_files_alone_gives_back_requisites_and_screenshots(
    site: StyledSite, tmp_path: Path
) -> None:
    # A page with a requisite that is refused (no response: a metadata record) and one the server
    # does not have (a 500 response), besides the styled pages' responses and revisits.
    broken = '<html><body><p>Broken.</p><img src="/img/nowhere.png"><img src="http://127.0.0.1:1/x.png"></body></html>'
    site.server.expect_request("/broken").respond_with_data(broken, content_type="text/html")
    data = tmp_path / "snapshots"
    pages = [site.article, site.other, site.url("/broken")]
    with Archive(data, config()) as archive:
        archive.check(pages)
        site.server.clear()
        serve(site.server, figure="59")
        site.server.expect_request("/broken").respond_with_data(broken, content_type="text/html")
        archive.check(pages)  # the article edited, the others unchanged

        def answers(a: Archive) -> dict[str, Any]:
            return {c.id: (a.requisites(c), a.screenshot(c), a.thumbnail(c.id)) for url in pages for c in a.history(url)}

        before = answers(archive)
    kinds = {r.record_type for reqs, _, _ in before.values() for r in reqs}
    assert kinds == {"response", "revisit", "metadata"}
    assert sum(1 for _, shot, _ in before.values() if shot is not None) == 6  # revisits show their version's

    copy = tmp_path / "copy"  # the WARC files only: no index at all
    (copy / "warcs").mkdir(parents=True)
    for path in (data / "warcs").glob("*.warc.gz"):
        (copy / "warcs" / path.name).write_bytes(path.read_bytes())
    with Archive(copy, config()) as rebuilt:
        assert rebuilt.rebuild_index() == len(before)
        assert answers(rebuilt) == before
    with Archive(data, config()) as archive:  # in place, too: the tables are replaced, not added to
        archive.rebuild_index()
        assert answers(archive) == before
