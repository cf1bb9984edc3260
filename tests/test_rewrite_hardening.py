"""Issue 15, point 6: replay rewriting does not depend on the CSP alone.

CSS escapes (``u\\72l(…)``), ``image-set()`` strings, URL-valued SVG presentation attributes,
``srcdoc`` and whole SVG documents carried live URLs through the rewriter; the replay CSP stopped
them, so one layer was all there was. Here the pages are served by a real server, captured by a
real ``Archive.check``, replayed by a real ``archiver serve`` (in-process ``Server`` on port 0), and
the replayed bytes must name the live server only inside ``/replay/…`` paths.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from pytest_httpserver import HTTPServer

from archiver.archive import Archive
from archiver.config import CheckConfig, Config, DetectConfig
from archiver.serve import Server, open_archive
from archiver.serve.memento import timestamp14
from archiver.serve.rewrite import EMPTY_SVG, css_unescape, rewrite_css, rewrite_html, rewrite_svg

BASE = "http://site.example/dir/page.html"


def to_replay(url: str) -> str:
    return "/replay/20260101000000/" + url


def live(text: str, origin: str) -> list[str]:
    """Every mention of ``origin`` that is not inside a replay path: a URL the browser would fetch live."""
    return [m.group(0) for m in re.finditer(r"(?<!/)" + re.escape(origin) + r"[^\"')\s]*", text)]


@pytest.mark.parametrize(
    "css",
    [
        r"a{background:u\72l(http://live.example/x.png)}",
        r"a{background:\75 rl('http://live.example/x.png')}",
        r"a{background:\000075rl(http://live.example/x.png)}",
        r"a{background:URL(\68ttp://live.example/x.png)}",
        r"a{background:url('\68\74\74\70://live.example/x.png')}",
        r'@\69mport "http://live.example/x.css";',
        r'@import "\68ttp://live.example/x.css";',
        'a{background-image:image-set("http://live.example/x.png" 1x, "http://live.example/y.png" 2x)}',
        "a{background-image:-webkit-image-set('http://live.example/x.png' 1x)}",
        r'a{background-image:im\61ge-set("http://live.example/x.png" 1x)}',
        'a{background-image:image-set(url(http://live.example/x.png) 1x, "http://live.example/y.png" type("image/png"))}',
    ],
)
def test_css_urls_are_rewritten_however_they_are_spelled(css: str) -> None:
    out = rewrite_css(css, base=BASE, to_replay=to_replay)
    assert live(out, "http://live.example") == [], out
    assert "/replay/20260101000000/http://live.example/" in out


def test_css_escapes_that_are_not_urls_are_left_alone() -> None:
    css = 'q::before{content:"\\201C"} .a\\:b{color:red} p{background:url("a.png")}'
    out = rewrite_css(css, base=BASE, to_replay=to_replay)
    assert out.startswith('q::before{content:"\\201C"} .a\\:b{color:red}')
    assert css_unescape(r"\75 rl") == "url"


@pytest.mark.parametrize(
    "html",
    [
        '<svg><rect fill="url(http://live.example/g.svg#g)"/></svg>',
        '<div data-bg="x" style="background:u\\72l(http://live.example/a.png)"></div>',
        '<iframe srcdoc="&lt;img src=http://live.example/a.png&gt;"></iframe>',
        '<svg><image xlink:href="http://live.example/a.png"/><feImage href="http://live.example/b.png"/></svg>',
        '<style>p{background:image-set("http://live.example/a.png" 1x)}</style>',
    ],
)
def test_html_attributes_and_sheets_carry_no_live_url(html: str) -> None:
    out = rewrite_html(html, base=BASE, to_replay=to_replay)
    assert live(out, "http://live.example") == [], out


SVG = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE svg [<!ENTITY secret SYSTEM "file:///etc/hostname"><!ENTITY pic "http://live.example/entity.png">]>
<?xml-stylesheet href="http://live.example/sheet.css"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 100 100">
  <style><![CDATA[ rect { fill: url(http://live.example/p.svg#g) } g > rect { stroke: red } ]]></style>
  <linearGradient id="g"><stop offset="0"/></linearGradient>
  <image href="http://live.example/i.png" width="10" height="10"/>
  <use xlink:href="http://live.example/u.svg#a"/>
  <rect fill="url(http://live.example/f.svg#x)" style="filter:u\\72l(http://live.example/filter.svg#f)"/>
  <image href="&pic;"/>
  <text>&secret;</text>
  <a href="javascript:alert(1)"><circle r="1"/></a>
  <foreignObject><div xmlns="http://www.w3.org/1999/xhtml"><img src="http://live.example/fo.png"/></div></foreignObject>
</svg>
"""


def test_svg_documents_are_rewritten_as_xml() -> None:
    out = rewrite_svg(SVG, base="http://live.example/pic.svg", to_replay=to_replay)
    assert live(out, "http://live.example") == [], out
    assert 'viewBox="0 0 100 100"' in out and "<linearGradient" in out  # SVG's case kept: still renders
    assert "g &gt; rect" in out or "g > rect" in out
    assert "xml-stylesheet" not in out and "ENTITY" not in out and "javascript:" not in out
    with open("/etc/hostname") as fh:
        hostname = fh.read().strip()
    assert not hostname or hostname not in out.replace("http://live.example", "")  # no external entity read


def test_an_svg_that_is_not_xml_replays_as_an_empty_svg() -> None:
    assert rewrite_svg("<svg><image href='http://live.example/a.png'>", base=BASE, to_replay=to_replay) == EMPTY_SVG


@pytest.fixture
def served(tmp_path: Path, httpserver: HTTPServer) -> Iterator[tuple[str, str, Archive, Server]]:
    origin = httpserver.url_for("/").rstrip("/")
    css = (
        f"body{{background:u\\72l({origin}/bg.png)}}\n"
        f".hero{{background-image:image-set('{origin}/hero.png' 1x, '{origin}/hero2.png' 2x)}}\n"
        f"@\\69mport '{origin}/more.css';\n"
    )
    svg = SVG.replace("http://live.example", origin)
    page = (f'<html><head><link rel="stylesheet" href="{origin}/style.css"></head><body>'
            f'<p style="background:u\\72l({origin}/inline.png)">text</p>'
            f'<img src="{origin}/pic.svg"><svg><rect fill="url({origin}/defs.svg#g)"/></svg></body></html>')
    httpserver.expect_request("/page.html").respond_with_data(page, content_type="text/html; charset=utf-8")
    httpserver.expect_request("/style.css").respond_with_data(css, content_type="text/css")
    httpserver.expect_request("/pic.svg").respond_with_data(svg, content_type="image/svg+xml")
    config = Config(check=CheckConfig(per_host_delay=0), detect=DetectConfig(soft404_probe=False))
    data = tmp_path / "data"
    with Archive(data, config) as archive:
        result = archive.check([f"{origin}/page.html", f"{origin}/style.css", f"{origin}/pic.svg"])
        assert result.errors == []
    reader = open_archive(data, config)
    with Server(reader, host="127.0.0.1", port=0) as server:
        yield origin, server.replay_url, reader, server
    reader.close()


@pytest.mark.parametrize("path", ["/page.html", "/style.css", "/pic.svg"])
def test_replayed_html_css_and_svg_name_the_live_site_only_inside_replay_paths(
    served: tuple[str, str, Archive, Server], path: str
) -> None:
    origin, replay, archive, _ = served
    capture = archive.history(origin + path)[-1]
    r = requests.get(f"{replay}/replay/{timestamp14(capture.captured_at)}/{origin}{path}", timeout=30)
    assert r.status_code == 200
    page = re.sub(r"<archiver-banner.*?</archiver-banner>", "", r.text, flags=re.DOTALL)  # names the original, as text
    assert live(page, origin) == [], page
    assert f"/replay/{timestamp14(capture.captured_at)}/{origin}/" in r.text
