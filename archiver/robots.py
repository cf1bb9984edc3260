"""robots.txt policy (around fetch): may archiver's user agent fetch a URL? One robots.txt per origin, cached.

Used only when ``schedule.robots = "obey"``. The default is ``"ignore"``: a cited page is evidence
a reader may need to verify, and archiver fetches it once per interval like a person revisiting a
link, not as a crawler (the same reasoning as the Internet Archive's 2017 policy for archival
captures). Answers follow RFC 9309: a 4xx robots.txt allows everything, a 5xx (or 429) disallows
everything for a while; a host that cannot be reached at all is allowed, because the check will
fail the same way and that failure is itself worth recording. Rules are matched by protego (the
longest matching rule wins, ``*`` and ``$`` wildcards, Allow beats Disallow on a tie), not by
``urllib.robotparser``, which takes the first match and knows no wildcards.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

from protego import Protego

from archiver.models import FetchResult

logger = logging.getLogger(__name__)

POLICIES = ("ignore", "obey")
TTL = 86400.0  # RFC 9309 §2.4: a cached robots.txt should not be used for more than 24 hours
ERROR_TTL = 600.0  # a 5xx or unreachable robots.txt is asked again after ten minutes
MAX_BYTES = 512 * 1024  # RFC 9309 §2.5: parse at least the first 500 KiB
MAX_ORIGINS = 10_000  # cached origins; the oldest entry is dropped past this


class _Fetch(Protocol):
    def fetch(self, url: str, *, untrusted: bool = False) -> FetchResult: ...


@dataclass(frozen=True, slots=True)
class RobotsAnswer:
    """The rules for one origin, as fetched at ``fetched_at`` (monotonic seconds)."""

    parser: Protego | None  # None: no rules, see ``allow_all``
    allow_all: bool
    fetched_at: float
    ttl: float
    why: str  # "robots.txt", "http-404", "http-503", "unreachable"…


def product_token(user_agent: str) -> str:
    """The product token robots.txt groups are matched on (RFC 9309 §2.2.1).

    >>> product_token("archiver/0.1 (+https://example.org/archiver)")
    'archiver'
    """
    return (user_agent.split("/", 1)[0].split() or ["*"])[0]


def robots_url(url: str) -> str:
    """The robots.txt URL for ``url``'s origin.

    >>> robots_url("https://Example.org:8443/a/b?c=1#d")
    'https://Example.org:8443/robots.txt'
    """
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))


def answer_from(result: FetchResult, *, now: float) -> RobotsAnswer:
    """What a fetch of robots.txt means for the origin (RFC 9309 §2.3.1)."""
    status = result.status
    if status is None:
        return RobotsAnswer(None, True, now, ERROR_TTL, f"unreachable ({result.outcome})")
    if 200 <= status < 300:
        parser = Protego.parse(result.content[:MAX_BYTES].decode("utf-8", "replace"))
        return RobotsAnswer(parser, False, now, TTL, "robots.txt")
    if status == 429 or status >= 500:
        return RobotsAnswer(None, False, now, ERROR_TTL, f"http-{status}")
    return RobotsAnswer(None, True, now, TTL, f"http-{status}")  # 3xx left after redirects, 4xx


class RobotsPolicy:
    """Per-origin robots.txt cache and verdicts for ``user_agent`` (matched by its product token)."""

    def __init__(self, fetcher: _Fetch, *, user_agent: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.fetcher = fetcher
        self.user_agent = user_agent
        self.clock = clock
        self._answers: dict[str, RobotsAnswer] = {}

    def answer(self, url: str, *, untrusted: bool = False) -> RobotsAnswer:
        origin = robots_url(url)
        now = self.clock()
        cached = self._answers.get(origin)
        if cached is not None and now - cached.fetched_at < cached.ttl:
            return cached
        result = self.fetcher.fetch(origin, untrusted=untrusted)
        fresh = answer_from(result, now=now)
        logger.info("robots %s status=%s → %s", origin, result.status, "rules" if fresh.parser else
                    ("allow all" if fresh.allow_all else "disallow all"))
        self._answers.pop(origin, None)
        if len(self._answers) >= MAX_ORIGINS:
            del self._answers[next(iter(self._answers))]
        self._answers[origin] = fresh
        return fresh

    def allowed(self, url: str, *, untrusted: bool = False) -> bool:
        """May ``user_agent`` fetch ``url``? Fetches the origin's robots.txt when not cached."""
        answer = self.answer(url, untrusted=untrusted)
        if answer.parser is None:
            return answer.allow_all
        return bool(answer.parser.can_fetch(url, product_token(self.user_agent)))
