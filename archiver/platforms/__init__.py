"""Social posts (fetch stage, pure side): recognise post URLs, name the endpoints, read their answers.

A plain fetch of an X or Truth Social page cannot tell a live post from a deleted one, so each
platform's own machine-readable endpoint is asked instead. This package does no I/O: the caller
fetches ``endpoints(ref)`` with archiver's ``Fetcher`` and hands the results to ``snapshot``.

    ref = recognise(url)                         # PostRef, or None for anything that is not a post
    results = [fetcher.fetch(u) for u in endpoints(ref)]
    post = snapshot(ref, results)                # PostSnapshot: LIVE, DELETED, … or UNKNOWN
    post_text(post)                              # the text to diff

``PostSnapshot.text`` is the body as the endpoint gave it (HTML for Mastodon and X oEmbed);
``post_text`` is its plain, diffable form. A refusal (429, 5xx, network failure, a bot check)
is always UNKNOWN, never DELETED. Adding a platform is one module and one entry in ``PLATFORMS``.
"""

from __future__ import annotations

import re
import urllib.parse

from archiver.models import FetchResult, PostSnapshot
from archiver.platforms import bluesky, mastodon, x, youtube
from archiver.platforms.records import Platform, PostRef
from archiver.platforms.text import post_text

__all__ = [
    "PLATFORMS", "POST_LINK_HOSTS", "Platform", "PostRef", "endpoints", "leads_to_post", "platform", "post_text",
    "recognise", "snapshot",
]

_HAS_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")

#: Every platform, in recognition order: the first whose ``recognise`` accepts a URL owns it.
#: The catch-all Mastodon entry (any host with a Mastodon-shaped post path) comes last.
PLATFORMS: tuple[Platform, ...] = (
    x.PLATFORM,
    mastodon.TRUTHSOCIAL,
    youtube.PLATFORM,
    bluesky.PLATFORM,
    mastodon.MASTODON,
)


def recognise(url: str) -> PostRef | None:
    """The post a URL points at, or None when it is not a post (profiles, media, short links).

    >>> recognise("https://twitter.com/DHSgov/status/2019112461781000192?s=20")
    PostRef(platform='x', url='https://x.com/DHSgov/status/2019112461781000192', post_id='2019112461781000192', author='DHSgov', host='x.com')
    >>> recognise("https://truthsocial.com/@realDonaldTrump/posts/115982837266001234").platform
    'truthsocial'
    >>> recognise("https://t.co/zLkNJ30Oqp") is None, recognise("pic.twitter.com/VZsRSPH8iL") is None
    (True, True)
    """
    text = url.strip()
    if not _HAS_SCHEME.match(text):
        text = "https://" + text.removeprefix("//")  # documents cite scheme-less URLs ("x.com/u/status/1")
    try:
        parts = urllib.parse.urlsplit(text)
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    for entry in PLATFORMS:
        ref = entry.recognise(parts)
        if ref is not None:
            return ref
    return None


#: Hosts whose links are not posts but always redirect to one (X's media links); the checker
#: follows the post it lands on, as it does for any link whose redirect chain reaches a post.
POST_LINK_HOSTS: frozenset[str] = x.MEDIA_HOSTS


def leads_to_post(url: str) -> bool:
    """Whether ``url`` is a link that always leads to a post (``pic.twitter.com/…``).

    >>> leads_to_post("pic.twitter.com/VZsRSPH8iL"), leads_to_post("https://t.co/zLkNJ30Oqp")
    (True, False)
    """
    text = url.strip()
    if not _HAS_SCHEME.match(text):
        text = "https://" + text.removeprefix("//")
    try:
        host = (urllib.parse.urlsplit(text).hostname or "").removeprefix("www.")
    except ValueError:
        return False
    return host in POST_LINK_HOSTS


def platform(name: str) -> Platform:
    """The table entry called ``name``; a name no entry has is a bug (KeyError)."""
    for entry in PLATFORMS:
        if entry.name == name:
            return entry
    raise KeyError(f"no platform named {name!r}")


def endpoints(ref: PostRef) -> list[str]:
    """The URLs to fetch for ``ref``, in order (X: oEmbed, then the syndication JSON).

    >>> endpoints(recognise("https://bsky.app/profile/bsky.app/post/3l6oveex3ii2l"))
    ['https://public.api.bsky.app/xrpc/app.bsky.feed.getPostThread?uri=at://bsky.app/app.bsky.feed.post/3l6oveex3ii2l&depth=0&parentHeight=0']
    """
    return platform(ref.platform).endpoints(ref)


def snapshot(ref: PostRef, results: list[FetchResult]) -> PostSnapshot:
    """What the endpoints say about the post; ``results[i]`` answers ``endpoints(ref)[i]``."""
    return platform(ref.platform).parse(ref, results)
