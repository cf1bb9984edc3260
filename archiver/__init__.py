"""archiver: capture the URLs documents cite into WARC files, and watch them for edits and takedowns.

Public surface: ``Archive`` (the library facade), ``Config``/``load_config``, and the errors.
"""

from __future__ import annotations

import logging

from archiver.config import Config, load_config
from archiver.errors import (
    ArchiverError,
    CaptureNotFoundError,
    ConfigError,
    DocumentError,
    LockedError,
    StoreError,
    UrlError,
)

__all__ = [
    "Archive",
    "ArchiverError",
    "CaptureNotFoundError",
    "Config",
    "ConfigError",
    "DocumentError",
    "LockedError",
    "StoreError",
    "UrlError",
    "load_config",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())


def __getattr__(name: str) -> object:
    # Archive pulls in every stage; import it on first use so `import archiver.urls` stays light.
    if name == "Archive":
        from archiver.archive import Archive

        return Archive
    raise AttributeError(name)
