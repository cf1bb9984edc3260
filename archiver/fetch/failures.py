"""Network failures as values: an exception raised by requests/urllib3/socket → (Outcome, detail).

The only place archiver looks inside requests' and urllib3's exception trees (STYLE 8.6).
requests wraps urllib3, which wraps ``socket``/``ssl``/``http.client``; the chain is walked
(``__cause__``, ``__context__``, ``MaxRetryError.reason``, exception arguments) and the most
specific cause wins.
"""

from __future__ import annotations

import errno
import http.client
import socket
import ssl
from collections.abc import Iterator

import requests
import urllib3.exceptions as u3

from archiver.models import Outcome

#: What ``Fetcher.fetch`` catches; anything else is a bug and propagates.
NETWORK_EXCEPTIONS: tuple[type[BaseException], ...] = (
    requests.RequestException,
    u3.HTTPError,
    http.client.HTTPException,
    OSError,  # socket.error, ssl.SSLError, TimeoutError, ConnectionError
)

_UNREACHABLE = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EHOSTDOWN, errno.ENETDOWN}


def causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and everything it wraps, outermost first, each once."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        e = stack.pop(0)
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        inner: list[BaseException] = []
        reason = getattr(e, "reason", None)
        if isinstance(reason, BaseException):
            inner.append(reason)
        inner.extend(a for a in e.args if isinstance(a, BaseException))
        if e.__cause__ is not None:
            inner.append(e.__cause__)
        if e.__context__ is not None:
            inner.append(e.__context__)
        stack.extend(inner)


def classify(exc: BaseException) -> tuple[Outcome, str]:
    """The outcome and a short readable detail for a failed request.

    >>> classify(requests.ConnectionError(ConnectionRefusedError(111, "Connection refused")))
    (<Outcome.CONNECT_ERROR: 'connect_error'>, 'connection refused')
    """
    chain = list(causes(exc))
    for rule in (_dns, _tls, _connect, _timeout, _malformed):
        found = rule(chain)
        if found is not None:
            return found
    # requests wrapped a closed pool in a ConnectionError; the fetcher sends through urllib3 now.
    if any(isinstance(e, (requests.ConnectionError, u3.ProtocolError, u3.PoolError, OSError)) for e in chain):
        return Outcome.CONNECT_ERROR, f"connection failed: {_text(exc)}"
    return Outcome.BAD_RESPONSE, f"request failed: {_text(exc)}"


def _dns(chain: list[BaseException]) -> tuple[Outcome, str] | None:
    for e in chain:
        if isinstance(e, socket.gaierror):
            if e.errno in (socket.EAI_AGAIN,):
                return Outcome.DNS_ERROR, "temporary failure in name resolution"
            return Outcome.DNS_ERROR, "name does not resolve"
        if isinstance(e, u3.NameResolutionError):
            return Outcome.DNS_ERROR, "name does not resolve"
    return None


def _tls(chain: list[BaseException]) -> tuple[Outcome, str] | None:
    for e in chain:
        if isinstance(e, ssl.SSLCertVerificationError):
            return Outcome.TLS_ERROR, f"certificate verify failed: {e.verify_message or e.reason}"
    for e in chain:
        if isinstance(e, ssl.SSLError):
            return Outcome.TLS_ERROR, f"TLS error: {e.reason or _text(e)}"
        if isinstance(e, (requests.exceptions.SSLError, u3.SSLError)):
            return Outcome.TLS_ERROR, f"TLS error: {_text(e)}"
    return None


def _timeout(chain: list[BaseException]) -> tuple[Outcome, str] | None:
    for e in chain:
        # NewConnectionError subclasses ConnectTimeoutError in urllib3 2.x: not a timeout by itself.
        if isinstance(e, (u3.ConnectTimeoutError, requests.exceptions.ConnectTimeout)) and not isinstance(
            e, u3.NewConnectionError
        ):
            return Outcome.TIMEOUT, "connect timed out"
    for e in chain:
        if isinstance(e, (TimeoutError, socket.timeout, u3.TimeoutError, requests.Timeout)):
            return Outcome.TIMEOUT, "read timed out"
    return None


def _connect(chain: list[BaseException]) -> tuple[Outcome, str] | None:
    for e in chain:
        if isinstance(e, http.client.RemoteDisconnected):
            return Outcome.CONNECT_ERROR, "server closed the connection without a response"
        if isinstance(e, ConnectionRefusedError):
            return Outcome.CONNECT_ERROR, "connection refused"
        if isinstance(e, ConnectionResetError):
            return Outcome.CONNECT_ERROR, "connection reset"
        if isinstance(e, BrokenPipeError):
            return Outcome.CONNECT_ERROR, "connection closed by the server"
        if isinstance(e, OSError) and e.errno in _UNREACHABLE:
            return Outcome.CONNECT_ERROR, "network unreachable"
    return None


def _malformed(chain: list[BaseException]) -> tuple[Outcome, str] | None:
    for e in chain:
        if isinstance(e, http.client.IncompleteRead):
            # urllib3's IncompleteRead carries counts; http.client's carries the bytes read.
            got = e.partial if isinstance(e.partial, int) else len(e.partial)
            more = f", {e.expected} more expected" if e.expected is not None else ""
            return Outcome.BAD_RESPONSE, f"body shorter than announced ({got} bytes read{more})"
        if isinstance(e, (u3.InvalidChunkLength, requests.exceptions.ChunkedEncodingError)):
            return Outcome.BAD_RESPONSE, "broken chunked encoding"
        if isinstance(e, http.client.BadStatusLine):
            return Outcome.BAD_RESPONSE, f"malformed status line: {_text(e)[:80]}"
        if isinstance(e, http.client.LineTooLong):
            return Outcome.BAD_RESPONSE, f"malformed response: {_text(e)}"
        if isinstance(e, (u3.HeaderParsingError, requests.exceptions.InvalidHeader)):
            return Outcome.BAD_RESPONSE, f"malformed headers: {_text(e)[:120]}"
        if isinstance(
            e,
            (
                u3.LocationValueError,
                requests.exceptions.InvalidURL,
                requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema,
            ),
        ):
            return Outcome.BAD_RESPONSE, f"malformed URL: {_text(e)[:120]}"
        if isinstance(e, http.client.HTTPException):
            return Outcome.BAD_RESPONSE, f"malformed response: {type(e).__name__} {_text(e)[:80]}".rstrip()
    return None


def _text(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
