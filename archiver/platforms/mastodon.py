"""Mastodon and Truth Social posts: recognise their URLs, ask ``/api/v1/statuses/ID``, read the answer.

Truth Social is Mastodon underneath and answers the same API; it is listed as its own platform
because the documents cite it by name and its URLs add a ``/posts/`` segment. Any other host with
Mastodon-shaped post paths is treated as a Mastodon server; a host that turns out not to be one
answers without Mastodon's JSON error body, which reads as UNKNOWN rather than deleted.
"""

from __future__ import annotations

import html
import re
import urllib.parse
from collections.abc import Mapping
from typing import Any

from archiver.models import FetchResult, PostSnapshot, PostState
from archiver.platforms.answers import as_dict, iso_utc, read_answer, text_field, unknown
from archiver.platforms.records import Platform, PostRef

TRUTHSOCIAL_HOSTS = frozenset({"truthsocial.com"})

#: Hosts whose ``/@user/123`` paths are not Mastodon posts (matched on the host and its subdomains):
#: sites with ``@handle`` paths of their own, and the platforms above Mastodon in the table, so a
#: path they do not recognise (``youtube.com/@channel/…``) never falls through to Mastodon.
NOT_MASTODON_HOSTS = (
    "medium.com",
    "substack.com",
    "tiktok.com",
    "threads.net",
    "threads.com",
    "instagram.com",
    "facebook.com",
    "x.com",
    "twitter.com",
    "t.co",
    "youtube.com",
    "youtu.be",
    "bsky.app",
)

_USER = r"(?P<user>[A-Za-z0-9_.-]{1,64}(?:@[A-Za-z0-9.-]{1,253})?)"
#: Post paths: /@user/ID (Mastodon), /@user/posts/ID (Truth Social, Soapbox), /users/user/statuses/ID
#: (ActivityPub ids), /web/@user/ID and /web/statuses/ID (Mastodon's older web UI); /embed is the
#: iframe form of the same post.
_PATHS = (
    re.compile(rf"/(?:web/)?@{_USER}/(?:posts/)?(?P<id>\d{{1,20}})(?:/embed)?"),
    re.compile(rf"/users/{_USER}/statuses/(?P<id>\d{{1,20}})"),
    re.compile(r"/web/statuses/(?P<id>\d{1,20})"),
)

#: HTTP statuses Mastodon uses for a status it will not show, and what they mean. 404 counts only
#: with Mastodon's own ``{"error": "Record not found"}`` body (see ``_parse``).
GONE_STATUSES: Mapping[int, tuple[PostState, str]] = {
    404: (PostState.DELETED, "deleted (or never public)"),
    410: (PostState.SUSPENDED, "the account is suspended or gone"),
    451: (PostState.WITHHELD, "unavailable for legal reasons"),
}


def recognise_truthsocial(parts: urllib.parse.SplitResult) -> PostRef | None:
    """A Truth Social post: ``truthsocial.com/@user/posts/ID`` or ``/@user/ID``."""
    host = (parts.hostname or "").removeprefix("www.")
    if host not in TRUTHSOCIAL_HOSTS:
        return None
    return _recognise(parts.path, "truthsocial", "truthsocial.com")


def recognise_mastodon(parts: urllib.parse.SplitResult) -> PostRef | None:
    """A post on any other host with a Mastodon-style post path and a numeric id."""
    host = (parts.hostname or "").lower()
    if not host or any(host == h or host.endswith("." + h) for h in NOT_MASTODON_HOSTS):
        return None
    if parts.port not in (None, 80, 443):
        host = f"{host}:{parts.port}"
    return _recognise(parts.path, "mastodon", host)


def _recognise(path: str, platform: str, host: str) -> PostRef | None:
    for pattern in _PATHS:
        match = pattern.fullmatch(path.rstrip("/"))
        if match is None:
            continue
        post_id = match["id"]
        user = match.groupdict().get("user")
        if user is None:
            url = f"https://{host}/web/statuses/{post_id}"
        elif platform == "truthsocial":
            url = f"https://{host}/@{user}/posts/{post_id}"
        else:
            url = f"https://{host}/@{user}/{post_id}"
        return PostRef(platform=platform, url=url, post_id=post_id, author=user, host=host)
    return None


def endpoints(ref: PostRef) -> list[str]:
    """The one Mastodon API call: ``https://HOST/api/v1/statuses/ID`` (public, no token)."""
    return [f"https://{ref.host}/api/v1/statuses/{ref.post_id}"]


def parse_truthsocial(ref: PostRef, results: list[FetchResult]) -> PostSnapshot:
    """Read Truth Social's answer (the Mastodon API)."""
    return _parse("truthsocial", ref, results)


def parse_mastodon(ref: PostRef, results: list[FetchResult]) -> PostSnapshot:
    """Read a Mastodon server's answer."""
    return _parse("mastodon", ref, results)


def _parse(platform: str, ref: PostRef, results: list[FetchResult]) -> PostSnapshot:
    answer = read_answer(results, 0, endpoints(ref)[0])
    if answer.refused:
        return unknown(platform, answer.refused, answer.url)
    data, status = answer.json_dict(), answer.status or 0
    if status == 200:
        if isinstance(data.get("id"), str) and isinstance(data.get("content"), str):
            return _status(platform, data, answer.url)
        return unknown(
            platform, "http-200 but not a status" + ("" if answer.is_json else " (not JSON)"), answer.url
        )
    if status in GONE_STATUSES:
        state, meaning = GONE_STATUSES[status]
        error = text_field(data, "error")
        if status == 404 and not error:
            # A web server that is not Mastodon 404s the API path with its own page.
            return unknown(platform, "http-404 without Mastodon's error body: not a Mastodon API", answer.url)
        detail = f"http-{status}: {meaning}" + (f" ({error})" if error else "")
        return PostSnapshot(platform, state, detail=detail, endpoint=answer.url)
    if answer.status in (401, 403):
        # Authorized-fetch servers, logged-out API limits and Cloudflare checks: access refused.
        return unknown(platform, f"http-{answer.status}: access refused", answer.url)
    return unknown(platform, f"http-{answer.status}", answer.url)


def _status(platform: str, data: dict[str, Any], endpoint: str) -> PostSnapshot:
    account = as_dict(data.get("account"))
    if account.get("suspended") is True:
        detail = f"http-200: the account @{text_field(account, 'acct')} is suspended"
        return PostSnapshot(
            platform,
            PostState.SUSPENDED,
            author=text_field(account, "acct"),
            detail=detail,
            endpoint=endpoint,
        )
    notes = ["http-200"]
    post = data
    if isinstance(data.get("reblog"), dict):  # a boost: the words are the boosted post's
        post = data["reblog"]
        notes.append(f"boost of {text_field(post, 'url') or text_field(post, 'uri')}")
    text = text_field(post, "content")
    warning = text_field(post, "spoiler_text")
    if warning:  # the content warning is the author's words too, shown above the post
        text = f"<p>{html.escape(warning)}</p>{text}"
    edited_at = iso_utc(post.get("edited_at"))
    if edited_at:
        notes.append(f"edited {edited_at}")
    return PostSnapshot(
        platform=platform,
        state=PostState.LIVE,
        text=text,
        author=text_field(post, "account", "acct"),
        posted_at=iso_utc(post.get("created_at")),
        edited_at=edited_at,
        detail="; ".join(notes),
        endpoint=endpoint,
    )


TRUTHSOCIAL = Platform(
    name="truthsocial", recognise=recognise_truthsocial, endpoints=endpoints, parse=parse_truthsocial
)
MASTODON = Platform(name="mastodon", recognise=recognise_mastodon, endpoints=endpoints, parse=parse_mastodon)
