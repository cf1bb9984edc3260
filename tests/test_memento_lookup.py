"""Issue 11: for a source archiver holds no good capture of, ask Memento TimeGates and TimeMaps
(``[memento] aggregators``) for the nearest memento — tested against pywb's own TimeGate and
TimeMap, run locally on 127.0.0.1 over WARCs another archive made of a page archiver never
captured intact (it was dead when archiver first checked it).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from test_pywb import BIN, clean_env, free_port, run_tool, wait_for_pywb

from archiver.aggregators import MementoClient
from archiver.archive import Archive
from archiver.cli import cli
from archiver.config import CheckConfig, Config, DetectConfig, FetchConfig
from archiver.models import Capture
from archiver.serve.memento import timestamp14

V1 = "<html><head><title>Budget</title></head><body><p>The council approved a budget of 4.1 million.</p></body></html>"
V2 = V1.replace("4.1", "4.3")


@dataclass
class Elsewhere:
    root: Path
    base: str  # pywb
    url: str  # the page, captured only by the other archive
    theirs: list[Capture]  # the other archive's captures of it
    ours: Path  # archiver's data directory, where the page was dead at its first check
    document: Path


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Elsewhere]:
    root = tmp_path_factory.mktemp("memento")
    site = HTTPServer(host="127.0.0.1", port=0)
    site.start()
    url = site.url_for("/budget")
    site.expect_request("/budget").respond_with_data(V1, content_type="text/html; charset=utf-8")
    other = Config(fetch=FetchConfig(allow_private=True), check=CheckConfig(per_host_delay=1.0),
                   detect=DetectConfig(soft404_probe=False))
    with Archive(root / "other", other) as archive:  # someone else's archive, a pywb collection below
        archive.check([url])
        site.clear()
        site.expect_request("/budget").respond_with_data(V2, content_type="text/html; charset=utf-8")
        archive.check([url])
        theirs = archive.history(url)
    assert len({timestamp14(c.captured_at) for c in theirs}) == 2
    site.clear()
    site.expect_request("/budget").respond_with_data("<h1>Not Found</h1>", status=404, content_type="text/html")
    ours = root / "ours"
    document = root / "budget.md"
    document.write_text(f"---\ndate: {theirs[0].captured_at.astimezone(UTC).isoformat()}\n---\n"
                        f"The council [approved the budget]({url}).\n", encoding="utf-8")
    with Archive(ours, other) as archive:
        archive.check([url])  # dead at archiver's first check: nothing of its own to cite
        archive.import_documents([str(document)])
        assert [c.status for c in archive.history(url)] == [404]
    site.stop()
    pywb_dir = root / "pywb"
    pywb_dir.mkdir()
    (pywb_dir / "config.yaml").write_text("enable_memento: true\nframed_replay: false\n", encoding="utf-8")
    run_tool("wb-manager", "init", "others", cwd=pywb_dir)
    run_tool("wb-manager", "add", "others", *map(str, sorted((root / "other" / "warcs").glob("*.warc.gz"))), cwd=pywb_dir)
    run_tool("wb-manager", "init", "wacz", cwd=pywb_dir)  # wait_for_pywb looks for /warcs and /wacz
    run_tool("wb-manager", "init", "warcs", cwd=pywb_dir)
    port = free_port()
    proc = subprocess.Popen([str(BIN / "wayback"), "-p", str(port), "-b", "127.0.0.1"], cwd=pywb_dir,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=clean_env())
    try:
        wait_for_pywb(port, proc)
        yield Elsewhere(root, f"http://127.0.0.1:{port}", url, theirs, ours, document)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(pywb_dir / "collections", ignore_errors=True)


def cite(e: Elsewhere, aggregator: str, *args: str) -> tuple[int, str]:
    config = e.root / "config.toml"
    config.write_text(f'[fetch]\nallow_private = true\n[memento]\naggregators = ["{aggregator}"]\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "--data", str(e.ours), "cite", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize("kind", ["timegate", "timemap"])
def test_nearest_memento_from_a_local_pywb(elsewhere: Elsewhere, kind: str) -> None:
    prefix = f"{elsewhere.base}/others/" + ("timemap/link/" if kind == "timemap" else "")
    client = MementoClient((prefix,), timeout=30)
    try:
        for capture in elsewhere.theirs:
            found = client.nearest(elsewhere.url, capture.captured_at)
            assert found is not None, kind
            assert timestamp14(found.datetime) == timestamp14(capture.captured_at)
            assert timestamp14(capture.captured_at) in found.url and found.source == prefix
        latest = client.nearest(elsewhere.url)
        assert latest is not None and timestamp14(latest.datetime) == timestamp14(elsewhere.theirs[-1].captured_at)
        assert client.nearest(elsewhere.url.replace("/budget", "/never-archived"), None) is None
    finally:
        client.close()


def test_cite_offers_someone_elses_memento_instead(elsewhere: Elsewhere) -> None:
    code, out = cite(elsewhere, f"{elsewhere.base}/others/", elsewhere.url)
    assert code == 0, out
    assert "Cite instead, not archived by archiver: a memento in another archive" in out
    assert timestamp14(elsewhere.theirs[-1].captured_at) in out
    code, html = cite(elsewhere, f"{elsewhere.base}/others/", elsewhere.url, "--format", "html")
    assert 'data-versionurl="' + elsewhere.base in html and "not archived by archiver" in html


def test_cite_document_uses_the_memento_nearest_its_publication(elsewhere: Elsewhere) -> None:
    code, out = cite(elsewhere, f"{elsewhere.base}/others/timemap/link/", "--document", str(elsewhere.document))
    assert code == 0, out
    assert "a memento in another archive" in out and timestamp14(elsewhere.theirs[0].captured_at) in out


def test_no_aggregator_holds_it(elsewhere: Elsewhere) -> None:
    code, out = cite(elsewhere, f"{elsewhere.base}/wacz/", elsewhere.url)  # an empty collection
    assert code == 1 and "no other archive consulted holds it" in out


def test_a_timemap_is_read_at_whole_seconds(tmp_path: Path) -> None:
    """A capture at 18:42:05.6 is the memento of 18:42:05, not the one of 18:42:06 (0.4 s "nearer")."""
    site = HTTPServer(host="127.0.0.1", port=0)
    site.start()
    try:
        timemap = ('<http://example.org/budget>; rel="original",\n'
                   '<http://archive.example/20261207184205/http://example.org/budget>; rel="memento"; '
                   'datetime="Mon, 07 Dec 2026 18:42:05 GMT",\n'
                   '<http://archive.example/20261207184206/http://example.org/budget>; rel="memento"; '
                   'datetime="Mon, 07 Dec 2026 18:42:06 GMT"\n')
        site.expect_request("/timemap/link/http://example.org/budget").respond_with_data(
            timemap, content_type="application/link-format")
        client = MementoClient((site.url_for("/timemap/link/"),), timeout=10)
        try:
            found = client.nearest("http://example.org/budget", datetime(2026, 12, 7, 18, 42, 5, 600000, tzinfo=UTC))
        finally:
            client.close()
        assert found is not None and "20261207184205" in found.url
    finally:
        site.stop()
