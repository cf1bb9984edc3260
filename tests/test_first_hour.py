"""The first hour with archiver (issue 12): what a new user met, each fixed and pinned here.

Every test runs ``python -m archiver`` as a real subprocess against real HTTP servers on
127.0.0.1 and reads the effect back from the real SQLite index or the command's output.
"""

from __future__ import annotations

import json
import os
import pty
import select
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from archiver.config import load_config
from archiver.serve import Server, open_archive

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = (
    "<html><head><title>Council approves sea wall</title></head><body><article><h1>Council approves sea wall</h1>"
    "<p>The council approved the sea wall by 7 votes to 2 on Monday evening after a long public debate.</p>"
    "<p>Construction is expected to start in the spring and to last about eighteen months.</p></article></body></html>"
)
EDITED = ARTICLE.replace("7 votes to 2", "6 votes to 3")
PROXY_VARS = {"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "REQUESTS_CA_BUNDLE"}

Cli = Callable[..., subprocess.CompletedProcess[str]]


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.upper() not in PROXY_VARS and not k.startswith("ARCHIVER_")}
    env.pop("NO_COLOR", None)
    env.update(extra)
    return env


def write_config(path: Path, extra: str = "", *, allow_private: bool = True) -> Path:
    path.write_text(
        f"[fetch]\nallow_private = {'true' if allow_private else 'false'}\n"
        "[check]\nper_host_delay = 0\n[detect]\nsoft404_probe = false\n" + extra
    )
    return path


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(tmp_path / "config.toml")


@pytest.fixture
def cli(tmp_path: Path, config: Path) -> Cli:
    data = tmp_path / "data"

    def run(*args: str, stdin: str | None = None, conf: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "archiver", "--config", str(conf or config), "--data", str(data), *args],
            input=stdin, capture_output=True, text=True, timeout=180, env=env or child_env(), cwd=tmp_path, check=False,
        )

    return run


def db(tmp_path: Path) -> sqlite3.Connection:
    return sqlite3.connect(tmp_path / "data" / "index.db")


def serve(httpserver: HTTPServer, path: str, body: str, status: int = 200) -> str:
    httpserver.expect_request(path).respond_with_data(body, status=status, content_type="text/html")
    return httpserver.url_for(path)


# --------------------------------------------------------------------------- 2. dead on first check


def test_a_link_dead_on_first_check_is_an_event_listed_first_and_not_changed(
    httpserver: HTTPServer, tmp_path: Path, cli: Cli
) -> None:
    live = serve(httpserver, "/live", ARTICLE)
    dead = serve(httpserver, "/dead", "<p>Not here</p>", status=404)
    doc = tmp_path / "story.md"
    doc.write_text(f"The [council vote]({live}) followed [the report]({dead}).\n")
    assert cli("import", str(doc)).returncode == 0
    checked = cli("check", "--all", "--format", "json")
    events = json.loads(checked.stdout)
    assert [(e["url"], e["type"], e["reason"]) for e in events] == [(dead, "removed", "dead-on-first-check")]
    report = json.loads(cli("report", "--document", str(doc)).stdout)
    assert report["sources"][0]["url"] == dead  # listed first, though the document cites it second
    by_url = {s["url"]: s for s in report["sources"]}
    assert by_url[dead]["changed_since_first_capture"] is False and by_url[dead]["dead_on_first_check"] is True
    assert by_url[live]["dead_on_first_check"] is False
    md = cli("report", "--document", str(doc), "--format", "md").stdout
    rows = [line for line in md.splitlines() if line.startswith("| <http")]
    assert dead in rows[0] and "dead when first checked" in rows[0] and "| no |" in rows[0]
    assert "the original" not in rows[0]  # a dead link is not "cite the original"
    html = cli("report", "--document", str(doc), "--format", "html").stdout
    dead_row = next(row for row in html.split("<tr>") if f">{dead}<" in row and "<td" in row)
    assert "nothing archived" in dead_row and "the original" not in dead_row


# --------------------------------------------------------------------------- 3. blocked


def test_blocked_urls_show_as_blocked_naming_the_setting_and_a_manual_check_is_not_restored(
    httpserver: HTTPServer, tmp_path: Path, cli: Cli
) -> None:
    url = serve(httpserver, "/private", ARTICLE)
    doc = tmp_path / "story.md"
    doc.write_text(f"See [the memo]({url}).\n")
    strict = write_config(tmp_path / "strict.toml", allow_private=False)
    assert cli("import", str(doc), conf=strict).returncode == 0
    first = cli("check", "--all", conf=strict)
    assert first.returncode == 0 and not first.stdout.strip()  # refused by our own policy: no event
    listed = cli("list", conf=strict)
    assert listed.stdout.split()[0] == "blocked" and "fetch.allow_private" in listed.stderr
    report = json.loads(cli("report", conf=strict).stdout)
    assert report["sources"][0]["status"] == "blocked" and "fetch.allow_private" in report["sources"][0]["advice"]
    assert "fetch.allow_private" in cli("report", "--format", "md", conf=strict).stdout
    assert "fetch.allow_private" in cli("report", "--format", "html", conf=strict).stdout
    reading = open_archive(tmp_path / "data", load_config(str(strict)))
    server = Server(reading, port=0)
    server.start()
    try:
        dashboard = requests.get(server.app_url + "/", timeout=30).text
        source = requests.get(server.app_url + "/source", params={"url": url}, timeout=30).text
    finally:
        server.stop()
        reading.close()
    for page in (dashboard, source):
        assert '<span class="status blocked">blocked</span>' in page and "fetch.allow_private" in page
    # The operator checks it by hand (an operator's URL may point anywhere): a first capture.
    again = cli("check", url, "--format", "json", conf=strict)
    assert again.returncode == 0 and json.loads(again.stdout) == []
    assert db(tmp_path).execute("SELECT status FROM urls").fetchall() == [("ok",)]
    assert db(tmp_path).execute("SELECT count(*) FROM events WHERE type = 'restored'").fetchone() == (0,)


# --------------------------------------------------------------------------- status


def test_status_shows_a_check_made_by_check_and_never_a_future_oldest_due(httpserver: HTTPServer, cli: Cli) -> None:
    url = serve(httpserver, "/a", ARTICLE)
    assert cli("check", url).returncode == 0
    state = cli("status", "--format", "json")
    assert state.returncode == 0, state.stderr
    doc = json.loads(state.stdout)
    assert doc["last_check"] is not None and doc["daemon"]["last_tick"] is None
    assert doc["oldest_due"] is None and doc["next_due"] > doc["last_check"]  # due tomorrow, not "oldest due"
    text = cli("status").stdout
    assert "last check: never" not in text and "by `archiver check`" in text


# --------------------------------------------------------------------------- --every


@pytest.mark.parametrize("args", [["--every", "0s"], ["--every", "5"], ["--every", "5", "minutes"]])
def test_bad_every_is_refused_with_one_line(httpserver: HTTPServer, tmp_path: Path, cli: Cli, args: list[str]) -> None:
    url = httpserver.url_for("/a")
    out = cli("add", *args, url)
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert "--every" in out.stderr and out.stdout == ""
    assert not (tmp_path / "data" / "index.db").exists() or db(tmp_path).execute("SELECT url FROM urls").fetchall() == []


def test_every_with_a_spelt_out_unit(httpserver: HTTPServer, tmp_path: Path, cli: Cli) -> None:
    url = httpserver.url_for("/a")
    assert cli("add", url, "--every", "5 minutes").returncode == 0
    assert db(tmp_path).execute("SELECT url, interval FROM urls").fetchall() == [(url, 300.0)]


# --------------------------------------------------------------------------- remove, stdin, json


def test_remove_and_unwatch_stop_watching_and_keep_captures(httpserver: HTTPServer, tmp_path: Path, cli: Cli) -> None:
    a, b = serve(httpserver, "/a", ARTICLE), serve(httpserver, "/b", ARTICLE)
    assert cli("check", a, b).returncode == 0
    out = cli("remove", a)
    assert out.returncode == 0 and "1 URL no longer watched" in out.stdout
    assert cli("unwatch", b).returncode == 0
    con = db(tmp_path)
    assert con.execute("SELECT count(*) FROM urls").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM captures").fetchone() == (2,)  # the evidence stays
    assert cli("list").stdout.strip() == ""
    assert cli("add", a).returncode == 0 and len(json.loads(cli("history", a, "--format", "json").stdout)) == 1


def test_add_and_check_read_urls_from_stdin_and_check_prints_json(httpserver: HTTPServer, tmp_path: Path, cli: Cli) -> None:
    a, b = serve(httpserver, "/a", ARTICLE), serve(httpserver, "/b", ARTICLE)
    added = cli("add", "-", stdin=f"{a}\n\n# a comment\n{b}\n")
    assert added.returncode == 0 and "2 added" in added.stdout
    assert cli("check", "-", "--format", "json", stdin=f"{a}\n{b}\n").stdout.strip() == "[]"
    httpserver.clear()
    serve(httpserver, "/a", EDITED)
    serve(httpserver, "/b", ARTICLE)
    events = json.loads(cli("check", "-", "--format", "json", stdin=f"{a}\n").stdout)
    assert [(e["url"], e["type"]) for e in events] == [(a, "edited")]
    assert events[0]["diff"]["hunks"][0]["before"].startswith("The council approved the sea wall by 7 votes to 2")


def test_no_color_is_honoured_on_a_terminal(httpserver: HTTPServer, cli: Cli, tmp_path: Path, config: Path) -> None:
    url = serve(httpserver, "/a", ARTICLE)
    assert cli("check", url).returncode == 0
    httpserver.clear()
    serve(httpserver, "/a", EDITED)
    assert cli("check", url).returncode == 0

    def on_a_terminal(env: dict[str, str]) -> str:
        leader, follower = pty.openpty()
        proc = subprocess.Popen(
            [sys.executable, "-m", "archiver", "--config", str(config), "--data", str(tmp_path / "data"), "diff", url],
            stdout=follower, stderr=subprocess.DEVNULL, env=env, close_fds=True,
        )
        os.close(follower)
        chunks = []
        while True:
            ready, _, _ = select.select([leader], [], [], 120)
            if not ready:
                break
            try:
                data = os.read(leader, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        proc.wait(60)
        os.close(leader)
        return b"".join(chunks).decode("utf-8", "replace")

    coloured = on_a_terminal(child_env())
    plain = on_a_terminal(child_env(NO_COLOR="1"))
    assert "\x1b[" in coloured and "7 votes to 2" in coloured
    assert "\x1b[" not in plain and "[-7-]" in plain and "{+6+}" in plain


# --------------------------------------------------------------------------- import, plurals, logging


def test_import_of_a_missing_file_is_one_line_and_plurals_read_right(tmp_path: Path, cli: Cli, httpserver: HTTPServer) -> None:
    missing = cli("import", "nothere.md")
    assert missing.returncode == 1 and missing.stdout == ""
    assert len(missing.stderr.strip().splitlines()) == 1 and "nothere.md" in missing.stderr
    doc = tmp_path / "one.md"
    doc.write_text(f"Only [one link]({httpserver.url_for('/a')}).\n")
    assert cli("import", str(doc)).stdout.strip() == "1 document, 1 cited URL, 1 new"
    serve(httpserver, "/a", ARTICLE)
    assert "checked 1 URL, 0 events" in cli("check", "--all").stderr


def test_one_info_line_per_check(httpserver: HTTPServer, cli: Cli) -> None:
    url = serve(httpserver, "/a", ARTICLE)
    out = cli("-v", "check", url)
    lines = [line for line in out.stderr.splitlines() if " INFO " in line and url in line]
    assert len(lines) == 1 and "check " in lines[0], out.stderr


# --------------------------------------------------------------------------- notifications


def test_check_notifies_like_the_daemon_and_says_what_backlog_it_skips(httpserver: HTTPServer, tmp_path: Path, cli: Cli) -> None:
    url = serve(httpserver, "/a", ARTICLE)
    dead = serve(httpserver, "/gone", "<p>gone</p>", status=404)
    assert cli("check", url, dead).returncode == 0  # one event (dead on first check) before notifications
    sent = tmp_path / "sent.jsonl"
    conf = write_config(tmp_path / "notify.toml", f'[notify]\ncommand = "cat >> {sent}; echo >> {sent}"\n')
    httpserver.clear()
    serve(httpserver, "/a", EDITED)
    first = cli("check", url, conf=conf)
    assert first.returncode == 0
    assert "notifications are on for the first time here: 1 earlier event recorded before now is not sent" in first.stderr
    assert "every new event from now on is sent" in first.stderr  # the sentence ends
    events = [json.loads(line) for line in sent.read_text().splitlines() if line.strip()]
    assert [(e["url"], e["type"]) for e in events] == [(url, "edited")]  # this run's event, not the backlog
    httpserver.clear()
    serve(httpserver, "/a", ARTICLE.replace("7 votes to 2", "5 votes to 4"))
    assert cli("check", url, conf=conf).returncode == 0
    events = [json.loads(line) for line in sent.read_text().splitlines() if line.strip()]
    assert len(events) == 2 and events[1]["id"] > events[0]["id"]  # each event once


def test_the_daemon_first_start_with_notifications_says_what_backlog_it_skips(
    httpserver: HTTPServer, tmp_path: Path, cli: Cli
) -> None:
    dead = serve(httpserver, "/gone", "<p>gone</p>", status=404)
    assert cli("check", dead).returncode == 0  # one event, recorded while nothing notified
    sent = tmp_path / "sent.jsonl"
    conf = write_config(tmp_path / "notify.toml", f'[notify]\ncommand = "cat >> {sent}"\n[schedule]\ntick = 0.5\n')
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "archiver", "--config", str(conf), "--data", str(tmp_path / "data"), "run"],
            stdout=out, stderr=subprocess.STDOUT, env=child_env(), cwd=tmp_path,
        )
    try:
        for _ in range(600):  # until the daemon has started (bounded; nothing is timed)
            if "daemon started" in log.read_text(errors="replace") or proc.poll() is not None:
                break
            select.select([], [], [], 0.2)
    finally:
        proc.send_signal(15)
        assert proc.wait(120) == 0
    text = log.read_text(errors="replace")
    assert "notifications are on for the first time here: 1 earlier event recorded before now is not sent" in text, text
    assert not sent.exists() or sent.read_text() == ""  # skipped, and said so


def test_apprise_urls_get_a_readable_message_with_the_capture_link(httpserver: HTTPServer, tmp_path: Path, cli: Cli) -> None:
    received: list[dict[str, object]] = []

    def hook(request: Request) -> Response:
        received.append(json.loads(request.get_data()))
        return Response("ok")

    httpserver.expect_request("/hook", method="POST").respond_with_handler(hook)
    url = serve(httpserver, "/a", ARTICLE)
    hook_url = httpserver.url_for("/hook").replace("http://", "json://")
    conf = write_config(tmp_path / "apprise.toml", f'[notify]\nurls = ["{hook_url}"]\n')
    assert cli("check", url, conf=conf).returncode == 0
    httpserver.clear()
    httpserver.expect_request("/hook", method="POST").respond_with_handler(hook)
    serve(httpserver, "/a", EDITED)
    out = cli("check", url, conf=conf)
    assert out.returncode == 0, out.stderr
    assert len(received) == 1, out.stderr
    message = received[0]
    assert message["title"] == f"archiver: edited — {url}"
    body = str(message["message"])
    assert "Before: The council approved the sea wall by 7 votes to 2" in body
    assert "After: The council approved the sea wall by 6 votes to 3" in body
    capture = json.loads(cli("history", url, "--format", "json").stdout)[-1]["id"]
    assert f"/capture/{capture}" in body


def test_a_bad_apprise_url_is_one_line(httpserver: HTTPServer, tmp_path: Path, cli: Cli) -> None:
    url = serve(httpserver, "/a", ARTICLE)
    conf = write_config(tmp_path / "bad.toml", '[notify]\nurls = ["nosuchservice://x"]\n')
    out = cli("check", url, conf=conf)
    assert out.returncode == 1 and len(out.stderr.strip().splitlines()) == 2  # the summary line, then the error
    assert "notify.urls" in out.stderr and "Traceback" not in out.stderr


# --------------------------------------------------------------------------- robots.txt


ROBOTS = """User-agent: *
Disallow: /

User-agent: archiver
Disallow: /news/
Allow: /news/*.html$
Disallow: /news/secret*.html
"""


def test_check_obeys_robots_txt_with_longest_match_and_wildcards(httpserver: HTTPServer, tmp_path: Path, cli: Cli) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS, content_type="text/plain")
    ok = serve(httpserver, "/news/story.html", ARTICLE)  # Allow /news/*.html$ is longer than Disallow /news/
    listing = serve(httpserver, "/news/story.html.bak", ARTICLE)  # $ anchors: not allowed
    secret = serve(httpserver, "/news/secret-plan.html", ARTICLE)  # the longest rule disallows
    conf = write_config(tmp_path / "robots.toml", '[schedule]\nrobots = "obey"\n')
    out = cli("check", ok, listing, secret, conf=conf)
    assert out.returncode == 0, out.stderr
    assert "2 disallowed by robots.txt" in out.stderr
    captured = {r[0] for r in db(tmp_path).execute("SELECT url FROM captures")}
    assert captured == {ok}


# --------------------------------------------------------------------------- scripts


def _stub(bindir: Path, name: str, body: str) -> None:
    path = bindir / name
    path.write_text("#!/usr/bin/env bash\n" + body)
    path.chmod(0o755)


def _script_tree(tmp_path: Path, script: str) -> tuple[Path, Path, Path]:
    """A copy of the checkout's script beside a pyproject.toml, and a bin folder of stand-ins for
    python3/pip that record their calls (the script's own logic runs for real, in bash)."""
    tree = tmp_path / "tree"
    (tree / "scripts").mkdir(parents=True)
    (tree / "scripts" / script).write_text((ROOT / "scripts" / script).read_text())
    (tree / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    calls = tmp_path / "calls.log"
    bindir = tmp_path / "bin"
    bindir.mkdir()
    venv_bin = (
        'mkdir -p .venv/bin\n'
        f'for t in pip python archiver; do printf \'#!/usr/bin/env bash\\necho "%s $*" >> {calls}\\n\' "$t" > .venv/bin/$t; '
        'chmod +x .venv/bin/$t; done\n'
    )
    _stub(bindir, "python3", f'echo "python3 $*" >> {calls}\n[ "$1" = -m ] && [ "$2" = venv ] && {{ {venv_bin} }}\nexit 0\n')
    return tree, bindir, calls


def test_run_sh_does_not_reinstall_when_nothing_changed(tmp_path: Path) -> None:
    tree, bindir, calls = _script_tree(tmp_path, "run.sh")
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.md").write_text("nothing\n")
    env = {"PATH": f"{bindir}:/usr/bin:/bin", "HOME": str(tmp_path)}
    for _ in range(2):
        done = subprocess.run(["bash", str(tree / "scripts" / "run.sh"), str(seeds)], env=env, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
    log = calls.read_text().splitlines()
    assert sum(line.startswith("pip install -q -e .") for line in log) == 1, log
    assert sum(line == "archiver run" for line in log) == 2
    (tree / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text() + "\n# changed\n")
    subprocess.run(["bash", str(tree / "scripts" / "run.sh"), str(seeds)], env=env, capture_output=True, timeout=60, check=True)
    assert sum(line.startswith("pip install -q -e .") for line in calls.read_text().splitlines()) == 2


def test_test_sh_installs_chromium_driver_when_only_chromium_is_there(tmp_path: Path) -> None:
    tree, bindir, calls = _script_tree(tmp_path, "test.sh")
    _stub(bindir, "chromium", "exit 0\n")
    _stub(bindir, "biber", "exit 0\n")
    _stub(bindir, "npm", "exit 0\n")
    _stub(bindir, "initdb", "exit 0\n")  # PostgreSQL is there too
    _stub(bindir, "id", 'echo 0\n')
    _stub(bindir, "apt-get", f'echo "apt-get $*" >> {calls}\n')
    tools = tmp_path / "tools"  # the few real commands the script needs, without the machine's chromedriver
    tools.mkdir()
    for tool in ("bash", "cat", "sha256sum", "cut", "dirname", "mkdir", "chmod", "printf"):
        found = subprocess.run(["bash", "-c", f"command -v {tool}"], capture_output=True, text=True, check=False).stdout.strip()
        if found.startswith("/"):
            (tools / tool).symlink_to(found)
    env = {"PATH": f"{bindir}:{tools}", "HOME": str(tmp_path)}
    done = subprocess.run([str(tools / "bash"), str(tree / "scripts" / "test.sh")], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    installs = [line for line in calls.read_text().splitlines() if line.startswith("apt-get") and " install " in line]
    assert len(installs) == 1, installs
    packages = installs[0].split()[installs[0].split().index("-qq") + 1:]
    assert packages == ["chromium-driver"], installs  # the missing driver, not what is there


# --------------------------------------------------------------------------- README


def test_readme_says_how_to_get_archiver_on_the_path_completion_and_the_python_api(httpserver: HTTPServer, tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    quick = readme[readme.index("## Quick start"):readme.index("## Commands")]
    assert "source .venv/bin/activate" in quick
    assert "_ARCHIVER_COMPLETE=bash_source archiver" in readme
    start = readme.index("```python\nfrom archiver import Archive")
    code = readme[start + len("```python\n"):readme.index("```", start + 10)]
    url = serve(httpserver, "/poll", ARTICLE)
    code = code.replace("https://example.org/poll", url)
    env = child_env()
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert url in done.stdout
