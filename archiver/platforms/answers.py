"""Endpoint replies sorted into what a platform parser needs: refusals, HTTP statuses, JSON.

``read_answer(results, i)`` turns the i-th ``FetchResult`` into an ``Answer``. Anything that says
nothing about the post (network failure, 429, 5xx, a redirect to another host, a truncated body)
becomes ``Answer.refused``, which every parser maps to ``PostState.UNKNOWN``: a platform that
refuses to answer is never evidence that a post is gone.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from archiver.models import NETWORK_FAILURES, FetchResult, Outcome, PostSnapshot, PostState


@dataclass(frozen=True, slots=True)
class Answer:
    """One endpoint's reply. ``refused`` is non-empty when the reply says nothing about the post."""

    url: str
    status: int | None = None
    body: bytes = b""
    data: Any = None  # the decoded JSON body, or None when the body is not JSON
    refused: str = ""  # why this reply is no evidence: "http-429 (rate-limited)", "timeout: …"

    @property
    def is_json(self) -> bool:
        return self.data is not None

    def json_dict(self) -> dict[str, Any]:
        """The JSON body when it is an object, else an empty dict."""
        return self.data if isinstance(self.data, dict) else {}

    def text(self) -> str:
        """The body decoded as UTF-8 (replacement characters for bad bytes), stripped."""
        return self.body.decode("utf-8", "replace").strip()

    def describe(self) -> str:
        """A short account of the reply for ``PostSnapshot.detail``: ``http-404`` or the refusal."""
        return self.refused or f"http-{self.status}"


def read_answer(results: list[FetchResult], index: int, url: str) -> Answer:
    """Sort the ``index``-th fetch result (the answer to ``url``) into an ``Answer``.

    >>> read_answer([], 0, "https://example.org/api").refused
    'not fetched'
    """
    if index >= len(results):
        return Answer(url, refused="not fetched")
    result = results[index]
    asked = result.url or url
    if result.outcome in NETWORK_FAILURES or result.outcome is Outcome.BLOCKED or result.status is None:
        why = f"{result.outcome.value}: {result.detail}" if result.detail else result.outcome.value
        return Answer(asked, refused=why)
    status = result.status
    if result.outcome is Outcome.TOO_LARGE or result.truncated:
        return Answer(asked, status, refused=f"http-{status}, body truncated")
    if status == 429:
        return Answer(asked, status, refused="http-429 (rate-limited)")
    if status >= 500:
        return Answer(asked, status, refused=f"http-{status} (server error)")
    if _host(result.final_url) != _host(asked):
        # An API endpoint does not hop hosts; landing elsewhere means a login, consent or bot
        # check (YouTube's consent.youtube.com, Google's /sorry/ page), not an answer.
        return Answer(asked, status, refused=f"redirected to {_host(result.final_url)}")
    return Answer(asked, status, result.content, _json_or_none(result.content))


def unknown(platform: str, why: str, endpoint: str) -> PostSnapshot:
    """The snapshot for an answer that settles nothing."""
    return PostSnapshot(platform=platform, state=PostState.UNKNOWN, detail=why, endpoint=endpoint)


def iso_utc(value: object) -> str | None:
    """A platform timestamp as UTC ISO 8601 with ``Z`` (seconds), or None when unreadable.

    >>> iso_utc("2026-02-04T17:01:02.000Z")
    '2026-02-04T17:01:02Z'
    >>> iso_utc("Wed Feb 04 17:01:02 +0000 2026")
    '2026-02-04T17:01:02Z'
    >>> iso_utc(None) is None
    True
    """
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        try:  # the v1.1 API form, still found in older syndication answers
            moment = datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y")
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def dig(data: Any, *keys: str) -> Any:
    """``data[k1][k2]…`` through nested dicts, or None where a level is missing or not a dict.

    >>> dig({"a": {"b": 1}}, "a", "b"), dig({"a": 1}, "a", "b")
    (1, None)
    """
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def as_dict(value: object) -> dict[str, Any]:
    """``value`` when it is a dict, else an empty one (JSON fields can hold anything)."""
    return value if isinstance(value, dict) else {}


def text_field(data: Any, *keys: str) -> str:
    """Like ``dig`` but always a string ("" when missing or not a string)."""
    value = dig(data, *keys)
    return value if isinstance(value, str) else ""


def _json_or_none(body: bytes) -> Any:
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError alike
        return None


def _host(url: str) -> str:
    return (urllib.parse.urlsplit(url).hostname or "").lower()
