"""The real saved pages of ``../shared/realpages``: loading, the README's normalisation, subsets.

The corpus lives beside the checkout (``shared/realpages`` next to ``main``), as the seed
documents do; CI runs on a fresh clone with ``shared/`` beside it. Pages are read once per process.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

REALPAGES = Path(__file__).resolve().parents[3] / "shared" / "realpages"

_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")


def normalise(text: str) -> str:
    """The realpages README's normalisation: NFC, NBSP → space, no soft hyphens or zero-width
    characters, whitespace runs collapsed, ends stripped.

    >>> normalise("  Die\\u00a0GEMA  dreht\\u00advöllig\\n ")
    'Die GEMA drehtvöllig'
    """
    if not text.isascii():
        text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text).replace("\u00a0", " "))
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class RealPage:
    """One saved page with its checks (``with``/``without`` as written in the manifest)."""

    name: str  # the file's stem: "die-partei.net.luebeck"
    url: str
    host: str
    lang: str
    charset: str
    with_: tuple[str, ...]
    without: tuple[str, ...]
    sha256: str
    path: Path

    @property
    def content_type(self) -> str:
        return f"text/html; charset={self.charset}"

    @property
    def scheme(self) -> str:
        return urlsplit(self.url).scheme

    def body(self) -> bytes:
        """The page's bytes, exactly as saved."""
        return _body(self.path)


@functools.cache
def _body(path: Path) -> bytes:
    return gzip.decompress(path.read_bytes())


@functools.cache
def load(root: Path = REALPAGES) -> tuple[RealPage, ...]:
    """Every page of the manifest, in manifest order."""
    manifest = root / "manifest.jsonl"
    if not manifest.is_file():
        raise FileNotFoundError(f"realpages corpus not found at {root} (shared/ must sit beside the checkout)")
    pages = []
    for line in manifest.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        file = root / rec["file"]
        pages.append(RealPage(
            name=file.name.removesuffix(".html.gz"), url=rec["url"], host=rec["host"], lang=rec["lang"],
            charset=rec["charset"], with_=tuple(rec["with"]), without=tuple(rec["without"]),
            sha256=rec["sha256"], path=file,
        ))  # fmt: skip
    return tuple(pages)


def spread(pages: tuple[RealPage, ...], count: int, *, seed: str = "realweb") -> list[RealPage]:
    """``count`` pages, each on its own host, spread over languages: round robin over the
    languages (rarest first), each language's pages in a seeded hash order. Deterministic.

    Pages at a host's root (their home page is the page itself) and web.archive.org snapshots
    (one host serving many sites) are left out: the epoch world needs a home page of its own.
    """
    by_lang: dict[str, list[RealPage]] = defaultdict(list)
    for page in sorted(pages, key=lambda p: hashlib.sha256(f"{seed}:{p.name}".encode()).hexdigest()):
        if urlsplit(page.url).path in ("", "/") or page.host == "web.archive.org":
            continue
        by_lang[page.lang].append(page)
    order = sorted(by_lang, key=lambda lang: (len(by_lang[lang]), lang))
    chosen: list[RealPage] = []
    hosts: set[str] = set()
    while len(chosen) < count and any(by_lang.values()):
        for lang in order:
            while by_lang[lang]:
                page = by_lang[lang].pop(0)
                if page.host not in hosts:
                    hosts.add(page.host)
                    chosen.append(page)
                    break
            if len(chosen) == count:
                break
    return chosen
