"""Bluesky posts: recognise ``bsky.app/profile/HANDLE/post/RKEY``, ask the public AppView, read it.

``app.bsky.feed.getPostThread`` on ``public.api.bsky.app`` needs no login. It answers a thread
(the post), a ``notFoundPost``/``blockedPost`` stand-in, or an XRPC error such as
``{"error": "NotFound"}`` with HTTP 400. Bluesky posts cannot be edited, so ``edited_at`` stays None.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping
from typing import Any

from archiver.models import FetchResult, PostSnapshot, PostState
from archiver.platforms.answers import as_dict, iso_utc, read_answer, text_field, unknown
from archiver.platforms.records import Platform, PostRef

NAME = "bluesky"

HOSTS = frozenset({"bsky.app"})

_POST_PATH = re.compile(r"/profile/(?P<actor>[A-Za-z0-9._:%-]{1,253})/post/(?P<rkey>[A-Za-z0-9._~:-]{1,512})")

#: XRPC error names (HTTP 400 bodies) and what they mean; other errors (an unresolvable handle,
#: a malformed URI) are UNKNOWN, since a renamed account makes the old handle fail too.
ERROR_STATES: Mapping[str, tuple[PostState, str]] = {
    "NotFound": (PostState.DELETED, "post not found"),
    "AccountTakedown": (PostState.SUSPENDED, "the account was taken down"),
    "AccountDeactivated": (PostState.DELETED, "the account is deactivated"),
    "BlockedActor": (PostState.PROTECTED, "blocked"),
    "BlockedByActor": (PostState.PROTECTED, "blocked"),
}

#: Thread stand-ins (the ``$type`` suffix) for a post the AppView will not show.
THREAD_STATES: Mapping[str, tuple[PostState, str]] = {
    "#notFoundPost": (PostState.DELETED, "notFoundPost"),
    "#blockedPost": (PostState.PROTECTED, "blockedPost: hidden by a block"),
}

#: Moderation labels that remove a post (on the post) or its account (on the author).
POST_LABELS: Mapping[str, tuple[PostState, str]] = {
    "!takedown": (PostState.DELETED, "taken down by moderation")
}
AUTHOR_LABELS: Mapping[str, tuple[PostState, str]] = {
    "!takedown": (PostState.SUSPENDED, "the account was taken down")
}


def recognise(parts: urllib.parse.SplitResult) -> PostRef | None:
    """A post in ``parts``: ``bsky.app/profile/HANDLE_OR_DID/post/RKEY``."""
    host = (parts.hostname or "").removeprefix("www.")
    match = _POST_PATH.fullmatch(parts.path.rstrip("/")) if host in HOSTS else None
    if match is None:
        return None
    actor = urllib.parse.unquote(match["actor"])
    if not actor.startswith("did:"):
        actor = actor.lower()  # handles are case-insensitive; DIDs are not
    url = f"https://bsky.app/profile/{actor}/post/{match['rkey']}"
    return PostRef(platform=NAME, url=url, post_id=match["rkey"], author=actor, host="bsky.app")


def endpoints(ref: PostRef) -> list[str]:
    """``getPostThread`` for ``at://HANDLE/app.bsky.feed.post/RKEY``, the post alone (no replies)."""
    uri = f"at://{ref.author}/app.bsky.feed.post/{ref.post_id}"
    query = urllib.parse.urlencode({"uri": uri, "depth": "0", "parentHeight": "0"}, safe=":/")
    return [f"https://public.api.bsky.app/xrpc/app.bsky.feed.getPostThread?{query}"]


def parse(ref: PostRef, results: list[FetchResult]) -> PostSnapshot:
    """Read the AppView's answer; see ``ERROR_STATES``, ``THREAD_STATES`` and the label tables."""
    answer = read_answer(results, 0, endpoints(ref)[0])
    if answer.refused:
        return unknown(NAME, answer.refused, answer.url)
    data = answer.json_dict()
    if answer.status == 200 and isinstance(data.get("thread"), dict):
        return _thread(data["thread"], answer.url)
    error = text_field(data, "error")
    if answer.status == 400 and error in ERROR_STATES:
        state, meaning = ERROR_STATES[error]
        detail = f"http-400 {error}: {meaning}"
        return PostSnapshot(NAME, state, detail=detail, endpoint=answer.url)
    why = f"http-{answer.status}" + (f" {error}: {text_field(data, 'message')}" if error else "")
    return unknown(NAME, why if answer.is_json else why + " (not JSON)", answer.url)


def _thread(thread: dict[str, Any], endpoint: str) -> PostSnapshot:
    kind = text_field(thread, "$type")
    for suffix, (state, meaning) in THREAD_STATES.items():
        if kind.endswith(suffix):
            return PostSnapshot(NAME, state, detail=f"http-200 {meaning}", endpoint=endpoint)
    post = thread.get("post")
    if not kind.endswith("#threadViewPost") or not isinstance(post, dict):
        return unknown(NAME, f"http-200 but an unrecognised thread ({kind or 'no $type'})", endpoint)
    author = text_field(post, "author", "handle")
    for labels, table in (
        (post.get("labels"), POST_LABELS),
        (as_dict(post.get("author")).get("labels"), AUTHOR_LABELS),
    ):
        for label in labels if isinstance(labels, list) else []:
            value = text_field(label, "val")
            if value in table:
                state, meaning = table[value]
                return PostSnapshot(
                    NAME,
                    state,
                    author=author,
                    detail=f"http-200, label {value}: {meaning}",
                    endpoint=endpoint,
                )
    return PostSnapshot(
        platform=NAME,
        state=PostState.LIVE,
        text=text_field(post, "record", "text"),
        author=author,
        posted_at=iso_utc(text_field(post, "record", "createdAt")),
        detail="http-200",
        endpoint=endpoint,
    )


PLATFORM = Platform(name=NAME, recognise=recognise, endpoints=endpoints, parse=parse)
