"""Issue 15, point 1: no SSRF through a proxy.

Behind ``HTTP_PROXY`` archiver cannot see where a name leads (the proxy resolves it), so every
address *literal* must be read the way the proxy's resolver reads it: ``2130706433``,
``0x7f000001``, ``0x7f.0.0.1``, ``0177.0.0.1``, ``127.1`` and ``127.000.000.001`` are all
127.0.0.1 to ``inet_aton``. The proxy here is real (``servers.resolving_proxy`` on 127.0.0.1,
resolving like Squid would, names from its own table); the "secret" server is a real loopback
server that must never be reached. ``fetch.resolve_before_proxy`` adds a local lookup of names:
name resolution is the one substitution the tests make (``monkeypatch`` of ``getaddrinfo``, as
hookdns does), the HTTP exchange stays real.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from servers import Server, resolving_proxy, respond

from archiver.archive import Archive
from archiver.config import Config, FetchConfig
from archiver.fetch import Fetcher
from archiver.models import Outcome

FAST = FetchConfig(connect_timeout=2.0, read_timeout=2.0, deadline=5.0, max_bytes=1_000_000)
#: Every spelling of 127.0.0.1 a resolver accepts that ``ipaddress`` does not.
HOSTILE_FORMS = ("2130706433", "0x7f000001", "0x7f.0.0.1", "0177.0.0.1", "127.1", "127.000.000.001")


@pytest.fixture
def secret() -> Iterator[HTTPServer]:
    """The operator's private service on loopback: reaching it is the SSRF."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request("/secret").respond_with_data(b"internal credentials")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    with Server(resolving_proxy({"news.example.org": "127.0.0.1", "wiki.example.org": "127.0.0.1"})) as server:
        monkeypatch.setenv("HTTP_PROXY", server.url())
        yield server


@pytest.mark.parametrize("form", HOSTILE_FORMS)
def test_document_url_spelling_loopback_oddly_is_blocked_behind_a_proxy(
    form: str, secret: HTTPServer, proxy: Server
) -> None:
    with Fetcher(FAST) as fetcher:
        result = fetcher.fetch(f"http://{form}:{secret.port}/secret", untrusted=True)
    assert result.outcome is Outcome.BLOCKED, result
    assert result.detail.endswith("points at a loopback address (127.0.0.1)")
    assert proxy.requests == [] and secret.log == []


@pytest.mark.parametrize("untrusted", [False, True], ids=["operator-url", "document-url"])
@pytest.mark.parametrize("form", HOSTILE_FORMS)
def test_public_page_redirecting_to_an_odd_loopback_spelling_is_blocked_behind_a_proxy(
    form: str, untrusted: bool, secret: HTTPServer, proxy: Server
) -> None:
    target = f"http://{form}:{secret.port}/secret"
    redirect = b"HTTP/1.1 302 Found\r\nLocation: %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n" % target.encode()
    with Server(respond(redirect)) as public, Fetcher(FAST) as fetcher:
        result = fetcher.fetch(f"http://news.example.org:{public.port}/story", untrusted=untrusted)
    assert result.outcome is Outcome.BLOCKED, result
    assert result.detail == f"{target} points at a loopback address (127.0.0.1)"
    assert [h.status for h in result.hops] == [302]
    assert len(proxy.requests) == 1 and secret.log == []  # only the public page went through the proxy


def _resolve_wiki_to_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """``wiki.example.org`` resolves locally to 127.0.0.1 (an intranet name); nothing else resolves."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "wiki.example.org":
            return real("127.0.0.1", port, *args, **kwargs)
        if host in ("127.0.0.1", "::1"):
            return real(host, port, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, f"test: no DNS for {host}")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_resolve_before_proxy_refuses_a_name_with_a_private_answer(
    secret: HTTPServer, proxy: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    _resolve_wiki_to_loopback(monkeypatch)
    url = f"http://wiki.example.org:{secret.port}/secret"
    with Fetcher(_with(FAST, resolve_before_proxy=True)) as fetcher:
        result = fetcher.fetch(url, untrusted=True)
    assert result.outcome is Outcome.BLOCKED
    assert result.detail == f"{url} points at a loopback address (127.0.0.1)"
    assert proxy.requests == [] and secret.log == []


def test_without_resolve_before_proxy_a_name_is_left_to_the_proxy(
    secret: HTTPServer, proxy: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The documented limit: a name is not looked up locally by default (it may exist only behind
    the proxy), so the proxy decides where it leads."""
    _resolve_wiki_to_loopback(monkeypatch)
    with Fetcher(FAST) as fetcher:
        result = fetcher.fetch(f"http://wiki.example.org:{secret.port}/secret", untrusted=True)
    assert result.outcome is Outcome.OK and len(proxy.requests) == 1


def test_resolve_before_proxy_still_sends_public_names_through_the_proxy(
    proxy: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name that resolves to nothing locally (or to a public address) still goes to the proxy."""
    _resolve_wiki_to_loopback(monkeypatch)
    page = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 4\r\nConnection: close\r\n\r\nnews"
    with Server(respond(page)) as public, Fetcher(_with(FAST, resolve_before_proxy=True)) as fetcher:
        result = fetcher.fetch(f"http://news.example.org:{public.port}/a", untrusted=True)
    assert result.outcome is Outcome.OK and result.content == b"news"
    assert proxy.requests[0].startswith(f"GET http://news.example.org:{public.port}/a ".encode())


def _with(config: FetchConfig, **changes: Any) -> FetchConfig:
    return dataclasses.replace(config, **changes)


def test_capture_of_odd_loopback_spellings_is_blocked_end_to_end(
    secret: HTTPServer, tmp_path: Path
) -> None:
    """The campaign's reproduction, as a real ``archiver`` process: a document cites the six
    spellings, ``HTTP_PROXY`` is set, ``check --all`` runs. Every capture is ``blocked``."""
    doc = tmp_path / "article.md"
    doc.write_text("".join(f"See [this](http://{form}:{secret.port}/secret).\n" for form in HOSTILE_FORMS))
    data = tmp_path / "data"
    config = tmp_path / "config.toml"
    config.write_text("[check]\nper_host_delay = 0\n[detect]\nsoft404_probe = false\n")
    with Server(resolving_proxy({})) as proxy:
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        env["HTTP_PROXY"] = proxy.url()
        base = [sys.executable, "-m", "archiver", "--config", str(config), "--data", str(data)]
        subprocess.run([*base, "import", str(doc)], env=env, check=True, capture_output=True)
        done = subprocess.run([*base, "check", "--all"], env=env, check=False, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    assert proxy.requests == [] and secret.log == []
    with Archive(data, Config()) as archive:
        outcomes = [c.outcome for s in archive.url_states() for c in archive.history(s.url)]
    assert outcomes == [Outcome.BLOCKED] * len(HOSTILE_FORMS)


def test_policy_reads_ipv6_forms_that_carry_a_private_ipv4() -> None:
    from archiver.fetch import AddressPolicy

    policy = AddressPolicy()
    for host in ("[::ffff:7f00:1]", "[64:ff9b::7f00:1]", "[2002:7f00:1::1]", "[::ffff:10.0.0.1]"):
        assert policy.check_unresolved(f"http://{host}/") is not None, host
    assert policy.check_unresolved("http://[2606:4700:4700::1111]/") is None
