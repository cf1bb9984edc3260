"""The app origin of ``archiver serve``: dashboard, source, document, diff and capture pages.

Reads through the ``Archive`` facade (``sources``, ``history``, ``report_data``, ``diff``,
``citation_info``) and renders with ``templates``. Pages carry no script and a strict
Content-Security-Policy; archived content is only ever shown through an ``<iframe sandbox>``
pointing at the replay origin, never inline.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from archiver.archive import Archive
from archiver.cite import format_citation
from archiver.errors import CaptureNotFoundError, UrlError
from archiver.models import Capture, Outcome, SourceStatus
from archiver.report import timeline_svg
from archiver.report.htmlpage import e, url_link
from archiver.report.views import newest_first, standings
from archiver.serve import templates as t
from archiver.serve.memento import MEMENTO_RECORDS, Mementos, memento_uri, url_in_path
from archiver.serve.server import Origins, Request, Response, Route
from archiver.urls import canonical

#: Citation formats shown on a capture page (csl-json is long and shown by ``archiver cite``).
SNIPPET_FORMATS = ("text", "md", "html", "bibtex")
#: Events on the dashboard: the newest this many.
RECENT_EVENTS = 20


def app_headers(origins: Origins) -> tuple[tuple[str, str], ...]:
    """No script anywhere; frames only from the replay origin; the app is never framed itself."""
    csp = (
        f"default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-src {origins.replay}; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )
    return (
        ("Content-Security-Policy", csp),
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("Cache-Control", "no-store"),
    )


class App:
    """The app origin's handlers over one Archive."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.mementos = Mementos(archive)

    def routes(self) -> tuple[Route, ...]:
        return (
            (re.compile(r"^/$"), self.dashboard),
            (re.compile(r"^/source$"), self.source),
            (re.compile(r"^/document$"), self.document),
            (re.compile(r"^/diff$"), self.diff),
            (re.compile(r"^/capture/(?P<id>[0-9a-z]{4,32})$"), self.capture),
            (re.compile(r"^/screenshot/(?P<id>[0-9a-z]{4,32})\.png$"), self.screenshot),
            (re.compile(r"^/(?:replay|id)/"), self.to_replay_origin),
            *self.mementos.routes(),
        )

    # -- helpers --------------------------------------------------------------------------------

    def _page(
        self,
        request: Request,
        title: str,
        body: str,
        *,
        status: int = 200,
        lede: str = "",
        heading: str | None = None,
    ) -> Response:
        html = t.page(title, body, replay_origin=request.origins.replay, lede=lede, heading=heading)
        return Response(
            status, html.encode("utf-8"), "text/html; charset=utf-8", app_headers(request.origins)
        )

    def _missing(self, request: Request, message: str, status: int = 404) -> Response:
        return self._page(
            request, "Not found" if status == 404 else "Bad request", f"<p>{e(message)}</p>", status=status
        )

    def _guard(self, request: Request, build: Callable[[], Response]) -> Response:
        """``build()``, with an unknown URL, document or capture answered as a 404 page."""
        try:
            return build()
        except (CaptureNotFoundError, UrlError) as exc:
            return self._missing(request, str(exc))

    # -- pages ----------------------------------------------------------------------------------

    def dashboard(self, request: Request, match: re.Match[str]) -> Response:
        sources = self.archive.sources()
        counts: dict[str, int] = {}
        for s in sources:
            counts[str(s.status)] = counts.get(str(s.status), 0) + 1
        tally = " · ".join(f"{status}: {counts[status]}" for status in SourceStatus if status in counts)
        events = newest_first(self.archive.events())[:RECENT_EVENTS]
        body = (
            f'<section id="sources"><h2>Sources ({len(sources)})</h2><p class="meta">{e(tally)}</p>'
            f"{t.sources_table(sources)}</section>"
            f'<section id="documents"><h2>Documents</h2>{t.documents_list(self.archive.documents())}</section>'
            f'<section id="events"><h2>Recent events</h2>{t.events_html(events)}</section>'
        )
        return self._page(
            request, "Dashboard", body, heading="archiver", lede="Sources watched, and what happened to them"
        )

    def source(self, request: Request, match: re.Match[str]) -> Response:
        url = request.param("url")
        if not url:
            return self._missing(request, "give ?url=… (a watched URL)", 400)
        return self._guard(request, lambda: self._source(request, url))

    def _source(self, request: Request, url: str) -> Response:
        captures = self.archive.history(url)
        canon = canonical(url)
        summary = self.archive.sources(urls=[canon])[0]
        events = newest_first(self.archive.events(url=canon))
        replay = request.origins.replay
        facts = t.definition_list(
            [
                ("status", t.status_html(summary.status)),
                ("last check", t.time_html(summary.last_checked)),
                ("captures", str(summary.captures)),
                ("timeline", timeline_svg(summary.timeline, link=t.capture_href)),
                ("original", url_link(canon)),
                (
                    "Memento",
                    (
                        f'<a href="{e(replay)}/timemap/link/{e(url_in_path(canon))}">TimeMap</a> · '
                        f'<a href="{e(replay)}/timegate/{e(url_in_path(canon))}">TimeGate</a>'
                    ),
                ),
            ]
        )
        body = (
            f"{facts}<h2>Cited by</h2>{t.citations_html(self.archive.citations_for(canon))}"
            f"<h2>Events ({len(events)})</h2>{t.events_html(events)}"
            f"<h2>Captures ({len(captures)})</h2>{t.diff_form(canon, captures)}{t.captures_table(canon, captures)}"
        )
        return self._page(request, f"Source {canon}", body, heading=canon)

    def document(self, request: Request, match: re.Match[str]) -> Response:
        path = request.param("path")
        if not path:
            return self._missing(request, "give ?path=… (an imported document)", 400)
        return self._guard(request, lambda: self._document(request, path))

    def _document(self, request: Request, path: str) -> Response:
        if not any(d.path == path for d in self.archive.documents()):
            raise CaptureNotFoundError(f"{path}: no such imported document")
        data = self.archive.report_data(document=path)
        anchors: dict[str, list[str]] = {}
        for citation in self.archive.citations_of(path):
            anchors.setdefault(citation.url, []).append(citation.anchor)
        answers = standings(data.sources, data.events)
        body = (
            f"<h2>Citations ({len(data.sources)} sources)</h2>{t.standing_rows(data.sources, answers, anchors)}"
            f"<h2>Events</h2>{t.events_html(newest_first(data.events))}"
        )
        return self._page(
            request,
            f"Document {path}",
            body,
            heading=path,
            lede="Each cited source: its status now, whether it changed, and what to cite instead",
        )

    def diff(self, request: Request, match: re.Match[str]) -> Response:
        url = request.param("url")
        if not url:
            return self._missing(request, "give ?url=… and optionally &a=CAPTURE&b=CAPTURE", 400)
        return self._guard(request, lambda: self._diff(request, url, request.param("a"), request.param("b")))

    def _diff(self, request: Request, url: str, a: str | None, b: str | None) -> Response:
        old, new, change = self.archive.diff(url, a or None, b or None)
        stats = f"similarity {change.similarity:.0%}"  # the word counts head the diff itself
        body = (
            f"<p>{t.source_link(old.url)}</p>"
            f"<p>From {t.capture_link(old.id)} ({t.time_html(old.captured_at)}) to "
            f"{t.capture_link(new.id)} ({t.time_html(new.captured_at)})</p>"
            f'<p class="summary">{e(change.summary)}</p><p class="meta">{e(stats)}</p>'
            f"{t.full_diff(change)}{t.diff_form(old.url, self.archive.history(old.url), old.id, new.id)}"
        )
        return self._page(request, f"Diff {old.id} → {new.id}", body, heading="What changed")

    def capture(self, request: Request, match: re.Match[str]) -> Response:
        return self._guard(request, lambda: self._capture(request, self.archive.capture(match.group("id"))))

    def _capture(self, request: Request, c: Capture) -> Response:
        replay = request.origins.replay
        holder = f" (payload in {t.capture_link(c.refers_to)})" if c.refers_to else ""
        facts = t.definition_list(
            [
                ("source", t.source_link(c.url)),
                ("captured", t.time_html(c.captured_at) + " UTC"),
                ("outcome", e(c.outcome) + (f" — {e(c.detail)}" if c.detail else "")),
                ("HTTP status", e(c.status if c.status is not None else "none")),
                ("redirects", " → ".join(e(u) for u in c.redirects) or "none"),
                ("content type", e(c.content_type or "none")),
                ("payload digest", f"<code>{e(c.payload_digest or 'none')}</code>"),
                (
                    "WARC record",
                    f"{e(c.record_type)}{holder} · <code>{e(c.warc_file or '?')}@{e(c.warc_offset)}</code>",
                ),
                ("truncated", "yes" if c.truncated else "no"),
            ]
        )
        events = [ev for ev in self.archive.events(url=c.url) if ev.capture == c.id]
        body = facts + f"<h2>Citation</h2>{self._snippets(c)}"
        if events:
            body += f"<h2>Events</h2>{t.events_html(events)}"
        if c.record_type in MEMENTO_RECORDS:
            frame = f"{replay}/id/{c.id}"
            body += (
                f'<h2>Replay</h2><p><a href="{e(memento_uri(replay, c))}">Open the replay on its own</a> '
                "(archived scripts never run).</p>"
                f'<iframe class="replay" sandbox src="{e(frame)}" referrerpolicy="no-referrer" '
                f'title="archived page {e(c.id)}"></iframe>'
            )
        else:
            body += "<h2>Replay</h2><p>This check got no response, so there is nothing to replay.</p>"
        body += self._version_html(c)
        return self._page(request, f"Capture {c.id}", body, heading=f"Capture {c.id}")

    def _version_html(self, c: Capture) -> str:
        """The screenshot of the version this capture shows, and what that version needed."""
        if c.record_type not in MEMENTO_RECORDS:
            return ""
        version = self.archive.version_of(c)
        shot = self.archive.screenshot_taken(version.id)
        requisites = self.archive.requisites(version)
        whose = "" if version.id == c.id else f" (kept with capture {t.capture_link(version.id)}, the same version)"
        html = ""
        if shot is not None:
            html += (
                f"<h2>Screenshot</h2><p class=\"meta\">Full page as Chromium rendered the archived copy, "
                f"{shot.width}×{shot.height} px, {t.time_html(shot.taken_at)} UTC{whose}.</p>"
                f'<p><a href="/screenshot/{e(version.id)}.png"><img class="screenshot" src="/screenshot/{e(version.id)}.png" '
                f'alt="screenshot of the archived page {e(c.url)}" width="{shot.width}" height="{shot.height}" '
                'style="max-width:100%;height:auto;border:1px solid #bbb"></a></p>'
            )
        if requisites:
            rows = "".join(
                f"<tr><td>{e(r.kind)}</td><td><code>{e(r.url)}</code></td><td>{e(r.status if r.status else r.record_type)}</td>"
                f"<td>{'stored' if r.record_type == 'response' else e(r.record_type)}</td></tr>"
                for r in requisites
            )
            html += (
                f"<h2>Requisites ({len(requisites)})</h2><p class=\"meta\">What this version needed to be seen{whose}; "
                "a revisit is a payload already in the archive, stored once.</p>"
                f'<table class="requisites"><thead><tr><th>kind</th><th>URL</th><th>status</th><th>record</th></tr></thead>'
                f"<tbody>{rows}</tbody></table>"
            )
        return html

    def screenshot(self, request: Request, match: re.Match[str]) -> Response:
        """The PNG of a version's screenshot (archiver's own rendering: an image, never markup)."""

        def build() -> Response:
            capture = self.archive.capture(match.group("id"))
            shot = self.archive.screenshot_taken(capture.id)
            if shot is None:
                raise CaptureNotFoundError(f"capture {capture.id} has no screenshot")
            headers = tuple((k, v) for k, v in app_headers(request.origins) if k != "Cache-Control")
            return Response(200, self.archive.screenshot_png(shot), "image/png",
                            (*headers, ("Cache-Control", "max-age=86400, immutable")))

        return self._guard(request, build)

    def _snippets(self, c: Capture) -> str:
        citable = c.outcome == Outcome.OK and (c.status or 0) < 400
        info = self.archive.citation_info(c.url, at=c.captured_at) if citable else None
        if info is None or info.capture_id != c.id:
            instead = self.archive.capture_near(c.url, c.captured_at)
            hint = f" The nearest good capture is {t.capture_link(instead.id)}." if instead else ""
            return f"<p>This capture is not a good copy to cite.{hint}</p>"
        return "".join(
            f'<h3>{e(fmt)}</h3><pre class="snippet">{e(format_citation(info, fmt))}</pre>'
            for fmt in SNIPPET_FORMATS
        )

    def to_replay_origin(self, request: Request, match: re.Match[str]) -> Response:
        """Archived pages live on the replay origin only; send the browser there."""
        location = request.origins.replay + request.path + (f"?{request.query}" if request.query else "")
        return Response(
            302, b"", "text/plain; charset=utf-8", (("Location", location), *app_headers(request.origins))
        )
