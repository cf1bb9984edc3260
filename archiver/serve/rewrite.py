"""Link rewriting for replay: archived HTML and CSS → the same text with every URL kept in the archive.

Every http(s) URL an archived page names (links, images, stylesheets, ``srcset``, ``srcdoc``, CSS
``url()``, ``image-set()`` and ``@import`` however escaped (``u\\72l(…)``), ``<meta http-equiv=refresh>``,
and every URL of an SVG document) becomes a path on the replay origin,
``/replay/{timestamp}/{absolute URL}``, so a replayed page never reaches the live web; other
schemes (``javascript:``, ``file:``…) become ``#``. The page is re-emitted token by token: tags
without URLs stay as archived, text is re-escaped after parsing. Scripts are left in place: the replay
response's Content-Security-Policy, not this module, is what stops them (see ``replay``). The
rewriting and the CSP are two layers: each alone keeps a replayed page off the live web.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from html import escape
from html.parser import HTMLParser
from urllib.parse import urljoin

import lxml.etree

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
# CSS escapes (CSS Syntax 3, 4.3.7): ``\72`` or ``\000072 `` (hex, one optional space) or ``\r``.
_CSS_ESCAPE = re.compile(r"\\(?:([0-9A-Fa-f]{1,6})(?:\r\n|[ \t\n\r\f])?|(.))", re.DOTALL)
_CSS_NAME = r"(?:[A-Za-z0-9_-]|\\[0-9A-Fa-f]{1,6}(?:\r\n|[ \t\n\r\f])?|\\[^\n\r\f0-9A-Fa-f])+"
# A function or at-keyword spelled with escapes (``u\72l(``, ``@\69mport``): browsers unescape it.
_CSS_ESCAPED_FUNCTION = re.compile(rf"({_CSS_NAME})\(")
_CSS_ESCAPED_AT = re.compile(rf"@({_CSS_NAME})")
#: Functions whose bare string arguments are URLs (``image-set("a.png" 1x)``), and ``url`` itself.
_IMAGE_FUNCTIONS = ("image-set", "-webkit-image-set", "image", "cross-fade", "-webkit-cross-fade")
_CSS_FUNCTIONS = frozenset({"url", *_IMAGE_FUNCTIONS})
_IMAGE_FUNCTION = re.compile(r"(?<![\w-])(" + "|".join(re.escape(f) for f in _IMAGE_FUNCTIONS) + r")\(", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_REFRESH = re.compile(
    r"""^(\s*\d*\.?\d*\s*[;,]\s*(?:url\s*=\s*)?)(["']?)(.*?)\2\s*$""", re.IGNORECASE | re.DOTALL
)

ToReplay = Callable[[str], str]

#: Bytes of an HTML page rewritten token by token (each costs tens of times its size in parser
#: tokens). The largest of 233 real saved pages is 563 KB; a hostile 10 MB page of elements took
#: 280 MB to rewrite whole. Past this the page goes on as inert text (``TEXT_TAIL``), never cut.
REWRITE_BYTES = 1_000_000
#: What separates a large page's rewritten head from the rest, replayed as archived but as text:
#: whatever the head left open (a comment, a raw-text element, SVG, a select) is closed, and
#: ``<plaintext>`` makes the browser read everything after it as text, never as markup, so the
#: tail can load nothing however it is written.
TEXT_TAIL = (
    "--></title></textarea></style></script></xmp></iframe></noembed></noframes></noscript></select></svg></math>"
    '<p data-archiver="text-tail">archiver: the rest of this archived page is larger than replay rewrites, so it is '
    "shown below as text; its WARC record holds it whole.</p><plaintext>"
)


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


def css_unescape(value: str) -> str:
    r"""``value`` with CSS escapes decoded, as a browser reads it.

    >>> css_unescape(r"u\72l"), css_unescape(r"\000068 ttp:\/\/a"), css_unescape("a\\\nb")
    ('url', 'http://a', 'ab')
    """

    def decode(m: re.Match[str]) -> str:
        if m.group(1):
            code = int(m.group(1), 16)
            return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
        return "" if m.group(2) in "\r\n\f" else m.group(2)  # an escaped newline continues a string

    return _CSS_ESCAPE.sub(decode, value) if "\\" in value else value


def _plain_names(css: str) -> str:
    """Function names and ``@import`` spelled with escapes, written plainly (``u\72l(`` → ``url(``),
    so the rules below see what the browser sees."""

    def function(m: re.Match[str]) -> str:
        name = css_unescape(m.group(1)).lower()
        return f"{name}(" if "\\" in m.group(1) and name in _CSS_FUNCTIONS else m.group(0)

    def at(m: re.Match[str]) -> str:
        return "@import" if "\\" in m.group(1) and css_unescape(m.group(1)).lower() == "import" else m.group(0)

    if "\\" not in css:
        return css
    return _CSS_ESCAPED_AT.sub(at, _CSS_ESCAPED_FUNCTION.sub(function, css))


def _image_set_strings(css: str, link: Callable[[str], str]) -> str:
    """The bare strings inside ``image-set(…)`` and kin (``image-set("a.png" 1x, "b.png" 2x)``)
    rewritten: there a string is a URL, with no ``url()`` around it."""
    out, pos = [], 0
    for m in _IMAGE_FUNCTION.finditer(css):
        if m.start() < pos:
            continue  # nested in a function already handled
        out.append(css[pos : m.end()])
        i, depth = m.end(), 1
        while i < len(css) and depth:
            ch = css[i]
            if ch in "\"'":
                end = i + 1
                while end < len(css) and css[end] != ch:
                    end += 2 if css[end] == "\\" else 1
                if depth == 1:
                    out.append(f'"{_css_string(link(css_unescape(css[i + 1 : end])))}"')
                else:
                    out.append(css[i : end + 1])
                i = end + 1
                continue
            depth += {"(": 1, ")": -1}.get(ch, 0)
            out.append(ch)
            i += 1
        pos = i
    out.append(css[pos:])
    return "".join(out)


def rewrite_css(css: str, *, base: str, to_replay: ToReplay) -> str:
    """CSS with ``url(…)``, ``@import "…"`` and ``image-set("…")`` pointing into the archive,
    however they are spelled (CSS escapes in the function name or the URL)."""

    def link(value: str) -> str:
        return replay_link(value, base=base, to_replay=to_replay)

    def url(m: re.Match[str]) -> str:
        return f'url("{_css_string(link(css_unescape(m.group(2))))}")'

    def imp(m: re.Match[str]) -> str:
        return f'@import "{_css_string(link(css_unescape(m.group(2))))}"'

    css = _image_set_strings(_plain_names(css), link)
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
        if key == "srcdoc":  # a whole document inside an attribute
            return rewrite_html(value, base=self.base, to_replay=self.to_replay)
        if key == "content" and refresh:
            m = _REFRESH.match(value)
            if m:
                link = replay_link(m.group(3), base=self.base, to_replay=self.to_replay, navigation=True)
                return m.group(1) + link
        if key == "style" or "(" in value:
            # Inline CSS, and SVG presentation attributes that take url(): fill, filter, mask…
            return rewrite_css(value, base=self.base, to_replay=self.to_replay)
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


_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")
#: What an SVG that cannot be parsed is replayed as: a browser would not render it either.
EMPTY_SVG = '<svg xmlns="http://www.w3.org/2000/svg"/>'


def rewrite_svg(svg: str, *, base: str, to_replay: ToReplay) -> str:
    """An SVG document (``image/svg+xml``) with every URL kept in the archive.

    SVG is XML, so it is parsed as XML (the HTML rewriter would lower-case ``viewBox`` and
    ``linearGradient`` and break it): ``href``/``xlink:href`` and the other URL attributes on any
    element (``<image>``, ``<use>``, ``<feImage>``, XHTML in ``<foreignObject>``), ``url()`` in
    presentation attributes and ``style``, and ``<style>`` sheets. No DTD, no external entity and
    no network is loaded; only the root element is re-emitted, so a DOCTYPE's entities and an
    ``<?xml-stylesheet?>`` (which would load a live sheet) are dropped.
    """
    parser = lxml.etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False)
    try:
        root = lxml.etree.fromstring(_XML_DECLARATION.sub("", svg, count=1), parser)
    except (lxml.etree.XMLSyntaxError, ValueError):
        return EMPTY_SVG
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue  # comments, processing instructions and entity references carry no URL that loads
        for name, value in el.attrib.items():
            local = lxml.etree.QName(name).localname.lower()
            if name == _XLINK_HREF or local in URL_ATTRS:
                el.set(name, replay_link(value, base=base, to_replay=to_replay, navigation=local in NAVIGATION))
            elif local in SRCSET_ATTRS:
                el.set(name, rewrite_srcset(value, base=base, to_replay=to_replay))
            elif local in DROP_ATTRS:
                del el.attrib[name]
            elif local == "style" or "(" in value:
                el.set(name, rewrite_css(value, base=base, to_replay=to_replay))
        if lxml.etree.QName(el).localname.lower() == "style" and el.text:
            el.text = rewrite_css(el.text, base=base, to_replay=to_replay)
    for ref in root.iter(lxml.etree.Entity):
        ref.getparent().remove(ref)  # an entity from a DOCTYPE we do not keep
    text: str = lxml.etree.tostring(root, encoding="unicode")
    return text


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


def _ascii_compatible(charset: str) -> bool:
    """Whether ``charset`` writes ASCII (so ``<``) as the same single bytes (not UTF-16/32)."""
    try:
        return "<p>".encode(charset) == b"<p>"
    except (LookupError, UnicodeError):
        return False


def rewrite_body(
    body: bytes, *, kind: str, charset: str, base: str, to_replay: ToReplay, banner: str = ""
) -> bytes:
    """Decode, rewrite (``kind`` "html", "svg" or "css") and re-encode in the same charset, losslessly.

    An HTML page over ``REWRITE_BYTES`` (in a charset where ``<`` is one byte, as in all but UTF-16
    and UTF-32) is rewritten up to its last tag start before that point and followed by
    ``TEXT_TAIL`` and the rest of its bytes as archived."""
    if kind == "html" and len(body) > REWRITE_BYTES and _ascii_compatible(charset):
        cut = body.rfind(b"<", 0, REWRITE_BYTES)
        cut = cut if cut > 0 else REWRITE_BYTES
        head = rewrite_body(body[:cut], kind=kind, charset=charset, base=base, to_replay=to_replay, banner=banner)
        return b"".join((head, TEXT_TAIL.encode("ascii"), memoryview(body)[cut:]))
    text = body.decode(charset, errors="surrogateescape")
    if kind == "html":
        text = rewrite_html(text, base=base, to_replay=to_replay, banner=banner)
    elif kind == "svg":
        text = rewrite_svg(text, base=base, to_replay=to_replay)
    else:
        text = rewrite_css(text, base=base, to_replay=to_replay)
    try:
        return text.encode(charset, errors="surrogateescape")
    except UnicodeError:  # a URL or the banner the charset cannot hold: fall back to character references
        return text.encode(charset, errors="xmlcharrefreplace")
