"""Issue 15, point 4: memory stays within 200 MB on hostile pages, for a whole batch and for replay.

Real processes against real servers on 127.0.0.1: ``archiver check`` fetches eight hostile 10 MB
pages at once (eight workers, one host allowing eight connections), and ``archiver serve`` replays
them to eight clients at once. Memory is the process's own peak RSS: ``wait4`` through a small
launcher for ``check`` (see ``test_one_line.run``), ``VmHWM`` of the server process for ``serve``.
Nothing captured may be cut to fit: every body is read back from the WARC byte for byte, with its
digest, and replayed whole.
"""

from __future__ import annotations

import base64
import gzip
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from servers import Server
from test_one_line import MB, _env, lines_until, run
from warcio.archiveiterator import ArchiveIterator

from archiver.models import payload_digest
from archiver.serve.rewrite import REWRITE_BYTES, TEXT_TAIL

BUDGET = 200 * MB
CONFIG = """\
[check]
per_host_delay = 0
per_host_concurrency = 8
[detect]
soft404_probe = false
[screenshot]
enabled = false
[requisites]
enabled = false
[browser]
executable = "/nonexistent/chromium"
"""


def hostile_pages() -> dict[str, tuple[bytes, str | None]]:
    """Eight 10 MB pages, two of each kind the campaign used: path → (body as sent, Content-Encoding).

    400,000 nested elements; one 10 MB paragraph of words; a gzip body of 70 KB that inflates to
    10 MB of elements; 10 MB of incompressible text (so its WARC record is 10 MB too)."""
    soup = "<html><body>" + "<div><span>a</span></div>" * 400_000 + "</body></html>"
    words = "<html><body><p>" + "word " * 2_000_000 + "</p></body></html>"
    rng = random.Random(15)
    noise = "<html><body><p>" + base64.b64encode(rng.randbytes(7_500_000)).decode() + "</p></body></html>"
    pages: dict[str, tuple[bytes, str | None]] = {}
    for i in range(2):
        mark = f"<h1>copy {i}</h1>"  # two different payloads of each kind (no revisit shortcut)
        pages[f"/soup-{i}"] = (soup.replace("<body>", "<body>" + mark).encode(), None)
        pages[f"/words-{i}"] = (words.replace("<body>", "<body>" + mark).encode(), None)
        pages[f"/inflating-{i}"] = (gzip.compress(soup.replace("<body>", "<body>" + mark).encode(), 6), "gzip")
        pages[f"/noise-{i}"] = (noise.replace("<body>", "<body>" + mark).encode(), None)
    return pages


@pytest.fixture(scope="module")
def pages() -> dict[str, tuple[bytes, str | None]]:
    return hostile_pages()


@pytest.fixture
def site(pages: dict[str, tuple[bytes, str | None]]) -> Iterator[Server]:
    def handler(server: Server, conn: socket.socket) -> None:
        head = server.read_request(conn)
        if head is None:
            return
        body, encoding = pages.get(head.split(b" ", 2)[1].decode(), (b"not here", None))
        reply = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n" % len(body)
        if encoding:
            reply += b"Content-Encoding: %s\r\n" % encoding.encode()
        conn.sendall(reply + b"Connection: close\r\n\r\n" + body)

    with Server(handler) as server:
        yield server


def responses(data: Path) -> dict[str, tuple[bytes, str, str | None]]:
    """Each response record in the WARCs: target URI → (raw payload as stored, its recorded
    WARC-Payload-Digest, the Content-Encoding it was stored with)."""
    found = {}
    for path in sorted((data / "warcs").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    uri = record.rec_headers.get_header("WARC-Target-URI")
                    digest = record.rec_headers.get_header("WARC-Payload-Digest")
                    encoding = record.http_headers.get_header("Content-Encoding")
                    found[uri] = (record.raw_stream.read(), digest, encoding)
    return found


def test_a_batch_of_hostile_pages_is_checked_within_the_memory_budget_and_kept_whole(
    tmp_path: Path, site: Server, pages: dict[str, tuple[bytes, str | None]]
) -> None:
    """Before the body gate: 340 MB on the test machine (eight bodies and their copies in memory
    at once, and each worker's parse leftovers kept by its own malloc arena); after, 167 MB."""
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    data = tmp_path / "data"
    urls = [site.url(path) for path in pages]
    rc, out, err, rss = run(data, "check", *urls, config=config)
    assert rc == 0, err
    assert "checked 8 URLs" in out + err, out + err
    print(f"\nchecking eight hostile 10 MB pages at once peaked at {rss / MB:.0f} MB")
    assert rss < BUDGET, f"checking eight hostile 10 MB pages at once peaked at {rss / MB:.0f} MB"
    stored = responses(data)
    for path, (body, encoding) in pages.items():
        raw, digest, stored_encoding = stored[site.url(path)]
        assert raw == body, f"{path}: the WARC holds {len(raw)} bytes, the server sent {len(body)}"
        assert digest == payload_digest(body) and stored_encoding == encoding, path


def peak_rss(pid: int) -> int:
    """The high-water mark of a running process's resident memory (``VmHWM``), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmHWM for process {pid}")


def test_serve_replays_hostile_pages_to_eight_clients_at_once_within_the_memory_budget(
    tmp_path: Path, site: Server, pages: dict[str, tuple[bytes, str | None]]
) -> None:
    """The campaign's figure: ``serve`` replaying these pages took 323 MB; eight clients at once took
    736 MB here. Every replay must come back whole: the banner, the page's first MB rewritten, then
    the rest of its bytes as inert text (``<plaintext>``), in order, not a cut."""
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    data = tmp_path / "data"
    rc, _, err, _ = run(data, "check", *[site.url(path) for path in pages], config=config)
    assert rc == 0, err
    with sqlite3.connect(data / "index.db") as db:
        ids = {url: cid for cid, url in db.execute("SELECT id, url FROM captures")}
    # Started by the same small launcher's way (posix_spawn from a small process), so the server's
    # high-water mark is its own and not pytest's.
    cmd = [sys.executable, "-m", "archiver", "--config", str(config), "--data", str(data), "serve", "--port", "0"]
    with subprocess.Popen(cmd, env=_env(), stderr=subprocess.PIPE, text=True, start_new_session=True) as proc:
        assert proc.stderr is not None
        try:
            line = lines_until(proc.stderr, "archived pages on")[-1]
            replay = line.split("archived pages on ", 1)[1].split("/)", 1)[0].rstrip("/")
            answers: dict[str, requests.Response] = {}

            def fetch(path: str) -> None:
                answers[path] = requests.get(f"{replay}/id/{ids[site.url(path)]}", timeout=300)

            threads = [threading.Thread(target=fetch, args=(path,)) for path in pages]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            peak = peak_rss(proc.pid)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
    print(f"\nserve replaying eight hostile 10 MB pages at once peaked at {peak / MB:.0f} MB")
    for path, (body, encoding) in pages.items():
        answer = answers[path]
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:200])
        page = gzip.decompress(body) if encoding == "gzip" else body
        replayed = answer.content
        assert b"Archived copy" in replayed[:20_000], path  # the banner
        # Nothing cut: the page's text is all there (these pages have no links to rewrite).
        assert replayed.count(b"<span>a</span>") == page.count(b"<span>a</span>"), path
        assert replayed.count(b"word ") == page.count(b"word "), path
        # The first REWRITE_BYTES rewritten (nothing to change in these), the rest as inert text.
        banner_end = replayed.index(b"</archiver-banner>") + len(b"</archiver-banner>")
        head, tail, rest = replayed[banner_end:].partition(TEXT_TAIL.encode())
        assert tail and len(head) < REWRITE_BYTES, path
        assert head + rest == page[page.index(b"<body>") + len(b"<body>"):], path  # every byte, in order
    assert peak < BUDGET, f"serve replaying eight hostile 10 MB pages at once peaked at {peak / MB:.0f} MB"
