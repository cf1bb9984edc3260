"""The Memento protocol (RFC 7089) over archiver's captures: TimeGate, TimeMap, memento headers.

Every capture that holds an HTTP response (a ``response`` or ``revisit`` record) is a memento of
its URL, and so is every recorded requisite (a stylesheet, image, font or favicon fetched with a
new version of a page): its TimeMap lists it, and a replayed page finds it by time. URI-Ms are ``{replay origin}/replay/{14-digit UTC timestamp}/{URI-R}``; the TimeGate is
``/timegate/{URI-R}`` and the TimeMap ``/timemap/link/{URI-R}`` (``application/link-format``).
Memento datetimes have one-second resolution, so of two captures in the same second the later
one is the memento; ``/id/{capture}`` on the replay origin still reaches the other.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import quote, unquote

from archiver.archive import Archive
from archiver.errors import CaptureNotFoundError, UrlError
from archiver.models import Capture, Outcome, Requisite, capture_id
from archiver.serve.server import Request, Response, Route
from archiver.urls import canonical

#: Record types that carry an archived HTTP response, hence a memento.
MEMENTO_RECORDS = frozenset({"response", "revisit"})
LINK_FORMAT = "application/link-format"
_SAFE_URL_CHARS = ":/?#[]@!$&'()*+,;=%~"


def utc(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def timestamp14(t: datetime) -> str:
    """``YYYYMMDDhhmmss`` in UTC, the Wayback form of a memento's time.

    >>> timestamp14(datetime(2026, 11, 23, 8, 58, 22, 711332, tzinfo=UTC))
    '20261123085822'
    """
    return utc(t).strftime("%Y%m%d%H%M%S")


def parse_timestamp(ts: str) -> datetime | None:
    """A 4-14 digit Wayback timestamp as UTC; a partial one means its earliest moment.

    >>> parse_timestamp("2026")
    datetime.datetime(2026, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)
    >>> parse_timestamp("20261399") is None
    True
    """
    if not re.fullmatch(r"\d{4,14}", ts):
        return None
    padded = ts + "00000101000000"[len(ts) :]
    try:
        return datetime.strptime(padded, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def http_date(t: datetime) -> str:
    """RFC 1123 date, as Memento-Datetime and TimeMaps write it: ``Mon, 23 Nov 2026 08:58:22 GMT``."""
    return format_datetime(utc(t).replace(microsecond=0), usegmt=True)


def parse_http_date(value: str) -> datetime | None:
    """An ``Accept-Datetime`` value as UTC, or None when it is not an RFC 1123 date."""
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return None if parsed is None else utc(parsed)


def url_in_path(url: str) -> str:
    """A URL made safe to append to one of our paths and to send in ``Location``/``Link``."""
    return quote(url, safe=_SAFE_URL_CHARS)


def target_url(in_path: str, query: str) -> str | None:
    """The archived URL a request names after ``/replay/TS/`` or ``/timegate/``, or None.

    Clients and proxies sometimes percent-encode the whole URL or squeeze ``//`` to ``/``.

    >>> target_url("https:/example.org/a", "b=1")
    'https://example.org/a?b=1'
    """
    url = unquote(in_path) if re.match(r"(?i)https?%3a", in_path) else in_path
    url = re.sub(r"(?i)^(https?:)/*", r"\1//", url)
    if not re.match(r"(?i)https?://[^/]", url):
        return None
    return f"{url}?{query}" if query else url


def requisite_capture(r: Requisite) -> Capture:
    """A recorded requisite as a memento of its URL (``Replay`` reads its payload where it lies)."""
    return Capture(
        id=capture_id(r.record.record_id), url=r.url, captured_at=r.captured_at, outcome=Outcome.OK,
        status=r.status, final_url=r.url, redirects=(r.url,), content_type=r.content_type,
        payload_digest=r.payload_digest, warc_file=r.record.warc_file, warc_offset=r.record.offset,
        warc_length=r.record.length, record_type=r.record_type, record_id=r.record.record_id,
    )


def memento_uri(origins_replay: str, capture: Capture) -> str:
    return f"{origins_replay}/replay/{timestamp14(capture.captured_at)}/{url_in_path(capture.url)}"


class Mementos:
    """The mementos of URLs, from the index, and the Memento headers and documents about them."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def of(self, url: str) -> tuple[str, list[Capture]]:
        """The canonical URI-R of ``url`` and its mementos, oldest first, one per second."""
        try:
            canon = canonical(url)
        except UrlError:
            return url, []
        by_second: dict[str, Capture] = {}
        try:
            captures = self.archive.history(canon)
        except CaptureNotFoundError:  # not watched: it may still have been fetched as a requisite
            captures = []
        for capture in captures:
            if capture.record_type in MEMENTO_RECORDS:
                by_second[timestamp14(capture.captured_at)] = capture  # captures come oldest first
        for spelled in dict.fromkeys((canon, url)):
            for requisite in self.archive.requisite_records(spelled):
                if requisite.record_type in MEMENTO_RECORDS:  # a page's own capture wins its second
                    by_second.setdefault(timestamp14(requisite.captured_at), requisite_capture(requisite))
        return canon, sorted(by_second.values(), key=lambda c: c.captured_at)

    @staticmethod
    def nearest(mementos: Sequence[Capture], at: datetime | None) -> Capture:
        """The memento closest to ``at`` (the latest when ``at`` is None); ties go to the earlier one."""
        if at is None:
            return mementos[-1]
        # Whole seconds on both sides, as URI-Ms and Memento-Datetime name them: a memento is
        # nearest to its own timestamp even when another one is fewer microseconds away.
        target = utc(at).replace(microsecond=0).timestamp()
        return min(
            mementos, key=lambda c: abs(utc(c.captured_at).replace(microsecond=0).timestamp() - target)
        )

    @staticmethod
    def links(replay: str, uri_r: str, *, memento: Capture | None = None) -> str:
        """The ``Link`` header of a TimeGate answer or a memento: original, timegate, timemap (and self)."""
        parts = [
            f'<{url_in_path(uri_r)}>; rel="original"',
            f'<{replay}/timegate/{url_in_path(uri_r)}>; rel="timegate"',
            f'<{replay}/timemap/link/{url_in_path(uri_r)}>; rel="timemap"; type="{LINK_FORMAT}"',
        ]
        if memento is not None:
            parts.append(
                f'<{memento_uri(replay, memento)}>; rel="memento"; '
                f'datetime="{http_date(memento.captured_at)}"'
            )
        return ", ".join(parts)

    @staticmethod
    def headers(replay: str, memento: Capture) -> tuple[tuple[str, str], ...]:
        """What every memento response carries."""
        return (
            ("Memento-Datetime", http_date(memento.captured_at)),
            ("Link", Mementos.links(replay, memento.url, memento=memento)),
        )

    @staticmethod
    def timemap(replay: str, uri_r: str, mementos: Sequence[Capture]) -> str:
        """The TimeMap of ``uri_r`` in link-format, one link per line."""
        first, last = mementos[0], mementos[-1]
        lines = [
            f'<{url_in_path(uri_r)}>; rel="original"',
            (
                f'<{replay}/timemap/link/{url_in_path(uri_r)}>; rel="self"; type="{LINK_FORMAT}"; '
                f'from="{http_date(first.captured_at)}"; until="{http_date(last.captured_at)}"'
            ),
            f'<{replay}/timegate/{url_in_path(uri_r)}>; rel="timegate"',
        ]
        for i, memento in enumerate(mementos):
            rel = " ".join(word for word, on in (("first", i == 0), ("last", i == len(mementos) - 1)) if on)
            rel = f"{rel} memento" if rel else "memento"
            lines.append(
                f'<{memento_uri(replay, memento)}>; rel="{rel}"; datetime="{http_date(memento.captured_at)}"'
            )
        return ",\n".join(lines) + "\n"

    # -- handlers -------------------------------------------------------------------------------

    def timegate(self, request: Request, match: re.Match[str]) -> Response:
        """302 to the memento nearest ``Accept-Datetime`` (the latest without one)."""
        url = target_url(match.group("url"), request.query)
        if url is None:
            return _text(400, "give an http(s) URL after /timegate/\n")
        uri_r, mementos = self.of(url)
        if not mementos:
            return _text(404, f"not archived: {url}\n")
        wanted = request.header("Accept-Datetime")
        at = parse_http_date(wanted) if wanted else None
        if wanted and at is None:
            return _text(400, "Accept-Datetime must be an RFC 1123 date: Mon, 23 Nov 2026 08:58:22 GMT\n")
        chosen = self.nearest(mementos, at)
        replay = request.origins.replay
        return Response(
            302,
            b"",
            "text/plain; charset=utf-8",
            (
                ("Location", memento_uri(replay, chosen)),
                ("Vary", "accept-datetime"),
                ("Link", self.links(replay, uri_r)),
            ),
        )

    def timemap_handler(self, request: Request, match: re.Match[str]) -> Response:
        url = target_url(match.group("url"), request.query)
        if url is None:
            return _text(400, "give an http(s) URL after /timemap/link/\n")
        uri_r, mementos = self.of(url)
        if not mementos:
            return _text(404, f"not archived: {url}\n")
        body = self.timemap(request.origins.replay, uri_r, mementos)
        return Response(200, body.encode("utf-8"), LINK_FORMAT)

    def routes(self) -> tuple[Route, ...]:
        return (
            (re.compile(r"^/timegate/(?P<url>.+)$"), self.timegate),
            (re.compile(r"^/timemap/link/(?P<url>.+)$"), self.timemap_handler),
        )


def _text(status: int, text: str) -> Response:
    return Response(status, text.encode("utf-8"), "text/plain; charset=utf-8")
