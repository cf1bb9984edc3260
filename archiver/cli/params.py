"""The command line's own value types: WHEN (a date/time or a duration ago), DURATION, the
``--every`` interval, and URL arguments where ``-`` reads standard input."""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import click

from archiver.config import parse_duration


def parse_when(value: str) -> datetime:
    """A WHEN: an ISO date/time (UTC unless it says otherwise) or a DURATION ago (``2d``)."""
    v = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?\s*(ms|s|m|h|d|w)", v):
        return datetime.now(UTC) - timedelta(seconds=parse_duration(v))
    try:
        t = datetime.fromisoformat(v)  # Python 3.11 reads a trailing Z
    except ValueError:
        raise click.BadParameter(f"{value!r} is neither a date/time (2026-11-23, 2026-11-23T10:00Z) nor a duration (2d)") from None
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


class WhenType(click.ParamType[datetime]):
    name = "WHEN"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return parse_when(str(value))
        except click.BadParameter as exc:
            self.fail(str(exc.message), param, ctx)


class DurationType(click.ParamType[float]):
    name = "DURATION"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        try:
            return parse_duration(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


_EVERY_UNITS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400, "w": 604800, "week": 604800, "weeks": 604800,
}


def parse_every(value: str) -> float:
    """A re-check interval typed by a person: a positive number *with* a unit (``30s``, ``15m``,
    ``6h``, ``1d``, ``2w``, or spelt out: ``"5 minutes"``). A bare number is refused, so
    ``--every 5 minutes`` cannot quietly mean five seconds and a URL called "minutes".

    >>> parse_every("15m"), parse_every("5 minutes"), parse_every("1.5h")
    (900.0, 300.0, 5400.0)
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*", value)
    if not match:
        hint = f" (did you mean {value.strip()}m?)" if re.fullmatch(r"\s*\d+(\.\d+)?\s*", value) else ""
        raise ValueError(f"--every {value!r} needs a number and a unit: 30s, 15m, 6h, 1d, 2w{hint}")
    unit = match.group(2).lower()
    if unit not in _EVERY_UNITS:
        raise ValueError(f"--every {value!r}: unknown unit {match.group(2)!r} (use s, m, h, d or w)")
    seconds = float(match.group(1)) * _EVERY_UNITS[unit]
    if seconds <= 0:
        raise ValueError(f"--every {value!r}: the interval must be longer than zero")
    return seconds


def read_urls(urls: tuple[str, ...]) -> list[str]:
    """URLs from the arguments, where ``-`` stands for standard input: one URL per line (blank
    lines and ``#`` comments skipped)."""
    out: list[str] = []
    for url in urls:
        if url == "-":
            out += [line.strip() for line in sys.stdin if line.strip() and not line.lstrip().startswith("#")]
        else:
            out.append(url)
    return out


