"""X (Twitter) posts: recognise their URLs, ask oEmbed and the syndication JSON, read the answers.

The x.com page answers 200 with the same script shell whether a post is live, deleted or its
account suspended, so the state comes from two machine-readable endpoints instead:
``publish.twitter.com/oembed`` (404 when gone, 403 when protected) and
``cdn.syndication.twimg.com/tweet-result`` (the post JSON, or a tombstone saying why it is not).
"""

from __future__ import annotations

import html
import math
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from archiver.models import FetchResult, PostSnapshot, PostState
from archiver.platforms.answers import Answer, as_dict, dig, iso_utc, read_answer, text_field
from archiver.platforms.records import Platform, PostRef

NAME = "x"

#: Hosts whose ``/USER/status/ID`` paths are X posts: X itself, its mobile hosts, and the
#: embed-fixing and read-only mirrors that documents link instead of x.com. ``www.`` is dropped
#: before lookup. ``t.co`` (short links) and ``pic.twitter.com`` (media) are deliberately absent.
HOSTS = frozenset(
    {
        "x.com",
        "twitter.com",
        "mobile.twitter.com",
        "mobile.x.com",
        "m.twitter.com",
        "fxtwitter.com",
        "vxtwitter.com",
        "fixupx.com",
        "fixvx.com",
        "twittpr.com",
        "nitter.net",
        "nitter.poast.org",
        "nitter.privacydev.net",
        "xcancel.com",
    }
)

#: Media links (``pic.twitter.com/…`` as oEmbed prints a photo) that always redirect to the post
#: carrying the media: not posts themselves, but followed as posts once the redirect names one.
MEDIA_HOSTS = frozenset({"pic.twitter.com", "pic.x.com"})

_POST_PATH = re.compile(r"/(?:i/web|(?P<user>[A-Za-z0-9_]{1,20}))/status(?:es)?/(?P<id>\d{1,20})(?:/[^/]*)*")

#: Tombstone wordings (lower-cased substrings, first match wins) and what they mean. X has used
#: "Tweet"/"Twitter" and "Post"/"X" forms; the substrings cover both. A state of UNKNOWN marks a
#: post that exists behind a gate (age checks): no evidence either way.
TOMBSTONE_MARKERS: tuple[tuple[str, PostState, str], ...] = (
    ("estimates your age", PostState.UNKNOWN, "age-verification gate"),
    ("age-restricted", PostState.UNKNOWN, "age-restricted, shown to logged-in adults only"),
    ("limits who can view", PostState.PROTECTED, "the account is protected"),
    ("withheld", PostState.WITHHELD, "withheld"),
    ("suspended", PostState.SUSPENDED, "the account is suspended"),
    ("no longer exists", PostState.DELETED, "the account no longer exists"),
    ("violated", PostState.DELETED, "removed by X for breaking its rules"),
    ("deleted", PostState.DELETED, "deleted by its author"),
)

#: ``{"__typename": "TweetUnavailable", "reason": …}`` values. None means "unavailable" without a
#: why, which counts as gone only when oEmbed agrees.
UNAVAILABLE_REASONS: Mapping[str, PostState | None] = {
    "Protected": PostState.PROTECTED,
    "Suspended": PostState.SUSPENDED,
    "Withheld": PostState.WITHHELD,
    "NsfwLoggedOut": PostState.UNKNOWN,
    "Unavailable": None,
}

_SNOWFLAKE_EPOCH_MS = 1288834974657  # 2010-11-04T01:42:54.657Z, X's snowflake epoch
_LAST_SEQUENTIAL_ID = 29700859247  # ids up to here predate snowflakes and carry no time


def recognise(parts: urllib.parse.SplitResult) -> PostRef | None:
    """An X post in ``parts``, or None (profiles, lists, ``t.co`` and ``pic.twitter.com`` included)."""
    host = (parts.hostname or "").removeprefix("www.")
    if host not in HOSTS:
        return None
    path = parts.path
    if path in ("", "/") and parts.fragment.startswith("!/"):  # 2010-era twitter.com/#!/user/status/ID
        path = parts.fragment[1:].split("?")[0]
    match = _POST_PATH.fullmatch(path.rstrip("/"))
    if match is None:
        return None
    post_id, user = match["id"], match["user"]
    if user == "i":  # /i/status/ID names no author
        user = None
    url = f"https://x.com/{user}/status/{post_id}" if user else f"https://x.com/i/web/status/{post_id}"
    return PostRef(platform=NAME, url=url, post_id=post_id, author=user, host="x.com")


def endpoints(ref: PostRef) -> list[str]:
    """oEmbed first (the form the citing documents embed), then the syndication JSON."""
    target = f"https://twitter.com/{ref.author or 'i'}/status/{ref.post_id}"
    oembed = {"url": target, "omit_script": "true", "dnt": "true", "lang": "en"}
    syndication = {"id": ref.post_id, "lang": "en", "token": syndication_token(ref.post_id)}
    return [
        "https://publish.twitter.com/oembed?" + urllib.parse.urlencode(oembed),
        "https://cdn.syndication.twimg.com/tweet-result?" + urllib.parse.urlencode(syndication),
    ]


@dataclass(frozen=True, slots=True)
class _Reading:
    """What one endpoint says: ``live``, ``gone`` (weakly), ``protected``, ``decisive`` or ``unknown``."""

    kind: str
    detail: str
    state: PostState | None = None
    data: dict[str, Any] = field(default_factory=dict)


def parse(ref: PostRef, results: list[FetchResult]) -> PostSnapshot:
    """Combine both answers. A tombstone that says why wins; either endpoint showing the post
    makes it live; deleted needs oEmbed's 404 *and* a syndication 404, empty answer or bare
    tombstone; anything else (429, 5xx, a refusal on either side) is UNKNOWN."""
    urls = endpoints(ref)
    oembed_answer, syndication_answer = read_answer(results, 0, urls[0]), read_answer(results, 1, urls[1])
    oembed, syndication = _read_oembed(oembed_answer), _read_syndication(syndication_answer)
    both = f"{oembed.detail}; {syndication.detail}"
    if syndication.kind == "decisive" and syndication.state is not None:
        return PostSnapshot(NAME, syndication.state, detail=both, endpoint=syndication_answer.url)
    if oembed.kind == "live" or syndication.kind == "live":
        return _live(ref, oembed, syndication, oembed_answer.url, syndication_answer.url)
    if oembed.kind == "protected":
        return PostSnapshot(NAME, PostState.PROTECTED, detail=both, endpoint=oembed_answer.url)
    if oembed.kind == "gone" and syndication.kind == "gone":
        return PostSnapshot(NAME, PostState.DELETED, detail=both, endpoint=oembed_answer.url)
    return PostSnapshot(NAME, PostState.UNKNOWN, detail=both, endpoint=oembed_answer.url)


def _read_oembed(answer: Answer) -> _Reading:
    detail = f"oembed {answer.describe()}"
    if answer.refused:
        return _Reading("unknown", detail)
    data = answer.json_dict()
    if answer.status == 200 and isinstance(data.get("html"), str):
        return _Reading("live", detail, data=data)
    if answer.status == 404:
        return _Reading("gone", detail)
    if answer.status == 403:
        return _Reading("protected", detail + " (protected account)")
    return _Reading("unknown", detail if answer.is_json else detail + ", not JSON")


def _read_syndication(answer: Answer) -> _Reading:
    detail = f"syndication {answer.describe()}"
    if answer.refused:
        return _Reading("unknown", detail)
    if answer.status == 404:
        return _Reading("gone", detail)
    if answer.status != 200 or not isinstance(answer.data, dict):
        return _Reading("unknown", detail if answer.is_json else detail + ", not JSON")
    data = answer.json_dict()
    if not data:
        return _Reading("gone", detail + ", empty answer")
    if data.get("__typename") == "TweetWithVisibilityResults" and isinstance(data.get("tweet"), dict):
        data = data["tweet"]
    typename = data.get("__typename")
    if typename == "TweetTombstone":
        return _tombstone(text_field(data, "tombstone", "text", "text"), detail)
    if typename == "TweetUnavailable":
        reason = text_field(data, "reason")
        state = UNAVAILABLE_REASONS.get(reason)
        if state is None:
            return _Reading("gone", f"{detail}, unavailable ({reason or 'no reason'})")
        kind = "unknown" if state is PostState.UNKNOWN else "decisive"
        return _Reading(kind, f"{detail}, unavailable: {reason}", state)
    if (
        typename in ("Tweet", None)
        and isinstance(data.get("id_str"), str)
        and isinstance(data.get("text"), str)
    ):
        return _Reading("live", detail, data=data)
    return _Reading("unknown", f"{detail}, unrecognised answer ({typename or 'no __typename'})")


def _tombstone(text: str, detail: str) -> _Reading:
    lowered = text.lower()
    for marker, state, meaning in TOMBSTONE_MARKERS:
        if marker in lowered:
            kind = "unknown" if state is PostState.UNKNOWN else "decisive"
            return _Reading(kind, f"{detail}, tombstone: {meaning} ({text})", state)
    return _Reading("gone", f"{detail}, tombstone: {text or 'no text'}")


def _live(
    ref: PostRef, oembed: _Reading, syndication: _Reading, oembed_url: str, syndication_url: str
) -> PostSnapshot:
    tweet = syndication.data
    notes = [oembed.detail, syndication.detail]
    if oembed.kind == "live":
        text, endpoint = str(oembed.data["html"]), oembed_url
    else:
        text, endpoint = syndication_text(tweet), syndication_url
        notes.append("text from syndication")
    author = text_field(tweet, "user", "screen_name") or _handle(text_field(oembed.data, "author_url"))
    edited_at, edit_note = _edit(tweet, ref.post_id)
    if edit_note:
        notes.append(edit_note)
    return PostSnapshot(
        platform=NAME,
        state=PostState.LIVE,
        text=text,
        author=author or ref.author or "",
        posted_at=iso_utc(tweet.get("created_at")) or snowflake_time(ref.post_id),
        edited_at=edited_at,
        detail="; ".join(notes),
        endpoint=endpoint,
    )


def _edit(tweet: dict[str, Any], post_id: str) -> tuple[str | None, str]:
    """When the post has versions, the time of the newest (from its snowflake id) and a note."""
    control = tweet.get("edit_control")
    ids = dig(control, "edit_tweet_ids") or dig(control, "edit_control_initial", "edit_tweet_ids")
    if isinstance(ids, list) and len(ids) > 1 and all(isinstance(i, str) for i in ids):
        note = f"edited, {len(ids)} versions"
        if post_id != ids[-1]:
            note += f"; newest version is {ids[-1]}"
        return snowflake_time(ids[-1]), note
    if tweet.get("isEdited") is True:
        return None, "edited (time unknown)"
    return None, ""


def syndication_text(tweet: dict[str, Any]) -> str:
    """A syndication post's text as oEmbed shows it: media t.co links as their ``pic.…`` display
    form, other links left as t.co (oEmbed prints those as t.co too, as the seed documents show).

    >>> syndication_text({"text": "Polls &amp; ICE https://t.co/xyz https://t.co/abc",
    ...                   "entities": {"media": [{"url": "https://t.co/abc", "display_url": "pic.x.com/abc"}]}})
    'Polls & ICE https://t.co/xyz pic.x.com/abc'
    """
    text = text_field(tweet, "text")
    for entity in as_dict(tweet.get("entities")).get("media") or []:
        short, shown = text_field(entity, "url"), text_field(entity, "display_url")
        if short and shown:
            text = text.replace(short, shown)
    return html.unescape(text).strip()


def _handle(author_url: str) -> str:
    return urllib.parse.urlsplit(author_url).path.strip("/").split("/")[0] if author_url else ""


def snowflake_time(post_id: str) -> str | None:
    """When a post was made, read from its snowflake id (UTC, seconds); None for pre-2010 ids.

    >>> snowflake_time("1886847473340236148")
    '2025-02-04T18:41:08Z'
    >>> snowflake_time("20") is None
    True
    """
    if not post_id.isdigit() or int(post_id) <= _LAST_SEQUENTIAL_ID:
        return None
    millis = (int(post_id) >> 22) + _SNOWFLAKE_EPOCH_MS
    return datetime.fromtimestamp(millis / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def syndication_token(post_id: str) -> str:
    """The ``token`` the syndication endpoint expects, as X's embed code computes it in JavaScript:
    ``((id / 1e15) * Math.PI).toString(36).replace(/(0+|\\.)/g, '')``.

    >>> syndication_token("1886847473340236148"), syndication_token("20")
    ('4knpf6mskp', '6dq1a2xwd93')
    """
    return re.sub(r"0+|\.", "", _js_radix36(int(post_id) / 1e15 * math.pi))


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def _js_radix36(value: float) -> str:
    """``Number.prototype.toString(36)`` for a positive double below 2**53, digit for digit:
    V8's DoubleToRadixCString (fraction digits up to the double's precision, round half to even,
    carry back into earlier digits). Checked against node on 3000 random post ids."""
    radix = 36
    integer = float(math.floor(value))
    fraction = value - integer
    delta = max(0.5 * (math.nextafter(value, math.inf) - value), math.nextafter(0.0, 1.0))
    digits: list[int] = []
    if fraction >= delta:
        while True:
            fraction *= radix
            delta *= radix
            digit = int(fraction)
            digits.append(digit)
            fraction -= digit
            if (fraction > 0.5 or (fraction == 0.5 and digit & 1)) and fraction + delta > 1:
                while digits and digits[-1] + 1 >= radix:  # carry: drop maxed-out digits
                    digits.pop()
                if digits:
                    digits[-1] += 1
                else:
                    integer += 1
                break
            if fraction < delta:
                break
    whole: list[str] = []
    while True:
        remainder = math.fmod(integer, radix)
        whole.append(_DIGITS[int(remainder)])
        integer = (integer - remainder) / radix
        if integer <= 0:
            break
    tail = "." + "".join(_DIGITS[d] for d in digits) if digits else ""
    return "".join(reversed(whole)) + tail


PLATFORM = Platform(name=NAME, recognise=recognise, endpoints=endpoints, parse=parse)
