"""Stage 2, fetch: a URL → ``FetchResult`` (every redirect hop, the body as sent, failures as values).

``Fetcher`` does the HTTP; ``AddressPolicy`` keeps untrusted URLs off private networks;
``HostThrottle`` spaces requests per host; ``parse_retry_after`` reads ``Retry-After``.
"""

from __future__ import annotations

from archiver.fetch.fetcher import REDIRECT_STATUSES, Fetcher, url_problem
from archiver.fetch.policy import AddressPolicy
from archiver.fetch.throttle import HostThrottle, parse_retry_after

__all__ = [
    "REDIRECT_STATUSES",
    "AddressPolicy",
    "Fetcher",
    "HostThrottle",
    "parse_retry_after",
    "url_problem",
]
