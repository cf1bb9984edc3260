"""JSON payloads → canonical paragraphs, one per top-level key (sorted) or list item.

Volatile values are masked by the same rules as text: every string goes through ``normalise``
(ISO times, relative times, tokens, cache-busting URLs), and a key acts as the cue a label gives in
text: ``updated_at``/``generated``/``server_time`` are page clocks ("Updated: …"), ``view_count`` and
``likes`` are counters ("1.2K views"), ``csrf``/``nonce``/``session`` hold tokens. Other dates stay:
``published_at: "2026-11-20T09:00:00Z"`` keeps its date and masks only the clock time, because the
publication date is content (fixture ``api_article.json``).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from archiver.extract.masking import is_volatile_key, normalise

logger = logging.getLogger(__name__)

__all__ = ["mask_json", "read_json"]

_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_CLOCK_WORDS = frozenset(
    [
        "updated",
        "modified",
        "generated",
        "fetched",
        "retrieved",
        "rendered",
        "refreshed",
        "now",
        "servertime",
        "server",
        "expires",
        "expiry",
        "timestamp",
        "ts",
        "cached",
        "lastseen",
        "seen",
    ]
)
# Plural nouns name a counter on their own ("likes": 345); a singular one needs a count word
# ("comment_count"), so "share": 0.61 (a vote share) stays content.
_COUNTER_WORDS = frozenset(
    [
        "views",
        "likes",
        "shares",
        "comments",
        "replies",
        "reactions",
        "retweets",
        "reposts",
        "favorites",
        "favourites",
        "followers",
        "upvotes",
        "plays",
        "reads",
        "hits",
        "pageviews",
        "impressions",
        "watchers",
        "stars",
    ]
)
_COUNTER_SINGULAR = frozenset(
    [
        "view",
        "like",
        "share",
        "comment",
        "reply",
        "reaction",
        "retweet",
        "repost",
        "follower",
        "upvote",
        "play",
        "hit",
    ]
)
_COUNT_WORDS = frozenset(["count", "counts", "total", "num", "number"])
_TOKEN_WORDS = frozenset(
    [
        "token",
        "nonce",
        "csrf",
        "xsrf",
        "session",
        "sid",
        "etag",
        "signature",
        "sig",
        "hmac",
        "requestid",
        "request_id",
    ]
)


def _words(key: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(key)}


def mask_json(value: Any, key: str = "") -> Any:
    """``value`` with volatile leaves replaced by mask tokens (see the module docstring).

    >>> mask_json({"title": "Levy poll", "view_count": 1200, "updated_at": "2026-11-23T10:42:00Z",
    ...            "published_at": "2026-11-20T09:00:00Z", "csrf": "a1b2", "share": 0.61})
    {'title': 'Levy poll', 'view_count': '[n]', 'updated_at': '[date]', 'published_at': '2026-11-20 [time]', 'csrf': '[token]', 'share': 0.61}
    """
    if isinstance(value, dict):
        return {k: mask_json(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_json(v, key) for v in value]
    words = _words(key)
    if key and (
        is_volatile_key(key) or words & _TOKEN_WORDS or key.lower().replace("-", "_") in _TOKEN_WORDS
    ):
        return "[token]" if value not in (None, "", [], {}) else value
    if words & _CLOCK_WORDS and value not in (None, ""):
        return "[date]"
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        # A number is content ("share": 0.61) unless its key names a counter ("view_count").
        counter = words & _COUNTER_WORDS or (words & _COUNTER_SINGULAR and words & _COUNT_WORDS)
        return "[n]" if counter else value
    if isinstance(value, str):
        return normalise(value, keep_dates=True)
    return value


def _dump(value: Any) -> str:
    # Canonical: sorted keys, fixed separators, no indentation. A space after "," and ":" keeps
    # each value a word of its own, so a diff reports "0.61 → 0.59" rather than a whole object.
    return json.dumps(value, sort_keys=True, separators=(", ", ": "), ensure_ascii=False)


def read_json(text: str) -> tuple[str, list[str], list[str]] | None:
    """``(title, raw_paragraphs, masked_paragraphs)``, or None when ``text`` is not JSON."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    masked = mask_json(data)
    if isinstance(data, dict):
        raw = [f"{k}: {_dump(data[k])}" for k in sorted(data, key=str)]
        out = [f"{k}: {_dump(masked[k])}" for k in sorted(masked, key=str)]
        title = next((data[k] for k in ("title", "headline", "name") if isinstance(data.get(k), str)), "")
    elif isinstance(data, list):
        raw, out, title = [_dump(v) for v in data], [_dump(v) for v in masked], ""
    else:
        raw, out, title = [_dump(data)], [_dump(masked)], ""
    return str(title), raw, out
