"""Short links end to end: followed and recorded, their expansion shown in citations, reports and
``list``, a change of target flagged ``edited``/``retargeted``, and links that lead to a post
(``t.co`` to a tweet, ``pic.twitter.com``) followed as posts. The short-link hosts are played
under their real names through a local proxy (``hostproxy``), with no name ever resolved.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import FIXTURES, warc_files
from hostproxy import PlayedWeb, guard_dns
from warcio.archiveiterator import ArchiveIterator

from archiver import platforms
from archiver.archive import Archive
from archiver.cli import cli
from archiver.config import CheckConfig, Config

CONFIG = Config(check=CheckConfig(per_host_delay=0.0, workers=2))
SHORT = "https://t.co/abc123"
TARGET_A = "https://news.example.org/2026/02/county-turnout"
TARGET_B = "https://news.example.org/2026/02/harbor-dredging"
ARTICLE = "<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{body}</article></body></html>"
SEED_002 = "002_1c4e6dc21fb5f98c.txt"
DHS_POST = "https://twitter.com/DHSgov/status/2019093854128546483"
FERGUSON_POST = "https://x.com/lsferguson/status/2023543868104224801"


def article(title: str, *sentences: str) -> str:
    return ARTICLE.format(title=title, body="".join(f"<p>{s}</p>" for s in sentences))


TURNOUT = article(
    "County turnout reaches 61 percent",
    "Turnout in the county reached 61 percent on Tuesday, the election office said in its evening count.",
    "Mail ballots postmarked by election day will be counted through Friday, officials added.",
)
DREDGING = article(
    "Harbor dredging delayed until spring",
    "The harbor authority postponed dredging of the north channel until spring because of the storms.",
    "Ferry schedules are unaffected, a spokesperson said, though cargo ships must wait for high tide.",
)


@pytest.fixture
def web(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PlayedWeb]:
    with PlayedWeb(tmp_path) as played:
        played.use(monkeypatch)
        yield played


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    looked_up = guard_dns(monkeypatch)
    yield looked_up
    assert looked_up == [], f"archiver resolved names itself instead of leaving them to the proxy: {looked_up}"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text("[check]\nper_host_delay = 0\n", encoding="utf-8")
    return path


def run(args: list[str], data_dir: Path, config_file: Path) -> Result:
    result = CliRunner().invoke(cli, ["--config", str(config_file), "--data", str(data_dir), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def test_retargeted_short_link_is_edited_and_its_expansion_is_shown(
    web: PlayedWeb, lookups: list[str], data_dir: Path, config_file: Path
) -> None:
    web.redirect(SHORT, TARGET_A)
    web.play(TARGET_A, TURNOUT)
    web.play(TARGET_B, DREDGING)
    with Archive(data_dir, CONFIG) as archive:
        assert archive.check([SHORT]).events == []
        first = run(["cite", SHORT], data_dir, config_file).output
        web.redirect(SHORT, TARGET_B)
        events = archive.check([SHORT]).events
    assert [(str(e.type), e.reason) for e in events] == [("edited", "retargeted")]
    assert TARGET_A in events[0].summary and TARGET_B in events[0].summary
    assert f"(short link to {TARGET_A})" in first
    assert f"(short link to {TARGET_B})" in run(["cite", SHORT], data_dir, config_file).output
    assert f"short link to {TARGET_B}" in run(["cite", SHORT, "--format", "md"], data_dir, config_file).output
    report = json.loads(run(["report", "--format", "json"], data_dir, config_file).output)
    (source,) = report["sources"]
    assert source["kind"] == "short" and source["expands_to"] == TARGET_B and source["status"] == "edited"
    assert [e["reason"] for e in report["events"]] == ["retargeted"]
    assert f"<{SHORT}> → <{TARGET_B}>" in run(["report", "--format", "md"], data_dir, config_file).output
    listed = json.loads(run(["list", "--format", "json"], data_dir, config_file).output)
    assert listed[0]["kind"] == "short" and listed[0]["expands_to"] == TARGET_B
    assert f"{SHORT}  → {TARGET_B}" in run(["list"], data_dir, config_file).output


def test_same_target_is_no_event_and_the_redirect_chain_is_in_the_warc(
    web: PlayedWeb, lookups: list[str], data_dir: Path
) -> None:
    web.redirect(SHORT, TARGET_A)
    web.play(TARGET_A, TURNOUT)
    with Archive(data_dir, CONFIG) as archive:
        archive.check([SHORT])
        assert archive.check([SHORT]).events == []
    uris = []
    for path in warc_files(data_dir):
        with open(path, "rb") as fh:
            uris += [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI")) for r in ArchiveIterator(fh)]
    assert ("response", SHORT) in uris and ("response", TARGET_A) in uris and ("request", SHORT) in uris


def test_seed_002_registers_its_t_co_and_pic_twitter_links_as_posts_to_follow(seeds: Path, data_dir: Path) -> None:
    with Archive(data_dir, CONFIG) as archive:
        archive.import_documents([str(seeds / SEED_002)])
        kinds = {s.url: s.kind for s in archive.url_states()}
    assert kinds == {"https://t.co/zLkNJ30Oqp": "short", "https://pic.twitter.com/VZsRSPH8iL": "post"}


def play_x_post(web: PlayedWeb, url: str) -> None:
    ref = platforms.recognise(url)
    assert ref is not None
    web.play(ref.url, "<html><body><noscript>JavaScript is not available.</noscript></body></html>")
    for endpoint, name in zip(platforms.endpoints(ref), ("live.oembed.json", "live.syndication.json"), strict=True):
        web.play(endpoint, (FIXTURES / "platforms" / "x" / name).read_bytes(), content_type="application/json")


def test_seed_002_links_are_followed_as_the_posts_they_lead_to(
    web: PlayedWeb, lookups: list[str], seeds: Path, data_dir: Path, config_file: Path
) -> None:
    """t.co → a tweet, pic.twitter.com → the tweet carrying the photo (twitter.com → x.com)."""
    web.redirect("https://t.co/zLkNJ30Oqp", FERGUSON_POST)
    web.redirect("https://pic.twitter.com/VZsRSPH8iL", DHS_POST + "/photo/1")
    web.redirect(DHS_POST + "/photo/1", "https://x.com/DHSgov/status/2019093854128546483/photo/1")
    web.play("https://x.com/DHSgov/status/2019093854128546483/photo/1", "<html><body></body></html>")
    play_x_post(web, DHS_POST)
    play_x_post(web, FERGUSON_POST)
    with Archive(data_dir, CONFIG) as archive:
        archive.import_documents([str(seeds / SEED_002)])
        archive.check()
        texts = {s.url: archive.text(archive.history(s.url)[-1]).text for s in archive.url_states()}
    for url in ("https://t.co/zLkNJ30Oqp", "https://pic.twitter.com/VZsRSPH8iL"):
        assert "Anti-ICE agitators do not speak for Americans" in texts[url]  # the post's words, not a page
    asked = set(web.hits)
    for post in (DHS_POST, FERGUSON_POST):
        ref = platforms.recognise(post)
        assert ref is not None and set(platforms.endpoints(ref)) <= asked
    report = json.loads(run(["report", "--format", "json"], data_dir, config_file).output)
    shown = {s["url"]: (s["kind"], s["expands_to"]) for s in report["sources"]}
    assert shown == {
        "https://t.co/zLkNJ30Oqp": ("short", FERGUSON_POST),
        "https://pic.twitter.com/VZsRSPH8iL": ("post", DHS_POST + "/photo/1"),
    }


def play_other_x_post(web: PlayedWeb, url: str) -> None:
    """A live post whose words share nothing with the fixture post."""
    ref = platforms.recognise(url)
    assert ref is not None
    web.play(ref.url, "<html><body><noscript>JavaScript is not available.</noscript></body></html>")
    other = "Harbor dredging is postponed until spring because of storm damage to the north channel."
    for endpoint, name in zip(platforms.endpoints(ref), ("live.oembed.json", "live.syndication.json"), strict=True):
        data = json.loads((FIXTURES / "platforms" / "x" / name).read_text())
        if "html" in data:
            data["html"] = f'<blockquote class="twitter-tweet"><p lang="en" dir="ltr">{other}</p></blockquote>'
        if "text" in data:
            data["text"] = other
        web.play(endpoint, json.dumps(data).encode(), content_type="application/json")


def test_short_link_moving_from_one_post_to_another_is_retargeted(web: PlayedWeb, lookups: list[str], data_dir: Path) -> None:
    """The post behind a t.co link changes: the link was retargeted, the first post was not edited."""
    first = platforms.recognise(DHS_POST)
    assert first is not None
    web.redirect(SHORT, first.url)
    play_x_post(web, DHS_POST)
    with Archive(data_dir, CONFIG) as archive:
        assert archive.check([SHORT]).events == []
        web.redirect(SHORT, FERGUSON_POST)
        play_other_x_post(web, FERGUSON_POST)
        events = archive.check([SHORT]).events
    assert [(e.type, e.reason) for e in events] == [("edited", "retargeted")]
