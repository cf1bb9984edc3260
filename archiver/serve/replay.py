"""Replay (the second origin of ``archiver serve``): a capture's WARC record → the archived response.

A revisit is answered from the record it refers to. HTML and CSS have their links rewritten into
the archive (``rewrite``) and HTML gets a banner naming the original URL and the capture time.

The safety model: archived pages are untrusted. They are served only on this origin (its own
port), never on the app's, and every response carries a Content-Security-Policy that lets the
page load nothing but this origin's images, styles and fonts, runs no script at all, and
(``sandbox``) gives the document an opaque origin with no forms, popups or top navigation; the
app embeds replays in an ``<iframe sandbox>`` too. So a page cannot read or change the app's
pages, cannot call the app, and cannot reach the live web.
"""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from html import escape

from archiver.archive import Archive
from archiver.fetch.spool import SPOOL_BYTES, release_free_memory
from archiver.models import Capture
from archiver.report import iso
from archiver.serve.memento import (
    MEMENTO_RECORDS,
    Mementos,
    memento_uri,
    parse_timestamp,
    target_url,
    timestamp14,
)
from archiver.serve.memento import url_in_path as _in_path
from archiver.serve.rewrite import charset_of, replay_link, rewrite_body
from archiver.serve.server import Origins, Request, Response, Route
from archiver.warcstore.reader import StoredRecord

#: Archived response headers not passed on even with the ``X-Archive-Orig-`` prefix.
_HOP_HEADERS = frozenset(
    {
        "connection",
        "keep-alive",
        "transfer-encoding",
        "content-length",
        "content-encoding",
        "proxy-connection",
        "upgrade",
        "te",
        "trailer",
    }
)
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
#: Bytes of a record (as stored) replayed by any worker at once; a larger one is read and
#: rewritten by one worker at a time (each costs several times its size in memory).
LARGE = SPOOL_BYTES
#: A content-encoded record up to this block size is not large (it inflates to a few MB at most).
ENCODED_SMALL = 4096


def replay_csp(origins: Origins) -> str:
    """The policy of every replay response: nothing runs, nothing loads from outside the archive."""
    r = origins.replay
    return (
        f"default-src 'none'; img-src {r} data:; style-src {r} 'unsafe-inline'; font-src {r}; media-src {r}; "
        f"frame-ancestors {origins.app}; form-action 'none'; base-uri {r}; sandbox"
    )


def safety_headers(origins: Origins) -> tuple[tuple[str, str], ...]:
    return (
        ("Content-Security-Policy", replay_csp(origins)),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    )


def banner_html(capture: Capture) -> str:
    """The notice on top of a replayed page (ASCII only: it goes into pages of any charset)."""
    stamp = iso(capture.captured_at) or ""
    notes = ""
    if capture.final_url and capture.final_url != capture.url:
        notes += f" &middot; redirected to <code>{escape(capture.final_url)}</code>"
    if capture.truncated:
        notes += " &middot; the archived body is truncated"
    style = (
        "display:block!important;position:relative!important;z-index:2147483647!important;margin:0!important;"
        "padding:6px 10px!important;background:#fff3cd!important;color:#222!important;"
        "font:13px/1.4 system-ui,sans-serif!important;border-bottom:2px solid #b26a00!important;"
        "text-align:left!important;visibility:visible!important;opacity:1!important"
    )
    html = (
        f'<archiver-banner role="note" style="{style}">Archived copy &ndash; not the live page. '
        f"Original: <code>{escape(capture.url)}</code> &middot; captured "
        f'<time datetime="{escape(stamp)}">{escape(stamp)}</time> (UTC) &middot; capture '
        f"<code>{escape(capture.id)}</code>{notes}</archiver-banner>"
    )
    return html.encode("ascii", "xmlcharrefreplace").decode("ascii")


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


_FONT_TYPES = frozenset({"application/font-woff", "application/font-woff2", "application/x-font-woff",
                         "application/x-font-ttf", "application/x-font-otf", "application/vnd.ms-fontobject",
                         "application/font-sfnt"})
_FONT_SUFFIXES = (".woff2", ".woff", ".ttf", ".otf", ".eot")


def _is_font(media: str, url: str) -> bool:
    """Whether an archived response is a web font (by type, or by name when served untyped)."""
    if media.startswith("font/") or media in _FONT_TYPES:
        return True
    path = url.split("?", 1)[0].lower()
    return media in ("", "application/octet-stream", "binary/octet-stream") and path.endswith(_FONT_SUFFIXES)


class Replay:
    """The replay origin's handlers over one Archive."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.mementos = Mementos(archive)
        self._large = threading.BoundedSemaphore(1)  # one large record replayed at a time (``render``)

    def routes(self) -> tuple[Route, ...]:
        return (
            (re.compile(r"^/replay/(?P<ts>\d{4,14})/(?P<url>.+)$"), self.memento),
            (re.compile(r"^/id/(?P<id>[0-9a-z]{4,32})$"), self.by_id),
            *self.mementos.routes(),
            (re.compile(r"^/$"), self.root),
        )

    def root(self, request: Request, match: re.Match[str]) -> Response:
        body = f"archiver replay origin: archived pages only. The web view is at {request.origins.app}/\n"
        return Response(
            200, body.encode("utf-8"), "text/plain; charset=utf-8", safety_headers(request.origins)
        )

    def memento(self, request: Request, match: re.Match[str]) -> Response:
        """``/replay/TS/URL``: the memento of URL nearest TS (a redirect when TS is not its own)."""
        url = target_url(match.group("url"), request.query)
        at = parse_timestamp(match.group("ts"))
        if url is None or at is None:
            return self.not_archived(request, match.group("url"), status=400)
        _, mementos = self.mementos.of(url)
        if not mementos:
            return self.not_archived(request, url)
        chosen = self.mementos.nearest(mementos, at)
        if timestamp14(chosen.captured_at) != match.group("ts"):
            return Response(
                302,
                b"",
                "text/plain; charset=utf-8",
                (
                    ("Location", memento_uri(request.origins.replay, chosen)),
                    # A web font is fetched in CORS mode by the sandboxed (opaque-origin) page, and
                    # a CORS fetch checks every redirect too: see ``_is_font``.
                    ("Access-Control-Allow-Origin", "*"),
                    *safety_headers(request.origins),
                ),
            )
        return self.render(request, chosen)

    def by_id(self, request: Request, match: re.Match[str]) -> Response:
        """``/id/CAPTURE``: exactly that capture (what the app's capture page embeds)."""
        capture = self.archive.capture(match.group("id"))
        if capture.record_type not in MEMENTO_RECORDS:
            what = f"{capture.outcome}{': ' + capture.detail if capture.detail else ''}"
            return self.not_archived(request, capture.url, note=f"this check got no response ({what})")
        return self.render(request, capture)

    def _revisited(self, capture: Capture) -> bytes:
        """A revisit's payload: from the capture it refers to, or for a requisite (whose revisit
        may point at the same bytes under another URL) from the record the index names."""
        if capture.refers_to:
            return self.archive.payload(capture)
        requisite = self.archive.requisite_record(capture.record_id) if capture.record_id else None
        if requisite is None or requisite.payload is None:
            return b""
        holder = requisite.payload
        return self.archive.store_reader().read_record(holder.warc_file, holder.offset).payload

    def not_archived(self, request: Request, url: str, *, status: int = 404, note: str = "") -> Response:
        text = escape(note or "not archived: archiver holds no capture of this URL")
        body = (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Not archived</title></head>'
            f'<body style="font:15px/1.5 system-ui,sans-serif;margin:2em"><h1>Not archived</h1>'
            f"<p>{text}</p><p><code>{escape(url)}</code></p></body></html>"
        )
        return Response(
            status, body.encode("utf-8"), "text/html; charset=utf-8", safety_headers(request.origins)
        )

    # -- the archived response ------------------------------------------------------------------

    def render(self, request: Request, capture: Capture) -> Response:
        """The archived response of ``capture``: status, type, body (rewritten), safety + Memento headers."""
        store = self.archive.store_reader()
        if capture.warc_file is None or capture.warc_offset is None:
            return self.not_archived(request, capture.url, note="this capture has no WARC record")
        # A large record (over LARGE as stored, or content-encoded beyond a few KB, since a 24 KB
        # gzip body can inflate to 10 MB) is read and rewritten by one worker at a time, and the
        # memory it freed goes back before the next starts: eight clients on eight 10 MB pages
        # never hold them all at once. Its size is read from its headers alone (``record_extent``).
        if not self._is_large(capture):
            record = store.read_record(capture.warc_file, capture.warc_offset)
            payload = self._revisited(capture) if capture.record_type == "revisit" else record.payload
            return self._response(request, capture, record, payload)
        self._large.acquire()  # given back once the response is written (``Response.sent``)
        try:
            record = store.read_record(capture.warc_file, capture.warc_offset)
            payload = self._revisited(capture) if capture.record_type == "revisit" else record.payload
            response = self._response(request, capture, record, payload)
        except BaseException:
            self._large_sent()
            raise
        return replace(response, sent=self._large_sent)

    def _large_sent(self) -> None:
        release_free_memory()  # the memory back first, then the slot: the next large one may come in
        self._large.release()

    def _is_large(self, capture: Capture) -> bool:
        """Whether replaying ``capture`` (a revisit: the record holding its payload) takes the large slot."""
        where: tuple[str | None, int | None] = (capture.warc_file, capture.warc_offset)
        if capture.record_type == "revisit" and capture.refers_to:
            holder = self.archive.capture(capture.refers_to)
            where = (holder.warc_file, holder.warc_offset)
        elif capture.record_type == "revisit":
            requisite = self.archive.requisite_record(capture.record_id) if capture.record_id else None
            payload = requisite.payload if requisite is not None else None
            where = (payload.warc_file, payload.offset) if payload is not None else (None, None)
        if where[0] is None or where[1] is None:
            return False
        extent = self.archive.store_reader().record_extent(where[0], where[1])
        return extent is None or extent.length > LARGE or (extent.encoded and extent.length > ENCODED_SMALL)

    def _response(self, request: Request, capture: Capture, record: StoredRecord, payload: bytes) -> Response:
        """The archived response of ``capture`` from its record and (decoded) payload."""
        content_type = next((v for k, v in record.http_headers if k.lower() == "content-type"), "")
        status = record.http_status if record.http_status and 200 <= record.http_status <= 599 else 200
        ts = timestamp14(capture.captured_at)
        base = capture.final_url or capture.url

        def to_replay(url: str) -> str:
            return f"/replay/{ts}/{_in_path(url)}"

        media = _media_type(content_type)
        if media in _HTML_TYPES or media in ("text/css", "image/svg+xml"):
            kind = {"text/css": "css", "image/svg+xml": "svg"}.get(media, "html")
            payload = rewrite_body(
                payload,
                kind=kind,
                charset=charset_of(content_type, payload),
                base=base,
                to_replay=to_replay,
                banner=banner_html(capture),
            )
        headers = [*safety_headers(request.origins), *Mementos.headers(request.origins.replay, capture)]
        if _is_font(media, capture.url):
            # The sandboxed page has an opaque origin, and fonts load in CORS mode: without this
            # an archived web font is refused even though it comes from this very origin.
            headers.append(("Access-Control-Allow-Origin", "*"))
        for key, value in record.http_headers:
            name = key.strip()
            if _TOKEN.match(name) and name.lower() not in _HOP_HEADERS:
                headers.append((f"X-Archive-Orig-{name}", value))
            if name.lower() == "location" and 300 <= status < 400:
                headers.append(
                    ("Location", replay_link(value, base=base, to_replay=to_replay, navigation=True))
                )
        return Response(status, payload, content_type or "application/octet-stream", tuple(headers))
