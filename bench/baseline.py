"""The benchmarks' baseline: a plain requests + warcio thread pool with no archiver in it, the
loop every archiver throughput figure is a ratio against (same URLs, same concurrency, same run)."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from io import BytesIO
from pathlib import Path
from typing import Any

import requests
from measure import cpu_seconds, dir_bytes
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


def plain_capture(urls: Sequence[str], out_dir: Path, workers: int) -> dict[str, Any]:
    """GET every URL with a thread pool (one requests.Session per worker, stream=True, raw bytes)
    and write a request and a response record per URL with warcio, one .warc.gz per worker."""
    out_dir.mkdir(parents=True, exist_ok=True)
    todo = iter(urls)
    lock = threading.Lock()
    errors = [0] * workers

    def work(k: int) -> None:
        session = requests.Session()
        with open(out_dir / f"plain-{k:02d}.warc.gz", "wb") as fh:
            writer = WARCWriter(fh, gzip=True)
            while True:
                with lock:
                    url = next(todo, None)
                if url is None:
                    break
                try:
                    resp = session.get(url, stream=True, timeout=(10, 30))
                    body = resp.raw.read(decode_content=False)
                except requests.RequestException:
                    errors[k] += 1
                    continue
                http = StatusAndHeaders(
                    f"{resp.status_code} {resp.reason}", list(resp.raw.headers.items()), protocol="HTTP/1.1"
                )
                record = writer.create_warc_record(
                    url, "response", payload=BytesIO(body), length=len(body), http_headers=http
                )
                path = url.split("/", 3)[3]
                req_http = StatusAndHeaders(
                    f"GET /{path} HTTP/1.1", list(resp.request.headers.items()), is_http_request=True
                )
                request = writer.create_warc_record(
                    url,
                    "request",
                    http_headers=req_http,
                    warc_headers_dict={"WARC-Concurrent-To": record.rec_headers.get_header("WARC-Record-ID")},
                )
                writer.write_record(request)
                writer.write_record(record)
                resp.close()
        session.close()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(workers)]
    cpu = cpu_seconds()
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "cpu_s": cpu_seconds() - cpu,
        "urls": len(urls),
        "errors": sum(errors),
        "warc_bytes": dir_bytes(out_dir),
    }
