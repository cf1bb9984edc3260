"""When to check a URL next: the interval, jitter and the optional adaptive schedule.

Pure functions of the URL's state, the config and an injected random source, shared by
``check`` (which sets the next due time after every capture) and the daemon.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from archiver.config import ScheduleConfig


def next_due(
    now: datetime,
    *,
    config: ScheduleConfig,
    interval: float | None,
    last_change: datetime | None,
    changed: bool,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> datetime:
    """The next check time: ``now + interval`` spread by ``± jitter``, never before a Retry-After.

    With ``adaptive`` (and no per-URL interval), a source that changed recently is checked at
    ``min_interval``; one that has been stable for a long time backs off towards ``max_interval``:
    the interval grows with the time since the last change (NewsDiffs/Amber style).

    >>> from datetime import UTC
    >>> t = datetime(2026, 1, 1, tzinfo=UTC)
    >>> next_due(t, config=ScheduleConfig(jitter=0), interval=60, last_change=None, changed=False)
    datetime.datetime(2026, 1, 1, 0, 1, tzinfo=datetime.timezone.utc)
    """
    base = interval if interval is not None else config.interval
    if config.adaptive and interval is None:
        if changed or last_change is None:
            base = config.min_interval
        else:
            stable_for = (now - last_change).total_seconds()
            # Check about four times per stable period, bounded by the floor and ceiling.
            base = min(config.max_interval, max(config.min_interval, stable_for / 4))
    spread = base * config.jitter * ((rng or random).uniform(-1.0, 1.0))
    delay = max(0.0, base + spread)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return now + timedelta(seconds=delay)
