"""Address policy: which hosts an *untrusted* URL (one taken from a document) may reach.

A cited link must not turn archiver into a proxy onto the operator's own network (SSRF):
loopback, private, link-local (cloud metadata), unique-local, multicast, unspecified and
reserved addresses are refused, and so are the names that always mean "this machine".
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Names that reach the machine itself or its cloud metadata service without any DNS answer
# being needed (RFC 6761 reserves .localhost; GCE answers metadata.google.internal locally).
_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
_METADATA_NAMES = frozenset({"metadata.google.internal", "metadata", "instance-data"})
# Cloud metadata endpoints: refused even with allow_private, because what they serve is
# credentials, never a citable page (AWS/GCP/Azure 169.254.169.254, AWS IPv6 fd00:ec2::254,
# Alibaba 100.100.100.200).
_METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052: the last 32 bits are an IPv4 address


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries and that a gateway would deliver to: IPv4-mapped
    (``::ffff:127.0.0.1``), NAT64 (``64:ff9b::7f00:1``), 6to4 (``2002:7f00:1::``) and Teredo.

    >>> embedded_ipv4(ipaddress.ip_address("64:ff9b::7f00:1")), embedded_ipv4(ipaddress.ip_address("2606:4700::1"))
    (IPv4Address('127.0.0.1'), None)
    """
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]  # (server, client): the client is who gets the packets
    return None


def parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """``host`` read as an IPv4 address the way resolvers (``inet_aton``) and browsers (WHATWG URL)
    read it, or None when it is a name: one to four dot-separated parts, each decimal, ``0x`` hex or
    ``0``-led octal, the last part filling the remaining bytes. A proxy resolves ``2130706433``,
    ``0x7f.1`` or ``0177.0.0.1`` to 127.0.0.1, so the policy must too.

    >>> [str(parse_ipv4(h)) for h in ("2130706433", "0x7f000001", "0x7f.0.0.1", "0177.0.0.1", "127.1", "127.000.000.001")]
    ['127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.1']
    >>> parse_ipv4("example.org"), parse_ipv4("1.2.3.4.5"), parse_ipv4("08.0.0.1"), parse_ipv4("256.1.1.1")
    (None, None, None, None)
    """
    parts = host.split(".")
    if parts and parts[-1] == "":
        parts.pop()  # "127.0.0.1." names the same address
    if not 1 <= len(parts) <= 4:
        return None
    numbers = []
    for part in parts:
        if re.fullmatch(r"0[xX][0-9A-Fa-f]*", part):
            numbers.append(int(part[2:] or "0", 16))
        elif re.fullmatch(r"0[0-7]+", part):
            numbers.append(int(part, 8))
        elif re.fullmatch(r"0|[1-9][0-9]*", part):
            numbers.append(int(part))
        else:
            return None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (4 - len(head)):
        return None
    value = last
    for i, n in enumerate(head):
        value += n << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


def parse_host_address(host: str) -> IPAddress | None:
    """``host`` (as ``urlsplit().hostname`` gives it) as an address, in any form a resolver accepts."""
    host = host.split("%", 1)[0]  # an IPv6 zone id ("fe80::1%eth0")
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            return None
    return parse_ipv4(host)


def address_problem(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public address (``"a loopback address"``), or None if it is.

    >>> address_problem(ipaddress.ip_address("10.1.2.3"))
    'a private address'
    >>> address_problem(ipaddress.ip_address("93.184.215.14")) is None
    True
    """
    inner = embedded_ipv4(ip)
    if inner is not None:
        ip = inner  # ::ffff:127.0.0.1 is 127.0.0.1 (Python 3.11 does not see through it)
    if ip in _METADATA_ADDRESSES:
        return "a cloud metadata address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if isinstance(ip, ipaddress.IPv6Address) and ip in ipaddress.IPv6Network("fc00::/7"):
        return "a unique-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_reserved:  # before is_private, which also covers 240.0.0.0/4 in Python 3.11
        return "a reserved address"
    if ip.is_private:
        return "a private address"
    if not ip.is_global:
        # 100.64/10 (carrier-grade NAT), 192.0.0/24 and friends: not routable on the Internet.
        return "a non-public address"
    return None


class AddressPolicy:
    """Decides whether a host may be contacted for an untrusted URL.

    ``allow_private=True`` lifts the address rules (cloud metadata endpoints stay refused).
    ``exempt`` lists networks (CIDR) the operator vouches for, e.g. an intranet wiki
    ``["10.20.0.0/16"]``; their addresses are treated as public.

    >>> AddressPolicy().check("http://127.0.0.1:8080/")
    'points at a loopback address (127.0.0.1)'
    """

    def __init__(self, allow_private: bool = False, *, exempt: Iterable[str] = ()) -> None:
        self.allow_private = allow_private
        self.exempt: tuple[IPNetwork, ...] = tuple(ipaddress.ip_network(n, strict=False) for n in exempt)

    def check(self, url: str) -> str | None:
        """None if ``url``'s host may be contacted, else the reason in words.

        The host is resolved and refused if *any* of its addresses is refused, so a name
        with one public and one loopback record cannot slip through. A name that does not
        resolve is allowed here: the fetch itself then fails with a DNS error.
        """
        return self._check(url, resolve=True)

    def check_unresolved(self, url: str) -> str | None:
        """``check`` without a DNS lookup: the name and a literal address only. For requests
        that go through a proxy, which resolves names itself (archiver must not: the name may
        exist only behind the proxy) and decides what it may reach.

        >>> AddressPolicy().check_unresolved("http://10.0.0.1/"), AddressPolicy().check_unresolved("https://t.co/a")
        ('points at a private address (10.0.0.1)', None)
        """
        return self._check(url, resolve=False)

    def _check(self, url: str, *, resolve: bool) -> str | None:
        try:
            parts = urlsplit(url)
            host = parts.hostname
            port = parts.port
        except ValueError as exc:
            return f"has a malformed host ({exc})"
        if not host:
            return "has no host"
        host = host.rstrip(".").lower()
        name_problem = self._name_problem(host)
        if name_problem:
            return name_problem
        literal = _literal(host)  # 2130706433, 0x7f.1, [::ffff:7f00:1]: no lookup, same verdict either way
        for ip in literal or (self._resolve(host, port or 0) if resolve else []):
            problem = self.ip_problem(ip)
            if problem:
                return f"points at {problem} ({ip})"
        return None

    def ip_problem(self, ip: IPAddress) -> str | None:
        """Why this policy refuses ``ip``, or None (``exempt`` and ``allow_private`` applied)."""
        if any(ip.version == net.version and ip in net for net in self.exempt):
            return None
        problem = address_problem(ip)
        if problem and self.allow_private and problem != "a cloud metadata address":
            return None
        return problem

    def _name_problem(self, host: str) -> str | None:
        if host in _METADATA_NAMES:
            return f"is a cloud metadata host name ({host})"
        if self.allow_private:
            return None
        if host in _LOCAL_NAMES or host.endswith(".localhost"):
            return f"is a local host name ({host})"
        return None

    @staticmethod
    def _resolve(host: str, port: int) -> list[IPAddress]:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError, OSError) as exc:
            logger.debug("address policy: %s does not resolve (%s); the fetch will report it", host, exc)
            return []
        found: list[IPAddress] = []
        for info in infos:
            addr = str(info[4][0]).split("%", 1)[0]  # drop an IPv6 zone id ("fe80::1%eth0")
            try:
                found.append(ipaddress.ip_address(addr))
            except ValueError:
                continue
        return found


def _literal(host: str) -> list[IPAddress]:
    """``host`` as an address when it is an IP literal in any form, else nothing (a name is not resolved)."""
    ip = parse_host_address(host)
    return [] if ip is None else [ip]
