"""Link rewriting for replay: archived HTML and CSS → the same text with every URL kept in the archive.

Every http(s) URL an archived page names (links, images, stylesheets, ``srcset``, CSS ``url()``
and ``@import``, ``<meta http-equiv=refresh>``) becomes a path on the replay origin,
``/replay/{timestamp}/{absolute URL}``, so a replayed page never reaches the live web; other
schemes (``javascript:``, ``file:``…) become ``#``. The page is re-emitted token by token: tags
without URLs stay as archived, text is re-escaped after parsing. Scripts are left in place: the replay
response's Content-Security-Policy, not this module, is what stops them (see ``replay``).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from html import escape
from html.parser import HTMLParser
from urllib.parse import urljoin

#: Attributes holding one URL, on any element (``data`` is ``<object data>``; ``xlink:href`` SVG).
URL_ATTRS = frozenset(
    {
        "href",
        "src",
        "action",
        "formaction",
        "poster",
        "background",
        "data",
        "cite",
        "longdesc",
        "manifest",
        "icon",
        "codebase",
        "lowsrc",
        "dynsrc",
        "xlink:href",
        "ping",
        "itemtype",
    }
)
#: Attributes holding a candidate list: ``url 1x, url 2x``.
SRCSET_ATTRS = frozenset({"srcset", "imagesrcset"})
#: Attributes that would break replay of rewritten content (a stylesheet's hash changes).
DROP_ATTRS = frozenset({"integrity"})
#: Navigational attributes: a ``data:`` URL there would open a document, so it is neutralised too.
NAVIGATION = frozenset({"href", "action", "formaction"})
_KEEP_SCHEMES = ("mailto:", "tel:", "about:blank", "#")

_CSS_URL = re.compile(r"""url\(\s*(["']?)(.*?)\1\s*\)""", re.IGNORECASE | re.DOTALL)
_CSS_IMPORT = re.compile(r"""@import\s+(["'])(.*?)\1""", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_REFRESH = re.compile(
    r"""^(\s*\d*\.?\d*\s*[;,]\s*(?:url\s*=\s*)?)(["']?)(.*?)\2\s*$""", re.IGNORECASE | re.DOTALL
)

ToReplay = Callable[[str], str]


def replay_link(url: str, *, base: str, to_replay: ToReplay, navigation: bool = False) -> str:
    """One URL as the replayed page must name it.

    >>> replay_link("../b?x=1#top", base="http://ex.org/a/c", to_replay=lambda u: "/r/" + u)
    '/r/http://ex.org/b?x=1#top'
    >>> replay_link("javascript:alert(1)", base="http://ex.org/", to_replay=lambda u: "/r/" + u)
    '#'
    """
    value = url.strip()
    lower = re.sub(r"[\x00-\x20]", "", value).lower()  # browsers ignore whitespace inside schemes
    if not value or lower.startswith(_KEEP_SCHEMES):
        return value
    if lower.startswith("data:"):
        return "#" if navigation else value
    absolute = urljoin(base, value)
    if re.match(r"(?i)https?://", absolute):
        return to_replay(absolute)
    return "#"


def rewrite_srcset(value: str, *, base: str, to_replay: ToReplay) -> str:
    """``a.jpg 1x, b.jpg 2x`` with each candidate URL rewritten."""
    out = []
    for candidate in value.split(","):
        parts = candidate.strip().split(None, 1)
        if parts:
            parts[0] = replay_link(parts[0], base=base, to_replay=to_replay)
            out.append(" ".join(parts))
    return ", ".join(out)


def rewrite_css(css: str, *, base: str, to_replay: ToReplay) -> str:
    """CSS with ``url(…)`` and ``@import "…"`` pointing into the archive."""

    def url(m: re.Match[str]) -> str:
        return f'url("{_css_string(replay_link(m.group(2), base=base, to_replay=to_replay))}")'

    def imp(m: re.Match[str]) -> str:
        return f'@import "{_css_string(replay_link(m.group(2), base=base, to_replay=to_replay))}"'

    return _CSS_IMPORT.sub(imp, _CSS_URL.sub(url, css))


def _css_string(value: str) -> str:
    return value.replace("\\", "%5C").replace('"', "%22").replace("\n", "%0A").replace("<", "%3C")


class _Rewriter(HTMLParser):
    """Re-emits an HTML document token by token, rewriting URL attributes and inline CSS."""

    def __init__(self, base: str, to_replay: ToReplay, banner: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.to_replay = to_replay
        self.banner = banner
        self.out: list[str] = []
        self.banner_at: int | None = None  # index in out after which the banner goes
        self.after_doctype = 0

    # -- tags ---------------------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self._tag(tag, attrs, self.get_starttag_text() or "", close=False))
        if tag == "body" and self.banner_at is None:
            self.banner_at = len(self.out)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self._tag(tag, attrs, self.get_starttag_text() or "", close=True))

    def handle_endtag(self, tag: str) -> None:
        self.out.append(f"</{tag}>")

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]], original: str, *, close: bool) -> str:
        if tag == "base" and any(
            k == "href" and v for k, v in attrs
        ):  # later relative URLs resolve against it
            self.base = urljoin(self.base, next(v for k, v in attrs if k == "href" and v))
        rewritten, changed = [], False
        refresh = tag == "meta" and any(
            k == "http-equiv" and (v or "").lower() == "refresh" for k, v in attrs
        )
        for key, value in attrs:
            new = self._attr(key, value, refresh=refresh)
            changed |= new != value
            if key in DROP_ATTRS:
                changed = True
                continue
            rewritten.append((key, new))
        if not changed:
            return original
        body = "".join(f" {k}" if v is None else f' {k}="{escape(v, quote=True)}"' for k, v in rewritten)
        return f"<{tag}{body}{' /' if close else ''}>"

    def _attr(self, key: str, value: str | None, *, refresh: bool) -> str | None:
        if value is None:
            return None
        if key in URL_ATTRS:
            return replay_link(value, base=self.base, to_replay=self.to_replay, navigation=key in NAVIGATION)
        if key in SRCSET_ATTRS:
            return rewrite_srcset(value, base=self.base, to_replay=self.to_replay)
        if key == "style":
            return rewrite_css(value, base=self.base, to_replay=self.to_replay)
        if key == "content" and refresh:
            m = _REFRESH.match(value)
            if m:
                link = replay_link(m.group(3), base=self.base, to_replay=self.to_replay, navigation=True)
                return m.group(1) + link
        return value

    # -- everything else passes through as archived -----------------------------------------------

    def handle_data(self, data: str) -> None:
        # Text arrives with character references decoded (convert_charrefs), so it is escaped
        # again; script and style bodies arrive raw and go out raw (style with its URLs rewritten).
        if self.cdata_elem == "style":
            data = rewrite_css(data, base=self.base, to_replay=self.to_replay)
        elif self.cdata_elem is None:
            data = escape(data, quote=False)
        self.out.append(data)

    def handle_comment(self, data: str) -> None:
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")
        if decl.lower().startswith("doctype"):
            self.after_doctype = len(self.out)

    def handle_pi(self, data: str) -> None:
        self.out.append(f"<?{data}>")

    def unknown_decl(self, data: str) -> None:
        self.out.append(f"<![{data}]>")

    def result(self) -> str:
        self.close()
        at = self.banner_at if self.banner_at is not None else self.after_doctype
        return "".join(self.out[:at]) + self.banner + "".join(self.out[at:])


def rewrite_html(html: str, *, base: str, to_replay: ToReplay, banner: str = "") -> str:
    """``html`` with every URL kept in the archive and ``banner`` placed first in ``<body>``."""
    parser = _Rewriter(base, to_replay, banner)
    parser.feed(html)
    return parser.result()


def charset_of(content_type: str | None, body: bytes) -> str:
    """The charset a browser would use: the header's, else a ``<meta>`` in the first 2 KiB, else UTF-8."""
    candidates = []
    if content_type:
        m = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", content_type, re.IGNORECASE)
        if m:
            candidates.append(m.group(1))
    m2 = _META_CHARSET.search(body[:2048])
    if m2:
        candidates.append(m2.group(1).decode("ascii"))
    for name in candidates:
        try:
            return codecs.lookup(name).name
        except LookupError:
            continue
    return "utf-8"


def rewrite_body(
    body: bytes, *, kind: str, charset: str, base: str, to_replay: ToReplay, banner: str = ""
) -> bytes:
    """Decode, rewrite (``kind`` "html" or "css") and re-encode in the same charset, losslessly."""
    text = body.decode(charset, errors="surrogateescape")
    if kind == "html":
        text = rewrite_html(text, base=base, to_replay=to_replay, banner=banner)
    else:
        text = rewrite_css(text, base=base, to_replay=to_replay)
    try:
        return text.encode(charset, errors="surrogateescape")
    except UnicodeError:  # a URL or the banner the charset cannot hold: fall back to character references
        return text.encode(charset, errors="xmlcharrefreplace")
