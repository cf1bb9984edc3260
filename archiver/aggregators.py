"""Memento (RFC 7089) lookups in other archives: the nearest memento of a URL, for a source
archiver holds no good capture of ("cite instead", marked as someone else's archive).

``[memento] aggregators`` lists URL prefixes, each a TimeGate (``…/web/``, pywb's
``…/<coll>/``) or a TimeMap (``…/timemap/link/``); the URL is appended. A TimeGate is asked
with ``Accept-Datetime`` and answers with a redirect to the memento (its ``Memento-Datetime``
or ``Link`` header gives the time); a TimeMap lists every memento in link format and the
nearest is chosen. Empty by default: no lookup, no traffic.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urljoin

import requests

logger = logging.getLogger(__name__)

_PARAM = re.compile(r";\s*([^=;\s]+)\s*=\s*(?:\"([^\"]*)\"|([^;,\s]*))")


@dataclass(frozen=True, slots=True)
class Memento:
    """One memento of ``original`` in another archive."""

    original: str
    url: str
    datetime: datetime
    source: str  # the TimeGate/TimeMap prefix that gave it


def parse_links(text: str) -> list[tuple[str, dict[str, str]]]:
    """RFC 6690/8288 link-format entries: ``(uri, {param: value})``.

    >>> parse_links('<http://a/1>; rel="memento"; datetime="Mon, 23 Nov 2026 09:45:05 GMT", <http://a/>; rel=original')
    [('http://a/1', {'rel': 'memento', 'datetime': 'Mon, 23 Nov 2026 09:45:05 GMT'}), ('http://a/', {'rel': 'original'})]
    """
    out = []
    pos = 0
    while (start := text.find("<", pos)) != -1:
        end = text.find(">", start)
        if end == -1:
            break
        i, in_quotes = end + 1, False
        while i < len(text) and (in_quotes or text[i] != ","):
            in_quotes ^= text[i] == '"'
            i += 1
        params = {m.group(1).lower(): (m.group(2) if m.group(2) is not None else m.group(3))
                  for m in _PARAM.finditer(text[end + 1 : i])}
        out.append((text[start + 1 : end], params))
        pos = i + 1
    return out


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        t = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def _mementos(links: list[tuple[str, dict[str, str]]], base: str) -> list[tuple[str, datetime]]:
    found = []
    for uri, params in links:
        rels = set((params.get("rel") or "").split())
        t = _when(params.get("datetime"))
        if "memento" in rels and t is not None:
            found.append((urljoin(base, uri), t))
    return found


def _nearest(found: list[tuple[str, datetime]], at: datetime | None) -> tuple[str, datetime] | None:
    if not found:
        return None
    if at is None:
        return max(found, key=lambda f: f[1])
    # Memento datetimes are HTTP-dates, whole seconds (RFC 7089 §2.1.1): compare at that precision,
    # as a TimeGate does with Accept-Datetime, or a memento at 12:00:05 loses to one at 12:00:06
    # for a capture made at 12:00:05.6.
    at = at.replace(microsecond=0)
    return min(found, key=lambda f: abs((f[1] - at).total_seconds()))


class MementoClient:
    """Asks the configured TimeGates/TimeMaps, in order, for the memento nearest a time."""

    def __init__(self, aggregators: tuple[str, ...], *, timeout: float = 20.0, user_agent: str = "archiver") -> None:
        self.aggregators = aggregators
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent

    def close(self) -> None:
        self.session.close()

    def nearest(self, url: str, at: datetime | None = None) -> Memento | None:
        """The nearest memento of ``url`` in the first archive that has one; None when none has."""
        for prefix in self.aggregators:
            try:
                found = self._timemap(prefix, url, at) if "timemap" in prefix else self._timegate(prefix, url, at)
            except requests.RequestException as exc:
                logger.warning("%s: Memento lookup failed: %s", prefix, exc)
                continue
            if found is not None:
                return found
        return None

    def _timemap(self, prefix: str, url: str, at: datetime | None) -> Memento | None:
        r = self.session.get(prefix + url, timeout=self.timeout)
        if r.status_code != 200:
            return None
        best = _nearest(_mementos(parse_links(r.text), r.url), at)
        return Memento(url, best[0], best[1], prefix) if best else None

    def _timegate(self, prefix: str, url: str, at: datetime | None) -> Memento | None:
        headers = {"Accept-Datetime": format_datetime(at.astimezone(UTC), usegmt=True)} if at else {}
        r = self.session.get(prefix + url, headers=headers, allow_redirects=False, timeout=self.timeout)
        links = parse_links(r.headers.get("Link", ""))
        if r.status_code in (301, 302, 303, 307, 308) and r.headers.get("Location"):
            location = urljoin(r.url, r.headers["Location"])
            t = _when(r.headers.get("Memento-Datetime"))
            if t is None:
                t = next((when for uri, when in _mementos(links, r.url) if uri == location), None)
            if t is None:  # ask the memento itself
                head = self.session.head(location, allow_redirects=False, timeout=self.timeout)
                t = _when(head.headers.get("Memento-Datetime"))
            return Memento(url, location, t, prefix) if t is not None else None
        t = _when(r.headers.get("Memento-Datetime"))
        if r.status_code == 200 and t is not None:
            return Memento(url, r.headers.get("Content-Location") and urljoin(r.url, r.headers["Content-Location"]) or r.url, t, prefix)
        best = _nearest(_mementos(links, r.url), at)
        return Memento(url, best[0], best[1], prefix) if best else None
