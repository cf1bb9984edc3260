"""The benchmarks' corpus: deterministic news-article pages and the requisites they share.

* ``article(i, ...)``: a deterministic 30-80 KB news article page (head scripts, mega-nav, cookie
  banner, article with ad slots, share bar, sidebar, comments, footer); ``variant`` re-rolls only
  the noise (clocks, rotated ads, tokens/nonces, counters), ``edit`` makes one real edit.
* Its requisites are served beside it on the same loopback server, as a real site's are: the
  site's stylesheet (it pulls a web font and a background image), the page's own 8-24 KB photo
  (with a cache-busting query), three ad images drawn from eight, the favicon.
* ``write_pages_parallel`` writes many pages with one child process per core
  (``python bench/corpus.py SPEC``).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

PYTHON = sys.executable

_PROSE = (
    "the council voted on transit levy budget plan city residents school board state agency report "
    "data survey poll support opposition mayor district funding million percent year week month "
    "officials said would could should new old public private local regional federal court ruling "
    "judge case appeal hearing evidence witness police fire department housing rent market price "
    "cost tax revenue bond measure ballot election candidate campaign vote voters turnout precinct "
    "county water river bridge road highway bus rail station line service route schedule delay "
    "repair crew contract vendor bid award audit review committee chair member staff director "
    "manager union workers wages hospital clinic patients nurses doctors health care insurance "
    "program grant students teachers classes enrollment parents families children community "
    "neighborhood park library museum festival season weather storm flood damage recovery plan "
    "proposal draft final approved rejected delayed announced reported confirmed denied expected "
    "planned estimated said"
)
_WORDS = _PROSE.split()
_FIRST = "Maria James Li Amara Tomas Priya Daniel Sofia Ahmed Grace Kenji Olivia Marcus Elena".split()  # noqa: SIM905
_LAST = "Okafor Chen Novak Haddad Silva Patel Moreau Kim Larsen Ortiz Nakamura Brooks Ivanova".split()  # noqa: SIM905
_SPONSORS = (
    ("Harbor Bank", "Open a savings account with 4.10% APY today"),
    ("CityFit Gym", "First month free for new members"),
    ("Bayside Motors", "Year-end clearance on every model"),
    ("Northwind Air", "Fly to 40 cities from Harbor International"),
    ("Green Leaf Grocers", "Fresh produce delivered to your door"),
    ("Lumen Fiber", "Gigabit internet now in your neighborhood"),
    ("Cove Dental", "Book a cleaning online in two minutes"),
    ("Tidewater Realty", "See what your home is worth"),
)
_STYLE = "".join(
    f".c{k}{{margin:{k % 7}px;padding:{k % 5}px;color:#{(k * 2654435761) % 0xFFFFFF:06x}}}" for k in range(60)
)
EDIT_KINDS = ("figure", "sentence")


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choices(_WORDS, k=words))
    return text[0].upper() + text[1:] + "."


def _paragraphs(rng: random.Random) -> list[str]:
    paras = [
        " ".join(_sentence(rng, rng.randint(9, 22)) for _ in range(rng.randint(3, 6)))
        for _ in range(rng.randint(9, 18))
    ]
    a, b = rng.randint(40, 70), rng.randint(30, 60)
    # The figure a real edit changes: numbers in prose are content and must never be masked.
    paras[2] = f"Support stood at {a}% in the latest survey, up from {b}% in September. " + paras[2]
    return paras


def _edited(paras: list[str], kind: str, rng: random.Random) -> list[str]:
    paras = list(paras)
    if kind == "figure":
        head, rest = paras[2].split("% in the latest", 1)
        number = int(head.rsplit(" ", 1)[1])
        paras[2] = f"{head.rsplit(' ', 1)[0]} {number + rng.choice((-3, -2, 2, 3))}% in the latest{rest}"
    else:  # one sentence of a body paragraph rewritten
        k = len(paras) // 2
        sentences = paras[k].split(". ")
        sentences[len(sentences) // 2] = (
            "A spokesperson later withdrew the statement and apologised for the error"
        )
        paras[k] = ". ".join(sentences)
    return paras


def _ad(noise: random.Random, slot: str) -> str:
    sponsor = noise.randrange(len(_SPONSORS))
    name, line = _SPONSORS[sponsor]
    creative = noise.randrange(10**8)
    # The creative's image is one of the sponsors' few, served on loopback like the page (a rotated
    # ad draws from a small set); the click URL stays off-machine and is never fetched (a link).
    return (
        f'<div class="ad-slot" id="ad-{slot}" data-creative="{creative}"><span class="ad-slot__label">'
        f'Advertisement</span><a href="https://ads.example/click?c={creative}&amp;cb={noise.randrange(10**10)}">'
        f'<img src="/ads/cr/{sponsor}.jpg" alt="{name}"><strong>{name}</strong> {line}</a></div>'
    )


def article(i: int, *, seed: int = 1, variant: int = 0, edit: str | None = None) -> bytes:
    """Page ``i``: same article for every ``variant``; the noise differs between variants.

    One function, top to bottom in page order, so the page's shape reads as a page (longer than
    STYLE's 60 lines for that reason). ``rng`` draws the article, ``noise`` what a server re-renders.
    """
    rng = random.Random(f"{seed}:{i}")
    noise = random.Random(f"{seed}:{i}:noise:{variant}")
    target = rng.randint(30_000, 80_000)
    author = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
    title = _sentence(rng, 8)[:-1]
    paras = _paragraphs(rng)
    if edit:
        paras = _edited(paras, edit, random.Random(f"{seed}:{i}:edit"))
    hh, mm, ss = noise.randrange(24), noise.randrange(60), noise.randrange(60)
    day = 23 + variant
    token = "".join(noise.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", k=43))
    nonce = f"{noise.getrandbits(96):024x}"
    request_id = f"{noise.getrandbits(32):08x}-{noise.getrandbits(16):04x}-4{noise.getrandbits(12):03x}-9{noise.getrandbits(12):03x}-{noise.getrandbits(48):012x}"
    cb = 1763900000 + noise.randrange(10**6)
    head = (
        f'<!DOCTYPE html>\n<html lang="en-US"><head><meta charset="utf-8"><title>{title} | The Harbor Herald</title>\n'
        f'<meta name="description" content="{paras[0][:150]}">\n<meta name="author" content="{author}">\n'
        f'<meta name="csrf-token" content="{token}">\n'
        '<link rel="stylesheet" href="/static/css/main.8f3a2c91.css">\n'
        f'<style nonce="{nonce}">{_STYLE}</style>\n'
        f'<script nonce="{nonce}">window.__CONFIG__={{"requestId":"{request_id}","renderedAt":"2026-11-{day}T{hh:02d}:{mm:02d}:{ss:02d}Z",'
        f'"ads":{{"network":"/2177/herald","slot":"{noise.randrange(10**6)}"}}}};</script>\n'
        f'<script async src="/static/js/vendor.3c9d1e7f.js?cb={cb}"></script></head>\n<body class="article-page">\n'
        '<div id="cookie-consent" class="cookie-banner"><p>We use cookies to personalise content and ads and to '
        "analyse our traffic.</p><button>Accept all</button><button>Reject</button></div>\n"
        f'<header class="site-header"><div class="masthead__date">Today is November {day}, 2026</div>'
        f'<div class="masthead__weather">Harbor City {40 + noise.randrange(20)}&deg;F</div><nav class="mega-nav"><ul>'
    )
    out = [head]
    for k in range(rng.randint(60, 160)):
        out.append(
            f'<li><a href="/news/topic-{k}/">{rng.choice(_WORDS).title()} {rng.choice(_WORDS)}</a></li>'
        )
    out.append('</ul></nav></header>\n<main id="main"><article class="article">\n')
    out.append(
        f'<h1 class="article__headline">{title}</h1>\n<div class="article__byline">By <a rel="author" '
        f'href="/staff/{author.lower().replace(" ", "-")}/">{author}</a></div>\n'
        f'<div class="article__dateline">Published Nov. {rng.randint(1, 20)}, 2026</div>\n'
        f'<div class="share-bar"><span class="share-bar__count">{noise.randint(2, 9)}.{noise.randrange(10)}K shares</span>'
        f' <span>{noise.randrange(400)} comments</span></div>\n<div class="article__body">\n'
    )
    for k, p in enumerate(paras):
        out.append(f"<p>{p}</p>\n")
        if k == 3:
            out.append(
                f'<figure><img src="/img/{i}.jpg?cb={cb}"><figcaption>{_sentence(rng, 12)}</figcaption></figure>\n'
            )
        if k in (2, 7):
            out.append(_ad(noise, f"mid-{k}") + "\n")
    out.append(
        f'<p class="article__updated">Last updated: November {day}, 2026 {1 + hh % 12}:{mm:02d} {"AM" if hh < 12 else "PM"} ET</p>\n'
        "</div></article>\n"
    )
    out.append('<aside class="sidebar most-read"><h2>Most read</h2><ol>')
    for k in range(10):
        out.append(f'<li><a href="/news/{rng.randrange(10**6)}/">{_sentence(rng, 7)}</a></li>')
    out.append("</ol>" + _ad(noise, "side") + '</aside>\n<section class="comments"><h2>Comments</h2><ol>')
    size = sum(map(len, out))
    while size < target - 400:
        c = (
            f'<li class="comment"><div class="comment__meta"><span class="comment__author">reader{rng.randrange(10**5)}'
            f'</span> &middot; <time>{noise.randint(1, 23)} hours ago</time></div><p class="comment__body">'
            f'{_sentence(rng, rng.randint(12, 40))}</p><span class="comment__likes">{noise.randrange(90)} likes</span></li>'
        )
        out.append(c)
        size += len(c)
    out.append(
        '</ol></section></main>\n<footer class="site-footer"><p>&copy; 2026 The Harbor Herald</p>'
        f"<p>Page generated at {hh:02d}:{mm:02d}:{ss:02d} in {noise.randrange(20, 400)} ms</p></footer>\n</body></html>\n"
    )
    return "".join(out).encode("utf-8")


def page_path(i: int) -> str:
    return f"/news/2026/11/{i:06d}.html"


def _blob(seed: str, size: int, head: bytes) -> bytes:
    """``size`` bytes that do not compress (as an image's), starting with the format's magic."""
    return head + random.Random(seed).randbytes(size - len(head))


_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"


def write_assets(root: Path) -> int:
    """The requisites every page shares: the stylesheet (with a web font and a background image of
    its own), the sponsors' ad images and the favicon. A page's own photo is ``page_image``."""
    files = {
        "static/css/main.8f3a2c91.css": (
            "@font-face{font-family:Herald;src:url(/static/fonts/herald.5d1c.woff2) format('woff2')}"
            "body{font-family:Herald,serif}.masthead{background:url(../img/masthead.png) no-repeat}" + _STYLE * 8
        ).encode(),
        "static/fonts/herald.5d1c.woff2": _blob("font", 24_000, b"wOF2"),
        "static/img/masthead.png": _blob("masthead", 6_000, b"\x89PNG\r\n\x1a\n"),
        "favicon.ico": _blob("favicon", 1_150, b"\x00\x00\x01\x00"),
        **{f"ads/cr/{k}.jpg": _blob(f"ad{k}", 9_000 + 1_500 * k, _JPEG) for k in range(len(_SPONSORS))},
    }
    for name, body in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(body)
    return sum(map(len, files.values()))


def page_image(i: int, *, seed: int = 1) -> bytes:
    """Page ``i``'s photo (``/img/{i}.jpg``): 8-24 KB, the same for every variant of the page."""
    return _blob(f"{seed}:{i}:img", random.Random(f"{seed}:{i}:size").randint(8_000, 24_000), _JPEG)


def _write_page(root: Path, i: int, body: bytes, seed: int) -> None:
    (root / page_path(i).lstrip("/")).write_bytes(body)
    (root / f"img/{i}.jpg").write_bytes(page_image(i, seed=seed))


def write_pages(
    root: Path, n: int, *, seed: int = 1, variant: int = 0, edits: dict[int, str] | None = None
) -> int:
    """Write pages 0..n-1 under ``root``; returns the bytes written."""
    total = 0
    (root / "news/2026/11").mkdir(parents=True, exist_ok=True)
    (root / "img").mkdir(parents=True, exist_ok=True)
    write_assets(root)
    for i in range(n):
        body = article(i, seed=seed, variant=variant, edit=(edits or {}).get(i))
        _write_page(root, i, body, seed)
        total += len(body)
    return total


def write_pages_parallel(root: Path, n: int, **kw: Any) -> int:
    """``write_pages`` split over the machine's cores (generation is pure Python)."""
    jobs = max(1, min(os.cpu_count() or 1, 8))
    if n < 2000 or jobs == 1:
        return write_pages(root, n, **kw)
    spec = {"root": str(root), "n": n, "jobs": jobs, **kw}
    if "edits" in kw:
        spec["edits"] = {str(k): v for k, v in kw["edits"].items()}
    write_assets(root)
    procs = [
        subprocess.Popen([PYTHON, __file__, json.dumps({**spec, "part": p})], stdout=subprocess.PIPE)
        for p in range(jobs)
    ]
    return sum(int(p.communicate()[0]) for p in procs)


def _pages_part(spec: dict[str, Any]) -> int:
    root, n, jobs, part = Path(spec["root"]), spec["n"], spec["jobs"], spec["part"]
    edits = {int(k): v for k, v in (spec.get("edits") or {}).items()}
    (root / "news/2026/11").mkdir(parents=True, exist_ok=True)
    (root / "img").mkdir(parents=True, exist_ok=True)
    total = 0
    for i in range(part, n, jobs):
        body = article(i, seed=spec.get("seed", 1), variant=spec.get("variant", 0), edit=edits.get(i))
        _write_page(root, i, body, spec.get("seed", 1))
        total += len(body)
    return total


if __name__ == "__main__":
    print(_pages_part(json.loads(sys.argv[1])))
