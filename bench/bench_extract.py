"""Per-page cost of HTML extraction engines, and of diff, on a ~50 KB article page.

Prints CPU milliseconds per page (process time, best of 3 runs, so other load on the machine does
not inflate it) for each engine and the implied pages/s per core.
The page is tests/fixtures/pages/news_article.html grown to ~50 KB the way real pages grow: more
comments, a bigger mega-menu, more "most read" items. readability-lxml is timed when installed
(``pip install readability-lxml``); it is not a dependency.

    .venv/bin/python bench/bench_extract.py [--pages N]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import lxml.html

from archiver.diff import diff
from archiver.extract import Template, extract

PAGES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "pages"


def grown_page(target: int = 50_000) -> bytes:
    """news_article.html with extra comments, menu entries and sidebar items up to ``target`` bytes."""
    html = (PAGES / "news_article.html").read_text(encoding="utf-8")
    comments = menu = ""
    i = 0
    while len(html) + len(comments) + len(menu) < target:
        comments += (
            f'<li class="comment" id="comment-{90000 + i}"><div class="comment__meta"><span class="comment__author">'
            f'reader{i}</span> &middot; <time datetime="2026-11-22T11:02:00-05:00">{i + 1} hours ago</time></div>'
            f'<p class="comment__body">Comment {i} on buses, taxes and the levy, long enough to look like a real'
            f' reader comment with an opinion in it.</p><div class="comment__actions"><button>Reply</button>'
            f' <span class="comment__likes">{i} likes</span></div></li>'
        )
        menu += f'<li><a href="/news/topic-{i}/">Topic {i}</a></li>'
        i += 1
    html = html.replace(
        '</ol>\n      <a class="comments__more"', comments + '</ol>\n      <a class="comments__more"'
    )
    html = html.replace(
        '<li><a href="/newsletters/">Newsletters</a></li>',
        menu + '<li><a href="/newsletters/">Newsletters</a></li>',
    )
    return html.encode("utf-8")


def per_page_ms(fn: Callable[[], object], n: int) -> float:
    fn()
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        for _ in range(n):
            fn()
        best = min(best, (time.process_time() - start) / n * 1000)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200, help="pages per timing run")
    args = parser.parse_args()
    page = grown_page()
    n = args.pages
    ct = "text/html; charset=utf-8"
    url = "https://www.harborherald.example/news/local/2026/11/20/transit-levy-poll/"
    print(f"page: {len(page)} bytes; {n} pages per run, best of 3")
    learned = extract(page, content_type=ct, url=url).meta["template"]
    known = (Template.from_json(learned),)  # what the checker keeps for the host after its first page
    rows: list[tuple[str, float]] = [
        ("lxml parse alone", per_page_ms(lambda: lxml.html.document_fromstring(page), n)),
        ("extract, engine=fast (the density pass alone)",
         per_page_ms(lambda: extract(page, content_type=ct, url=url, engine="fast"), n)),
        ("extract, default, host template known",
         per_page_ms(lambda: extract(page, content_type=ct, url=url, templates=known), n)),
        ("extract, default, learning the template",
         per_page_ms(lambda: extract(page, content_type=ct, url=url), n // 4 or 1)),
        (
            "extract, engine=trafilatura",
            per_page_ms(lambda: extract(page, content_type=ct, url=url, engine="trafilatura"), n // 4 or 1),
        ),
    ]
    try:
        import trafilatura

        def parsed() -> object:
            return lxml.html.document_fromstring(page)

        variants: list[tuple[str, Callable[[], object]]] = [
            ("defaults", lambda: trafilatura.bare_extraction(parsed(), include_comments=False)),
            ("fast=True", lambda: trafilatura.bare_extraction(parsed(), include_comments=False, fast=True)),
            ("fast=True, favor_precision", lambda: trafilatura.bare_extraction(
                parsed(), include_comments=False, fast=True, favor_precision=True)),
        ]  # fmt: skip
        for label, run in variants:
            rows.append((f"trafilatura.bare_extraction {label}", per_page_ms(run, n // 4 or 1)))
    except ImportError:
        pass
    try:
        from readability import Document

        rows.append(
            (
                "readability-lxml Document.summary()",
                per_page_ms(lambda: Document(page).summary(), n // 4 or 1),
            )
        )
    except ImportError:
        print("(readability-lxml not installed: skipped)")
    a = extract(page, content_type=ct, url=url)
    b = extract(page.replace(b"61%", b"59%"), content_type=ct, url=url)
    rows.append(("diff, identical digests", per_page_ms(lambda: diff(a, a), n * 10)))
    rows.append(("diff, one number changed", per_page_ms(lambda: diff(a, b), n)))
    for label, ms in rows:
        print(f"{label:45s} {ms:7.2f} ms/page  {1000 / ms:8.0f} pages/s/core")


if __name__ == "__main__":
    main()
