"""How commands write: counted nouns, colours (``NO_COLOR``), ``-o FILE``, a progress bar on a terminal."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def plural(n: int, word: str, many: str | None = None) -> str:
    """``plural(1, "document") == "1 document"``, ``plural(2, "URL") == "2 URLs"``."""
    return f"{n} {word}" if n == 1 else f"{n} {many or word + 's'}"


def no_color() -> bool:
    """Whether ``NO_COLOR`` asks for no colours (https://no-color.org: set and not empty)."""
    return bool(os.environ.get("NO_COLOR"))


def output_option(f: F) -> F:
    return click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to FILE instead of stdout.")(f)


def write_output(text: str, output: str | None) -> None:
    if output:
        tmp = Path(output + ".tmp")
        tmp.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        tmp.replace(output)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text.rstrip("\n"))


@contextmanager
def progress_bar(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on a terminal; nothing otherwise (logs stay quiet)."""
    if sys.stderr.isatty() and total > 1:
        with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
            yield bar.update
    else:
        yield lambda n: None
