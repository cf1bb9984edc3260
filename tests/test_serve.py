"""``archiver serve`` over HTTP: a real archive, a real server on 127.0.0.1, requests as the client.

Pages, escaping of hostile content, the replay origin's CSP and link rewriting, Memento
(RFC 7089) TimeGate/TimeMap/memento headers, the Host check, the 127.0.0.1 default, and a
clean SIGTERM shutdown of the real ``archiver serve`` process.
"""

from __future__ import annotations

import doctest
import importlib
import logging
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
from click.testing import CliRunner
from serve_site import EVIL_DOCUMENT_NAME, HOSTILE_SCRIPT, PNG, ArchivedSite, build, config

from archiver.cli import cli
from archiver.config import ServeConfig
from archiver.models import Capture, Diff, Hunk, Outcome
from archiver.serve import EXPOSED_WARNING, ReadingArchive, Server, open_archive
from archiver.serve import templates as t
from archiver.serve.memento import Mementos, parse_timestamp, timestamp14
from archiver.serve.rewrite import charset_of, rewrite_body, rewrite_css, rewrite_html

T = 10  # seconds: every request here is to 127.0.0.1


@dataclass
class Served:
    site: ArchivedSite
    server: Server
    archive: ReadingArchive

    @property
    def app(self) -> str:
        return self.server.app_url

    @property
    def replay(self) -> str:
        return self.server.replay_url

    def captures(self, url: str) -> list[Capture]:
        return self.archive.history(url)

    def get(self, url: str, **kw: Any) -> requests.Response:
        return requests.get(url, timeout=T, **kw)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ArchivedSite]:
    built = build(tmp_path_factory.mktemp("serve"))
    yield built
    built.server.stop()


@pytest.fixture(scope="module")
def served(site: ArchivedSite) -> Iterator[Served]:
    archive = open_archive(site.data_dir, config())
    with Server(archive, host="127.0.0.1", port=0) as server:
        yield Served(site, server, archive)
    archive.close()


class Attrs(HTMLParser):
    """Every (tag, attribute, value) of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.attrs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs += [(tag, k, v or "") for k, v in attrs]


def attrs_of(html: str) -> list[tuple[str, str, str]]:
    parser = Attrs()
    parser.feed(html)
    return parser.attrs


# -- pages ----------------------------------------------------------------------------------------


def test_dashboard_lists_sources_with_status_captures_and_citing_document(served: Served) -> None:
    r = served.get(served.app + "/")
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/html; charset=utf-8"
    html = r.text
    assert served.site.poll in html and served.site.gone in html
    assert 'href="/source?url=' + quote(served.site.poll, safe="") in html
    assert '<span class="status edited">edited</span>' in html
    assert '<span class="status removed">removed</span>' in html
    assert "<svg" in html and 'href="/capture/' in html  # timelines link to capture pages
    assert "/document?path=" in html
    assert "Recent events" in html and "61%" in html and "59%" in html


def test_source_page_has_timeline_events_diff_and_captures(served: Served) -> None:
    r = served.get(served.app + "/source", params={"url": served.site.poll})
    assert r.status_code == 200
    html = r.text
    captures = served.captures(served.site.poll)
    assert len(captures) == 3
    for c in captures:
        assert f'href="/capture/{c.id}"' in html
    assert "<del>61%</del>" in html and "<ins>59%</ins>" in html
    assert 'class="timeline"' in html
    assert "/diff?url=" in html and "revisit" in html
    assert f"{served.replay}/timemap/link/{served.site.poll}" in html


def test_unknown_source_is_a_404_page(served: Served) -> None:
    r = served.get(served.app + "/source", params={"url": "http://127.0.0.1:9/never"})
    assert r.status_code == 404 and "not a watched URL" in r.text


def test_document_page_shows_each_citations_health(served: Served) -> None:
    r = served.get(served.app + "/document", params={"path": served.site.document})
    assert r.status_code == 200
    html = r.text
    rows = {
        m.group(1): m.group(0)
        for m in re.finditer(r'<tr><td><a class="url" href="[^"]*">([^<]*)</a>.*?</tr>', html)
    }
    poll_row, gone_row, background_row = (
        rows[served.site.poll],
        rows[served.site.gone],
        rows[served.site.background],
    )
    first = served.captures(served.site.poll)[0].id
    assert "edited" in poll_row and "<td>yes</td>" in poll_row and f"/capture/{first}" in poll_row
    # The 404 was dead when first checked: listed first, and "changed since first capture" is no.
    assert "removed" in gone_row and "dead when first checked" in gone_row and "<td>no</td>" in gone_row
    assert "the original" not in gone_row  # nothing archived to cite, and the original is dead
    assert html.index(served.site.gone) < html.index(served.site.poll)
    assert "<td>no</td>" in background_row and "unchanged: cite the original" in background_row


def test_diff_page_marks_insertions_and_deletions(served: Served) -> None:
    old, _, new = served.captures(served.site.poll)
    r = served.get(served.app + "/diff", params={"url": served.site.poll, "a": old.id, "b": new.id})
    assert r.status_code == 200
    assert "<del>61%</del>" in r.text and "<ins>59%</ins>" in r.text
    assert f'href="/capture/{old.id}"' in r.text and f'href="/capture/{new.id}"' in r.text
    assert "<select" in r.text  # pick other captures to compare


def test_capture_page_has_metadata_citations_and_sandboxed_replay(served: Served) -> None:
    capture = served.captures(served.site.poll)[-1]
    r = served.get(f"{served.app}/capture/{capture.id}")
    assert r.status_code == 200
    html = r.text
    assert capture.payload_digest and capture.payload_digest in html
    assert iso_z(capture.captured_at) in html
    assert f"{{archiver-{capture.id}," in html  # the BibTeX snippet
    # No [publish] public_url: the citations say the copy is local, never a loopback address (issue 11).
    assert "local copy, not published" in html and f"{served.app}/capture/{capture.id}</" not in html
    frames = [(k, v) for tag, k, v in attrs_of(html) if tag == "iframe"]
    assert ("src", f"{served.replay}/id/{capture.id}") in frames
    sandbox = dict(frames)["sandbox"]
    assert "allow-scripts" not in sandbox and "allow-top-navigation" not in sandbox


def test_replay_url_of_a_citation_opens_its_capture_page(served: Served) -> None:
    capture = served.captures(served.site.background)[0]
    assert served.archive.replay_url(capture.id) == ""  # not published: no address to give (issue 11)
    url = f"{served.app}/capture/{capture.id}"
    assert served.get(url).status_code == 200
    assert served.get(f"{served.app}/capture/{capture.id[:6]}").status_code == 200  # a unique prefix
    assert served.get(f"{served.app}/capture/zzzzzzzzzzzz").status_code == 404


def iso_z(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- escaping ----------------------------------------------------------------------------------


def test_hostile_document_name_is_escaped_everywhere(served: Served) -> None:
    pages = [
        served.get(served.app + "/"),
        served.get(served.app + "/document", params={"path": served.site.document}),
        served.get(served.app + "/source", params={"url": served.site.poll}),
    ]
    for r in pages:
        assert "<img src=x onerror" not in r.text
        assert "&lt;img src=x onerror=alert(&#x27;doc&#x27;)&gt;" in r.text
    assert EVIL_DOCUMENT_NAME in served.site.document


def test_app_pages_never_carry_archived_markup(served: Served) -> None:
    capture = served.captures(served.site.poll)[-1]
    for path in ("/", f"/capture/{capture.id}", "/source?url=" + served.site.poll):
        assert "parent.document" not in served.get(served.app + path).text


def test_fragments_escape_what_captures_say() -> None:
    evil = "<script>alert(1)</script>"
    diff = Diff(changed=True, summary=evil, hunks=(Hunk("equal", evil, evil), Hunk("insert", "", evil)))
    assert "<script>" not in t.full_diff(diff)
    capture = Capture(
        id="abcd1234",
        url="http://x.example/",
        captured_at=datetime(2026, 1, 1, tzinfo=UTC),
        outcome=Outcome.TIMEOUT,
        detail=evil,
    )
    assert "<script>" not in t.captures_table("http://x.example/", [capture])
    assert "<script>" not in t.page(
        evil, "<p>body</p>", replay_origin="http://127.0.0.1:1", lede=evil, heading=evil
    )


# -- headers and origins -------------------------------------------------------------------------


def test_app_pages_forbid_scripts_and_framing(served: Served) -> None:
    r = served.get(served.app + "/")
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert f"frame-src {served.replay}" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_replay_is_a_separate_origin_with_a_strict_csp(served: Served) -> None:
    assert served.server.app_port != served.server.bound_replay_port
    capture = served.captures(served.site.poll)[-1]
    r = served.get(f"{served.replay}/id/{capture.id}")
    assert r.status_code == 200
    csp = [part.strip() for part in r.headers["Content-Security-Policy"].split(";")]
    assert "default-src 'none'" in csp and "sandbox" in csp
    assert not any(part.startswith("script-src") for part in csp)
    assert f"img-src {served.replay} data:" in csp
    assert f"frame-ancestors {served.app}" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert HOSTILE_SCRIPT.splitlines()[2] in r.text  # the archived script is replayed, and blocked by CSP
    # The app never serves archived bytes: it sends the browser to the replay origin.
    moved = served.get(f"{served.app}/id/{capture.id}", allow_redirects=False)
    assert moved.status_code == 302 and moved.headers["Location"] == f"{served.replay}/id/{capture.id}"


def test_replay_origin_serves_no_app_pages(served: Served) -> None:
    assert served.get(served.replay + "/source", params={"url": served.site.poll}).status_code == 404
    assert served.get(served.replay + "/document", params={"path": served.site.document}).status_code == 404


def test_replay_shows_a_banner_with_original_url_and_utc_time(served: Served) -> None:
    capture = served.captures(served.site.poll)[0]
    html = served.get(f"{served.replay}/id/{capture.id}").text
    banner = html[html.index("<archiver-banner") : html.index("</archiver-banner>")]
    assert "Archived copy" in banner and served.site.poll in banner
    assert f"{iso_z(capture.captured_at)}</time> (UTC)" in banner
    assert html.index("<archiver-banner") > html.index("<body")


def test_replay_rewrites_every_link_into_the_archive(served: Served) -> None:
    capture = served.captures(served.site.poll)[0]
    html = served.get(f"{served.replay}/id/{capture.id}").text
    ts = timestamp14(capture.captured_at)
    urls = {(tag, k): v for tag, k, v in attrs_of(html) if k in ("href", "src")}
    assert urls[("link", "href")] == f"/replay/{ts}/{served.site.css}"
    assert f"/replay/{ts}/{served.site.logo}" in html and f"/replay/{ts}/{served.site.background}" in html
    for tag, key, value in attrs_of(html):
        if key in ("href", "src"):
            assert value.startswith("/replay/"), (tag, key, value)


def test_rewritten_subresource_resolves_to_its_nearest_capture(served: Served) -> None:
    page = served.captures(served.site.poll)[-1]  # the edit: checked seconds after the logo's own capture
    mementos = Mementos(served.archive).of(served.site.logo)[1]
    # The logo was checked as a source and fetched again as a requisite of each new version of
    # the page: the nearest memento in time is the requisite fetched with this very version.
    requisite = next(r for r in served.archive.requisites(page) if r.url == served.site.logo)
    nearest = Mementos.nearest(mementos, page.captured_at)
    assert nearest.record_id == requisite.record.record_id
    r = served.get(
        f"{served.replay}/replay/{timestamp14(page.captured_at)}/{served.site.logo}", allow_redirects=False
    )
    if timestamp14(nearest.captured_at) != timestamp14(page.captured_at):
        assert r.status_code == 302
        assert r.headers["Location"] == f"{served.replay}/replay/{timestamp14(nearest.captured_at)}/{served.site.logo}"
        r = served.get(r.headers["Location"], allow_redirects=False)
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/png" and r.content == PNG
    logo = served.captures(served.site.logo)[0]  # the logo's own capture is a memento of it too
    image = served.get(f"{served.replay}/replay/{timestamp14(logo.captured_at)}/{served.site.logo}")
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/png" and image.content == PNG


def test_a_url_never_archived_is_a_not_archived_page_and_the_live_site_is_never_asked(served: Served) -> None:
    page = served.captures(served.site.poll)[0]
    missing = served.site.server.url_for("/live-beacon")
    before = len(served.site.server.log)  # the capture fetched the page's requisites; replay fetches nothing
    r = served.get(f"{served.replay}/replay/{timestamp14(page.captured_at)}/{missing}")
    assert r.status_code == 404 and "Not archived" in r.text
    assert "Content-Security-Policy" in r.headers
    served.get(f"{served.replay}/id/{page.id}")
    asked = [request.path for request, _ in served.site.server.log[before:]]
    assert not asked


def test_a_revisit_replays_the_payload_it_refers_to(served: Served) -> None:
    first, revisit, _ = served.captures(served.site.poll)
    assert revisit.record_type == "revisit" and revisit.refers_to == first.id
    r = served.get(f"{served.replay}/id/{revisit.id}")
    assert r.status_code == 200 and "61%" in r.text and "Archived copy" in r.text


def test_an_archived_404_replays_as_a_404(served: Served) -> None:
    gone = served.captures(served.site.gone)[0]
    r = served.get(f"{served.replay}/id/{gone.id}")
    assert r.status_code == 404 and "Not Found" in r.text and "Archived copy" in r.text


def test_css_is_rewritten_and_served_as_css(served: Served) -> None:
    css = served.captures(served.site.css)[0]
    r = served.get(f"{served.replay}/id/{css.id}")
    assert r.headers["Content-Type"] == "text/css" and "h1 { color" in r.text


# -- Memento (RFC 7089) -----------------------------------------------------------------------------


def links(header: str) -> list[tuple[str, dict[str, str]]]:
    """A Link header (or link-format body) as (target, params) pairs."""
    out = []
    for m in re.finditer(r"<([^>]*)>((?:\s*;\s*[a-z]+=\"[^\"]*\")*)", header):
        params = dict(re.findall(r'([a-z]+)="([^"]*)"', m.group(2)))
        out.append((m.group(1), params))
    return out


def test_timemap_lists_every_memento_in_link_format(served: Served) -> None:
    r = served.get(f"{served.replay}/timemap/link/{served.site.poll}")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/link-format"
    entries = links(r.text)
    rels = {params["rel"]: target for target, params in entries}
    assert rels["original"] == served.site.poll
    assert rels["self"] == f"{served.replay}/timemap/link/{served.site.poll}"
    assert rels["timegate"] == f"{served.replay}/timegate/{served.site.poll}"
    mementos = [(target, params) for target, params in entries if "memento" in params["rel"].split()]
    captures = served.captures(served.site.poll)
    assert [m[0] for m in mementos] == [
        f"{served.replay}/replay/{timestamp14(c.captured_at)}/{served.site.poll}" for c in captures
    ]
    assert mementos[0][1]["rel"] == "first memento" and mementos[-1][1]["rel"] == "last memento"
    for (_, params), capture in zip(mementos, captures, strict=True):
        assert params["datetime"] == format_datetime(capture.captured_at.replace(microsecond=0), usegmt=True)


def test_timegate_redirects_to_the_memento_nearest_accept_datetime(served: Served) -> None:
    first, _, last = served.captures(served.site.poll)
    wanted = format_datetime(first.captured_at.replace(microsecond=0), usegmt=True)
    r = served.get(
        f"{served.replay}/timegate/{served.site.poll}",
        headers={"Accept-Datetime": wanted},
        allow_redirects=False,
    )
    assert r.status_code == 302
    assert (
        r.headers["Location"] == f"{served.replay}/replay/{timestamp14(first.captured_at)}/{served.site.poll}"
    )
    assert r.headers["Vary"].lower() == "accept-datetime"
    rels = {params["rel"]: target for target, params in links(r.headers["Link"])}
    assert rels["original"] == served.site.poll
    assert rels["timemap"] == f"{served.replay}/timemap/link/{served.site.poll}"
    latest = served.get(
        f"{served.app}/timegate/{served.site.poll}", allow_redirects=False
    )  # the app answers too
    assert latest.headers["Location"].endswith(f"/replay/{timestamp14(last.captured_at)}/{served.site.poll}")
    assert latest.headers["Location"].startswith(served.replay)


def test_timegate_refuses_a_bad_date_and_an_unknown_url(served: Served) -> None:
    bad = served.get(
        f"{served.replay}/timegate/{served.site.poll}",
        headers={"Accept-Datetime": "last tuesday"},
        allow_redirects=False,
    )
    assert bad.status_code == 400
    unknown = served.get(f"{served.replay}/timegate/http://127.0.0.1:9/never", allow_redirects=False)
    assert unknown.status_code == 404


def test_mementos_carry_memento_datetime_and_links(served: Served) -> None:
    capture = served.captures(served.site.poll)[-1]
    r = served.get(
        f"{served.replay}/replay/{timestamp14(capture.captured_at)}/{served.site.poll}", allow_redirects=False
    )
    assert r.status_code == 200
    assert parsedate_to_datetime(r.headers["Memento-Datetime"]) == capture.captured_at.replace(microsecond=0)
    rels = {params["rel"]: target for target, params in links(r.headers["Link"])}
    assert rels["original"] == served.site.poll
    assert rels["timegate"] == f"{served.replay}/timegate/{served.site.poll}"
    assert rels["timemap"] == f"{served.replay}/timemap/link/{served.site.poll}"
    assert "59%" in r.text


# -- where it listens --------------------------------------------------------------------------------


def test_listens_on_127_0_0_1_by_default(site: ArchivedSite) -> None:
    assert ServeConfig().host == "127.0.0.1"
    archive = open_archive(site.data_dir, config())
    with Server(archive, port=0) as server:
        assert server.host == "127.0.0.1"
        assert {s.server_address[0] for s in server._servers} == {"127.0.0.1"}
    archive.close()


def test_a_foreign_host_header_is_refused(served: Served) -> None:
    port = served.server.app_port
    r = served.get(served.app + "/", headers={"Host": f"attacker.example:{port}"})
    assert r.status_code == 421
    assert served.get(served.app + "/", headers={"Host": f"localhost:{port}"}).status_code == 200


def test_binding_beyond_loopback_warns(site: ArchivedSite, caplog: pytest.LogCaptureFixture) -> None:
    archive = open_archive(site.data_dir, config())
    logger = logging.getLogger("archiver.serve")
    logger.addHandler(caplog.handler)
    try:
        with (
            caplog.at_level(logging.WARNING, logger="archiver.serve"),
            Server(archive, host="0.0.0.0", port=0),
        ):
            pass
    finally:
        logger.removeHandler(caplog.handler)
        archive.close()
    assert EXPOSED_WARNING % "0.0.0.0" in caplog.text


def test_cli_refuses_a_non_loopback_config_host_without_host_option(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[serve]\nhost = "0.0.0.0"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(cfg), "--data", str(tmp_path / "d"), "serve"])
    assert result.exit_code == 2 and "--host 0.0.0.0" in result.output


def test_archiver_serve_answers_then_stops_cleanly_on_sigterm(site: ArchivedSite) -> None:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    proc = subprocess.Popen(
        [sys.executable, "-m", "archiver", "--data", str(site.data_dir), "serve", "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stderr is not None
        seen = []
        for line in proc.stderr:  # "serving http://127.0.0.1:PORT/ (…)" comes once both ports are bound
            seen.append(line)
            m = re.search(
                r"serving (http://127\.0\.0\.1:\d+)/ \(archived pages on (http://127\.0\.0\.1:\d+)/\)", line
            )
            if m or len(seen) > 20:
                break
        assert m, seen
        assert requests.get(m.group(1) + "/", timeout=T).status_code == 200
        # A client that connected and never sent a request must not hold the shutdown hostage.
        port = int(m.group(1).rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=T):
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_redirected_capture_replays_where_it_led_and_says_so(served: Served) -> None:
    moved = served.captures(served.site.moved)[0]
    assert moved.final_url == served.site.background
    html = served.get(f"{served.replay}/id/{moved.id}").text
    banner = html[html.index("<archiver-banner") : html.index("</archiver-banner>")]
    assert "redirected to" in banner and served.site.background in banner and "Background" in html


# -- pure parts: rewriting and Memento arithmetic ------------------------------------------------------


def to_replay(url: str) -> str:
    return "/replay/20260101000000/" + url


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        pytest.param(
            '<a href="/b">', '<a href="/replay/20260101000000/http://ex.org/b">', id="relative-link"
        ),
        pytest.param(
            '<img srcset="a.png 1x, //cdn.ex/b.png 2x">',
            '<img srcset="/replay/20260101000000/http://ex.org/dir/a.png 1x, '
            '/replay/20260101000000/http://cdn.ex/b.png 2x">',
            id="srcset",
        ),
        pytest.param('<a href="javascript:parent.x()">', '<a href="#">', id="javascript-url"),
        pytest.param('<a href=" JaVa\tscript:x">', '<a href="#">', id="javascript-url-obfuscated"),
        pytest.param('<a href="data:text/html,<script>x</script>">', '<a href="#">', id="data-navigation"),
        pytest.param(
            '<meta http-equiv="refresh" content="0; url=https://live.example/">',
            '<meta http-equiv="refresh" content="0; url=/replay/20260101000000/https://live.example/">',
            id="meta-refresh",
        ),
        pytest.param(
            '<div style="background:url(x.png)">',
            '<div style="background:url(&quot;/replay/20260101000000/http://ex.org/dir/x.png&quot;)">',
            id="style-attr",
        ),
        pytest.param(
            '<link rel="stylesheet" href="s.css" integrity="sha384-x">',
            '<link rel="stylesheet" href="/replay/20260101000000/http://ex.org/dir/s.css">',
            id="integrity-dropped",
        ),
        pytest.param(
            '<form action="https://live.example/post">',
            '<form action="/replay/20260101000000/https://live.example/post">',
            id="form-action",
        ),
        pytest.param(
            "<p title=x>A &amp; B &lt;i&gt;</p>", "<p title=x>A &amp; B &lt;i&gt;</p>", id="text-untouched"
        ),
    ],
)
def test_rewrite_keeps_every_url_in_the_archive(markup: str, expected: str) -> None:
    assert rewrite_html(markup, base="http://ex.org/dir/page", to_replay=to_replay) == expected


def test_rewrite_honours_base_and_places_the_banner_after_body() -> None:
    html = '<!DOCTYPE html><html><head><base href="http://other.example/x/"></head><body><a href="y">y</a></body></html>'
    out = rewrite_html(html, base="http://ex.org/", to_replay=to_replay, banner="<B>")
    assert '<a href="/replay/20260101000000/http://other.example/x/y">' in out
    assert "<body><B><a" in out
    assert (
        rewrite_html(
            "<!DOCTYPE html><p>no body tag", base="http://ex.org/", to_replay=to_replay, banner="<B>"
        )
        == "<!DOCTYPE html><B><p>no body tag"
    )


def test_rewrite_css_urls_and_imports() -> None:
    css = "@import 'a.css'; body { background: url(\"img/b.png\") } i { background: url(data:image/png;base64,AA) }"
    out = rewrite_css(css, base="http://ex.org/s/main.css", to_replay=to_replay)
    assert '@import "/replay/20260101000000/http://ex.org/s/a.css"' in out
    assert 'url("/replay/20260101000000/http://ex.org/s/img/b.png")' in out
    assert 'url("data:image/png;base64,AA")' in out


def test_rewrite_round_trips_a_legacy_charset() -> None:
    body = (
        '<html><head><meta charset="iso-8859-1"></head><body><p>Caf\xe9 <a href="/x">x</a></p></body></html>'
    )
    raw = body.encode("latin-1")
    charset = charset_of("text/html", raw)
    assert charset == "iso8859-1"
    out = rewrite_body(
        raw, kind="html", charset=charset, base="http://ex.org/", to_replay=to_replay, banner=""
    )
    assert "Caf\xe9".encode("latin-1") in out and b"/replay/20260101000000/http://ex.org/x" in out


def test_nearest_memento_counts_whole_seconds() -> None:
    def at(second: int, micro: int) -> Capture:
        return Capture(
            id=f"c{second}{micro}",
            url="http://ex.org/",
            outcome=Outcome.OK,
            captured_at=datetime(2026, 1, 1, 0, 0, second, micro, tzinfo=UTC),
        )

    earlier, later = at(20, 900_000), at(21, 600_000)
    # 00:00:21 is 0.1 s after the earlier capture and 0.6 s before the later one, but it *is* the later one's second.
    assert Mementos.nearest([earlier, later], datetime(2026, 1, 1, 0, 0, 21, tzinfo=UTC)) is later
    assert Mementos.nearest([earlier, later], None) is later
    assert parse_timestamp("20260101000021") == datetime(2026, 1, 1, 0, 0, 21, tzinfo=UTC)
    assert parse_timestamp("202601") == datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "name", ["archiver.serve.server", "archiver.serve.memento", "archiver.serve.rewrite"]
)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    failures, tried = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tried and failures == 0, f"{failures} of {tried} doctest examples failed in {name}"
