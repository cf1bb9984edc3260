"""Classify stage, social posts: what the platform says about a post.

A ``PostSnapshot`` (the platform's own endpoint) decides first: deleted → ``removed``
(``post-deleted``), suspended account → ``removed`` (``account-suspended``), withheld →
``removed`` (``post-withheld``: like HTTP 451, a legal takedown for the readers it is withheld
from), protected → ``unreachable`` (``post-protected``: access refused, the post exists),
unknown → no verdict here, and ``classify`` never lets the look of a 2xx page make such a post
``removed`` (the server's own 404/410/451 still counts).
Without a snapshot, the post page's own words decide, from ``PLATFORMS``: a data table, one
row per platform, to extend when a platform changes its wording.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from archiver.models import Diff, EventType, Observation, PostState, Reason, SourceHistory, Verdict

from .observed import PageView, origin_url, page_view, still_related, unchanged

#: A page still this close to the last good text is the post itself (a live post quoting a
#: deleted one shows "This Post is unavailable" inside it: social/x-live-quoting-deleted.html).
STILL_POST = 0.5

#: Post state → (event type, reason).
OUTCOMES = {
    PostState.DELETED: (EventType.REMOVED, Reason.POST_DELETED),
    PostState.SUSPENDED: (EventType.REMOVED, Reason.ACCOUNT_SUSPENDED),
    PostState.WITHHELD: (EventType.REMOVED, Reason.POST_WITHHELD),
    PostState.PROTECTED: (EventType.UNREACHABLE, Reason.POST_PROTECTED),
}


@dataclass(frozen=True, slots=True)
class PlatformMarkers:
    """How one platform's pages say a post or account is gone. ``markers`` are lower-case
    phrases, most specific first; ``hosts`` are matched with their sub-domains; ``path``
    recognises the platform on any host (Mastodon instances)."""

    platform: str
    hosts: tuple[str, ...]
    markers: tuple[tuple[str, PostState], ...]
    path: re.Pattern[str] | None = None


_D, _S, _P, _W = PostState.DELETED, PostState.SUSPENDED, PostState.PROTECTED, PostState.WITHHELD
_MASTODON_MARKERS = (
    ("this account has been suspended", _S), ("account suspended", _S), ("this profile has been suspended", _S),
    ("the page you are looking for isn't here", _D), ("this post has been deleted", _D),
    ("this account is not available", _D),
)  # fmt: skip

PLATFORMS: tuple[PlatformMarkers, ...] = (
    PlatformMarkers("x", ("x.com", "twitter.com"), (
        ("this post is from a suspended account", _S), ("this tweet is from a suspended account", _S),
        ("account suspended", _S), ("suspends accounts which violate", _S),
        ("has been withheld in", _W), ("withheld in response to a legal demand", _W),
        ("these posts are protected", _P), ("these tweets are protected", _P),
        ("this post was deleted by the post author", _D), ("this tweet was deleted by the tweet author", _D),
        ("this post is unavailable", _D), ("this tweet is unavailable", _D),
        ("this page doesn't exist", _D), ("this account doesn't exist", _D),
    )),
    PlatformMarkers("truthsocial", ("truthsocial.com",), (("this truth has been deleted", _D), *_MASTODON_MARKERS)),
    PlatformMarkers("mastodon", ("mastodon.social", "mastodon.online", "mstdn.social", "mas.to", "fosstodon.org",
                                 "hachyderm.io", "infosec.exchange", "mastodon.world", "journa.host"),
                    _MASTODON_MARKERS, re.compile(r"^/@[\w.-]+(?:@[\w.-]+)?/\d+/?$|^/users/[\w.-]+/statuses/\d+")),
    PlatformMarkers("facebook", ("facebook.com", "fb.com", "fb.watch"), (
        ("this content isn't available right now", _D), ("this content isn't available at the moment", _D),
        ("this video isn't available anymore", _D), ("this page isn't available", _D),
        ("the link you followed may be broken, or the page may have been removed", _D),
        ("dieser inhalt ist momentan nicht verfügbar", _D), ("ce contenu n'est pas disponible pour le moment", _D),
        ("este contenido no está disponible en este momento", _D),
    )),
    PlatformMarkers("instagram", ("instagram.com",), (
        ("this account is private", _P),
        ("sorry, this page isn't available", _D),
        ("the link you followed may be broken, or the page may have been removed", _D),
    )),
    PlatformMarkers("youtube", ("youtube.com", "youtu.be", "youtube-nocookie.com"), (
        ("this video is private", _P), ("video is private", _P), ("private video", _P),
        ("not made this video available in your country", _W), ("not available in your country", _W),
        ("due to a legal complaint", _W), ("due to a copyright claim", _D),
        ("account associated with this video has been terminated", _S), ("this account has been terminated", _S),
        ("channel was removed because it violated", _S), ("this channel does not exist", _D),
        ("this video has been removed", _D), ("this video is no longer available", _D),
        ("this video isn't available anymore", _D), ("this video is unavailable", _D), ("video unavailable", _D),
    )),
    PlatformMarkers("tiktok", ("tiktok.com",), (
        ("this account was banned", _S), ("account banned", _S), ("this account is private", _P),
        ("couldn't find this account", _D), ("video currently unavailable", _D), ("this video is unavailable", _D),
        ("this post is unavailable", _D),
    )),
    PlatformMarkers("bluesky", ("bsky.app",), (
        ("this account has been suspended", _S), ("account has been taken down", _S),
        ("requested that their content only be shown to signed-in users", _P),
        ("post not found", _D), ("the post may have been deleted", _D), ("profile not found", _D),
    )),
    PlatformMarkers("threads", ("threads.net", "threads.com"), (
        ("this post is unavailable", _D), ("sorry, this page isn't available", _D),
    )),
    PlatformMarkers("reddit", ("reddit.com",), (
        ("this account has been suspended", _S), ("this community has been banned", _S),
        ("sorry, this post was deleted by the person who originally posted it", _D),
        ("sorry, this post has been removed by the moderators", _D), ("this post was removed by reddit", _D),
        ("sorry, nobody on reddit goes by that name", _D),
    )),
)  # fmt: skip

# YouTube states a video's availability in the page's JSON even when nothing is rendered.
_PLAYABILITY = re.compile(r'"playabilitystatus":\s*\{"status":\s*"(error|unplayable|login_required)"(?:,\s*"reason":\s*("(?:[^"\\]|\\.)*"))?')


def platform_of(url: str) -> PlatformMarkers | None:
    """The ``PLATFORMS`` row whose host (or sub-domain) or post-path shape ``url`` has."""
    parts = urlsplit(url)
    name = (parts.hostname or "").lower()
    for row in PLATFORMS:
        if any(name == h or name.endswith("." + h) for h in row.hosts):
            return row
    for row in PLATFORMS:
        if row.path is not None and row.path.search(parts.path):
            return row
    return None


def platform_marker(row: PlatformMarkers, page: PageView) -> tuple[str, PostState] | None:
    """The first of the platform's markers the page shows (title, headings, text, embedded state)."""
    shown = " | ".join((page.title, *page.headings, page.text, page.visible))
    for m in _PLAYABILITY.finditer(page.html):
        reason = _json_string(m.group(2)) if m.group(2) else ""
        shown += " | " + reason
        if m.group(1) == "error" and not any(marker in reason for marker, _ in row.markers):
            return (f"playability {m.group(1)}", PostState.DELETED)
    for marker, state in row.markers:
        if marker in shown:
            return marker, state
    return None


def _json_string(literal: str) -> str:
    try:
        value = json.loads(literal)
    except ValueError:
        return literal.strip('"')
    return value.lower() if isinstance(value, str) else ""


def post_snapshot_rule(history: SourceHistory, observation: Observation, diff: Diff | None) -> Verdict | None:
    """The platform's endpoint says the post is deleted, its account suspended, the post withheld
    (→ ``removed``) or protected (→ ``unreachable``). Live and unknown posts: no verdict here."""
    post = observation.post
    if post is None or post.state not in OUTCOMES:
        return None
    kind, reason = OUTCOMES[post.state]
    words = {PostState.DELETED: "post deleted", PostState.SUSPENDED: "account suspended",
             PostState.WITHHELD: "post withheld", PostState.PROTECTED: "post protected"}[post.state]  # fmt: skip
    evidence = {"platform": post.platform, "state": str(post.state), "endpoint": post.endpoint, "detail": post.detail}
    summary = f"{words} ({post.platform}{': ' + post.detail if post.detail else ''})"
    return Verdict(kind, str(reason), summary, evidence)


def social_markers_rule(history: SourceHistory, observation: Observation, diff: Diff | None) -> Verdict | None:
    """Without a snapshot, a platform page (``PLATFORMS``) saying the post was deleted, the account
    suspended, the post withheld (→ ``removed``) or protected (→ ``unreachable``)."""
    if observation.post is not None and observation.post.state is not PostState.UNKNOWN:
        return None
    result = observation.result
    if result.final is None or unchanged(diff):
        return None
    row = platform_of(result.final_url) or platform_of(origin_url(history, result))
    if row is None:
        return None
    page = page_view(observation)
    found = platform_marker(row, page)
    if found is None:
        return None
    marker, state = found
    evidence: dict[str, object] = {"platform": row.platform, "matched": marker, "status": result.status}
    if still_related(history, page.text, STILL_POST, evidence):
        return None
    kind, reason = OUTCOMES[state]
    return Verdict(kind, str(reason), f"{row.platform} page says {marker!r}", evidence)
