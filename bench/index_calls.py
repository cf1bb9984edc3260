"""Index calls per URL on the checker's worker threads: a first pass, an unchanged re-check, an edited re-check.

    .venv/bin/python bench/index_calls.py [--n N]

Serves N small article pages from a threaded Python server on 127.0.0.1 and counts the index's
queries (``Index._q``) made off the main thread, where the checker's workers rebuild each
source's history. The main thread's batch commit is not counted. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import functools
import http.server
import tempfile
import threading
from pathlib import Path
from typing import Any

from archiver.archive import Archive
from archiver.config import Config
from archiver.index import Index

PAGE = (
    "<html><head><title>Page {i}</title></head><body><article><h1>Headline {i}</h1>"
    "<p>This is paragraph {edit} of article {i}, with enough words to read as the text of an article.</p>"
    "<p>Another paragraph, number two, with more words in it so the page reads as an article.</p>"
    "</article></body></html>"
)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50, help="pages (default 50)")
    n = parser.parse_args().n
    calls: collections.Counter[str] = collections.Counter()
    query = Index._q

    def counted(self: Index, sql: str, params: Any = ()) -> Any:
        if threading.current_thread() is not threading.main_thread():
            calls[sql.split()[0]] += 1
        return query(self, sql, params)

    Index._q = counted  # type: ignore[method-assign]  # the bench's own counter, never in the package
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        site.mkdir()
        handler = functools.partial(_Quiet, directory=str(site))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        config = Config()
        config = dataclasses.replace(config, fetch=dataclasses.replace(config.fetch, allow_private=True),
                                     check=dataclasses.replace(config.check, per_host_delay=0, per_host_concurrency=4))
        urls = [f"http://127.0.0.1:{server.server_port}/p{i}.html" for i in range(n)]
        with Archive(Path(tmp) / "data", config) as archive:
            for phase, edit in (("first pass", "one"), ("unchanged re-check", "one"), ("edited re-check", "one, edited,")):
                for i in range(n):
                    (site / f"p{i}.html").write_text(PAGE.format(i=i, edit=edit), encoding="utf-8")
                calls.clear()
                archive.check(urls)
                print(f"{phase:<20} {sum(calls.values()) / n:5.1f} index queries per URL on worker threads")
        server.shutdown()


if __name__ == "__main__":
    main()
