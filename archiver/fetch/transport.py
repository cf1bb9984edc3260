"""The HTTP plumbing under ``Fetcher``: sessions whose connections remember their peer address,
one GET sent the short way (``send``), and readers for what was actually sent and received
(request headers, wire-order response headers).

Uses urllib3's documented extension point (``ConnectionCls`` on a pool class) rather than
patching anything: http.client forgets a connection's socket as soon as a response says
``Connection: close`` or has an empty body, so the peer address is taken at connect time.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from http.cookiejar import CookieJar
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.cookies import RequestsCookieJar, extract_cookies_to_jar
from requests.structures import CaseInsensitiveDict
from requests.utils import get_netrc_auth
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.response import HTTPResponse

if TYPE_CHECKING:
    from requests.sessions import _Settings  # the stubs' name for what the method returns


def _peer(sock: object) -> str | None:
    if not isinstance(sock, socket.socket):
        return None
    try:
        return str(sock.getpeername()[0]).split("%", 1)[0]
    except OSError:
        return None


class _PeerHTTPConnection(HTTPConnection):
    """Remembers the peer address at connect time and stamps it on each response
    (``response.peer_ip``): the pool may take the connection back before the caller looks."""

    peer_ip: str | None = None

    def connect(self) -> None:
        super().connect()
        self.peer_ip = _peer(self.sock)

    def getresponse(self) -> HTTPResponse:  # type: ignore[override]  # as urllib3's own override
        response = super().getresponse()
        response.peer_ip = self.peer_ip  # type: ignore[attr-defined]
        return response


class _PeerHTTPSConnection(HTTPSConnection):
    peer_ip: str | None = None

    def connect(self) -> None:
        super().connect()
        self.peer_ip = _peer(self.sock)

    def getresponse(self) -> HTTPResponse:  # type: ignore[override]
        response = super().getresponse()
        response.peer_ip = self.peer_ip  # type: ignore[attr-defined]
        return response


class _PeerHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _PeerHTTPConnection


class _PeerHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _PeerHTTPSConnection


class PeerRecordingAdapter(HTTPAdapter):
    """requests' default adapter (no retries), with connections that record their peer address."""

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _PeerHTTPConnectionPool,
            "https": _PeerHTTPSConnectionPool,
        }


class _Session(requests.Session):
    """requests' session, reading the environment's proxy and CA-bundle settings (HTTP(S)_PROXY,
    NO_PROXY, REQUESTS_CA_BUNDLE) once per scheme and host instead of on every request: requests
    scans ``os.environ`` two or three times a request, and ``is_proxied`` once more (together ~8 %
    of a first capture's CPU). The environment of a running process does not change under it;
    a new ``Fetcher`` (a new session) reads it again."""

    _ENV_HOSTS = 4096  # hosts remembered per session; the cache starts over past it

    def __init__(self) -> None:
        super().__init__()
        self._env: dict[tuple[object, ...], _Settings] = {}
        self._netrc: dict[str, tuple[str, str] | None] = {}

    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> _Settings:
        if proxies or not isinstance(url, str):  # proxies given by the caller: requests' own way
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc, stream, verify, cert, self.trust_env)
        held = self._env.get(key)
        if held is None:
            if len(self._env) >= self._ENV_HOSTS:
                self._env.clear()
            held = self._env[key] = super().merge_environment_settings(url, {}, stream, verify, cert)
        settings = held.copy()
        settings["proxies"] = dict(held["proxies"])
        return settings

    def netrc_auth(self, url: str) -> tuple[str, str] | None:
        """requests' ``get_netrc_auth(url)`` (the ~/.netrc or $NETRC login for the URL's host, which
        ``prepare_request`` looks up on every request), read once per host like the environment."""
        if not self.trust_env:
            return None
        netloc = urlsplit(url).netloc
        if netloc not in self._netrc:
            if len(self._netrc) >= self._ENV_HOSTS:
                self._netrc.clear()
            self._netrc[netloc] = get_netrc_auth(url)
        return self._netrc[netloc]


def new_session(user_agent: str, accept_encoding: str) -> requests.Session:
    session = _Session()
    session.headers["User-Agent"] = user_agent
    session.headers["Accept-Encoding"] = accept_encoding
    session.mount("http://", PeerRecordingAdapter())
    session.mount("https://", PeerRecordingAdapter())
    return session


def send(
    session: requests.Session,
    url: str,
    headers: Mapping[str, str] | None,
    cookies: CookieJar | None,
    timeout: tuple[float, float],
    verify: bool,
) -> requests.Response:
    """GET ``url`` once (no redirect followed), the body left on the wire (``stream=True``).

    The request is what ``session.request("GET", url, headers=headers, cookies=cookies,
    allow_redirects=False, stream=True, ...)`` sends — the session's headers, then the caller's,
    the cookies that apply, basic auth from the URL or ~/.netrc; the environment's proxies and
    CA bundle — built here without the rest of ``Session.request`` (a ``Request`` object, merging
    hooks, params and session cookies, dispatching hooks, storing response cookies in the
    session, working out where a redirect would go): that was about a third of a fetch's CPU.
    The adapter's ``send`` is requests' own, so proxies, TLS settings and its exceptions are
    unchanged. Response cookies are the caller's to keep (``keep_cookies``).
    """
    prepared = requests.PreparedRequest()
    prepared.method = "GET"
    prepared.prepare_url(url, None)
    merged = CaseInsensitiveDict(session.headers)
    if headers:
        merged.update(headers)
    prepared.prepare_headers(merged)
    if cookies:
        prepared.prepare_cookies(cookies)
    prepared.prepare_auth(_auth(session, url), url)
    settings = session.merge_environment_settings(url, {}, True, verify, None)
    adapter = session.get_adapter(prepared.url or url)
    return adapter.send(
        prepared,
        stream=True,
        timeout=timeout,
        verify=settings["verify"] if settings["verify"] is not None else verify,
        cert=settings["cert"],
        proxies=settings["proxies"],
    )


def _auth(session: requests.Session, url: str) -> tuple[str, str] | None:
    return (
        session.netrc_auth(url)
        if isinstance(session, _Session)
        else get_netrc_auth(url)
        if session.trust_env
        else None
    )


def keep_cookies(jar: CookieJar | None, resp: requests.Response) -> CookieJar | None:
    """``jar`` with the cookies ``resp`` set (a new jar for the first ones; None while none were set)."""
    raw_headers = resp.raw.headers
    if "set-cookie" not in raw_headers and "set-cookie2" not in raw_headers:
        return jar
    if jar is None:
        jar = RequestsCookieJar()
    extract_cookies_to_jar(jar, resp.request, resp.raw)  # type: ignore[no-untyped-call]  # requests' stubs
    return jar


def peer_ip(resp: requests.Response) -> str | None:
    """The address the response came from (None through a proxy or when unknown)."""
    ip = getattr(resp.raw, "peer_ip", None)
    return ip if isinstance(ip, str) else None


def response_socket(resp: requests.Response) -> socket.socket | None:
    """The socket the body is read from, while it is open. http.client drops
    ``connection.sock`` on ``Connection: close``, but the response's file still reads from it."""
    sock = getattr(getattr(resp.raw, "connection", None), "sock", None)
    if not isinstance(sock, socket.socket):
        fp = getattr(getattr(resp.raw, "_fp", None), "fp", None)  # BufferedReader → SocketIO
        sock = getattr(getattr(fp, "raw", None), "_sock", None)
    if isinstance(sock, socket.socket) and sock.fileno() != -1:
        return sock
    return None


def is_proxied(session: requests.Session, url: str) -> bool:
    """Whether a request to ``url`` goes through a proxy (HTTP(S)_PROXY, honouring NO_PROXY)."""
    settings = session.merge_environment_settings(url, {}, True, None, None)
    return requests.utils.select_proxy(url, settings["proxies"]) is not None


def request_headers(request: requests.PreparedRequest) -> tuple[tuple[str, str], ...]:
    """The headers sent, Host first as http.client writes it (it is not in ``request.headers``)."""
    pairs = [(str(k), str(v)) for k, v in request.headers.items()]
    if not any(k.lower() == "host" for k, _ in pairs) and request.url:
        pairs.insert(0, ("Host", host_header(request.url)))
    return tuple(pairs)


def host_header(url: str) -> str:
    """``Host`` as http.client derives it: the host, with the port unless it is the default.

    >>> host_header("http://127.0.0.1:8080/x"), host_header("https://[::1]:443/"), host_header("http://a.org/")
    ('127.0.0.1:8080', '[::1]', 'a.org')
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    default = 443 if parts.scheme == "https" else 80
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


def response_headers(resp: requests.Response) -> tuple[tuple[str, str], ...]:
    """Response headers in wire order, repeated ones kept (http.client's message, not the merged dict)."""
    msg = getattr(getattr(resp.raw, "_original_response", None), "msg", None)
    if msg is not None:
        return tuple((str(k), str(v)) for k, v in msg.items())
    return tuple((str(k), str(v)) for k, v in resp.raw.headers.items())


def http_version(resp: requests.Response) -> str:
    known = {9: "HTTP/0.9", 10: "HTTP/1.0", 11: "HTTP/1.1", 20: "HTTP/2"}
    return known.get(int(getattr(resp.raw, "version", 11) or 11), "HTTP/1.1")
