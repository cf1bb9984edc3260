"""Shared parts of the capture and pipeline benchmarks: pages, server, baseline loop, phases.

* ``article(i, ...)``: a deterministic 30-80 KB news article page (head scripts, mega-nav, cookie
  banner, article with ad slots, share bar, sidebar, comments, footer); ``variant`` re-rolls only
  the noise (clocks, rotated ads, tokens/nonces, counters), ``edit`` makes one real edit.
* Its requisites are served beside it on the same loopback server, as a real site's are: the
  site's stylesheet (it pulls a web font and a background image), the page's own 8-24 KB photo
  (with a cache-busting query), three ad images drawn from eight, the favicon.
* ``Site``: the pages on disk, served by nginx (a child process with its own config) or, when
  nginx is not installed, by the threaded Python server in this file (also a child process).
* ``plain_capture``: the baseline, a requests + warcio thread pool with no archiver in it.
* Phases run in child processes (``python bench/common.py PHASE JSON``), so each reports its own
  peak RSS and no phase inherits another's heap.

The module name is the brief's; STYLE.md would call it ``harness``.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from io import BytesIO
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = sys.executable

# --------------------------------------------------------------------------- pages

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
        subprocess.Popen([PYTHON, __file__, "pages", json.dumps({**spec, "part": p})], stdout=subprocess.PIPE)
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


# --------------------------------------------------------------------------- the server

_NGINX_CONF = """\
daemon off;
worker_processes {workers};
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    types {{ text/html html; text/css css; image/jpeg jpg; image/png png; font/woff2 woff2; image/x-icon ico; }}
    default_type application/octet-stream;
    charset utf-8;
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 120;
    keepalive_requests 1000000;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location / {{ }}
    }}
}}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_listening(port: int, proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port}")


class Site:
    """A tmp dir of pages under ``www/current`` (a symlink, swapped between passes) and its server."""

    def __init__(self, tmp: Path, *, server: str = "auto") -> None:
        self.tmp = tmp
        self.www = tmp / "www"
        self.www.mkdir(parents=True, exist_ok=True)
        os.chmod(tmp, 0o755)  # nginx workers run as nobody when we are root
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.kind = server
        self.note = ""

    @property
    def current(self) -> Path:
        return self.www / "current"

    def serve(self, name: str) -> None:
        """Point the server at ``www/name`` (atomic symlink swap; nginx opens files per request)."""
        link = self.www / "current.new"
        link.unlink(missing_ok=True)
        link.symlink_to(name)
        link.replace(self.current)

    def urls(self, n: int) -> list[str]:
        return [f"http://127.0.0.1:{self.port}{page_path(i)}" for i in range(n)]

    def start(self) -> Site:
        nginx = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)
        if self.kind in ("auto", "nginx") and nginx:
            conf = self.tmp / "nginx.conf"
            workers = max(1, min(os.cpu_count() or 1, 4))
            conf.write_text(
                _NGINX_CONF.format(tmp=self.tmp, port=self.port, root=self.current, workers=workers)
            )
            self.proc = subprocess.Popen(
                [nginx, "-c", str(conf), "-e", str(self.tmp / "nginx-error.log")],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            self.kind = f"nginx ({subprocess.run([nginx, '-v'], check=False, capture_output=True, text=True).stderr.strip()}, {workers} workers)"
        else:
            if self.kind == "nginx":
                raise SystemExit("nginx not found: apt-get install -y nginx-light")
            self.note = "nginx not found (apt-get install -y nginx-light); using the Python fallback server"
            self.proc = subprocess.Popen(
                [PYTHON, __file__, "serve", json.dumps({"root": str(self.current), "port": self.port})]
            )
            self.kind = "python ThreadingHTTPServer (fallback; may be the bottleneck)"
        _wait_listening(self.port, self.proc, self.kind)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _serve(spec: dict[str, Any]) -> None:
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Handler(SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive

        def log_message(self, format: str, *args: Any) -> None:
            pass

    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer(("127.0.0.1", spec["port"]), partial(Handler, directory=spec["root"])).serve_forever()


# --------------------------------------------------------------------------- the baseline loop


def plain_capture(urls: Sequence[str], out_dir: Path, workers: int) -> dict[str, Any]:
    """GET every URL with a thread pool (one requests.Session per worker, stream=True, raw bytes)
    and write a request and a response record per URL with warcio, one .warc.gz per worker."""
    import requests
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

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


# --------------------------------------------------------------------------- measuring


def dir_bytes(path: Path, pattern: str = "*") -> int:
    return sum(p.stat().st_size for p in path.rglob(pattern) if p.is_file()) if path.exists() else 0


def index_bytes(data_dir: Path) -> int:
    """The index's size once its WAL is checkpointed into the main file."""
    import sqlite3

    db = data_dir / "index.db"
    if not db.exists():
        return 0
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return db.stat().st_size + dir_bytes(data_dir, "index.db-wal")


def cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    """User + system CPU seconds: less sensitive to other load on the machine than wall time."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def disk_writes() -> int:
    """Bytes this process caused to be sent to the storage layer so far (``write_bytes`` of
    /proc/self/io: WARC appends, SQLite's WAL, checkpoints and journal), -1 when unknown."""
    try:
        for line in Path("/proc/self/io").read_text().splitlines():
            if line.startswith("write_bytes:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return -1


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def machine() -> dict[str, str]:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    import platform

    return {
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "memory": mem,
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def write_urls(path: Path, urls: Sequence[str]) -> str:
    """URL lists go to children in a file: one argv string is capped at 128 KiB on Linux."""
    path.write_text("\n".join(urls) + "\n")
    return str(path)


def _urls(spec: dict[str, Any], key: str = "urls") -> list[str]:
    return Path(spec[key]).read_text().split() if spec.get(key) else []


def phase(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Run one phase in a child process; returns its JSON result (with ``rss_mb``)."""
    proc = subprocess.run(
        [PYTHON, __file__, name, json.dumps(spec)], check=False, capture_output=True, text=True, cwd=ROOT
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise RuntimeError(f"phase {name} failed with exit status {proc.returncode}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> str:
    cells = [[str(c) for c in header]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[k]) for r in cells) for k in range(len(header))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |" for r in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def print_machine(load_before: str) -> None:
    m = machine()
    print(
        f"machine: {m['nproc']} CPUs, {m['cpu']}, {m['memory']} RAM, Python {m['python']}, Linux {m['kernel']}"
    )
    print(f"load average before: {load_before}")


# --------------------------------------------------------------------------- the phases (children)


def _archive(spec: dict[str, Any]) -> Any:
    sys.path.insert(0, str(ROOT))
    from archiver.archive import Archive
    from archiver.config import CheckConfig, Config, DetectConfig, RequisitesConfig, ScreenshotConfig

    workers = spec.get("workers") or CheckConfig().workers
    # Every page is on one host, so the per-host spacing is lifted for pages and requisites alike.
    # Requisites are fetched as by default (each new version's stylesheets, images, fonts, favicon);
    # screenshots are off unless asked for: one Chromium render per new version is its own cost.
    config = Config(
        check=CheckConfig(workers=workers, per_host_concurrency=workers, per_host_delay=0.0,
                          processes=CheckConfig().processes if spec.get("processes") is None else spec["processes"]),
        detect=DetectConfig(soft404_probe=spec.get("probe", True)),
        requisites=RequisitesConfig(enabled=spec.get("requisites", True), per_host_delay=0.0),
        screenshot=ScreenshotConfig(enabled=spec.get("screenshot", False)),
    )
    return Archive(spec["data"], config)


def _phase_check(spec: dict[str, Any]) -> dict[str, Any]:
    """``Archive.add`` (untimed setup, first pass only) then a timed ``check(None)`` = check --all."""
    with _archive(spec) as archive:
        if spec.get("add"):
            archive.add(_urls(spec, "add"))
        warcs_before = dir_bytes(archive.warc_dir)
        written = disk_writes()
        cpu = cpu_seconds() + cpu_seconds(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        result = archive.check(None)
        seconds = time.perf_counter() - start
        # The reading pool's worker processes are children, reaped before check() returns.
        cpu = cpu_seconds() + cpu_seconds(resource.RUSAGE_CHILDREN) - cpu
        written = disk_writes() - written
    events = [[e.url, str(e.type), e.reason] for e in result.events]
    if spec.get("events_file"):
        Path(spec["events_file"]).write_text(json.dumps(events))
    return {
        "seconds": seconds,
        "cpu_s": cpu,
        "checked": result.checked,
        "events": len(events),
        "warc_bytes": dir_bytes(Path(spec["data"]) / "warcs") - warcs_before,
        "disk_bytes": written,
        "pool_rss_mb": round(peak_rss_mb(resource.RUSAGE_CHILDREN), 1),  # the largest reading process
    }


def _phase_cli(spec: dict[str, Any]) -> dict[str, Any]:
    """``archiver --config C --data D check --all`` as a real subprocess; RSS from its rusage."""
    workers = spec["workers"]
    conf = Path(spec["data"]).with_suffix(".toml")
    conf.write_text(f"[check]\nworkers = {workers}\nper_host_concurrency = {workers}\nper_host_delay = 0\n")
    exe = str(Path(PYTHON).with_name("archiver"))
    if spec.get("add"):  # registration is setup, done through the library (`archiver add` takes argv)
        with _archive(spec) as archive:
            archive.add(_urls(spec, "add"))
    warcs_before = dir_bytes(Path(spec["data"]) / "warcs")
    start = time.perf_counter()
    proc = subprocess.run(
        [exe, "--config", str(conf), "--data", spec["data"], "check", "--all"],
        check=False,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-2000:])
    return {
        "seconds": seconds,
        "exit": proc.returncode,
        "child_rss_mb": peak_rss_mb(resource.RUSAGE_CHILDREN),
        "cpu_s": cpu_seconds(resource.RUSAGE_CHILDREN),
        "warc_bytes": dir_bytes(Path(spec["data"]) / "warcs") - warcs_before,
    }


def _phase_plain(spec: dict[str, Any]) -> dict[str, Any]:
    return plain_capture(_urls(spec), Path(spec["out"]), spec["workers"])


def _phase_add(spec: dict[str, Any]) -> dict[str, Any]:
    urls = _urls(spec)
    with _archive(spec) as archive:
        start = time.perf_counter()
        result = archive.add(urls)
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "added": len(result.added), "errors": len(result.errors)}


def _phase_import(spec: dict[str, Any]) -> dict[str, Any]:
    with _archive(spec) as archive:
        start = time.perf_counter()
        result = archive.import_documents([spec["document"]])
        seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "citations": len(result.citations),
        "new_urls": result.new_urls,
        "errors": len(result.errors),
    }


_PHASES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "check": _phase_check,
    "cli": _phase_cli,
    "plain": _phase_plain,
    "add": _phase_add,
    "import": _phase_import,
}


def _main(argv: list[str]) -> None:
    name, spec = argv[0], json.loads(argv[1])
    if name == "serve":
        _serve(spec)
    elif name == "pages":
        print(_pages_part(spec))
    else:
        result = _PHASES[name](spec)
        result["rss_mb"] = round(peak_rss_mb(), 1)
        print(json.dumps(result))


if __name__ == "__main__":
    _main(sys.argv[1:])
