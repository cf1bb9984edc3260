"""New pages read in worker processes (``archiver.reading``): the same texts, metadata, verdicts and
requisites as read in the check threads, and no worker outlives its owner's kill -9.

Real HTTP server on 127.0.0.1, real WARC and SQLite, real spawned worker processes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlite_utils import Database

from archiver.archive import Archive
from archiver.config import CheckConfig, Config, DetectConfig, FetchConfig

HTML = "text/html; charset=utf-8"
DATED = """<html><head><title>Levy vote {n}</title><meta name="author" content="Ann Lee">
<meta property="article:published_time" content="2026-11-19T07:30:00+01:00">
<meta property="article:modified_time" content="2026-11-19T09:00:00+01:00">
<link rel="stylesheet" href="/site.css"></head><body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Levy vote {n}</h1><p>The council approved levy {n} after a long debate about roads, schools
and the library, which will now open on Sundays and late on Thursdays.</p><p>Turnout was {n} percent,
the election office said, the highest share since records began.</p><img src="/photo{n}.jpg"></article>
</body></html>"""
UNDATED = """<html><head><title>Notes {n}</title></head><body><article><h1>Notes {n}</h1>
<p class="date">Published: 12 March 2025</p><p>Some notes with no author and no declared date, long enough
to be read as the page's main text by every engine, number {n}.</p></article></body></html>"""
GONE = """<html><head><title>Page not found</title></head><body><h1>Sorry, this page can't be found</h1>
<p>The page you asked for does not exist.</p></body></html>"""


def serve(server: HTTPServer) -> list[str]:
    urls = []
    for n in range(6):
        body = (DATED if n % 2 else UNDATED).format(n=n)
        server.expect_request(f"/a/{n}").respond_with_data(body, content_type=HTML)
        server.expect_request(f"/photo{n}.jpg").respond_with_data(b"\xff\xd8\xff" + bytes(50), content_type="image/jpeg")
        urls.append(server.url_for(f"/a/{n}"))
    server.expect_request("/gone").respond_with_data(GONE, content_type=HTML)
    server.expect_request("/site.css").respond_with_data("body { color: black }", content_type="text/css")
    urls.append(server.url_for("/gone"))
    return urls


def config(processes: int) -> Config:
    return Config(fetch=FetchConfig(allow_private=True), check=CheckConfig(per_host_delay=0.0, processes=processes),
                  detect=DetectConfig(soft404_probe=False))  # fmt: skip


def checked(data: Path, urls: list[str], processes: int) -> dict[str, Any]:
    """What the index says of each URL after one check: text, verdicts, metadata, requisites."""
    with Archive(data, config(processes)) as archive:
        result = archive.check(urls)
        assert not result.errors, result.errors
        out: dict[str, Any] = {}
        for url in urls:
            capture = archive.history(url)[-1]
            text = archive.text(capture)
            out[url] = {"title": text.title, "paragraphs": text.paragraphs, "status": str(archive.url_state(url).status),
                        "requisites": sorted(r.url for r in archive.requisites(capture))}  # fmt: skip
            rows = Database(data / "index.db")["capture_meta"].rows_where("capture = ?", [capture.id])
            meta = json.loads(next(iter(rows))["meta"])
            meta.pop("record_id")
            out[url]["meta"] = meta
    return out


def test_pages_read_in_worker_processes_read_as_in_threads(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    urls = serve(httpserver)
    threads = checked(tmp_path / "threads", urls, processes=0)
    monkeypatch.setattr("archiver.checker.POOL_FROM", 1)  # a pool even for this small batch
    pooled = checked(tmp_path / "pooled", urls, processes=2)
    assert pooled == threads
    dated, undated = pooled[urls[1]], pooled[urls[0]]
    assert dated["meta"]["page"]["authors"] == ["Ann Lee"] and "guess" not in dated["meta"]
    assert undated["meta"]["guess"] is True  # the date is guessed by the first citation
    assert any(u.endswith("/site.css") for u in dated["requisites"])
    assert any(u.endswith("/photo1.jpg") for u in dated["requisites"])
    assert pooled[urls[-1]]["status"] != "ok"  # the not-found page was judged on the pool's page view


KILLED = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
import archiver.checker
from archiver.archive import Archive
from archiver.config import CheckConfig, Config, FetchConfig
archiver.checker.POOL_FROM = 1
urls = {urls!r}
check = CheckConfig(per_host_delay=0.0, workers=2, processes=2)
with Archive(Path({data!r}), Config(fetch=FetchConfig(allow_private=True), check=check)) as a:
    a.check(urls)
"""


def test_no_worker_outlives_a_kill_of_its_owner(httpserver: HTTPServer, tmp_path: Path) -> None:
    def slow(request: Any) -> Any:
        from werkzeug import Response

        time.sleep(0.5)
        return Response(UNDATED.format(n=request.path), content_type=HTML)

    httpserver.expect_request("/slow", query_string=None).respond_with_handler(slow)
    urls = [httpserver.url_for("/slow") + f"?n={n}" for n in range(200)]
    script = KILLED.format(root=str(Path(__file__).resolve().parents[1]), urls=urls, data=str(tmp_path / "data"))
    owner = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    workers: list[int] = []
    deadline = time.monotonic() + 60
    # The pool starts its workers as work needs them (one may keep up with a slow site): wait for
    # the first, then give a second the time to start too.
    while time.monotonic() < deadline and not workers:
        time.sleep(0.2)
        workers = [p for p in _children(owner.pid) if b"spawn_main" in _cmdline(p)]
    time.sleep(1.0)
    workers = [p for p in _children(owner.pid) if b"spawn_main" in _cmdline(p)] or workers
    assert workers, "the reading pool's workers never started"
    os.kill(owner.pid, signal.SIGKILL)
    owner.wait()
    deadline = time.monotonic() + 10
    alive = workers
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [p for p in workers if Path(f"/proc/{p}").exists() and "Z" not in _state(p)]
    assert not alive, f"workers {alive} outlived their owner"


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (whichever of its threads started them)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(p) for p in task.read_text().split()]
        except OSError:
            continue
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


FIXTURES = Path(__file__).resolve().parent / "fixtures" / "classify"


@pytest.mark.parametrize("page", sorted(FIXTURES.glob("*/*.html")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_page_view_from_a_worker_reads_as_one_read_in_the_check(page: Path) -> None:
    """The page view a worker sends back (pickled without the page) and the owner adopts gives
    the rules the same strings, visible text and HTML included, as the view read in the check."""
    import pickle
    from datetime import UTC, datetime

    from archiver.classify.observed import adopt, page_view
    from archiver.extract import extract
    from archiver.models import FetchResult, Observation, Outcome
    from archiver.reading import PageJob, read_page

    body = page.read_bytes()
    url = f"http://news.example/{page.stem}"

    def observation() -> Observation:
        result = FetchResult(url=url, outcome=Outcome.OK, started_at=datetime.now(UTC), elapsed=0.0, content=body)
        return Observation(result=result, text=extract(body, content_type=HTML, url=url))

    here = page_view(observation())
    reading = read_page(PageJob(body, HTML, url, Outcome.OK, view=True))
    assert reading.view is not None
    sent = pickle.loads(pickle.dumps(reading.view))
    owner = observation()
    adopted = adopt(sent, owner)
    assert owner.views["page"] is adopted
    got = (adopted.title, adopted.headings, adopted.text, adopted.words, adopted.lead, adopted.visible, adopted.html)
    assert got == (here.title, here.headings, here.text, here.words, here.lead, here.visible, here.html)
    assert here.html  # every fixture is an HTML page: the lazy parts were read, not skipped
