"""YouTube videos: recognise watch, short and embed URLs, ask YouTube's oEmbed, read the answer.

oEmbed answers 404 for a removed video, 401 when the owner disabled embedding and 403 for a
private one; both refusals read as PROTECTED (the video exists but cannot be seen from here).
A live video's "text" is its title: the one piece of its content oEmbed gives.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping

from archiver.models import FetchResult, PostSnapshot, PostState
from archiver.platforms.answers import read_answer, text_field, unknown
from archiver.platforms.records import Platform, PostRef

NAME = "youtube"

#: Hosts serving ``/watch?v=``, ``/shorts/``, ``/embed/`` … (``www.`` dropped before lookup).
HOSTS = frozenset({"youtube.com", "m.youtube.com", "music.youtube.com", "youtube-nocookie.com"})
SHORT_HOSTS = frozenset({"youtu.be"})

_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_ID_PATH = re.compile(r"/(?:shorts|embed|live|v|e)/(?P<id>[A-Za-z0-9_-]{11})")

#: What oEmbed's HTTP statuses mean for a video.
STATUS_STATES: Mapping[int, tuple[PostState, str]] = {
    404: (PostState.DELETED, "removed or never existed"),
    401: (PostState.PROTECTED, "embedding disabled by the owner, or private"),
    403: (PostState.PROTECTED, "private"),
    451: (PostState.WITHHELD, "unavailable for legal reasons"),
}

#: Whole bodies that are a bare word instead of JSON: YouTube has answered a private video with
#: HTTP 200 and the body "Forbidden" (ruby-oembed issue 79; fixture youtube/forbidden_200.txt).
BARE_BODIES: Mapping[str, tuple[PostState, str]] = {
    "forbidden": (PostState.PROTECTED, "private (forbidden)"),
    "unauthorized": (PostState.PROTECTED, "embedding disabled, or private"),
    "not found": (PostState.DELETED, "not found"),
}

#: Notices in a page served instead of JSON. Lower-cased substrings, first match wins;
#: "terminated" comes first because that notice also says the video is "no longer available".
PAGE_MARKERS: tuple[tuple[str, PostState, str], ...] = (
    ("has been terminated", PostState.SUSPENDED, "the channel was terminated"),
    ("removed for violating", PostState.DELETED, "removed for breaking YouTube's rules"),
    ("this video is private", PostState.PROTECTED, "private"),
    ("video unavailable", PostState.DELETED, "video unavailable"),
    ("this video is no longer available", PostState.DELETED, "no longer available"),
)


def recognise(parts: urllib.parse.SplitResult) -> PostRef | None:
    """A video in ``parts``: ``/watch?v=ID``, ``/shorts/ID``, ``/embed/ID``, ``/live/ID``, ``youtu.be/ID``."""
    host = (parts.hostname or "").removeprefix("www.")
    video_id: str | None = None
    if host in SHORT_HOSTS:
        candidate = parts.path.strip("/")
        video_id = candidate if _VIDEO_ID.fullmatch(candidate) else None
    elif host in HOSTS:
        if parts.path.rstrip("/") == "/watch":
            values = urllib.parse.parse_qs(parts.query).get("v", [])
            video_id = values[0] if values and _VIDEO_ID.fullmatch(values[0]) else None
        else:
            match = _ID_PATH.fullmatch(parts.path.rstrip("/"))
            video_id = match["id"] if match else None
    if video_id is None:
        return None
    url = f"https://www.youtube.com/watch?v={video_id}"
    return PostRef(platform=NAME, url=url, post_id=video_id, author=None, host="www.youtube.com")


def endpoints(ref: PostRef) -> list[str]:
    """YouTube's oEmbed for the watch URL, as JSON."""
    query = urllib.parse.urlencode({"url": ref.url, "format": "json"})
    return [f"https://www.youtube.com/oembed?{query}"]


def parse(ref: PostRef, results: list[FetchResult]) -> PostSnapshot:
    """Read oEmbed's answer: JSON with a title is live; else ``STATUS_STATES``, ``BARE_BODIES``,
    ``PAGE_MARKERS``; anything else is UNKNOWN."""
    answer = read_answer(results, 0, endpoints(ref)[0])
    if answer.refused:
        return unknown(NAME, answer.refused, answer.url)
    data = answer.json_dict()
    status = answer.status or 0
    if status == 200 and isinstance(data.get("title"), str):
        author = text_field(data, "author_name")
        return PostSnapshot(
            NAME, PostState.LIVE, text=data["title"], author=author, detail="http-200", endpoint=answer.url
        )
    if status in STATUS_STATES:
        state, meaning = STATUS_STATES[status]
        return PostSnapshot(NAME, state, detail=f"http-{status}: {meaning}", endpoint=answer.url)
    if status == 200 and not answer.is_json:
        body = answer.text()
        if body.lower() in BARE_BODIES:
            state, meaning = BARE_BODIES[body.lower()]
            return PostSnapshot(NAME, state, detail=f"http-200: {meaning}", endpoint=answer.url)
        lowered = body[:20000].lower()
        for marker, state, meaning in PAGE_MARKERS:
            if marker in lowered:
                return PostSnapshot(NAME, state, detail=f"http-200: {meaning}", endpoint=answer.url)
        return unknown(NAME, "http-200 but not JSON", answer.url)
    return unknown(NAME, f"http-{status}" + (": bad request" if status == 400 else ""), answer.url)


PLATFORM = Platform(name=NAME, recognise=recognise, endpoints=endpoints, parse=parse)
