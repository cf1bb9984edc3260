"""Errors archiver raises when it cannot do what was asked.

A dead site is *not* an error: fetch failures are values (``FetchResult.outcome``).
These exceptions are for archiver itself failing::

    ArchiverError
    ├── ConfigError          bad or unknown config key, unreadable file
    ├── DocumentError        unreadable/undecodable input document (names file and line)
    ├── UrlError             a URL that cannot be parsed or watched (names the URL)
    ├── StoreError           WARC or index cannot be written/read (disk full, corrupt record)
    │   └── LockedError      another writer (a daemon) holds the data directory
    └── CaptureNotFoundError cite/serve/diff asked for a capture that does not exist
"""

from __future__ import annotations


class ArchiverError(Exception):
    """Root of every error archiver raises on purpose."""


class ConfigError(ArchiverError):
    """A configuration file is unreadable or holds an unknown or mistyped key."""


class DocumentError(ArchiverError):
    """An input document cannot be read or decoded."""


class UrlError(ArchiverError):
    """A URL cannot be parsed, or is not one archiver may watch."""


class StoreError(ArchiverError):
    """The WARC store or the SQLite index cannot be written or read."""


class LockedError(StoreError):
    """Another process (usually the daemon) holds the data directory's lock."""


class CaptureNotFoundError(ArchiverError):
    """No capture matches the URL, time or identifier asked for."""
