"""JSON payloads → canonical paragraphs, one per top-level key (sorted) or list item.

Volatile values are masked by the same rules as text: every string goes through ``normalise``
(ISO times, relative times, tokens, cache-busting URLs), and a key acts as the cue a label gives in
text. Which keys are volatile is a table (``VOLATILE_KEYS``), read against a key's words (split at
``_``, ``-`` and camelCase: ``took_ms`` → took, ms; ``traceId`` → trace, id; ``X-RateLimit-Reset`` →
x, rate, limit, reset) and its squashed lower-case form (``etag``, ``requestid``):

=========  ========  ============================================================================
family     mask      a key is in it when its words include…
=========  ========  ============================================================================
clock      [date]    updated, modified, generated, fetched, retrieved, rendered, refreshed, served,
                     now, timestamp, ts, cached, expires, expiry, lastseen; server + time
timing     [n]       took, elapsed, latency; query/response/processing/execution/exec/render/
                     server + time; and under a request-metadata parent (meta, debug, timing,
                     diagnostics, …) also duration, time, ms
id         [token]   token, nonce, csrf, xsrf, session, sid, etag, signature, sig, hmac, trace,
                     traceparent, tracestate, server, hostname; request/span/correlation/transaction
                     + id
cache      [token]   a word starting with "cache" (cache, cached, cache_status, x-cache)
rate       [n]       ratelimit, rate + limit, retry + after, quota + remaining
counter    [n]       views, likes, shares, comments… (plural); a singular noun with count/total
=========  ========  ============================================================================

A volatile key masks its whole value, a nested object included (``"rate_limit": {…}`` → ``"[n]"``).
Everything else is content: ``"total": 48213``, ``"share": 0.61`` (a vote share), and dates:
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

__all__ = ["VOLATILE_KEYS", "mask_json", "read_json", "volatile_family"]

_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")

#: family -> (mask, words any one of which makes a key volatile, word pairs both of which do).
VOLATILE_KEYS: dict[str, tuple[str, frozenset[str], tuple[frozenset[str], ...]]] = {
    "clock": ("[date]",
              frozenset({"updated", "modified", "generated", "fetched", "retrieved", "rendered", "refreshed",
                         "served", "now", "servertime", "timestamp", "ts", "cached", "expires", "expiry",
                         "expiration", "lastseen", "seen"}),
              (frozenset({"server", "time"}),)),
    "timing": ("[n]",
               frozenset({"took", "tookms", "elapsed", "latency", "querytime", "responsetime", "processingtime"}),
               tuple(frozenset({w, "time"}) for w in ("query", "response", "processing", "execution", "exec",
                                                      "render", "compute", "request"))),
    "rate": ("[n]",
             frozenset({"ratelimit"}),
             (frozenset({"rate", "limit"}), frozenset({"retry", "after"}), frozenset({"quota", "remaining"}))),
    "id": ("[token]",
           frozenset({"token", "nonce", "csrf", "xsrf", "session", "sessionid", "sid", "etag", "signature", "sig",
                      "hmac", "trace", "traceid", "traceparent", "tracestate", "requestid", "spanid",
                      "correlationid", "server", "hostname"}),
           tuple(frozenset({w, "id"}) for w in ("request", "span", "correlation", "transaction"))),
}  # fmt: skip
#: Parents whose children describe the request, not the resource: under them a duration is timing.
_REQUEST_META = frozenset({"meta", "debug", "timing", "timings", "diagnostics", "profiling", "perf",
                           "server", "request", "response"})  # fmt: skip
_REQUEST_META_TIMING = frozenset({"duration", "time", "ms", "durationms"})

# Plural nouns name a counter on their own ("likes": 345); a singular one needs a count word
# ("comment_count"), so "share": 0.61 (a vote share) stays content.
_COUNTER_WORDS = frozenset(["views", "likes", "shares", "comments", "replies", "reactions", "retweets", "reposts",
                            "favorites", "favourites", "followers", "upvotes", "plays", "reads", "hits",
                            "pageviews", "impressions", "watchers", "stars"])  # fmt: skip
_COUNTER_SINGULAR = frozenset(["view", "like", "share", "comment", "reply", "reaction", "retweet", "repost",
                               "follower", "upvote", "play", "hit"])  # fmt: skip
_COUNT_WORDS = frozenset(["count", "counts", "total", "num", "number"])


def _words(key: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(key)}


def volatile_family(key: str, parent: str = "") -> str | None:
    """The ``VOLATILE_KEYS`` family of a JSON key (under ``parent``), or None for content.

    >>> [volatile_family(k) for k in ("took_ms", "traceId", "ETag", "X-RateLimit-Reset", "cache_status", "total")]
    ['timing', 'id', 'id', 'rate', 'cache', None]
    >>> volatile_family("duration_ms"), volatile_family("duration_ms", parent="meta")
    (None, 'timing')
    """
    if not key:
        return None
    words = _words(key)
    squashed = re.sub(r"[\W_]+", "", key.lower())
    for family, (_, singles, pairs) in VOLATILE_KEYS.items():
        if words & singles or squashed in singles or any(pair <= words for pair in pairs):
            return family
    if is_volatile_key(key):  # the query parameters that bust caches or carry sessions
        return "id"
    if any(w.startswith("cache") for w in words) or squashed.startswith(("cache", "xcache")):
        return "cache"
    if (
        parent
        and re.sub(r"[\W_]+", "", parent.lower()) in _REQUEST_META
        and (words & _REQUEST_META_TIMING or squashed in _REQUEST_META_TIMING)
    ):
        return "timing"
    return None


_FAMILY_MASK = {family: mask for family, (mask, _, _) in VOLATILE_KEYS.items()} | {"cache": "[token]"}


def mask_json(value: Any, key: str = "", parent: str = "") -> Any:
    """``value`` with volatile leaves replaced by mask tokens (see the module docstring).

    >>> mask_json({"title": "Levy poll", "view_count": 1200, "updated_at": "2026-11-23T10:42:00Z",
    ...            "published_at": "2026-11-20T09:00:00Z", "csrf": "a1b2", "share": 0.61})
    {'title': 'Levy poll', 'view_count': '[n]', 'updated_at': '[date]', 'published_at': '2026-11-20 [time]', 'csrf': '[token]', 'share': 0.61}
    >>> mask_json({"data": {"total": 48213}, "meta": {"took_ms": 14, "trace_id": "9f1c", "duration": 0.2}})
    {'data': {'total': 48213}, 'meta': {'took_ms': '[n]', 'trace_id': '[token]', 'duration': '[n]'}}
    """
    family = volatile_family(key, parent)
    if family is not None:
        return _FAMILY_MASK[family] if value not in (None, "", [], {}) else value
    if isinstance(value, dict):
        return {k: mask_json(v, str(k), key) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_json(v, key, parent) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        # A number is content ("share": 0.61) unless its key names a counter ("view_count").
        words = _words(key)
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
