"""URLs: the canonical form that identifies a watched source, and small facts about URLs.

Takes URL strings as documents wrote them; returns canonical strings (``canonical``) and
answers questions used later by fetch and classify (short link? home page? same site?).
Pure functions, no I/O. The canonical form is defined in ``../shared/interface.md``.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from archiver.errors import UrlError

logger = logging.getLogger(__name__)

#: Query parameters that only track the reader; removed by ``canonical`` (interface.md).
TRACKING_PARAMS: frozenset[str] = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "ref_src", "ref_url"}
)
#: Query-parameter name prefixes that only track (``utm_source``, Google's ``gaa_at``…).
TRACKING_PREFIXES: tuple[str, ...] = ("utm_", "gaa_")

#: X/Twitter hosts whose post URLs carry the ``s``/``t`` share parameters.
X_HOSTS: frozenset[str] = frozenset(
    {
        "x.com",
        "www.x.com",
        "mobile.x.com",
        "twitter.com",
        "www.twitter.com",
        "mobile.twitter.com",
        "m.twitter.com",
    }
)
#: Share parameters X appends to post URLs (``?s=20&t=…``); they select nothing.
X_SHARE_PARAMS: frozenset[str] = frozenset({"s", "t"})

#: Redirecting short-link services: what they lead to is what matters (interface: `retargeted`).
#: youtu.be is deliberately absent: it names a video, it does not redirect to arbitrary content.
SHORT_LINK_HOSTS: frozenset[str] = frozenset(
    {
        "t.co", "bit.ly", "bitly.com", "buff.ly", "ow.ly", "tinyurl.com", "goo.gl", "maps.app.goo.gl",
        "dlvr.it", "trib.al", "lnkd.in", "fb.me", "is.gd", "v.gd", "tiny.cc", "rb.gy", "cutt.ly",
        "shorturl.at", "t.ly", "bl.ink", "rebrand.ly", "ift.tt", "amzn.to", "apple.co", "spoti.fi",
        "wapo.st", "nyti.ms", "cnn.it", "reut.rs", "bbc.in", "on.wsj.com", "politi.co", "hill.cm",
        "nbcnews.to", "abcn.ws", "n.pr", "econ.st", "ti.me", "tmblr.co", "flip.it", "msft.it", "s.id",
    }
)  # fmt: skip

#: Two-label public suffixes under which the registrable domain has three labels
#: (``bbc.co.uk``), plus shared hosting where each sub-domain is a different site
#: (``alice.github.io``). A light approximation of the Public Suffix List, not a copy of it.
MULTI_LABEL_SUFFIXES: frozenset[str] = frozenset(
    {
        "co.uk", "org.uk", "ac.uk", "gov.uk", "ltd.uk", "plc.uk", "me.uk", "net.uk", "nhs.uk", "police.uk",
        "com.au", "net.au", "org.au", "edu.au", "gov.au", "asn.au", "id.au",
        "co.nz", "org.nz", "net.nz", "ac.nz", "govt.nz", "co.jp", "ne.jp", "or.jp", "ac.jp", "go.jp",
        "co.kr", "or.kr", "com.br", "gov.br", "org.br", "net.br", "com.cn", "gov.cn", "org.cn", "net.cn",
        "co.in", "gov.in", "org.in", "net.in", "ac.in", "nic.in", "com.mx", "gob.mx", "org.mx",
        "co.za", "gov.za", "org.za", "com.tr", "gov.tr", "com.sg", "gov.sg", "com.hk", "gov.hk",
        "com.tw", "gov.tw", "com.ar", "gob.ar", "com.co", "gov.co", "co.il", "org.il", "gov.il",
        "com.my", "com.ph", "gov.ph", "com.pk", "com.ng", "co.ke", "com.ua", "com.eg", "com.sa",
        "com.vn", "co.th", "co.id", "com.pe", "gob.pe", "com.pl", "gc.ca",
        "github.io", "gitlab.io", "blogspot.com", "wordpress.com", "substack.com", "tumblr.com",
        "netlify.app", "vercel.app", "pages.dev", "herokuapp.com", "appspot.com",
    }
)  # fmt: skip

_URL_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?", re.DOTALL)
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
# The common case in one match: user info, an ASCII host name (trailing dot allowed), a port.
_AUTHORITY_RE = re.compile(rf"(?:([^@]*)@)?((?:{_LABEL}\.)*{_LABEL})\.?(?::([0-9]*))?")
_LABEL_RE = re.compile(_LABEL)
_PORT_RE = re.compile(r"[0-9]*")
# Characters no URL may carry raw; encoded as browsers do. Existing %XX escapes are left alone.
_UNSAFE_RE = re.compile(r"[^!#-;=?-_a-~]")  # all but controls, space, non-ASCII and "<>`
_X_POST_PATH_RE = re.compile(r"/(?:[A-Za-z0-9_]{1,50}|i/web|i)/status(?:es)?/[0-9]+(?:/|$)")
_HOME_PATH_RE = re.compile(
    r"/(?:(?:[a-z]{2}(?:[-_][a-z]{2})?|home|index|default|start|welcome)/?)?"
    r"(?:(?:index|default|home)\.(?:html?|shtml|php|aspx?|jsp))?",
    re.IGNORECASE,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class _Parts:
    scheme: str  # lower case
    userinfo: str  # "" when absent
    host: str  # lower case, ASCII (IDNA); IPv6 without brackets
    port: int | None  # None when absent or the scheme's default
    path: str
    query: str  # without "?"; "" when absent


def _fail(url: str, reason: str) -> UrlError:
    shown = url if len(url) <= 300 else url[:300] + "…"  # a 1 MB "URL" does not belong in a log line
    return UrlError(f"{shown}: {reason}")


def _quote_unsafe(text: str) -> str:
    if text.isascii() and _UNSAFE_RE.search(text) is None:
        return text
    return _UNSAFE_RE.sub(lambda m: quote(m.group(), safe=""), text)


def _parse_host(url: str, hostport: str) -> tuple[str, str]:
    """Split ``host[:port]`` into a validated ASCII host and the port text (the slow path)."""
    if hostport.startswith("["):
        inside, bracket, port_part = hostport[1:].partition("]")
        try:
            ipaddress.IPv6Address(inside)
        except ValueError:
            raise _fail(url, "malformed IPv6 address") from None
        if not bracket or (port_part and not port_part.startswith(":")):
            raise _fail(url, "malformed IPv6 address")
        return inside.lower(), port_part[1:]
    host, _, port = hostport.partition(":")
    host = host.removesuffix(".")  # "example.com." names the same host as "example.com"
    if not host:
        raise _fail(url, "no host")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise _fail(url, "host is not a valid international domain name") from None
    host = host.lower()
    if len(host) > 253 or not all(_LABEL_RE.fullmatch(label) for label in host.split(".")):
        raise _fail(url, "malformed host")
    return host, port


def _split(url: str) -> _Parts:
    """Parse an absolute http(s) URL into validated parts, or raise UrlError."""
    text = url.strip()
    if "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\t", "").replace("\n", "").replace("\r", "")  # as browsers do
    match = _URL_RE.match(text)
    if match is None:
        raise _fail(url, "not an absolute URL")
    scheme, authority, path, query = match.groups(default="")
    scheme = scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise _fail(url, f"scheme {scheme!r} is not http or https")
    if match.group(2) is None:
        raise _fail(url, "no host")
    if not text.isascii() or _UNSAFE_RE.search(text):
        path, query = _quote_unsafe(path), _quote_unsafe(query)
    fast = _AUTHORITY_RE.fullmatch(authority.lower())
    if fast is not None and len(fast.group(2)) <= 253:
        userinfo, host, port_text = (
            authority[: len(fast.group(1))] if fast.group(1) else "",
            fast.group(2),
            fast.group(3) or "",
        )
    else:
        userinfo, _, hostport = authority.rpartition("@")
        host, port_text = _parse_host(url, hostport)
        if not _PORT_RE.fullmatch(port_text):
            raise _fail(url, "malformed port")
    port = int(port_text) if port_text else None
    if port is not None and port > 65535:
        raise _fail(url, "port out of range")
    if port == _DEFAULT_PORTS[scheme]:
        port = None
    return _Parts(scheme, _quote_unsafe(userinfo) if userinfo else "", host, port, path or "/", query)


def _netloc(parts: _Parts, *, with_userinfo: bool = True) -> str:
    host = f"[{parts.host}]" if ":" in parts.host else parts.host
    port = f":{parts.port}" if parts.port is not None else ""
    userinfo = f"{parts.userinfo}@" if with_userinfo and parts.userinfo else ""
    return f"{userinfo}{host}{port}"


def _is_tracking(name: str) -> bool:
    key = (unquote(name) if "%" in name else name).lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def _clean_query(parts: _Parts) -> str:
    if not parts.query:
        return ""
    x_post = parts.host in X_HOSTS and _X_POST_PATH_RE.match(parts.path) is not None
    kept = []
    for param in parts.query.split("&"):
        name = param.split("=", 1)[0]
        if not param or _is_tracking(name) or (x_post and name in X_SHARE_PARAMS):
            continue
        kept.append(param)
    return "&".join(kept)


def canonical(url: str) -> str:
    """The canonical form of an http(s) URL: the identity of a watched source.

    Scheme and host lower-cased (IDN hosts in their ASCII form), default port, fragment and
    tracking parameters dropped, empty path → ``/``; other parameters keep their order and
    their percent-encoding as written. Raises ``UrlError`` for anything else.

    >>> canonical("HTTP://Example.COM:80/a#x")
    'http://example.com/a'
    >>> canonical("https://example.com/?ref=abc&utm_source=x&id=2")
    'https://example.com/?ref=abc&id=2'
    >>> canonical("https://x.com/u/status/1?s=20&t=abc")
    'https://x.com/u/status/1'
    >>> canonical("mailto:someone@example.com")
    Traceback (most recent call last):
    archiver.errors.UrlError: mailto:someone@example.com: scheme 'mailto' is not http or https
    """
    parts = _split(url)
    query = _clean_query(parts)
    return f"{parts.scheme}://{_netloc(parts)}{parts.path}{'?' + query if query else ''}"


def is_fetchable(url: str) -> bool:
    """Whether ``url`` is an http(s) URL archiver can watch (``canonical`` accepts it).

    >>> is_fetchable("https://example.org/a"), is_fetchable("javascript:void(0)")
    (True, False)
    """
    try:
        _split(url)
    except UrlError:
        return False
    return True


def host_of(url: str) -> str:
    """The lower-case host of ``url``, without port (IPv6 without brackets); raises UrlError.

    >>> host_of("https://WWW.Example.com:8443/a")
    'www.example.com'
    """
    return _split(url).host


def site_of(url: str) -> str:
    """Whose templates read ``url``: its host and port (two sites may share a host name).

    >>> site_of("https://News.example:8443/a"), site_of("http://news.example/b")
    ('news.example:8443', 'news.example')
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" if parts.port and parts.port not in (80, 443) else host


def is_short_link(url: str) -> bool:
    """Whether ``url`` is on a redirecting short-link service (``SHORT_LINK_HOSTS``).

    False for a URL that cannot be parsed.

    >>> is_short_link("https://t.co/zLkNJ30Oqp"), is_short_link("https://youtu.be/dQw4w9WgXcQ")
    (True, False)
    """
    try:
        host = _split(url).host
    except UrlError:
        return False
    return host in SHORT_LINK_HOSTS or host.removeprefix("www.") in SHORT_LINK_HOSTS


def is_home_page(url: str) -> bool:
    """Whether ``url`` is a site's home page: a root-like path and no query after canonicalising.

    Root-like: ``/``, ``/index.html`` and the like, ``/home``, and language or edition roots
    (``/en/``, ``/en-us/``, ``/uk``), which is where news sites send a removed article.

    >>> is_home_page("https://example.com/?utm_source=x"), is_home_page("https://example.com/en-us/")
    (True, True)
    >>> is_home_page("https://example.com/news/a"), is_home_page("https://example.com/?p=12")
    (False, False)
    """
    try:
        parts = _split(canonical(url))
    except UrlError:
        return False
    return not parts.query and _HOME_PATH_RE.fullmatch(parts.path) is not None


def site_root(url: str) -> str:
    """The home page of ``url``'s site: scheme, host and port, path ``/``; raises UrlError.

    >>> site_root("HTTPS://News.Example.com:8443/a/b?c=1")
    'https://news.example.com:8443/'
    """
    parts = _split(url)
    return f"{parts.scheme}://{_netloc(parts, with_userinfo=False)}/"


def registrable_domain(host: str) -> str:
    """The part of ``host`` a registrant owns, to decide whether two hosts are the same site.

    The last two labels, or three under a suffix of ``MULTI_LABEL_SUFFIXES``. IP addresses
    are returned unchanged.

    >>> registrable_domain("www.bbc.co.uk"), registrable_domain("edition.cnn.com")
    ('bbc.co.uk', 'cnn.com')
    """
    name = host.strip().lower().rstrip(".").removeprefix("[").removesuffix("]")
    try:
        ipaddress.ip_address(name)
    except ValueError:
        pass
    else:
        return name
    labels = name.split(".")
    if len(labels) > 2 and ".".join(labels[-2:]) in MULTI_LABEL_SUFFIXES:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def schemeless_to_url(text: str) -> str:
    """An absolute URL for a scheme-less one as people write them in prose (``https`` assumed).

    Text that already starts with ``http://`` or ``https://`` is returned unchanged.

    >>> schemeless_to_url("www.x.com/a"), schemeless_to_url("t.co/x")
    ('https://www.x.com/a', 'https://t.co/x')
    """
    if text[:8].lower().startswith(("http://", "https://")):
        return text
    return "https:" + text if text.startswith("//") else "https://" + text
