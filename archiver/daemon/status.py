"""Daemon status (around the pipeline): heartbeat and schedule facts from the index → ``DaemonStatus``.

``read_status`` is a pure function of what the ``Archive`` facade reads, the lock holder's pid and an injected ``now``;
``status_text``/``status_json`` format it for ``archiver status``. The daemon writes the heartbeat
keys below into the index's ``meta`` table; nothing else here writes anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from archiver.lock import lock_holder
from archiver.notify import META_NOTIFIED  # "<event id> <detected_at>" of the last event notified

__all__ = ["BEHIND_EXIT", "META_CHECK", "META_NOTIFIED", "META_PID", "META_STARTED", "META_STOPPED", "META_TICK",
           "DaemonStatus", "daemon_status", "human_duration", "read_status", "status_json", "status_text"]

if TYPE_CHECKING:
    from archiver.archive import Archive

#: ``archiver status`` exits with this when the oldest due URL is later than ``schedule.behind_margin``.
BEHIND_EXIT = 3

META_PID = "daemon.pid"
META_STARTED = "daemon.started_at"
META_STOPPED = "daemon.stopped_at"
META_TICK = "daemon.last_tick"
META_CHECK = "daemon.last_check"


@dataclass(frozen=True, slots=True)
class DaemonStatus:
    """Whether the daemon runs and how far behind its schedule the data directory is."""

    now: datetime
    running: bool  # the lock is held by the pid the daemon recorded at start
    pid: int | None  # the daemon's pid (the last one recorded, when it is not running)
    holder: int | None  # the pid holding the data directory lock (-1: unreadable), None: free
    started_at: datetime | None
    stopped_at: datetime | None
    last_tick: datetime | None
    last_check: datetime | None  # the last check by anyone: the daemon or `archiver check`
    urls: int
    due: int  # next_due <= now
    overdue: int  # next_due <= now - behind_margin
    oldest_due: datetime | None  # the earliest next_due that has passed; None when nothing is due
    behind_margin: float
    counts: dict[str, int] = field(default_factory=dict)
    next_due: datetime | None = None  # the earliest next_due of all URLs (may be in the future)
    daemon_last_check: datetime | None = None  # the daemon's own last check

    @property
    def behind(self) -> float:
        """Seconds the most overdue URL is late (0 when nothing is due)."""
        if self.oldest_due is None:
            return 0.0
        return max(0.0, (self.now - self.oldest_due).total_seconds())

    @property
    def is_behind(self) -> bool:
        return self.behind > self.behind_margin


def read_status(archive: Archive, *, now: datetime, holder: int | None, behind_margin: float) -> DaemonStatus:
    """The status as of ``now``; ``holder`` is ``archiver.lock.lock_holder(data_dir)``."""
    pid_text = archive.meta(META_PID)
    pid = int(pid_text) if pid_text and pid_text.isdigit() else None
    earliest = archive.oldest_due()
    daemon_check = archive.meta_time(META_CHECK)
    any_check = archive.last_checked()
    last_check = max((t for t in (daemon_check, any_check) if t is not None), default=None)
    return DaemonStatus(
        now=now,
        running=holder is not None and pid is not None and holder == pid,
        pid=pid,
        holder=holder,
        started_at=archive.meta_time(META_STARTED),
        stopped_at=archive.meta_time(META_STOPPED),
        last_tick=archive.meta_time(META_TICK),
        last_check=last_check,
        urls=archive.url_count(),
        due=archive.due_count(now),
        overdue=archive.due_count(now - timedelta(seconds=behind_margin)),
        oldest_due=earliest if earliest is not None and earliest <= now else None,
        behind_margin=behind_margin,
        counts=archive.status_counts(),
        next_due=earliest,
        daemon_last_check=daemon_check,
    )


def daemon_status(archive: Archive) -> DaemonStatus:
    """``read_status`` for an open archive, with its clock and its lock file."""
    return read_status(
        archive,
        now=archive.clock(),
        holder=lock_holder(archive.data_dir),
        behind_margin=archive.config.schedule.behind_margin,
    )


# --------------------------------------------------------------------------- formatting


def human_duration(seconds: float) -> str:
    """A short duration for people.

    >>> human_duration(0.4), human_duration(75), human_duration(7384), human_duration(200000)
    ('0s', '1m15s', '2h03m', '2d07h')
    """
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600:02d}h"


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _ago(status: DaemonStatus, t: datetime | None) -> str:
    if t is None:
        return "never"
    return f"{_iso(t)} ({human_duration((status.now - t).total_seconds())} ago)"


def _by(status: DaemonStatus) -> str:
    if status.last_check is None:
        return ""
    if status.daemon_last_check is not None and status.daemon_last_check >= status.last_check:
        return " by the daemon"
    return " by `archiver check`"


def _daemon_line(status: DaemonStatus) -> str:
    if status.running:
        return f"daemon:     running (pid {status.pid}) since {_iso(status.started_at)}, last tick {_ago(status, status.last_tick)}"
    held = ""
    if status.holder is not None:
        held = f"; the data directory is held by pid {status.holder} (an `archiver check`?)" if status.holder > 0 else "; the data directory is locked"
    if status.pid is None:
        return f"daemon:     not running (never started on this data directory){held}"
    return f"daemon:     not running (pid {status.pid} last ticked {_ago(status, status.last_tick)}){held}"


def status_text(status: DaemonStatus) -> str:
    """The text form of ``archiver status``."""
    margin = human_duration(status.behind_margin)
    behind = human_duration(status.behind)
    verdict = f"BEHIND by {behind} (margin {margin})" if status.is_behind else f"on schedule (late by {behind}, margin {margin})"
    counts = ", ".join(f"{name} {n}" for name, n in status.counts.items() if n) or "none"
    return "\n".join(
        [
            _daemon_line(status),
            f"last check: {_ago(status, status.last_check)}{_by(status)}",
            f"urls:       {status.urls} watched, {status.due} due, {status.overdue} overdue by more than {margin}"
            + (f"; next due {_iso(status.next_due)}" if not status.due and status.next_due else ""),
            f"schedule:   {verdict}",
            f"statuses:   {counts}",
        ]
    )


def status_json(status: DaemonStatus) -> dict[str, Any]:
    """The JSON form of ``archiver status --format json`` (keys may be added, never removed)."""
    return {
        "generated_at": _iso(status.now),
        "daemon": {
            "running": status.running,
            "pid": status.pid,
            "lock_holder": status.holder,
            "started_at": _iso(status.started_at),
            "stopped_at": _iso(status.stopped_at),
            "last_tick": _iso(status.last_tick),
        },
        "last_check": _iso(status.last_check),
        "daemon_last_check": _iso(status.daemon_last_check),
        "urls": status.urls,
        "due": status.due,
        "overdue": status.overdue,
        "oldest_due": _iso(status.oldest_due),
        "next_due": _iso(status.next_due),
        "behind_seconds": round(status.behind, 3),
        "behind_margin_seconds": status.behind_margin,
        "behind": status.is_behind,
        "counts": dict(status.counts),
    }
