"""What every command shares: the ``Context`` the group hands it, errors as exit codes, logging.

Exit codes follow the interface: 0 success (dead sites are findings), 1 archiver could not do
what was asked (``errors_as_exit``), 2 usage (``refuse``, click's own usage errors).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from archiver.archive import Archive
from archiver.config import Config
from archiver.errors import ArchiverError


class Context:
    """What the group hands every command: the config and a lazily opened Archive."""

    def __init__(self, config: Config, data_dir: Path) -> None:
        self.config = config
        self.data_dir = data_dir
        self._archive: Archive | None = None

    @property
    def archive(self) -> Archive:
        if self._archive is None:
            self._archive = Archive(self.data_dir, self.config)
        return self._archive

    def close(self) -> None:
        if self._archive is not None:
            self._archive.close()


def refuse(command: str, message: str) -> None:
    """A usage error as one line on stderr (exit 2), for mistakes a person makes often."""
    click.echo(f"archiver {command}: {message}", err=True)
    sys.exit(2)


@contextmanager
def errors_as_exit() -> Iterator[None]:
    """ArchiverError → one line on stderr and exit 1 (click.ClickException)."""
    try:
        yield
    except ArchiverError as exc:
        raise click.ClickException(str(exc)) from None


def setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S"))
    root = logging.getLogger("archiver")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    # One INFO line per check (the checker's): each HTTP exchange, requisite and screenshot is
    # detail, shown from -vv on.
    for detail in ("archiver.fetch", "archiver.requisites", "archiver.browser", "archiver.versions"):
        logging.getLogger(detail).setLevel(logging.DEBUG if verbose >= 2 else max(level, logging.WARNING))
    logging.getLogger("archiver.fetch.throttle").setLevel(level)  # a host deferred (Retry-After) is news, not detail


pass_ctx = click.make_pass_decorator(Context)
