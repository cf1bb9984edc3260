"""The daemon's parts, in process: status from the index (injected clock), watched folders,
notification delivery with retries (real webhook server, real shell command), the robots.txt
policy against a real server, and one daemon tick through the real pipeline.

The tests that read or write the index (status, watched folders, a tick, its events reaching the
notifier) run on both engines (``index_url``: SQLite, and the suite's PostgreSQL server). The
daemon as a whole (signals, kill -9, restarts) is tested as a subprocess in test_daemon.py.
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from archiver.archive import Archive
from archiver.cli import cli
from archiver.config import CheckConfig, Config, DetectConfig, FetchConfig, NotifyConfig, ScheduleConfig
from archiver.daemon.scheduler import Daemon, in_write_order
from archiver.daemon.status import (
    BEHIND_EXIT,
    META_CHECK,
    META_PID,
    META_TICK,
    daemon_status,
    read_status,
    status_json,
    status_text,
)
from archiver.daemon.watch import FolderWatcher
from archiver.errors import ConfigError
from archiver.fetch import Fetcher
from archiver.lock import DataLock
from archiver.models import Event, EventType
from archiver.notify import Notifier, event_payload
from archiver.report.shape import event_json
from archiver.robots import RobotsPolicy

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    srv = HTTPServer(host="127.0.0.1", port=0)
    srv.start()
    yield srv
    srv.clear()
    srv.stop()


def an_event(n: int = 1) -> Event:
    return Event(id=n, url=f"https://example.org/{n}", type=EventType.EDITED, reason="text-changed",
                 detected_at=T0, capture=f"cap{n}", previous_capture="cap0", summary="1 paragraph changed")


# --------------------------------------------------------------------------- status


def test_status_counts_due_overdue_and_how_far_behind(index_url: str, tmp_path: Path) -> None:
    archive = Archive(tmp_path / "data", on(Config(), index_url), clock=lambda: T0)
    archive.add(["https://a.example/", "https://b.example/", "https://c.example/"])
    archive.reschedule(["https://a.example/"], T0 - timedelta(hours=3))  # overdue
    archive.reschedule(["https://b.example/"], T0 - timedelta(minutes=5))  # due, within the margin
    archive.reschedule(["https://c.example/"], T0 + timedelta(hours=1))  # not due
    archive.set_meta(META_PID, "4242")
    archive.stamp(META_TICK, T0 - timedelta(seconds=4))

    status = read_status(archive, now=T0, holder=4242, behind_margin=3600)

    assert status.running and status.pid == 4242
    assert (status.urls, status.due, status.overdue) == (3, 2, 1)
    assert status.behind == 3 * 3600 and status.is_behind
    assert status.counts["new"] == 3
    assert status.last_check is None
    text = status_text(status)
    assert "running (pid 4242)" in text and "BEHIND by 3h00m" in text and "2 due, 1 overdue" in text
    data = status_json(status)
    assert data["behind"] is True and data["behind_seconds"] == 10800 and data["daemon"]["running"] is True
    assert data["daemon"]["last_tick"] == "2026-11-23T09:59:56Z"
    archive.close()


def test_status_not_running_when_the_lock_is_free_or_held_by_someone_else(index_url: str, tmp_path: Path) -> None:
    archive = Archive(tmp_path / "data", on(Config(), index_url), clock=lambda: T0)
    archive.add(["https://a.example/"])
    archive.reschedule(["https://a.example/"], T0 + timedelta(minutes=1))
    archive.set_meta(META_PID, "4242")
    free = read_status(archive, now=T0, holder=None, behind_margin=60)
    other = read_status(archive, now=T0, holder=999, behind_margin=60)
    assert not free.running and not other.running
    assert not free.is_behind and free.behind == 0 and free.due == 0
    assert "not running" in status_text(other) and "held by pid 999" in status_text(other)
    archive.close()


def test_status_reads_the_lock_file_and_the_archive_clock(index_url: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    archive = Archive(data, on(Config(), index_url), clock=lambda: T0)
    archive.add(["https://a.example/"])  # registered at T0: due at T0, not late
    with DataLock(data, "archiver run"):
        archive.set_meta(META_PID, str(os.getpid()))
        archive.stamp(META_CHECK, T0 - timedelta(minutes=2))
        status = daemon_status(archive)
    assert status.running and status.holder == os.getpid()
    assert status.due == 1 and status.behind == 0 and not status.is_behind
    assert "last check: 2026-11-23T09:58:00Z (2m00s ago)" in status_text(status)
    archive.close()


def test_status_command_exits_3_when_behind(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Archive(data, Config()) as archive:
        archive.add(["https://a.example/"])
        archive.reschedule(["https://a.example/"], datetime.now(UTC) - timedelta(hours=2))
    runner = CliRunner()
    result = runner.invoke(cli, ["--data", str(data), "status", "--format", "json"])
    assert result.exit_code == BEHIND_EXIT, result.output
    assert json.loads(result.output)["behind"] is True
    with Archive(data, Config()) as archive:
        archive.reschedule(["https://a.example/"], datetime.now(UTC) + timedelta(hours=2))
    result = runner.invoke(cli, ["--data", str(data), "status"])
    assert result.exit_code == 0, result.output
    assert "daemon:     not running (never started" in result.output


# --------------------------------------------------------------------------- watched folders


def test_watcher_offers_new_and_edited_documents_once(index_url: str, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "a.md").write_text("See [the poll](https://example.org/poll).\n")
    (docs / "sub" / "b.html").write_text('<p><a href="https://example.org/b">b</a></p>')
    for junk in (".a.md.swp", "a.md~", "#a.md#", "notes.pdf", "draft.md.tmp"):
        (docs / junk).write_text("https://example.org/junk")
    archive = Archive(tmp_path / "data", on(Config(), index_url))
    watcher = FolderWatcher([docs, tmp_path / "missing"], known_digest=archive.document_digest)

    first = watcher.pending()
    assert first == [str(docs / "a.md"), str(docs / "sub" / "b.html")]
    assert watcher.pending() == first  # offered again until imported
    for path in first:
        assert not archive.import_documents([path]).errors
    watcher.imported(first)
    assert watcher.pending() == []

    os.utime(docs / "a.md", ns=(1, 1))  # touched, text unchanged: the digest says no
    assert watcher.pending() == []
    (docs / "a.md").write_text("See [the poll](https://example.org/poll) and https://example.org/new.\n")
    (docs / "c.txt").write_text("plain https://example.org/c\n")
    assert watcher.pending() == [str(docs / "a.md"), str(docs / "c.txt")]
    archive.close()


def test_restarted_watcher_skips_documents_already_imported(index_url: str, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("https://example.org/a\n")
    archive = Archive(tmp_path / "data", on(Config(), index_url))
    archive.import_documents([str(docs / "a.md")])
    fresh = FolderWatcher([docs], known_digest=archive.document_digest)  # no memory of mtimes
    assert fresh.pending() == []
    archive.close()


# --------------------------------------------------------------------------- notifications


def test_webhook_is_retried_until_it_accepts(server: HTTPServer) -> None:
    bodies: list[dict[str, object]] = []

    def flaky(request: Request) -> Response:
        bodies.append(json.loads(request.get_data()))
        return Response("busy", status=503 if len(bodies) < 3 else 204)

    server.expect_request("/hook", method="POST").respond_with_handler(flaky)
    notifier = Notifier(NotifyConfig(webhook=server.url_for("/hook"), retries=3, timeout=5), backoff=0.01).start()
    notifier.submit([an_event(7)])
    assert notifier.wait_idle(10)
    notifier.close()
    assert len(bodies) == 3
    assert bodies[0] == bodies[2] == json.loads(json.dumps(event_json(an_event(7))))
    assert bodies[0]["type"] == "edited" and bodies[0]["id"] == 7
    assert (notifier.delivered, notifier.failed) == (1, 0)


def test_webhook_gives_up_after_the_retries_and_at_once_on_a_client_error(server: HTTPServer) -> None:
    server.expect_request("/down", method="POST").respond_with_data("no", status=500)
    server.expect_request("/bad", method="POST").respond_with_data("no", status=400)
    config = NotifyConfig(webhook=server.url_for("/down"), retries=2, timeout=5)
    down = Notifier(config, backoff=0.01)
    assert down.deliver(an_event()) is False
    bad = Notifier(NotifyConfig(webhook=server.url_for("/bad"), retries=5, timeout=5), backoff=0.01)
    assert bad.deliver(an_event()) is False
    paths = [req.path for req, _ in server.log]
    assert paths.count("/down") == 3 and paths.count("/bad") == 1


def test_command_gets_the_event_json_on_stdin(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    command = f"cat >> {shlex.quote(str(out))} && echo \"$ARCHIVER_EVENT_TYPE $ARCHIVER_EVENT_ID\" >> {shlex.quote(str(out))}"
    notifier = Notifier(NotifyConfig(command=command, retries=0, timeout=10)).start()
    notifier.submit([an_event(1), an_event(2)])
    assert notifier.wait_idle(20)
    notifier.close()
    text = out.read_text()
    assert text.count("edited 1") == 1 and text.count("edited 2") == 1
    first = text.split("\n", 1)[0].rsplit("edited 1", 1)[0]  # the JSON has no trailing newline
    assert json.loads(first) == json.loads(event_payload(an_event(1)))


def test_failing_command_is_retried_with_backoff(tmp_path: Path) -> None:
    tries = tmp_path / "tries"
    script = f"echo x >> {shlex.quote(str(tries))}; cat > /dev/null; echo 'mailer down' >&2; exit 3"
    notifier = Notifier(NotifyConfig(command=script, retries=2, timeout=10), backoff=0.01)
    assert notifier.deliver(an_event()) is False
    assert tries.read_text().count("x") == 3
    assert (notifier.delivered, notifier.failed) == (0, 1)


def test_notifier_without_channels_is_a_no_op() -> None:
    notifier = Notifier(NotifyConfig()).start()
    notifier.submit([an_event()])
    assert not notifier.enabled and notifier.wait_idle(1)
    notifier.close()


# --------------------------------------------------------------------------- robots.txt


def test_robots_rules_for_archiver_are_obeyed_and_cached(server: HTTPServer) -> None:
    rules = "User-agent: archiver\nDisallow: /private\n\nUser-agent: *\nDisallow: /\n"
    server.expect_request("/robots.txt").respond_with_data(rules, content_type="text/plain")
    clock = [0.0]
    with Fetcher(FetchConfig()) as fetcher:
        policy = RobotsPolicy(fetcher, user_agent=FetchConfig().user_agent, clock=lambda: clock[0])
        assert policy.allowed(server.url_for("/public/a"))
        assert not policy.allowed(server.url_for("/private/b"))
        assert policy.allowed(server.url_for("/c"))
        assert sum(req.path == "/robots.txt" for req, _ in server.log) == 1
        clock[0] = 86400.0 + 1  # past the 24 h cache: asked again
        assert policy.allowed(server.url_for("/d"))
        assert sum(req.path == "/robots.txt" for req, _ in server.log) == 2


@pytest.mark.parametrize(("status", "allowed"), [(404, True), (410, True), (503, False), (429, False)])
def test_robots_status_codes_follow_rfc_9309(server: HTTPServer, status: int, allowed: bool) -> None:
    server.expect_request("/robots.txt").respond_with_data("", status=status)
    with Fetcher(FetchConfig()) as fetcher:
        policy = RobotsPolicy(fetcher, user_agent="archiver/0.1")
        assert policy.allowed(server.url_for("/page")) is allowed


def test_unreachable_robots_allows_the_check_to_record_the_failure() -> None:
    with Fetcher(FetchConfig(connect_timeout=2, deadline=3)) as fetcher:
        policy = RobotsPolicy(fetcher, user_agent="archiver/0.1")
        assert policy.allowed("http://127.0.0.1:9/page")  # port 9 (discard) is closed: refused


# --------------------------------------------------------------------------- one tick, real pipeline


def on(config: Config, index_url: str) -> Config:
    """``config`` on the engine under test: SQLite in the data directory, or the suite's PostgreSQL."""
    return replace(config, index=replace(config.index, url=index_url))


def fast_config(**schedule: object) -> Config:
    return Config(
        fetch=FetchConfig(connect_timeout=3, read_timeout=3, deadline=5, allow_private=True),
        check=CheckConfig(workers=2, per_host_delay=0.0),
        detect=DetectConfig(soft404_probe=False),
        schedule=ScheduleConfig(**schedule),  # type: ignore[arg-type]
    )


def test_tick_checks_due_urls_with_their_intervals_and_jitter(index_url: str, tmp_path: Path, server: HTTPServer) -> None:
    server.expect_request("/a").respond_with_data("<html><body><p>Poll: 41% approve.</p></body></html>", content_type="text/html")
    server.expect_request("/b").respond_with_data("<html><body><p>Budget up 3%.</p></body></html>", content_type="text/html")
    archive = Archive(tmp_path / "data", on(fast_config(interval=600, jitter=0.1), index_url))
    archive.add([server.url_for("/a")], every=60)
    archive.add([server.url_for("/b")])  # the config's 600 s
    daemon = Daemon(archive)
    daemon.start()
    before = datetime.now(UTC)
    daemon.tick()
    after = datetime.now(UTC)
    states = {s.url: s for s in archive.url_states()}
    a, b = states[server.url_for("/a")], states[server.url_for("/b")]
    assert a.checks == b.checks == 1
    assert a.next_due is not None and b.next_due is not None
    assert before + timedelta(seconds=54) <= a.next_due <= after + timedelta(seconds=66)
    assert before + timedelta(seconds=540) <= b.next_due <= after + timedelta(seconds=660)
    assert archive.meta(META_TICK) and archive.meta(META_CHECK)
    daemon.tick()  # nothing is due: nothing is fetched
    # Each due page fetched once (a new version's requisites, here the favicon, come besides).
    assert sorted(request.path for request, _ in server.log if request.path in ("/a", "/b")) == ["/a", "/b"]
    daemon.close()


def test_a_batch_goes_in_url_order_per_host_with_the_hosts_taking_turns(tmp_path: Path) -> None:
    # Registered out of URL order, due at different times: the batch is the same URLs, each host's
    # in URL order (its index writes cluster), the hosts alternating from the most overdue one's.
    archive = Archive(tmp_path / "data", fast_config())
    urls = ["http://b.example/9", "http://a.example/5", "http://b.example/1", "http://a.example/2",
            "http://b.example/4", "http://a.example/8", "http://b.example/7"]
    archive.add(urls)
    now = archive.clock()
    for i, url in enumerate(urls):
        archive.reschedule([url], now - timedelta(hours=len(urls) - i))  # the first most overdue
    due = archive.due_states(100)
    assert [s.url for s in due] == urls
    assert [s.url for s in in_write_order(due)] == [
        "http://b.example/1", "http://a.example/2", "http://b.example/4", "http://a.example/5",
        "http://b.example/7", "http://a.example/8", "http://b.example/9",
    ]
    archive.close()


def test_adaptive_schedule_applies_in_the_daemon(tmp_path: Path, server: HTTPServer) -> None:
    server.expect_request("/a").respond_with_data("<html><body><p>Stable text.</p></body></html>", content_type="text/html")
    archive = Archive(tmp_path / "data", fast_config(adaptive=True, min_interval=120, max_interval=86400, jitter=0))
    archive.add([server.url_for("/a")])
    daemon = Daemon(archive)
    daemon.start()
    daemon.tick()
    state = archive.url_state(server.url_for("/a"))
    assert state is not None and state.next_due is not None and state.last_checked is not None
    assert 120 <= (state.next_due - state.last_checked).total_seconds() < 150  # never changed yet: the floor
    daemon.close()


def test_robots_obey_skips_disallowed_urls_and_puts_them_off(tmp_path: Path, server: HTTPServer) -> None:
    server.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /secret\n")
    server.expect_request("/open").respond_with_data("<p>open</p>", content_type="text/html")
    server.expect_request("/secret").respond_with_data("<p>secret</p>", content_type="text/html")
    archive = Archive(tmp_path / "data", fast_config(robots="obey", interval=3600, jitter=0))
    archive.add([server.url_for("/open"), server.url_for("/secret")])
    daemon = Daemon(archive)
    daemon.start()
    daemon.tick()
    assert [req.path for req, _ in server.log].count("/secret") == 0
    secret = archive.url_state(server.url_for("/secret"))
    assert secret is not None and secret.checks == 0
    assert secret.next_due is not None and secret.next_due > datetime.now(UTC) + timedelta(minutes=59)
    opened = archive.url_state(server.url_for("/open"))
    assert opened is not None and opened.checks == 1
    assert daemon.counters.robots_skipped == 1
    daemon.close()


def test_unknown_robots_policy_is_a_config_error(tmp_path: Path) -> None:
    with Archive(tmp_path / "data", fast_config(robots="sometimes")) as archive, pytest.raises(ConfigError, match="robots"):
        Daemon(archive)


def test_events_from_a_tick_reach_the_notifier(index_url: str, tmp_path: Path, server: HTTPServer) -> None:
    server.expect_request("/gone").respond_with_data("<p>here</p>", content_type="text/html")
    out = tmp_path / "events.jsonl"
    config = fast_config()
    config = Config(fetch=config.fetch, check=config.check, detect=config.detect, schedule=config.schedule,
                    notify=NotifyConfig(command=f"cat >> {shlex.quote(str(out))}; echo >> {shlex.quote(str(out))}"))
    config = on(config, index_url)
    archive = Archive(tmp_path / "data", config)
    archive.add([server.url_for("/gone")])
    daemon = Daemon(archive)
    daemon.start()
    daemon.tick()  # baseline: no event
    server.clear()
    server.expect_request("/gone").respond_with_data("not here", status=404)
    archive.reschedule([server.url_for("/gone")], datetime.now(UTC))
    daemon.tick()
    assert daemon.notifier.wait_idle(20)
    daemon.close()
    lines = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    assert [(e["type"], e["reason"], e["url"]) for e in lines] == [("removed", "http-404", server.url_for("/gone"))]


def test_events_recorded_while_no_daemon_ran_are_notified_at_start(index_url: str, tmp_path: Path, server: HTTPServer) -> None:
    server.expect_request("/a").respond_with_data("<p>here</p>", content_type="text/html")
    out = tmp_path / "events.jsonl"
    base = fast_config()
    config = Config(fetch=base.fetch, check=base.check, detect=base.detect, schedule=base.schedule,
                    notify=NotifyConfig(command=f"cat >> {shlex.quote(str(out))}; echo >> {shlex.quote(str(out))}"))
    config = on(config, index_url)
    archive = Archive(tmp_path / "data", config)
    archive.add([server.url_for("/a")])
    first = Daemon(archive)
    first.start()  # the first start with notifications on: nothing old is sent
    first.tick()
    first.close()
    server.clear()
    server.expect_request("/a").respond_with_data("gone", status=410)
    with Archive(tmp_path / "data", config) as offline:  # `archiver check` while no daemon runs
        assert [e.type for e in offline.check([server.url_for("/a")]).events] == [EventType.REMOVED]
    again = Daemon(archive := Archive(tmp_path / "data", config))
    again.start()
    assert again.notifier.wait_idle(20)
    again.close()
    third = Daemon(Archive(tmp_path / "data", config))
    third.start()  # already notified: not sent twice
    assert third.notifier.wait_idle(20)
    third.close()
    lines = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    assert [(e["type"], e["reason"]) for e in lines] == [("removed", "http-410")]


def test_captures_pause_when_the_disk_is_too_full(tmp_path: Path, server: HTTPServer, caplog: pytest.LogCaptureFixture) -> None:
    server.expect_request("/a").respond_with_data("<p>a</p>", content_type="text/html")
    base = fast_config()
    huge = FetchConfig(allow_private=True, max_bytes=1 << 62)  # more room than any disk has
    archive = Archive(tmp_path / "data", Config(fetch=huge, check=base.check, detect=base.detect))
    archive.add([server.url_for("/a")])
    daemon = Daemon(archive)
    daemon.start()
    with caplog.at_level("ERROR", logger="archiver"):
        daemon.tick()
        daemon.tick()
    assert len(server.log) == 0
    paused = [r.getMessage() for r in caplog.records if "captures paused" in r.getMessage()]
    assert len(paused) == 1, paused  # one line, not one per tick
    assert paused[0].startswith(f"captures paused: {archive.warc_dir}: only ")
    assert paused[0].endswith(" MB free; nothing is lost, trying again next tick")
    state = archive.url_state(server.url_for("/a"))
    assert state is not None and state.checks == 0 and archive.due_count(datetime.now(UTC)) == 1
    daemon.close()


def test_run_exits_1_when_the_index_cannot_be_opened(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "index.db").write_bytes(b"this is not a database, it is a text file" * 100)
    result = CliRunner().invoke(cli, ["--data", str(data), "run"])
    assert result.exit_code == 1
    assert "index.db: cannot open the index" in result.output


def test_run_refuses_a_data_directory_in_use(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with DataLock(data, "archiver run"):
        result = CliRunner().invoke(cli, ["--data", str(data), "run"])
    assert result.exit_code == 1
    assert f"in use by archiver run (pid {os.getpid()})" in result.output

