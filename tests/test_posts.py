"""Posts end to end: ``Archive.check`` on X, Truth Social, Mastodon, YouTube and Bluesky posts whose
platform endpoints are played by a local server under their real host names, reached through a
local proxy (``hostproxy``). The endpoint answers are the platform fixtures of
``tests/fixtures/platforms/cases.json``; the post pages are script shells that look the same
whatever the post's state, as X's does. Each state must give its verdict; a refused or
rate-limited endpoint never gives ``removed`` (nor a false ``edited`` once it answers again).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, warc_files
from hostproxy import PlayedWeb, guard_dns
from warcio.archiveiterator import ArchiveIterator

from archiver import platforms
from archiver.archive import Archive
from archiver.config import CheckConfig, Config
from archiver.models import Event
from archiver.urls import canonical
from archiver.warcstore import parse_fields

PLATFORM_FIXTURES = FIXTURES / "platforms"
CASES: dict[str, dict[str, Any]] = {
    c["id"]: c for c in json.loads((PLATFORM_FIXTURES / "cases.json").read_text("utf-8"))["cases"]
}
#: What a post page's HTML looks like to a plain fetch, live or gone (X's "JavaScript is not available").
SHELL = "<!doctype html><html><head><title>{name}</title></head><body><noscript>JavaScript is not available.</noscript><div id=react-root></div></body></html>"
CONFIG = Config(check=CheckConfig(per_host_delay=0.0, workers=2))


@pytest.fixture
def web(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PlayedWeb]:
    with PlayedWeb(tmp_path) as played:
        played.use(monkeypatch)
        yield played


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every name lookup fails (and is listed); the test ends by asserting there were none."""
    looked_up = guard_dns(monkeypatch)
    yield looked_up
    assert looked_up == [], f"archiver resolved names itself instead of leaving them to the proxy: {looked_up}"


def play_case(web: PlayedWeb, case_id: str, *, url: str | None = None) -> str:
    """Serve a case's endpoint answers (and a shell page for the post itself); returns the post URL."""
    case = CASES[case_id]
    post = canonical(url or case["url"])
    ref = platforms.recognise(post)
    assert ref is not None
    web.play(post, SHELL.format(name=ref.platform))
    for endpoint, answer in zip(platforms.endpoints(ref), case["responses"], strict=True):
        body = (PLATFORM_FIXTURES / answer["body"]).read_bytes()
        web.play(endpoint, body, status=answer["status"], headers=answer.get("headers"),
                 content_type=answer.get("content_type", "text/plain; charset=utf-8"))
    return post


def verdicts(events: list[Event]) -> list[tuple[str, str]]:
    return [(str(e.type), e.reason) for e in events]


# Each platform's live post, then one state: the verdict it must give (None: no event at all).
STATES = [
    ("x-edited", ("edited", "text-changed")),
    ("x-deleted-tombstone", ("removed", "post-deleted")),
    ("x-deleted-404s", ("removed", "post-deleted")),
    ("x-suspended", ("removed", "account-suspended")),
    ("x-protected", ("unreachable", "post-protected")),
    ("x-withheld", ("removed", "post-withheld")),
    ("x-rate-limited", None),
    ("x-server-error", None),
    ("truthsocial-edited", ("edited", "text-changed")),
    ("truthsocial-deleted", ("removed", "post-deleted")),
    ("truthsocial-suspended", ("removed", "account-suspended")),
    ("truthsocial-cloudflare", None),
    ("truthsocial-rate-limited", None),
    ("mastodon-deleted", ("removed", "post-deleted")),
    ("mastodon-suspended", ("removed", "account-suspended")),
    ("mastodon-rate-limited", None),
    ("youtube-retitled", ("edited", "text-changed")),
    ("youtube-deleted", ("removed", "post-deleted")),
    ("youtube-private", ("unreachable", "post-protected")),
    ("youtube-rate-limited", None),
    ("bluesky-deleted", ("removed", "post-deleted")),
    ("bluesky-account-takedown", ("removed", "account-suspended")),
    ("bluesky-blocked", ("unreachable", "post-protected")),
    ("bluesky-rate-limited", None),
]


@pytest.mark.parametrize(("case_id", "expected"), STATES, ids=[s[0] for s in STATES])
def test_post_state_gives_its_verdict(
    case_id: str, expected: tuple[str, str] | None, web: PlayedWeb, lookups: list[str], data_dir: Path
) -> None:
    live = case_id.split("-", 1)[0] + "-live"
    url = play_case(web, live)
    with Archive(data_dir, CONFIG) as archive:
        assert archive.check([url]).events == []  # the baseline
        play_case(web, case_id)
        found = verdicts(archive.check([url]).events)
    assert found == ([expected] if expected else [])
    if expected is None:
        assert all(kind != "removed" for kind, _ in found)
    ref = platforms.recognise(url)
    assert ref is not None and set(platforms.endpoints(ref)) <= set(web.hits)
    assert ref.host in web.asked  # the post page itself, through the proxy under its real name


def test_x_endpoints_are_asked_through_the_proxy_under_their_real_names(
    web: PlayedWeb, lookups: list[str], data_dir: Path
) -> None:
    url = play_case(web, "x-live")
    with Archive(data_dir, CONFIG) as archive:
        archive.check([url])
    assert {"x.com", "publish.twitter.com", "cdn.syndication.twimg.com"} <= set(web.asked)
    assert web.refused == []


def test_rate_limited_between_two_live_checks_is_silent_and_edits_still_show(
    web: PlayedWeb, lookups: list[str], data_dir: Path
) -> None:
    url = play_case(web, "x-live")
    with Archive(data_dir, CONFIG) as archive:
        archive.check([url])
        play_case(web, "x-rate-limited")
        assert archive.check([url]).events == []
        play_case(web, "x-live")
        assert archive.check([url]).events == []  # back: the same words, no edit
        play_case(web, "x-rate-limited")
        archive.check([url])
        play_case(web, "x-edited")
        found = verdicts(archive.check([url]).events)
        status = archive.url_state(url)
    assert found == [("edited", "text-changed")]
    assert status is not None and str(status.status) == "edited"


def test_counters_moving_is_not_an_edit(web: PlayedWeb, lookups: list[str], data_dir: Path) -> None:
    url = play_case(web, "mastodon-live")
    with Archive(data_dir, CONFIG) as archive:
        archive.check([url])
        ref = platforms.recognise(url)
        assert ref is not None
        later = (PLATFORM_FIXTURES / "mastodon" / "live_later.json").read_bytes()
        web.play(platforms.endpoints(ref)[0], later, content_type="application/json")
        assert archive.check([url]).events == []


def test_mastodon_post_edited_then_deleted(web: PlayedWeb, lookups: list[str], data_dir: Path) -> None:
    """Any Mastodon server (here social.example.net): baseline, edited (``edited_at``), deleted."""
    url = canonical("https://social.example.net/@NWSSeattle/116007144726201537")
    answers = []
    with Archive(data_dir, CONFIG) as archive:
        for case_id in ("mastodon-live", "mastodon-edited", "mastodon-deleted"):
            play_case(web, case_id, url=url)
            answers.append(verdicts(archive.check([url]).events))
        history = archive.history(url)
    assert answers == [[], [("edited", "text-changed")], [("removed", "post-deleted")]]
    assert len(history) == 3
    assert "https://social.example.net/api/v1/statuses/116007144726201537" in web.hits


def test_warc_holds_the_page_and_the_endpoint_answers_linked_to_it(
    web: PlayedWeb, lookups: list[str], data_dir: Path
) -> None:
    url = play_case(web, "x-live")
    with Archive(data_dir, CONFIG) as archive:
        archive.check([url])
    records = []
    for path in warc_files(data_dir):
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                records.append((rec.rec_type, rec.rec_headers.get_header("WARC-Target-URI"),
                                rec.rec_headers.get_header("WARC-Record-ID"),
                                rec.rec_headers.get_header("WARC-Concurrent-To"), rec.content_stream().read()))
    page = next(r for r in records if r[0] == "response" and r[1] == url)
    ref = platforms.recognise(url)
    assert ref is not None
    state = next(r for r in records if r[0] == "metadata" and r[3] == page[2])  # concurrent to the page
    facts = parse_fields(state[4])
    for endpoint in platforms.endpoints(ref):
        answer = next(r for r in records if r[0] == "response" and r[1] == endpoint)
        # Its own capture event (no WARC-Concurrent-To), listed by the post's metadata record.
        assert answer[3] is None and [endpoint, answer[2]] in facts["exchanges"]
        assert any(r[0] == "request" and r[1] == endpoint for r in records)
    assert facts["state"] == "live" and facts["platform"] == "x" and "Anti-ICE agitators" in facts["text"]


def test_post_text_is_what_gets_diffed(web: PlayedWeb, lookups: list[str], data_dir: Path) -> None:
    url = play_case(web, "truthsocial-live")
    with Archive(data_dir, CONFIG) as archive:
        archive.check([url])
        capture = archive.history(url)[-1]
        text = archive.text(capture).text
    assert "Sanctuary Cities must stop protecting criminals." in text
    assert "JavaScript" not in text
