"""archiver.platforms: post URLs recognised, endpoint URLs built, endpoint answers read.

The module is pure, so no server is needed: every answer is a ``FetchResult`` built from a fixture
body under ``tests/fixtures/platforms/`` (listed, with the expected reading, in ``cases.json``).
"""

from __future__ import annotations

import doctest
import importlib
import json
import urllib.parse
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest

from archiver.models import FetchResult, Hop, Outcome, PostSnapshot, PostState
from archiver.platforms import PLATFORMS, PostRef, endpoints, platform, post_text, recognise, snapshot
from archiver.platforms.x import syndication_token

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "platforms"
CASES: list[dict[str, Any]] = json.loads((FIXTURES / "cases.json").read_text(encoding="utf-8"))["cases"]
T0 = datetime(2026, 2, 4, 17, 20, 0, tzinfo=UTC)
X_ID = "2019093854128546483"


def answer(
    url: str,
    status: int,
    body: bytes,
    *,
    content_type: str = "application/json",
    final_url: str | None = None,
) -> FetchResult:
    """A fetch that got ``status`` and ``body`` (one hop, or a redirect hop to ``final_url``)."""
    last = Hop(
        url=final_url or url,
        method="GET",
        request_headers=(("User-Agent", "archiver/0.1"),),
        status=status,
        reason=HTTPStatus(status).phrase,
        http_version="HTTP/1.1",
        response_headers=(("Content-Type", content_type),),
        body=body,
    )
    hops: tuple[Hop, ...] = (last,)
    if final_url:
        first = Hop(url, "GET", (), 302, "Found", "HTTP/1.1", (("Location", final_url),), b"")
        hops = (first, last)
    outcome = Outcome.OK if status < 400 else Outcome.HTTP_ERROR
    return FetchResult(url=url, outcome=outcome, started_at=T0, elapsed=0.05, hops=hops, content=body)


def failure(url: str, outcome: Outcome, detail: str = "") -> FetchResult:
    return FetchResult(url=url, outcome=outcome, started_at=T0, elapsed=20.0, detail=detail)


def from_fixture(url: str, response: dict[str, Any]) -> FetchResult:
    if "outcome" in response:
        return failure(url, Outcome(response["outcome"]), response.get("detail", ""))
    body = (FIXTURES / response["body"]).read_bytes()
    return answer(url, response["status"], body, content_type=response.get("content_type", "text/plain"))


def ref_of(url: str) -> PostRef:
    ref = recognise(url)
    assert ref is not None, url
    return ref


# --------------------------------------------------------------------------- docstring examples


@pytest.mark.parametrize("name", ["__init__", "answers", "text", "x", "mastodon", "youtube", "bluesky"])
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module("archiver.platforms" + ("" if name == "__init__" else f".{name}"))
    failures, tried = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert failures == 0, f"{failures} of {tried} examples failed in {module.__name__}"


# --------------------------------------------------------------------------- recognise

RECOGNISED = [
    # (url, platform, canonical url, post id, author, host)
    (
        "https://x.com/DHSgov/status/2019093854128546483",
        "x",
        f"https://x.com/DHSgov/status/{X_ID}",
        X_ID,
        "DHSgov",
        "x.com",
    ),
    (
        f"https://twitter.com/DHSgov/status/{X_ID}?s=20&t=abc",
        "x",
        f"https://x.com/DHSgov/status/{X_ID}",
        X_ID,
        "DHSgov",
        "x.com",
    ),
    (
        f"https://mobile.twitter.com/DHSgov/status/{X_ID}",
        "x",
        f"https://x.com/DHSgov/status/{X_ID}",
        X_ID,
        "DHSgov",
        "x.com",
    ),
    (
        f"https://www.twitter.com/DHSgov/status/{X_ID}/",
        "x",
        f"https://x.com/DHSgov/status/{X_ID}",
        X_ID,
        "DHSgov",
        "x.com",
    ),
    (
        f"https://www.x.com/DHSgov/status/{X_ID}/photo/1",
        "x",
        f"https://x.com/DHSgov/status/{X_ID}",
        X_ID,
        "DHSgov",
        "x.com",
    ),
    (
        f"https://fxtwitter.com/DHSgov/status/{X_ID}",
        "x",
        f"https://x.com/DHSgov/status/{X_ID}",
        X_ID,
        "DHSgov",
        "x.com",
    ),
    (
        f"https://vxtwitter.com/DHSgov/status/{X_ID}",
        "x",
        f"https://x.com/DHSgov/status/{X_ID}",
        X_ID,
        "DHSgov",
        "x.com",
    ),
    (
        f"https://fixupx.com/DHSgov/status/{X_ID}",
        "x",
        f"https://x.com/DHSgov/status/{X_ID}",
        X_ID,
        "DHSgov",
        "x.com",
    ),
    (
        f"https://nitter.net/DHSgov/status/{X_ID}#m",
        "x",
        f"https://x.com/DHSgov/status/{X_ID}",
        X_ID,
        "DHSgov",
        "x.com",
    ),
    (f"https://x.com/i/web/status/{X_ID}", "x", f"https://x.com/i/web/status/{X_ID}", X_ID, None, "x.com"),
    (f"https://twitter.com/i/status/{X_ID}", "x", f"https://x.com/i/web/status/{X_ID}", X_ID, None, "x.com"),
    ("http://twitter.com/#!/jack/status/20", "x", "https://x.com/jack/status/20", "20", "jack", "x.com"),
    (f"x.com/DHSgov/status/{X_ID}", "x", f"https://x.com/DHSgov/status/{X_ID}", X_ID, "DHSgov", "x.com"),
    (
        "https://truthsocial.com/@realDonaldTrump/posts/116000234700802466",
        "truthsocial",
        "https://truthsocial.com/@realDonaldTrump/posts/116000234700802466",
        "116000234700802466",
        "realDonaldTrump",
        "truthsocial.com",
    ),
    (
        "https://truthsocial.com/@realDonaldTrump/116000234700802466",
        "truthsocial",
        "https://truthsocial.com/@realDonaldTrump/posts/116000234700802466",
        "116000234700802466",
        "realDonaldTrump",
        "truthsocial.com",
    ),
    (
        "https://mastodon.social/@NWSSeattle/116007144726201537",
        "mastodon",
        "https://mastodon.social/@NWSSeattle/116007144726201537",
        "116007144726201537",
        "NWSSeattle",
        "mastodon.social",
    ),
    (
        "https://mastodon.social/users/NWSSeattle/statuses/116007144726201537",
        "mastodon",
        "https://mastodon.social/@NWSSeattle/116007144726201537",
        "116007144726201537",
        "NWSSeattle",
        "mastodon.social",
    ),
    (
        "https://hachyderm.io/@kate@fosstodon.org/113001234567890123",
        "mastodon",
        "https://hachyderm.io/@kate@fosstodon.org/113001234567890123",
        "113001234567890123",
        "kate@fosstodon.org",
        "hachyderm.io",
    ),
    (
        "https://social.example.net/@ed/1234/embed",
        "mastodon",
        "https://social.example.net/@ed/1234",
        "1234",
        "ed",
        "social.example.net",
    ),
    (
        "https://www.youtube.com/watch?v=Xq3xJ8n6cTk&t=42s",
        "youtube",
        "https://www.youtube.com/watch?v=Xq3xJ8n6cTk",
        "Xq3xJ8n6cTk",
        None,
        "www.youtube.com",
    ),
    (
        "https://m.youtube.com/watch?feature=share&v=Xq3xJ8n6cTk",
        "youtube",
        "https://www.youtube.com/watch?v=Xq3xJ8n6cTk",
        "Xq3xJ8n6cTk",
        None,
        "www.youtube.com",
    ),
    (
        "https://youtu.be/Xq3xJ8n6cTk?si=Ab12",
        "youtube",
        "https://www.youtube.com/watch?v=Xq3xJ8n6cTk",
        "Xq3xJ8n6cTk",
        None,
        "www.youtube.com",
    ),
    (
        "https://youtube.com/shorts/Xq3xJ8n6cTk",
        "youtube",
        "https://www.youtube.com/watch?v=Xq3xJ8n6cTk",
        "Xq3xJ8n6cTk",
        None,
        "www.youtube.com",
    ),
    (
        "https://www.youtube-nocookie.com/embed/Xq3xJ8n6cTk",
        "youtube",
        "https://www.youtube.com/watch?v=Xq3xJ8n6cTk",
        "Xq3xJ8n6cTk",
        None,
        "www.youtube.com",
    ),
    (
        "https://www.youtube.com/live/Xq3xJ8n6cTk",
        "youtube",
        "https://www.youtube.com/watch?v=Xq3xJ8n6cTk",
        "Xq3xJ8n6cTk",
        None,
        "www.youtube.com",
    ),
    (
        "https://bsky.app/profile/bsky.app/post/3lhbjxk6yrs2y",
        "bluesky",
        "https://bsky.app/profile/bsky.app/post/3lhbjxk6yrs2y",
        "3lhbjxk6yrs2y",
        "bsky.app",
        "bsky.app",
    ),
    (
        "https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/3lhbjxk6yrs2y",
        "bluesky",
        "https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/3lhbjxk6yrs2y",
        "3lhbjxk6yrs2y",
        "did:plc:z72i7hdynmk6r22z27h6tvur",
        "bsky.app",
    ),
]


@pytest.mark.parametrize(
    ("url", "name", "canonical", "post_id", "author", "host"), RECOGNISED, ids=[r[0] for r in RECOGNISED]
)
def test_recognise_posts(
    url: str, name: str, canonical: str, post_id: str, author: str | None, host: str
) -> None:
    assert recognise(url) == PostRef(platform=name, url=canonical, post_id=post_id, author=author, host=host)


NOT_POSTS = [
    pytest.param("https://t.co/zLkNJ30Oqp", id="t.co short link"),
    pytest.param("pic.twitter.com/VZsRSPH8iL", id="pic.twitter.com media"),
    pytest.param("https://pic.x.com/VZsRSPH8iL", id="pic.x.com media"),
    pytest.param("https://x.com/DHSgov", id="x profile"),
    pytest.param("https://twitter.com/DHSgov/with_replies", id="x profile tab"),
    pytest.param("https://x.com/DHSgov/status/", id="x status without id"),
    pytest.param("https://x.com/DHSgov/status/abc", id="x non-numeric id"),
    pytest.param("https://x.com/i/lists/1234567890", id="x list"),
    pytest.param("https://x.com/search?q=ICE", id="x search"),
    pytest.param("https://x.com/hashtag/ICE", id="x hashtag"),
    pytest.param("https://truthsocial.com/@realDonaldTrump", id="truth social profile"),
    pytest.param("https://truthsocial.com/@realDonaldTrump/media", id="truth social profile tab"),
    pytest.param("https://mastodon.social/@Gargron", id="mastodon profile"),
    pytest.param("https://mastodon.social/@Gargron/with_replies", id="mastodon profile tab"),
    pytest.param("https://medium.com/@author/1234", id="medium is not mastodon"),
    pytest.param("https://www.tiktok.com/@user/video/7301234567890123456", id="tiktok video"),
    pytest.param("https://www.youtube.com/@WhiteHouse", id="youtube channel"),
    pytest.param("https://www.youtube.com/@WhiteHouse/1234", id="youtube channel path is not mastodon"),
    pytest.param("https://www.youtube.com/watch?v=short", id="youtube bad id"),
    pytest.param("https://www.youtube.com/playlist?list=PLRJNAhZxtqH8", id="youtube playlist"),
    pytest.param("https://bsky.app/profile/bsky.app", id="bluesky profile"),
    pytest.param("https://bsky.app/profile/bsky.app/feed/whats-hot", id="bluesky feed"),
    pytest.param(
        "https://www.whitehouse.gov/articles/2026/02/americans-overwhelmingly-support/", id="article"
    ),
    pytest.param("ftp://x.com/DHSgov/status/1", id="not http"),
    pytest.param("https://x.com:notaport/DHSgov/status/1", id="malformed port"),
    pytest.param("", id="empty"),
]


@pytest.mark.parametrize("url", NOT_POSTS)
def test_recognise_non_posts(url: str) -> None:
    assert recognise(url) is None


def test_platform_names_are_unique_and_listed() -> None:
    names = [p.name for p in PLATFORMS]
    assert len(names) == len(set(names))
    assert set(names) == {"x", "truthsocial", "youtube", "bluesky", "mastodon"}
    assert names[-1] == "mastodon", "the catch-all Mastodon entry must come last"
    with pytest.raises(KeyError):
        platform("myspace")


# --------------------------------------------------------------------------- endpoints


def test_endpoints_x_oembed_then_syndication() -> None:
    oembed, syndication = endpoints(ref_of(f"https://fxtwitter.com/DHSgov/status/{X_ID}"))
    assert oembed.startswith("https://publish.twitter.com/oembed?")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(oembed).query)
    assert query["url"] == [f"https://twitter.com/DHSgov/status/{X_ID}"]
    assert query["omit_script"] == ["true"]
    assert syndication.startswith("https://cdn.syndication.twimg.com/tweet-result?")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(syndication).query)
    assert query["id"] == [X_ID]
    assert query["token"] == [syndication_token(X_ID)]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://truthsocial.com/@realDonaldTrump/116000234700802466",
            ["https://truthsocial.com/api/v1/statuses/116000234700802466"],
        ),
        (
            "https://mastodon.social/users/NWSSeattle/statuses/116007144726201537",
            ["https://mastodon.social/api/v1/statuses/116007144726201537"],
        ),
        (
            "https://youtu.be/Xq3xJ8n6cTk",
            [
                "https://www.youtube.com/oembed?url=https%3A%2F%2Fwww.youtube.com%2Fwatch%3Fv%3DXq3xJ8n6cTk&format=json"
            ],
        ),
        (
            "https://bsky.app/profile/bsky.app/post/3lhbjxk6yrs2y",
            [
                (
                    "https://public.api.bsky.app/xrpc/app.bsky.feed.getPostThread"
                    "?uri=at://bsky.app/app.bsky.feed.post/3lhbjxk6yrs2y&depth=0&parentHeight=0"
                )
            ],
        ),
    ],
)
def test_endpoints(url: str, expected: list[str]) -> None:
    assert endpoints(ref_of(url)) == expected


@pytest.mark.parametrize(
    ("post_id", "token"),
    # Pinned from node: ((Number(id) / 1e15) * Math.PI).toString(36).replace(/(0+|\.)/g, '')
    [("20", "6dq1a2xwd93"), ("1", "bhi2ay3f28n"), ("1886847473340236148", "4knpf6mskp")],
)
def test_syndication_token_matches_javascript(post_id: str, token: str) -> None:
    assert syndication_token(post_id) == token


# --------------------------------------------------------------------------- snapshot, per fixture


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_snapshot_fixture(case: dict[str, Any]) -> None:
    ref = ref_of(case["url"])
    urls = endpoints(ref)
    assert len(case["responses"]) == len(urls)
    post = snapshot(ref, [from_fixture(u, r) for u, r in zip(urls, case["responses"])])
    expect = case["expect"]
    assert post.platform == ref.platform
    assert post.state is PostState(expect["state"]), post.detail
    assert post.endpoint in urls
    for field in ("author", "posted_at", "edited_at"):
        if field in expect:
            assert getattr(post, field) == expect[field]
    if "text" in expect:
        assert expect["text"] in post_text(post)
    if "detail" in expect:
        assert expect["detail"] in post.detail
    if post.state is not PostState.LIVE:
        assert post.text == "" and post_text(post) == ""
    else:
        assert post_text(post)


def test_every_platform_has_live_gone_and_refused_fixtures() -> None:
    seen: dict[str, set[str]] = {}
    for case in CASES:
        seen.setdefault(ref_of(case["url"]).platform, set()).add(case["expect"]["state"])
    for name in (p.name for p in PLATFORMS):
        assert {"live", "deleted", "unknown"} <= seen[name], name


def test_every_fixture_file_is_used() -> None:
    used = {r["body"] for c in CASES for r in c["responses"] if "body" in r}
    on_disk = {
        p.relative_to(FIXTURES).as_posix()
        for p in FIXTURES.rglob("*")
        if p.is_file() and p.name != "cases.json"
    }
    assert on_disk - used <= {"x/live_later.syndication.json", "mastodon/live_later.json"}
    assert used <= on_disk


# --------------------------------------------------------------------------- refusals are never deletions


def test_rate_limited_is_unknown_on_every_platform() -> None:
    for url in (c["url"] for c in CASES if c["id"].endswith("-live")):
        ref = ref_of(url)
        results = [answer(u, 429, b'{"error":"Too many requests"}') for u in endpoints(ref)]
        post = snapshot(ref, results)
        assert post.state is PostState.UNKNOWN, ref.platform
        assert "429" in post.detail


@pytest.mark.parametrize(
    "outcome", [Outcome.TIMEOUT, Outcome.DNS_ERROR, Outcome.CONNECT_ERROR, Outcome.TLS_ERROR, Outcome.BLOCKED]
)
def test_network_failure_is_unknown(outcome: Outcome) -> None:
    ref = ref_of("https://mastodon.social/@NWSSeattle/116007144726201537")
    post = snapshot(ref, [failure(endpoints(ref)[0], outcome, "it broke")])
    assert post.state is PostState.UNKNOWN
    assert outcome.value in post.detail


def test_missing_results_are_unknown() -> None:
    ref = ref_of(f"https://x.com/DHSgov/status/{X_ID}")
    oembed_404 = answer(endpoints(ref)[0], 404, b"")
    post = snapshot(ref, [oembed_404])  # the syndication JSON was never fetched
    assert post.state is PostState.UNKNOWN
    assert "not fetched" in post.detail
    assert snapshot(ref_of("https://youtu.be/Xq3xJ8n6cTk"), []).state is PostState.UNKNOWN


def test_unparseable_json_is_unknown() -> None:
    ref = ref_of("https://bsky.app/profile/bsky.app/post/3lhbjxk6yrs2y")
    post = snapshot(
        ref, [answer(endpoints(ref)[0], 200, b'{"thread": {"$type": "app.bsky.feed.defs#threadV')]
    )
    assert post.state is PostState.UNKNOWN
    assert "not JSON" in post.detail


def test_truncated_body_is_unknown() -> None:
    ref = ref_of("https://mastodon.social/@NWSSeattle/116007144726201537")
    url = endpoints(ref)[0]
    body = (FIXTURES / "mastodon/live.json").read_bytes()
    cut = FetchResult(
        url, Outcome.TOO_LARGE, T0, 1.0, answer(url, 200, body).hops, content=body[:100], truncated=True
    )
    assert snapshot(ref, [cut]).state is PostState.UNKNOWN


def test_redirect_to_another_host_is_unknown() -> None:
    # YouTube sends unconsented European visitors to consent.youtube.com before any answer.
    ref = ref_of("https://youtu.be/Xq3xJ8n6cTk")
    url = endpoints(ref)[0]
    consent = answer(
        url,
        200,
        b"<html>Before you continue to YouTube</html>",
        final_url="https://consent.youtube.com/m?continue=x",
    )
    post = snapshot(ref, [consent])
    assert post.state is PostState.UNKNOWN
    assert "consent.youtube.com" in post.detail


def test_mastodon_404_with_json_error_is_deleted_but_html_404_is_not() -> None:
    ref = ref_of("https://mastodon.social/@NWSSeattle/116007144726201537")
    url = endpoints(ref)[0]
    assert snapshot(ref, [answer(url, 404, b'{"error":"Record not found"}')]).state is PostState.DELETED
    assert (
        snapshot(ref, [answer(url, 404, b"<h1>Not Found</h1>", content_type="text/html")]).state
        is PostState.UNKNOWN
    )


# --------------------------------------------------------------------------- edits and text


def test_edited_mastodon_status_is_live_with_edited_at() -> None:
    ref = ref_of("https://mastodon.social/@NWSSeattle/116007144726201537")
    body = (FIXTURES / "mastodon/edited.json").read_bytes()
    post = snapshot(ref, [answer(endpoints(ref)[0], 200, body)])
    assert post.state is PostState.LIVE
    assert post.posted_at == "2026-02-03T14:22:31Z"
    assert post.edited_at == "2026-02-03T16:05:09Z"
    assert "edited" in post.detail
    assert post.text.startswith("<p>Winter weather</p><p>Winter Storm Warning")  # the endpoint's HTML, kept


def test_post_text_strips_mastodon_html_and_keeps_full_links() -> None:
    ref = ref_of("https://mastodon.social/@NWSSeattle/116007144726201537")
    post = snapshot(ref, [answer(endpoints(ref)[0], 200, (FIXTURES / "mastodon/live.json").read_bytes())])
    assert post_text(post) == (
        "Winter Storm Warning for the Cascades until 10 PM Wednesday. 18-30 inches of snow above 3000 ft; "
        "Snoqualmie and Stevens passes will be difficult to impossible. #WAwx\n\n"
        "Details: https://www.weather.gov/sew/winter"
    )


def test_post_text_of_x_oembed_drops_the_attribution_line() -> None:
    ref = ref_of(f"https://x.com/DHSgov/status/{X_ID}")
    oembed = (FIXTURES / "x/live.oembed.json").read_bytes()
    post = snapshot(ref, [answer(endpoints(ref)[0], 200, oembed), answer(endpoints(ref)[1], 404, b"")])
    text = post_text(post)
    assert text.startswith("Local law enforcement cooperation with @ICEgov And @CBP This is the common sense")
    assert text.endswith("Anti-ICE agitators do not speak for Americans… pic.twitter.com/VZsRSPH8iL")
    assert "Homeland Security (@DHSgov)" not in text and "February 4, 2026" not in text


@pytest.mark.parametrize(
    ("url", "first", "later"),
    [
        (f"https://x.com/DHSgov/status/{X_ID}", "x/live.syndication.json", "x/live_later.syndication.json"),
        (
            "https://mastodon.social/@NWSSeattle/116007144726201537",
            "mastodon/live.json",
            "mastodon/live_later.json",
        ),
    ],
)
def test_counters_moving_leave_post_text_alone(url: str, first: str, later: str) -> None:
    ref = ref_of(url)
    urls = endpoints(ref)

    def read(body_file: str) -> PostSnapshot:
        body = (FIXTURES / body_file).read_bytes()
        # X: oEmbed down, so the text comes from the syndication JSON, counters and all.
        results = [answer(u, 503, b"") for u in urls[:-1]] + [answer(urls[-1], 200, body)]
        return snapshot(ref, results)

    before, after = read(first), read(later)
    assert before.state is after.state is PostState.LIVE
    assert post_text(before) == post_text(after)


def test_switching_x_endpoint_is_not_an_edit() -> None:
    # oEmbed one check, the syndication JSON the next (oEmbed down): the same words either way.
    ref = ref_of(f"https://x.com/DHSgov/status/{X_ID}")
    oembed_url, syndication_url = endpoints(ref)
    oembed = answer(oembed_url, 200, (FIXTURES / "x/live.oembed.json").read_bytes())
    syndication = answer(syndication_url, 200, (FIXTURES / "x/live.syndication.json").read_bytes())
    via_oembed = snapshot(ref, [oembed, syndication])
    via_syndication = snapshot(ref, [answer(oembed_url, 503, b""), syndication])
    assert via_oembed.text != via_syndication.text
    assert post_text(via_oembed) == post_text(via_syndication)


def test_post_text_drops_counter_and_chrome_lines() -> None:
    raw = (
        '<blockquote class="twitter-tweet"><p lang="en" dir="ltr">Polls close at 8 &amp; results follow.</p>'
        '&mdash; County Clerk (@clerk) <a href="https://twitter.com/clerk/status/1">November 3, 2026</a>'
        "<div>1.2K Likes · 340 Reposts</div><div>Views: 3,456</div><div>Reply</div><div>Copy link</div></blockquote>"
    )
    assert post_text(PostSnapshot("x", PostState.LIVE, text=raw)) == "Polls close at 8 & results follow."
    # A line that is only a number is the post's own words, not a counter.
    assert (
        post_text(PostSnapshot("bluesky", PostState.LIVE, text="Final tally:\n2026")) == "Final tally:\n2026"
    )


def test_x_edit_points_at_newest_version() -> None:
    ref = ref_of(f"https://x.com/DHSgov/status/{X_ID}")
    urls = endpoints(ref)
    results = [
        answer(urls[0], 200, (FIXTURES / "x/edited.oembed.json").read_bytes()),
        answer(urls[1], 200, (FIXTURES / "x/edited.syndication.json").read_bytes()),
    ]
    post = snapshot(ref, results)
    assert post.state is PostState.LIVE
    assert post.posted_at == "2026-02-04T17:01:02Z"
    assert post.edited_at == "2026-02-04T17:09:44Z"  # read from the newest version's snowflake id
    assert "newest version is 2019096042217336833" in post.detail
