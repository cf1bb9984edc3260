"""A styled article with everything a page needs to be seen, served for real on 127.0.0.1.

``serve(server)`` registers on a pytest-httpserver: the page (``/article``) with a stylesheet that
``@import``s another and declares a web font (a TrueType file from the machine's fonts, served
as ``/fonts/face.ttf``), an inline ``<style>`` background image, an ``img`` with a ``srcset``, a
``picture``/``source``, an inline ``style=""`` image, ``og:image`` and a favicon; a second page
(``/other``) whose stylesheet has another URL but the same bytes. The images are drawn with
Pillow, so they look like a chart and a photo, not like single pixels.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from pytest_httpserver import HTTPServer

MAIN_CSS = (
    '@import "/css/base.css";\n'
    '@font-face { font-family: "Archived Face"; src: url("/fonts/face.ttf") format("truetype"); }\n'
    'h1 { font-family: "Archived Face", serif; font-size: 44px; color: rgb(20, 60, 160); margin: 0 0 12px; }\n'
    ".hero { height: 120px; background: url(/img/bg.png) repeat-x; border-radius: 8px; }\n"
    "img.chart { display: block; width: 640px; height: 320px; margin: 16px 0; }\n"
    "picture img { width: 300px; height: 200px; }\n"
    "p.note { padding-left: 40px; background: url('/img/dot.png') no-repeat left center; }\n"
)
BASE_CSS = "body { margin: 24px; background: #f4efe6; font: 18px/1.5 serif; color: #222; }\n"
OTHER_CSS = MAIN_CSS  # the same bytes under another URL: a revisit of the first one's payload

ARTICLE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Turnout reaches 61 percent</title>
<link rel="stylesheet" href="/css/main.css">
<link rel="icon" href="/favicon.png">
<meta property="og:image" content="/img/og.png">
<style>.band { height: 24px; background: url(/img/band.png) repeat-x; margin: 12px 0; }</style>
</head><body>
<h1>Turnout reaches {figure} percent</h1>
<div class="hero"></div>
<p>County turnout reached {figure} percent, the clerk said on Monday, the highest in two decades.</p>
<img class="chart" src="/img/chart-small.png" srcset="/img/chart-small.png 640w, /img/chart.png 1280w" alt="chart">
<div class="band"></div>
<picture><source srcset="/img/photo.png 1x, /img/photo-2x.png 2x"><img src="/img/photo-fallback.png" alt="photo"></picture>
<p class="note">Figures are provisional until the canvass ends.</p>
</body></html>
"""
OTHER = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Other</title>
<link rel="stylesheet" href="/static/copy-of-main.css"><link rel="icon" href="/favicon.png">
</head><body><h1>Another article</h1><p>It shares its look with the first one.</p></body></html>
"""


def _png(size: tuple[int, int], draw: str) -> bytes:
    image = Image.new("RGB", size, (250, 250, 250))
    pen = ImageDraw.Draw(image)
    w, h = size
    if draw == "chart":
        for i, value in enumerate((40, 75, 61, 90, 55, 82, 67, 95)):
            x = 20 + i * (w - 40) // 8
            pen.rectangle((x, h - 20 - value * (h - 40) // 100, x + (w - 40) // 10, h - 20), fill=(30 + 25 * i, 90, 200 - 15 * i))
        pen.line((10, h - 20, w - 10, h - 20), fill=(0, 0, 0), width=3)
    elif draw == "photo":
        for y in range(h):
            pen.line((0, y, w, y), fill=(90 + y * 120 // h, 140, 220 - y * 100 // h))
        pen.ellipse((w // 3, h // 4, w // 3 + h // 2, h // 4 + h // 2), fill=(250, 200, 40))
    elif draw == "stripes":
        for x in range(0, w, 16):
            pen.rectangle((x, 0, x + 7, h), fill=(200, 60, 60))
    else:  # a dot
        pen.ellipse((2, 2, w - 3, h - 3), fill=(20, 140, 60))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def font_file() -> Path:
    """A TrueType font of this machine, served as the page's web font (fonts-dejavu or -liberation)."""
    fonts = sorted(Path("/usr/share/fonts").rglob("*.ttf"))
    preferred = [f for f in fonts if "Mono" in f.name and "Bold" in f.name] or fonts
    if not preferred:
        pytest.fail("no TrueType font under /usr/share/fonts: apt-get install -y fonts-dejavu-core")
    return preferred[0]


@dataclass
class StyledSite:
    server: HTTPServer
    article: str
    other: str
    #: Every requisite of the article a 1280-pixel-wide browser loads, by path.
    article_requisites: tuple[str, ...] = (
        "/css/main.css", "/css/base.css", "/fonts/face.ttf", "/img/bg.png", "/img/band.png", "/img/chart-small.png",
        "/img/chart.png", "/img/photo.png", "/img/photo-fallback.png", "/img/dot.png", "/img/og.png", "/favicon.png",
    )  # fmt: skip

    def url(self, path: str) -> str:
        return self.server.url_for(path)


def serve(server: HTTPServer, *, figure: str = "61") -> StyledSite:
    """Register the styled site on ``server`` (again after ``server.clear()`` for a new version)."""
    html = "text/html; charset=utf-8"
    server.expect_request("/article").respond_with_data(ARTICLE.replace("{figure}", figure), content_type=html)
    server.expect_request("/other").respond_with_data(OTHER, content_type=html)
    server.expect_request("/css/main.css").respond_with_data(MAIN_CSS, content_type="text/css")
    server.expect_request("/static/copy-of-main.css").respond_with_data(OTHER_CSS, content_type="text/css")
    server.expect_request("/css/base.css").respond_with_data(BASE_CSS, content_type="text/css")
    server.expect_request("/fonts/face.ttf").respond_with_data(font_file().read_bytes(), content_type="font/ttf")
    images = {
        "/img/bg.png": ((64, 120), "stripes"), "/img/band.png": ((32, 24), "stripes"),
        "/img/chart-small.png": ((640, 320), "chart"), "/img/chart.png": ((1280, 640), "chart"),
        "/img/photo.png": ((300, 200), "photo"), "/img/photo-2x.png": ((600, 400), "photo"),
        "/img/photo-fallback.png": ((300, 200), "photo"), "/img/dot.png": ((24, 24), "dot"),
        "/img/og.png": ((120, 63), "photo"), "/favicon.png": ((16, 16), "dot"),
    }  # fmt: skip
    for path, (size, draw) in images.items():
        server.expect_request(path).respond_with_data(_png(size, draw), content_type="image/png")
    return StyledSite(server, server.url_for("/article"), server.url_for("/other"))
