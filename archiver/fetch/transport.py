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
from dataclasses import dataclass
from http.cookiejar import CookieJar
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.cookies import RequestsCookieJar, extract_cookies_to_jar
from requests.structures import CaseInsensitiveDict
from requests.utils import get_netrc_auth, select_proxy
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import LocationValueError
from urllib3.response import HTTPResponse
from urllib3.util import Timeout

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


class Session(requests.Session):
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


def new_session(user_agent: str, accept_encoding: str) -> Session:
    session = Session()
    session.headers["User-Agent"] = user_agent
    session.headers["Accept-Encoding"] = accept_encoding
    session.mount("http://", PeerRecordingAdapter())
    session.mount("https://", PeerRecordingAdapter())
    return session


@dataclass(frozen=True, slots=True)
class Sent:
    """One GET on the wire: the request as sent and urllib3's response, its body still unread."""

    request: requests.PreparedRequest
    response: HTTPResponse
    proxied: bool  # it went through a proxy (HTTP(S)_PROXY, NO_PROXY honoured)

    def close(self) -> None:
        """Done with the response: as requests' ``Response.close`` on a body read from ``raw``
        (the connection goes back to the pool, or is dropped if the body was left unread)."""
        self.response.close()
        self.response.release_conn()


def send(
    session: Session,
    url: str,
    headers: Mapping[str, str] | None,
    cookies: CookieJar | None,
    timeout: tuple[float, float],
    verify: bool,
) -> Sent:
    """GET ``url`` once (no redirect followed), the body left on the wire.

    The request is what ``session.request("GET", url, headers=headers, cookies=cookies,
    allow_redirects=False, stream=True, ...)`` sends: the session's headers, then the caller's,
    the cookies that apply, basic auth from the URL or ~/.netrc, through the proxy the
    environment names (NO_PROXY honoured) with its CA bundle; requests' adapter picks the
    connection pool (proxy managers, TLS settings), and the request goes to that pool as the
    adapter's ``send`` sends it. What is left out is requests' bookkeeping around it — a
    ``Request`` object, merging hooks, params and session cookies, dispatching hooks, a
    ``Response`` with its own cookie jar, storing cookies in the session, working out where a
    redirect would go — which was half of a fetch's CPU. urllib3's exceptions come through as
    they are (``failures.classify`` reads them as it reads requests' wrappers of them); response
    cookies are the caller's to keep (``keep_cookies``).
    """
    prepared = requests.PreparedRequest()
    prepared.method = "GET"
    prepared.prepare_url(url, None)
    target = prepared.url or url
    if headers:
        merged = CaseInsensitiveDict(session.headers)
        merged.update(headers)
        prepared.prepare_headers(merged)
    else:
        prepared.prepare_headers(session.headers)
    if cookies:
        prepared.prepare_cookies(cookies)
    auth = session.netrc_auth(url)
    if auth is not None or "@" in target:  # without one, requests finds no credentials in the URL
        prepared.prepare_auth(auth, url)
    adapter = session.get_adapter(target)
    if not isinstance(adapter, HTTPAdapter):
        raise TypeError(f"no HTTP adapter for {target}")
    settings = session.merge_environment_settings(url, {}, True, verify, None)
    tls = settings["verify"] if settings["verify"] is not None else verify
    proxies = settings["proxies"]
    proxied = bool(proxies) and select_proxy(target, proxies) is not None
    try:
        if proxied:
            pool = adapter.get_connection_with_tls_context(
                prepared, tls, proxies=proxies, cert=settings["cert"]
            )
            path = adapter.request_url(prepared, proxies)
        else:  # what those two do without a proxy, minus their three look-ups of one
            try:
                host, pool_kwargs = adapter.build_connection_pool_key_attributes(
                    prepared, tls, settings["cert"]
                )
            except ValueError as exc:
                raise requests.exceptions.InvalidURL(exc, request=prepared) from exc
            pool = adapter.poolmanager.connection_from_host(**host, pool_kwargs=pool_kwargs)
            path = prepared.path_url
    except LocationValueError as exc:
        raise requests.exceptions.InvalidURL(exc, request=prepared) from exc
    if not isinstance(pool, HTTPConnectionPool):
        raise TypeError(f"no connection pool for {target}")
    adapter.cert_verify(pool, target, tls, settings["cert"])  # type: ignore[no-untyped-call]  # requests' stubs
    response = pool.urlopen(
        method="GET",
        url=path,
        body=None,
        headers=prepared.headers,
        redirect=False,
        assert_same_host=False,
        preload_content=False,
        decode_content=False,
        retries=adapter.max_retries,
        timeout=Timeout(connect=timeout[0], read=timeout[1]),
        chunked=False,
    )
    if not isinstance(response, HTTPResponse):  # urllib3's pools make nothing else
        response.close()
        raise TypeError(f"unexpected response type {type(response).__name__}")
    return Sent(prepared, response, proxied)


def keep_cookies(jar: CookieJar | None, sent: Sent) -> CookieJar | None:
    """``jar`` with the cookies the response set (a new jar for the first ones; None while none were set)."""
    if "set-cookie" not in sent.response.headers and "set-cookie2" not in sent.response.headers:
        return jar
    if jar is None:
        jar = RequestsCookieJar()
    extract_cookies_to_jar(jar, sent.request, sent.response)  # type: ignore[no-untyped-call]  # requests' stubs
    return jar


def peer_ip(response: HTTPResponse) -> str | None:
    """The address the response came from (None through a proxy or when unknown)."""
    ip = getattr(response, "peer_ip", None)
    return ip if isinstance(ip, str) else None


def response_socket(response: HTTPResponse) -> socket.socket | None:
    """The socket the body is read from, while it is open. http.client drops
    ``connection.sock`` on ``Connection: close``, but the response's file still reads from it."""
    sock = getattr(getattr(response, "connection", None), "sock", None)
    if not isinstance(sock, socket.socket):
        fp = getattr(getattr(response, "_fp", None), "fp", None)  # BufferedReader → SocketIO
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


def response_headers(response: HTTPResponse) -> tuple[tuple[str, str], ...]:
    """Response headers in wire order, repeated ones kept (http.client's message, not the merged dict)."""
    msg = getattr(getattr(response, "_original_response", None), "msg", None)
    if msg is not None:  # the pairs as parsed: ``items()`` gives the same strings, one policy call each
        return tuple((str(k), str(v)) for k, v in msg.raw_items())
    return tuple((str(k), str(v)) for k, v in response.headers.items())


_VERSIONS = {9: "HTTP/0.9", 10: "HTTP/1.0", 11: "HTTP/1.1", 20: "HTTP/2"}


def http_version(response: HTTPResponse) -> str:
    return _VERSIONS.get(int(getattr(response, "version", 11) or 11), "HTTP/1.1")
