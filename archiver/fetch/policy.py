"""Address policy: which hosts an *untrusted* URL (one taken from a document) may reach.

A cited link must not turn archiver into a proxy onto the operator's own network (SSRF):
loopback, private, link-local (cloud metadata), unique-local, multicast, unspecified and
reserved addresses are refused, and so are the names that always mean "this machine".
"""

from __future__ import annotations

import ipaddress
import logging
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


def address_problem(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public address (``"a loopback address"``), or None if it is.

    >>> address_problem(ipaddress.ip_address("10.1.2.3"))
    'a private address'
    >>> address_problem(ipaddress.ip_address("93.184.215.14")) is None
    True
    """
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1 (Python 3.11 does not see through it)
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
        for ip in self._resolve(host, port or 0) if resolve else _literal(host):
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
    """``host`` as an address when it is an IP literal, else nothing (a name is not resolved)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        return []
