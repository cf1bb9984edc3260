"""The Fetcher: one URL → FetchResult, every redirect hop recorded, with byte, time and address limits.

Each hop is one GET, built as ``requests.Session.request`` builds it and sent to the urllib3
connection pool requests' adapter picks (``transport.send``: HTTP(S)_PROXY, NO_PROXY and
REQUESTS_CA_BUNDLE apply), with no redirect followed and the body streamed; the raw body is
read as sent (still content-encoded, for the WARC) and decoded separately with a bound. Cookies
set along a redirect chain are sent on its later hops, and never on another URL's.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http.cookiejar import CookieJar
from types import TracebackType
from typing import IO, Self
from urllib.parse import urljoin, urlsplit

from urllib3.response import HTTPResponse

from archiver.config import FetchConfig
from archiver.fetch.decode import ACCEPT_ENCODING, decode_body
from archiver.fetch.failures import NETWORK_EXCEPTIONS, classify
from archiver.fetch.policy import AddressPolicy
from archiver.fetch.spool import SPOOL_BYTES, BodyGate, is_large, load, new_spool, spooled
from archiver.fetch.throttle import HostThrottle, parse_retry_after
from archiver.fetch.transport import (
    Session,
    http_version,
    is_proxied,
    keep_cookies,
    new_session,
    peer_ip,
    request_headers,
    response_headers,
    response_socket,
    send,
)
from archiver.models import FetchResult, Hop, Outcome, sha1_label

logger = logging.getLogger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_DEFERRING_STATUSES = frozenset({429, 503})  # the statuses whose Retry-After we honour
_CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})


@dataclass(slots=True)
class _Budget:
    """The per-URL deadline, counted over time spent on the network (not waiting for a slot)."""

    deadline: float
    spent: float = 0.0
    since: float | None = None

    @contextmanager
    def running(self) -> Iterator[None]:
        self.since = time.monotonic()
        try:
            yield
        finally:
            self.spent += time.monotonic() - self.since
            self.since = None

    def remaining(self) -> float:
        live = time.monotonic() - self.since if self.since is not None else 0.0
        return self.deadline - self.spent - live

    def exceeded(self) -> str:
        return f"deadline of {self.deadline:g}s exceeded"


@dataclass(slots=True)
class _Step:
    """One hop's exchange: the hop (None if no response arrived) and the failure, if any."""

    hop: Hop | None
    outcome: Outcome | None = None
    detail: str = ""
    spool: IO[bytes] | None = None  # the hop's body, until it is loaded (``Fetcher._load``)
    size: int = 0  # bytes of the body


@dataclass(slots=True)
class _Chain:
    """The state of one ``fetch``: hops so far and what the redirect checks need."""

    url: str
    untrusted: bool
    hops: list[Hop] = field(default_factory=list)
    spools: list[IO[bytes] | None] = field(default_factory=list)  # each hop's body, until loaded
    seen: set[tuple[str, frozenset[tuple[str, str]]]] = field(default_factory=set)
    cookies: CookieJar | None = None  # what the chain's responses set (None until one does)
    operator_private: bool | None = None  # was the operator's own URL private? (computed lazily)


class Fetcher:
    """Fetches URLs into ``FetchResult`` values; never raises for network trouble.

    >>> with Fetcher(FetchConfig()) as fetcher:  # doctest: +SKIP
    ...     result = fetcher.fetch("https://example.org/")
    ...     result.outcome, result.status, [h.status for h in result.hops]
    (<Outcome.OK: 'ok'>, 200, [200])

    ``throttle=None`` means no per-host politeness: pass the ``HostThrottle`` shared by the
    workers (built from ``CheckConfig``). ``policy`` defaults to
    ``AddressPolicy(config.allow_private)``. ``gate`` bounds how many large bodies the checks
    using this fetcher hold in memory at once (``archiver.fetch.spool``).
    """

    def __init__(
        self,
        config: FetchConfig,
        *,
        throttle: HostThrottle | None = None,
        policy: AddressPolicy | None = None,
        gate: BodyGate | None = None,
    ) -> None:
        self.config = config
        self.throttle = throttle
        self.policy = policy if policy is not None else AddressPolicy(config.allow_private)
        self.gate = gate if gate is not None else BodyGate()
        self._local = threading.local()
        self._lock = threading.Lock()
        self._sessions: list[tuple[weakref.ref[threading.Thread], Session]] = []
        self._closed = False

    # ------------------------------------------------------------------ sessions

    def _session(self) -> Session:
        """The calling thread's session, created on first use (a requests session is not thread-safe)."""
        session: Session | None = getattr(self._local, "session", None)
        if session is not None:
            return session
        session = new_session(self.config.user_agent, ACCEPT_ENCODING)
        with self._lock:
            if self._closed:
                session.close()
                raise RuntimeError("Fetcher is closed")
            # Sessions of threads that have ended are closed now, not at close(): a caller
            # may run a fresh thread pool per batch against one long-lived Fetcher.
            dead = [s for ref, s in self._sessions if not _alive(ref())]
            self._sessions = [(ref, s) for ref, s in self._sessions if _alive(ref())]
            self._sessions.append((weakref.ref(threading.current_thread()), session))
        for old in dead:
            old.close()
        self._local.session = session
        return session

    def close(self) -> None:
        """Close every thread's session and its pooled connections."""
        with self._lock:
            self._closed = True
            sessions, self._sessions = self._sessions, []
        for _, session in sessions:
            session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ fetch

    def fetch(
        self, url: str, *, untrusted: bool = False, headers: Mapping[str, str] | None = None
    ) -> FetchResult:
        """GET ``url`` following redirects hop by hop. ``untrusted``: the URL came from a document,
        so every hop must pass the address policy."""
        started_at = datetime.now(UTC)
        budget = _Budget(self.config.deadline)
        chain = _Chain(url, untrusted)

        def result(
            outcome: Outcome, detail: str = "", content: bytes = b"", truncated: bool = False
        ) -> FetchResult:
            self._load(chain)
            self.gate.settle()
            return FetchResult(
                url=url,
                outcome=outcome,
                started_at=started_at,
                elapsed=round(budget.spent, 6),
                hops=tuple(chain.hops),
                detail=detail,
                content=content,
                truncated=truncated,
            )

        problem = url_problem(url)
        if problem:
            logger.info("GET %s -> not fetched: %s", url, problem)
            return result(Outcome.BAD_RESPONSE, problem)
        session = self._session()
        current = url
        chain.seen.add((current, frozenset()))
        while True:
            guarded = self._guarded(chain, session)
            if guarded:
                refusal = self._refusal(current, session)
                if refusal:
                    logger.info("GET %s -> blocked: %s", current, refusal)
                    return result(Outcome.BLOCKED, f"{current} {refusal}")
            step = self._exchange(
                session, chain, current, self._headers_for(current, url, headers), budget, guarded
            )
            if step.hop is None:  # no response: refused, timed out, blocked on connect...
                return result(step.outcome or Outcome.BAD_RESPONSE, self._where(step.detail, current, url))
            chain.hops.append(step.hop)
            chain.spools.append(step.spool)
            if step.outcome is Outcome.TOO_LARGE:
                return result(*self._final(chain, step))
            if step.outcome is not None:  # the body broke off: the partial hop is kept
                return result(step.outcome, self._where(step.detail, current, url))
            target, problem = self._next_url(step.hop, chain)
            if problem:
                return result(Outcome.BAD_RESPONSE, problem)
            if target is None:
                return result(*self._final(chain, step))
            current = target

    def _load(self, chain: _Chain) -> None:
        """Bring the hops' spooled bodies into memory: a large one under the gate's permit."""
        for i, spool in enumerate(chain.spools):
            if spool is None:
                continue
            chain.spools[i] = None
            spool.seek(0, 2)
            if is_large(spool.tell()):
                self.gate.admit()  # outside the host slot and the deadline: the connection is closed
            chain.hops[i] = replace(chain.hops[i], body=load(spool))

    def _final(self, chain: _Chain, step: _Step) -> tuple[Outcome, str, bytes, bool]:
        """Outcome, detail, decoded content and truncation for the last hop."""
        self._load(chain)
        hop = chain.hops[-1]
        encoding, limit = hop.header("Content-Encoding"), self.config.max_bytes
        decoded = decode_body(
            hop.body, encoding, limit if is_large(len(hop.body)) else min(limit, SPOOL_BYTES)
        )
        if decoded.truncated and limit > SPOOL_BYTES and not is_large(len(hop.body)):
            self.gate.admit()  # a small compressed body that inflates past the spool size: held under the permit too
            decoded = decode_body(hop.body, encoding, limit)
        outcome = step.outcome or (Outcome.OK if hop.status < 400 else Outcome.HTTP_ERROR)
        detail = step.detail or decoded.problem
        if decoded.truncated and outcome in (Outcome.OK, Outcome.HTTP_ERROR):
            outcome = Outcome.TOO_LARGE
            detail = f"decoded body larger than {self.config.max_bytes} bytes (cut)"
        return outcome, detail, decoded.content, hop.truncated or decoded.truncated

    def _guarded(self, chain: _Chain, session: Session) -> bool:
        """Whether this hop must pass the address policy."""
        if chain.untrusted:
            return True
        if not chain.hops:
            return False  # the operator's own URL: contacted as given
        if chain.operator_private is None:
            # An operator URL on a private address (a test server, an intranet page) may
            # redirect anywhere; a public one may not redirect onto the private network.
            chain.operator_private = self._refusal(chain.url, session) is not None
        return not chain.operator_private

    def address_refusal(self, url: str) -> str | None:
        """Why the address policy would refuse ``url`` for a document's link (None: allowed)."""
        return self._refusal(url, self._session())

    def _refusal(self, url: str, session: Session) -> str | None:
        """The address policy's verdict on ``url``. Through a proxy the name is not resolved
        (the proxy resolves it, and it may exist only behind the proxy) unless
        ``fetch.resolve_before_proxy`` asks for a local lookup too; literal addresses, in every
        form a resolver accepts, are judged either way."""
        if is_proxied(session, url) and not self.config.resolve_before_proxy:
            return self.policy.check_unresolved(url)
        return self.policy.check(url)

    def _next_url(self, hop: Hop, chain: _Chain) -> tuple[str | None, str]:
        """The redirect target (None when ``hop`` is final) or a problem that ends the chain."""
        location = hop.location
        if hop.status not in REDIRECT_STATUSES or not location:
            return None, ""
        try:  # http.client decodes headers as latin-1; servers send UTF-8 (as requests assumes)
            location = location.encode("latin-1").decode("utf-8")
        except UnicodeError:
            pass
        try:
            target = urljoin(hop.url, location.strip())
        except ValueError as exc:  # "http://[::1": urljoin refuses a broken IPv6 literal
            return None, f"redirect to a bad URL: malformed URL: {exc}"
        problem = url_problem(target)
        if problem:
            return None, f"redirect to a bad URL: {problem}"
        redirects = len(chain.hops)
        if redirects > self.config.max_redirects:
            return None, f"too many redirects ({redirects}, limit {self.config.max_redirects})"
        # The same URL with new cookies is not a loop: sites set a cookie and redirect to themselves.
        key = (target, frozenset((c.name, c.value or "") for c in chain.cookies or ()))
        if key in chain.seen:
            path = " → ".join([h.url for h in chain.hops] + [target])
            return None, f"redirect loop: {path}"
        chain.seen.add(key)
        return target, ""

    @staticmethod
    def _where(detail: str, current: str, first: str) -> str:
        return detail if current == first else f"{detail} (at {current})"

    @staticmethod
    def _headers_for(current: str, first: str, headers: Mapping[str, str] | None) -> Mapping[str, str] | None:
        """The caller's headers, without credentials once a redirect leaves the first host
        (what requests' ``rebuild_auth`` does for its own redirects)."""
        if not headers or urlsplit(current).hostname == urlsplit(first).hostname:
            return headers
        return {k: v for k, v in headers.items() if k.lower() not in _CREDENTIAL_HEADERS}

    # ------------------------------------------------------------------ one hop

    def _exchange(
        self,
        session: Session,
        chain: _Chain,
        url: str,
        headers: Mapping[str, str] | None,
        budget: _Budget,
        guarded: bool,
    ) -> _Step:
        host = urlsplit(url).hostname or ""
        slot = self.throttle.slot(host) if self.throttle is not None else nullcontext()
        before = budget.spent
        with slot, budget.running():
            step = self._request(session, chain, url, headers, budget, guarded)
        took = budget.spent - before
        if step.hop is not None:
            hop = step.hop
            logger.info(
                "GET %s -> %s %s (%.2fs, %d bytes%s)",
                url,
                hop.status,
                hop.reason,
                took,
                step.size,
                ", truncated" if hop.truncated else "",
            )
            self._honour_retry_after(host, hop)
        else:
            logger.info("GET %s -> %s (%.2fs)", url, step.detail, took)
        return step

    def _request(
        self,
        session: Session,
        chain: _Chain,
        url: str,
        headers: Mapping[str, str] | None,
        budget: _Budget,
        guarded: bool,
    ) -> _Step:
        remaining = budget.remaining()
        if remaining <= 0:
            return _Step(None, Outcome.TIMEOUT, budget.exceeded())
        connect = min(self.config.connect_timeout, remaining)
        read = min(self.config.read_timeout, remaining)
        try:
            sent = send(session, url, headers, chain.cookies, (connect, read), self.config.verify_tls)
        except NETWORK_EXCEPTIONS as exc:
            outcome, detail = classify(exc)
            if outcome is Outcome.TIMEOUT and budget.remaining() <= 0.001:
                detail = budget.exceeded()
            return _Step(None, outcome, detail)
        chain.cookies = keep_cookies(chain.cookies, sent)
        response = sent.response
        try:
            ip = None if sent.proxied else peer_ip(response)
            if guarded and ip is not None:
                problem = self.policy.ip_problem(ipaddress.ip_address(ip))
                if problem:  # the name resolved differently for the connection (DNS rebinding)
                    return _Step(None, Outcome.BLOCKED, f"{url} connected to {problem} ({ip})")
            sha1 = hashlib.sha1()
            spool, size, failure = self._read_body(response, budget, sha1.update)
            hop = Hop(
                url=url,
                method="GET",
                request_headers=request_headers(sent.request),
                status=response.status,
                reason=response.reason or "",
                http_version=http_version(response),
                response_headers=response_headers(response),
                body=b"",  # loaded from the spool once the exchange is over (``_load``)
                ip=ip,
                truncated=failure is not None,
                digest=sha1_label(sha1.digest()),  # of the bytes spooled: the body ``_load`` gives it
            )
        finally:
            sent.close()
        if failure is None:
            return _Step(hop, spool=spool, size=size)
        return _Step(hop, failure[0], failure[1], spool=spool, size=size)

    def _read_body(
        self, response: HTTPResponse, budget: _Budget, hashed: Callable[[bytes], None]
    ) -> tuple[IO[bytes], int, tuple[Outcome, str] | None]:
        """The raw body as sent, stopped at the byte cap or the deadline, in a spool (memory, then
        disk past ``SPOOL_BYTES``); (spool, bytes, failure). Each piece spooled is also given to
        ``hashed`` (the payload digest, made in the same pass)."""
        cap = self.config.max_bytes
        spool, size = new_spool(), 0
        while True:
            remaining = budget.remaining()
            if remaining <= 0:
                return spool, size, (Outcome.TIMEOUT, budget.exceeded())
            sock = response_socket(response)  # None once http.client has read the whole body
            if sock is not None:
                # Each read waits at most until the deadline, so a trickling server is cut there.
                sock.settimeout(min(self.config.read_timeout, remaining))
            try:
                chunk = response.read1(min(_CHUNK, cap + 1 - size), decode_content=False)
            except NETWORK_EXCEPTIONS as exc:
                outcome, detail = classify(exc)
                if outcome is Outcome.TIMEOUT and budget.remaining() <= 0.001:
                    detail = budget.exceeded()
                elif outcome is Outcome.BAD_RESPONSE and response.chunked:
                    detail = "broken chunked encoding (cut short or a bad chunk size)"
                return spool, size, (outcome, detail)
            if not chunk:
                return spool, size, None
            if size + len(chunk) > cap:
                chunk = chunk[: cap - size]
                spooled(spool, chunk)
                hashed(chunk)
                return spool, cap, (Outcome.TOO_LARGE, f"body larger than {cap} bytes (cut)")
            spooled(spool, chunk)
            hashed(chunk)
            size += len(chunk)

    def _honour_retry_after(self, host: str, hop: Hop) -> None:
        if self.throttle is None or hop.status not in _DEFERRING_STATUSES:
            return
        seconds = parse_retry_after(hop.header("Retry-After"), datetime.now(UTC))
        if seconds:
            self.throttle.defer(host, seconds)


def _alive(thread: threading.Thread | None) -> bool:
    return thread is not None and thread.is_alive()


def url_problem(url: str) -> str:
    """Why ``url`` cannot be fetched at all ("" if it can).

    >>> url_problem("ftp://example.org/"), url_problem("http://"), url_problem("https://example.org/")
    ('unsupported URL scheme: ftp', 'URL has no host: http://', '')
    """
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number or out of range
    except ValueError as exc:
        return f"malformed URL: {exc}"
    if parts.scheme.lower() not in ("http", "https"):
        return f"unsupported URL scheme: {parts.scheme or '(none)'}"
    if not parts.hostname:
        return f"URL has no host: {url}"
    return ""
