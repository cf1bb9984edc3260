"""The two records of the platform table: a recognised post (``PostRef``) and a platform (``Platform``).

They live apart from ``archiver.platforms`` itself so that each platform module can import them
without importing the table that lists it.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from archiver.models import FetchResult, PostSnapshot


@dataclass(frozen=True, slots=True)
class PostRef:
    """A social post recognised in a URL.

    ``url`` is the post's canonical URL on its platform (mirrors and mobile hosts folded in),
    ``host`` the host that serves it (the Mastodon instance, ``x.com``, ``www.youtube.com`` …),
    ``author`` the handle as the URL spells it, or None when the URL does not name one.
    """

    platform: str
    url: str
    post_id: str
    author: str | None
    host: str


@dataclass(frozen=True, slots=True)
class Platform:
    """One platform: how to recognise its post URLs, what to fetch, how to read the answers.

    ``parse(ref, results)`` receives one ``FetchResult`` per URL of ``endpoints(ref)``, in the same
    order; a missing trailing result means that endpoint was not fetched.
    """

    name: str
    recognise: Callable[[urllib.parse.SplitResult], PostRef | None]
    endpoints: Callable[[PostRef], list[str]]
    parse: Callable[[PostRef, list[FetchResult]], PostSnapshot]
