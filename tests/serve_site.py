"""A small archived site for the serve, pywb and export tests, captured for real.

``build(root)`` starts a pytest-httpserver on 127.0.0.1, captures it with ``Archive.check``
(one page edited between checks, one unchanged re-check that becomes a revisit, a 404, a
redirect, an image and a stylesheet), imports a document citing it, and returns where everything is.
Pages carry hostile markup on purpose: a script that tries to reach the app, and text that
would be markup if a page forgot to escape it.
"""

from __future__ import annotations

import base64
import math
import time
from dataclasses import dataclass
from pathlib import Path

from pytest_httpserver import HTTPServer

from archiver.archive import Archive
from archiver.config import CheckConfig, Config, DetectConfig, FetchConfig

#: A 1×1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)

#: The archived page's attack: every way a page's script could try to touch the app or the web.
#: The app listens one port below replay (replay_port 0 = app port + 1), hence ``port - 1``.
HOSTILE_SCRIPT = """<script>
var app = location.protocol + '//' + location.hostname + ':' + (Number(location.port) - 1);
try { parent.document.body.innerHTML = 'PWNED'; } catch (e) {}
try { top.document.title = 'PWNED'; } catch (e) {}
try { fetch(app + '/pwned-fetch'); } catch (e) {}
try { new Image().src = app + '/pwned-image'; } catch (e) {}
try { document.body.innerHTML = 'PWNED-SELF'; } catch (e) {}
try { top.location = app + '/pwned-navigation'; } catch (e) {}
</script>"""

EVIL_TEXT = "&lt;script&gt;alert('text')&lt;/script&gt;"  # as HTML source; extracted text is <script>…


#: Page title and document name that would be markup if a page forgot to escape them.
EVIL_TITLE = "Poll results &lt;img src=x onerror=alert('title')&gt;"
EVIL_DOCUMENT_NAME = "poll <img src=x onerror=alert('doc')>.md"


def page(body: str, *, title: str = EVIL_TITLE) -> str:
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{title}</title><link rel='stylesheet' href='/style.css'></head>"
        f"<body><article><h1>{title}</h1>{body}</article>{HOSTILE_SCRIPT}</body></html>"
    )


POLL_V1 = page(
    "<p>Support for the measure stood at 61% in the latest survey of voters across the state, "
    "the pollster said on Monday morning.</p>"
    "<p>The survey of 1,200 adults was conducted by telephone and online over the previous week.</p>"
    "<p><img src='/logo.png' alt='logo'> <a href='/b'>Background</a> · "
    "<a href='/live-beacon'>a page never archived</a> · <img src='/live-beacon.png' alt='beacon'></p>"
)
POLL_V2 = POLL_V1.replace("61%", "59%").replace(
    "</article>", f"<p>Correction appended: {EVIL_TEXT} was never part of the poll.</p></article>"
)
BACKGROUND = page(
    "<p>Background: how the survey was run, who paid for it, and what the margin of error means for "
    "a result this close to the threshold.</p>",
    title="Background",
)
CSS = "h1 { color: rgb(200, 0, 0); }\n"
DOCUMENT = """---
source_url: https://news.example/articles/poll
---
# The poll

Support fell, according to [the <script>alert('anchor')</script> poll]({a}).
See also [the background]({b}) and [a page that vanished]({gone}).
"""


@dataclass
class ArchivedSite:
    """Where the archived site lives, and its URLs (canonical, as the index keys them)."""

    data_dir: Path
    server: HTTPServer
    poll: str
    background: str
    gone: str
    moved: str  # a 301 to background
    logo: str
    css: str
    document: str

    def archive(self) -> Archive:
        return Archive(self.data_dir, config())


def config() -> Config:
    # per_host_delay 1 s keeps every capture in its own second (Memento datetimes are whole seconds).
    return Config(
        fetch=FetchConfig(allow_private=True),
        check=CheckConfig(per_host_delay=1.0),
        detect=DetectConfig(soft404_probe=False),
    )


def next_second() -> None:
    """Wait for the wall clock's next second, so the next check's captures get their own Memento
    datetime whatever the previous check spent (screenshots, requisites): bounded, at most 1 s."""
    now = time.time()
    time.sleep(math.ceil(now) - now + 0.01)


def checked(archive: Archive, urls: list[str]) -> None:
    """``archive.check(urls)``, insisting that every URL got its capture (a failed build says why)."""
    next_second()
    before = {u: len(archive.history(u)) if archive.url_state(u) else 0 for u in urls}
    result = archive.check(urls)
    assert not result.errors and result.checked == len(urls), result
    for u in urls:
        assert len(archive.history(u)) == before[u] + 1, (u, archive.history(u), result)


def build(root: Path) -> ArchivedSite:
    """Serve the site, capture it three times, import a document citing it."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    url = server.url_for
    server.expect_request("/a").respond_with_data(POLL_V1, content_type="text/html; charset=utf-8")
    server.expect_request("/b").respond_with_data(BACKGROUND, content_type="text/html; charset=utf-8")
    server.expect_request("/logo.png").respond_with_data(PNG, content_type="image/png")
    server.expect_request("/style.css").respond_with_data(CSS, content_type="text/css")
    server.expect_request("/moved").respond_with_data("", status=301, headers={"Location": url("/b")})
    server.expect_request("/gone").respond_with_data(
        "<h1>Not Found</h1>", status=404, content_type="text/html"
    )
    data_dir = root / "snapshots"
    with Archive(data_dir, config()) as archive:
        checked(
            archive, [url("/a"), url("/b"), url("/logo.png"), url("/style.css"), url("/gone"), url("/moved")]
        )
        checked(archive, [url("/a")])  # unchanged: a revisit record
        server.clear()
        server.expect_request("/a").respond_with_data(POLL_V2, content_type="text/html; charset=utf-8")
        server.expect_request("/logo.png").respond_with_data(PNG, content_type="image/png")
        server.expect_request("/style.css").respond_with_data(CSS, content_type="text/css")
        checked(archive, [url("/a")])  # edited
        assert [c.record_type for c in archive.history(url("/a"))] == ["response", "revisit", "response"]
        doc = root / EVIL_DOCUMENT_NAME
        doc.write_text(DOCUMENT.format(a=url("/a"), b=url("/b"), gone=url("/gone")), encoding="utf-8")
        archive.import_documents([str(doc)])
    return ArchivedSite(
        data_dir=data_dir,
        server=server,
        poll=url("/a"),
        background=url("/b"),
        gone=url("/gone"),
        moved=url("/moved"),
        logo=url("/logo.png"),
        css=url("/style.css"),
        document=str(doc),
    )
