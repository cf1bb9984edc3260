"""pywb, the reference Wayback replay system, replays archiver's WARC files and WACZ exports.

A real capture (a page, an unchanged re-check stored as a revisit, then an edit) goes into a
pywb collection with ``wb-manager add``; ``wayback`` runs as a subprocess on 127.0.0.1 (pywb
monkey-patches the process with gevent, so it cannot share ours), and ``id_`` replays must
return the archived bodies byte for byte. The same captures exported as a WACZ replay too
(pywb 2.10 unpacks a WACZ's WARC files and indexes them itself: ``--unpack-wacz``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from pytest_httpserver import HTTPServer
from serve_site import config, next_second

from archiver.archive import Archive
from archiver.models import Capture
from archiver.serve.memento import timestamp14

BIN = Path(sys.executable).parent
V1 = "<!DOCTYPE html><html><head><title>Poll</title></head><body><p>Support stood at 61% in the poll.</p></body></html>"
V2 = V1.replace("61%", "59%")


@dataclass
class Wayback:
    base: str
    url: str
    captures: list[Capture]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_tool(name: str, *args: str, cwd: Path) -> None:
    tool = BIN / name
    if not tool.exists():
        pytest.fail(f"{name} is missing from {BIN}: pip install pywb (the test dependencies list it)")
    subprocess.run([str(tool), *args], cwd=cwd, check=True, capture_output=True, timeout=120, env=clean_env())


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}


def wait_for_pywb(port: int, proc: subprocess.Popen[bytes], deadline: float = 60.0) -> None:
    """pywb logs before it binds, so ask until *it* answers (bounded; fails at once if pywb exits).

    Its home page must list our collections: a bare connect could reach another process that
    took the port between ``free_port`` and pywb's bind.
    """
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if proc.poll() is not None:
            pytest.fail(f"wayback exited with {proc.returncode} (port {port} taken?)")
        try:
            home = requests.get(f"http://127.0.0.1:{port}/", timeout=5)
            if home.status_code == 200 and "/warcs" in home.text and "/wacz" in home.text:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    pytest.fail(f"wayback did not answer on 127.0.0.1:{port} within {deadline:.0f}s")


@pytest.fixture(scope="module")
def wayback(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Wayback]:
    root = tmp_path_factory.mktemp("pywb")
    site = HTTPServer(host="127.0.0.1", port=0)
    site.start()
    url = site.url_for("/poll")
    site.expect_request("/poll").respond_with_data(V1, content_type="text/html; charset=utf-8")
    with Archive(root / "snapshots", config()) as archive:
        archive.check([url])
        next_second()  # each capture in its own second: pywb names mementos by 14-digit timestamps
        archive.check([url])  # unchanged: a revisit
        site.clear()
        site.expect_request("/poll").respond_with_data(V2, content_type="text/html; charset=utf-8")
        next_second()
        archive.check([url])
        captures = archive.history(url)
        archive.export_wacz(root / "poll.wacz")
    site.stop()
    pywb_dir = root / "pywb"
    pywb_dir.mkdir()
    run_tool("wb-manager", "init", "warcs", cwd=pywb_dir)
    run_tool(
        "wb-manager",
        "add",
        "warcs",
        *map(str, sorted((root / "snapshots" / "warcs").glob("*.warc.gz"))),
        cwd=pywb_dir,
    )
    run_tool("wb-manager", "init", "wacz", cwd=pywb_dir)
    run_tool("wb-manager", "add", "--unpack-wacz", "wacz", str(root / "poll.wacz"), cwd=pywb_dir)
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN / "wayback"), "-p", str(port), "-b", "127.0.0.1"],
        cwd=pywb_dir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=clean_env(),
    )
    try:
        wait_for_pywb(port, proc)
        yield Wayback(f"http://127.0.0.1:{port}", url, captures)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(pywb_dir / "collections", ignore_errors=True)


def raw(wayback: Wayback, collection: str, capture: Capture) -> requests.Response:
    return requests.get(
        f"{wayback.base}/{collection}/{timestamp14(capture.captured_at)}id_/{wayback.url}", timeout=30
    )


@pytest.mark.parametrize("collection", ["warcs", "wacz"])
def test_pywb_replays_each_capture_byte_for_byte(wayback: Wayback, collection: str) -> None:
    first, revisit, edited = wayback.captures
    assert revisit.record_type == "revisit"
    for capture, body in ((first, V1), (revisit, V1), (edited, V2)):
        r = raw(wayback, collection, capture)
        assert r.status_code == 200, (collection, capture)
        assert r.content == body.encode("utf-8")
        assert r.headers["Memento-Datetime"]


def test_pywb_timemap_lists_archivers_captures(wayback: Wayback) -> None:
    r = requests.get(f"{wayback.base}/warcs/timemap/link/{wayback.url}", timeout=30)
    assert r.status_code == 200
    for capture in wayback.captures:
        assert f"/warcs/{timestamp14(capture.captured_at)}" in r.text
