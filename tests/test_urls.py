"""URLs: the canonical form of interface.md, rule by rule, and the small facts about URLs."""

from __future__ import annotations

import pytest

from archiver.errors import UrlError
from archiver.urls import (
    SHORT_LINK_HOSTS,
    TRACKING_PARAMS,
    TRACKING_PREFIXES,
    canonical,
    host_of,
    is_fetchable,
    is_home_page,
    is_short_link,
    registrable_domain,
    schemeless_to_url,
    site_root,
)

CANONICAL = [
    pytest.param("HTTP://Example.COM:80/a#x", "http://example.com/a", id="case-port-fragment"),
    pytest.param("https://example.com:443/a", "https://example.com/a", id="default-https-port"),
    pytest.param("https://example.com:8443/a", "https://example.com:8443/a", id="other-port-kept"),
    pytest.param("http://example.com:443/a", "http://example.com:443/a", id="https-port-on-http-kept"),
    pytest.param("https://example.com", "https://example.com/", id="empty-path"),
    pytest.param("https://example.com?id=1", "https://example.com/?id=1", id="empty-path-with-query"),
    pytest.param("https://example.com/a?", "https://example.com/a", id="empty-query"),
    pytest.param("https://example.com/A/B", "https://example.com/A/B", id="path-case-kept"),
    pytest.param("https://example.com/a/", "https://example.com/a/", id="trailing-slash-kept"),
    pytest.param("https://example.com./a", "https://example.com/a", id="trailing-dot-host"),
    pytest.param("  https://example.com/a \n", "https://example.com/a", id="surrounding-space"),
    pytest.param("https://exam\nple.com/a\tb", "https://example.com/ab", id="tab-newline-removed"),
    pytest.param(
        "https://example.com/?ref=abc&utm_source=x&id=2",
        "https://example.com/?ref=abc&id=2",
        id="ref-and-id-kept",
    ),
    pytest.param(
        "https://example.com/a?utm_source=x&utm_medium=y&UTM_Campaign=z",
        "https://example.com/a",
        id="utm-any-case",
    ),
    pytest.param(
        "https://www.wsj.com/politics/policy/democrat-respone-abolish-ice-bc51a946?gaa_at=eafs&gaa_n=AWEtsqc%3D"
        "&gaa_ts=6980f19a&gaa_sig=Iseb-6-Q%3D%3D",
        "https://www.wsj.com/politics/policy/democrat-respone-abolish-ice-bc51a946",
        id="gaa-params",
    ),
    pytest.param(
        "https://example.com/a?fbclid=1&gclid=2&dclid=3&msclkid=4&mc_cid=5&mc_eid=6&igshid=7&ref_src=8&ref_url=9&p=1",
        "https://example.com/a?p=1",
        id="named-tracking-params",
    ),
    pytest.param(
        "https://example.com/a?utm%5Fsource=x&q=1", "https://example.com/a?q=1", id="encoded-param-name"
    ),
    pytest.param("https://example.com/a?b=2&a=1&c", "https://example.com/a?b=2&a=1&c", id="order-kept"),
    pytest.param(
        "https://example.com/a?a=1&&b=2&", "https://example.com/a?a=1&b=2", id="empty-pieces-dropped"
    ),
    pytest.param(
        "https://example.com/a?q=x%3Dy&r=%2F", "https://example.com/a?q=x%3Dy&r=%2F", id="escapes-as-written"
    ),
    pytest.param(
        "https://example.com/a%2fb%7E", "https://example.com/a%2fb%7E", id="path-escapes-as-written"
    ),
    pytest.param("https://example.com/a?s=1&t=2", "https://example.com/a?s=1&t=2", id="s-t-kept-off-x"),
    pytest.param("https://x.com/u/status/1?s=20&t=abc", "https://x.com/u/status/1", id="x-share-params"),
    pytest.param(
        "https://twitter.com/DHSgov/status/1886900000000000000?s=46&t=Ab-C&lang=en",
        "https://twitter.com/DHSgov/status/1886900000000000000?lang=en",
        id="twitter-share-params",
    ),
    pytest.param(
        "https://mobile.twitter.com/u/status/1/photo/1?s=20",
        "https://mobile.twitter.com/u/status/1/photo/1",
        id="x-photo",
    ),
    pytest.param("https://x.com/i/web/status/1?t=x", "https://x.com/i/web/status/1", id="x-i-web-status"),
    pytest.param(
        "https://x.com/search?q=ice&s=1&t=2", "https://x.com/search?q=ice&s=1&t=2", id="x-non-post-kept"
    ),
    pytest.param("https://münchen.de/Köln", "https://xn--mnchen-3ya.de/K%C3%B6ln", id="idn-host-and-path"),
    pytest.param("https://XN--MNCHEN-3YA.de/", "https://xn--mnchen-3ya.de/", id="punycode-lowered"),
    pytest.param("https://example.com/a b?q=c d", "https://example.com/a%20b?q=c%20d", id="spaces-encoded"),
    pytest.param("http://[2001:DB8::1]:8080/a", "http://[2001:db8::1]:8080/a", id="ipv6"),
    pytest.param("http://127.0.0.1:5000/x", "http://127.0.0.1:5000/x", id="loopback"),
    pytest.param("https://user:pw@example.com/", "https://user:pw@example.com/", id="userinfo-kept"),
    pytest.param("https://example.com:/a", "https://example.com/a", id="empty-port"),
]


@pytest.mark.parametrize(("url", "expected"), CANONICAL)
def test_canonical(url: str, expected: str) -> None:
    assert canonical(url) == expected


@pytest.mark.parametrize(("url", "expected"), CANONICAL)
def test_canonical_is_idempotent(url: str, expected: str) -> None:
    assert canonical(canonical(url)) == canonical(url)


MALFORMED = [
    pytest.param("", "not an absolute URL", id="empty"),
    pytest.param("example.com/a", "not an absolute URL", id="no-scheme"),
    pytest.param("//example.com/a", "not an absolute URL", id="scheme-relative"),
    pytest.param("ftp://example.com/a", "scheme 'ftp'", id="ftp"),
    pytest.param("mailto:someone@example.com", "scheme 'mailto'", id="mailto"),
    pytest.param("javascript:alert(1)", "scheme 'javascript'", id="javascript"),
    pytest.param("data:text/plain,hi", "scheme 'data'", id="data"),
    pytest.param("file:///etc/passwd", "scheme 'file'", id="file"),
    pytest.param("http:/example.com", "no host", id="one-slash"),
    pytest.param("http://", "no host", id="only-scheme"),
    pytest.param("http:///a", "no host", id="empty-host"),
    pytest.param("https://exa mple.com/", "malformed host", id="space-in-host"),
    pytest.param("https://a..b/", "malformed host", id="empty-label"),
    pytest.param("https://-/", "malformed host", id="hyphen-host"),
    pytest.param("https://example.com:99999/", "port out of range", id="port-range"),
    pytest.param("https://example.com:8o/", "malformed port", id="port-letters"),
    pytest.param("http://[::1/", "malformed IPv6", id="ipv6-unclosed"),
    pytest.param("http://[nothex]/", "malformed IPv6", id="ipv6-bad"),
]


@pytest.mark.parametrize(("url", "reason"), MALFORMED)
def test_canonical_refuses_naming_the_url(url: str, reason: str) -> None:
    with pytest.raises(UrlError) as info:
        canonical(url)
    assert str(info.value).startswith(f"{url}: ")
    assert reason in str(info.value)
    assert not is_fetchable(url)


def test_tracking_tables_are_the_interface_list() -> None:
    assert TRACKING_PREFIXES == ("utm_", "gaa_")
    assert TRACKING_PARAMS == {
        "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "ref_src", "ref_url",
    }  # fmt: skip
    assert "ref" not in TRACKING_PARAMS and "id" not in TRACKING_PARAMS


@pytest.mark.parametrize(
    ("url", "host"),
    [
        pytest.param("https://WWW.Example.com:8443/a", "www.example.com", id="port-dropped"),
        pytest.param("https://user@example.com/", "example.com", id="userinfo-dropped"),
        pytest.param("http://[::1]:80/", "::1", id="ipv6"),
        pytest.param("https://bücher.de/", "xn--bcher-kva.de", id="idn"),
    ],
)
def test_host_of(url: str, host: str) -> None:
    assert host_of(url) == host


def test_host_of_refuses_malformed() -> None:
    with pytest.raises(UrlError, match="not an absolute URL"):
        host_of("example.com")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("https://t.co/zLkNJ30Oqp", True, id="t.co"),
        pytest.param("https://bit.ly/3xAmPle", True, id="bit.ly"),
        pytest.param("http://www.bit.ly/x", True, id="www-prefix"),
        pytest.param("https://BUFF.LY/x", True, id="case"),
        pytest.param("https://tinyurl.com/abc", True, id="tinyurl"),
        pytest.param("https://lnkd.in/abc", True, id="lnkd.in"),
        pytest.param("https://youtu.be/dQw4w9WgXcQ", False, id="youtu.be-is-a-video"),
        pytest.param("https://pic.twitter.com/VZsRSPH8iL", False, id="pic.twitter"),
        pytest.param("https://example.com/t.co", False, id="path-only"),
        pytest.param("not a url", False, id="malformed"),
    ],
)
def test_is_short_link(url: str, expected: bool) -> None:
    assert is_short_link(url) is expected


def test_short_link_table() -> None:
    assert {
        "t.co",
        "bit.ly",
        "buff.ly",
        "ow.ly",
        "tinyurl.com",
        "goo.gl",
        "dlvr.it",
        "trib.al",
        "lnkd.in",
        "fb.me",
    } <= (SHORT_LINK_HOSTS)
    assert "youtu.be" not in SHORT_LINK_HOSTS


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("https://example.com", True, id="no-path"),
        pytest.param("https://example.com/", True, id="root"),
        pytest.param("https://example.com/index.html", True, id="index.html"),
        pytest.param("https://example.com/index.php", True, id="index.php"),
        pytest.param("https://example.com/default.aspx", True, id="default.aspx"),
        pytest.param("https://example.com/home", True, id="home"),
        pytest.param("https://example.com/home/", True, id="home-slash"),
        pytest.param("https://example.com/en-us/", True, id="locale-root"),
        pytest.param("https://example.com/#top", True, id="fragment"),
        pytest.param("https://example.com/?utm_source=x", True, id="tracking-only-query"),
        pytest.param("https://example.com/?p=123", False, id="query-selects-content"),
        pytest.param("https://example.com/news/a", False, id="article"),
        pytest.param("https://example.com/homepage-redesign", False, id="home-prefix"),
        pytest.param("mailto:x@example.com", False, id="malformed"),
    ],
)
def test_is_home_page(url: str, expected: bool) -> None:
    assert is_home_page(url) is expected


@pytest.mark.parametrize(
    ("url", "root"),
    [
        pytest.param(
            "HTTPS://News.Example.com:8443/a/b?c=1#d", "https://news.example.com:8443/", id="port-kept"
        ),
        pytest.param("https://user:pw@example.com:443/a", "https://example.com/", id="userinfo-dropped"),
    ],
)
def test_site_root(url: str, root: str) -> None:
    assert site_root(url) == root


@pytest.mark.parametrize(
    ("host", "domain"),
    [
        pytest.param("www.bbc.co.uk", "bbc.co.uk", id="co.uk"),
        pytest.param("bbc.co.uk", "bbc.co.uk", id="co.uk-bare"),
        pytest.param("www.abc.net.au", "abc.net.au", id="net.au"),
        pytest.param("edition.cnn.com", "cnn.com", id="com"),
        pytest.param("a.b.c.example.org", "example.org", id="deep"),
        pytest.param("example.org", "example.org", id="two-labels"),
        pytest.param("localhost", "localhost", id="one-label"),
        pytest.param("WWW.Example.COM.", "example.com", id="case-and-dot"),
        pytest.param("alice.github.io", "alice.github.io", id="shared-hosting"),
        pytest.param("127.0.0.1", "127.0.0.1", id="ipv4"),
        pytest.param("[::1]", "::1", id="ipv6"),
    ],
)
def test_registrable_domain(host: str, domain: str) -> None:
    assert registrable_domain(host) == domain


@pytest.mark.parametrize(
    ("text", "url"),
    [
        pytest.param("www.x.com/a", "https://www.x.com/a", id="www"),
        pytest.param("t.co/x", "https://t.co/x", id="t.co"),
        pytest.param("pic.twitter.com/VZsRSPH8iL", "https://pic.twitter.com/VZsRSPH8iL", id="pic.twitter"),
        pytest.param("//cdn.example.com/a", "https://cdn.example.com/a", id="scheme-relative"),
        pytest.param("http://example.com/a", "http://example.com/a", id="has-scheme"),
        pytest.param("HTTPS://example.com/a", "HTTPS://example.com/a", id="has-scheme-upper"),
    ],
)
def test_schemeless_to_url(text: str, url: str) -> None:
    assert schemeless_to_url(text) == url
