"""What the benchmarks measure and how they print it: CPU seconds, peak RSS, bytes on disk and
written, the machine and its load, a Markdown table."""

from __future__ import annotations

import os
import platform
import resource
import sqlite3
from collections.abc import Sequence
from pathlib import Path


def dir_bytes(path: Path, pattern: str = "*") -> int:
    return sum(p.stat().st_size for p in path.rglob(pattern) if p.is_file()) if path.exists() else 0


def index_bytes(data_dir: Path) -> int:
    """The index's size once its WAL is checkpointed into the main file."""
    db = data_dir / "index.db"
    if not db.exists():
        return 0
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return db.stat().st_size + dir_bytes(data_dir, "index.db-wal")


def cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    """User + system CPU seconds: less sensitive to other load on the machine than wall time."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def disk_writes() -> int:
    """Bytes this process caused to be sent to the storage layer so far (``write_bytes`` of
    /proc/self/io: WARC appends, SQLite's WAL, checkpoints and journal), -1 when unknown."""
    try:
        for line in Path("/proc/self/io").read_text().splitlines():
            if line.startswith("write_bytes:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return -1


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def machine() -> dict[str, str]:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "memory": mem,
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> str:
    cells = [[str(c) for c in header]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[k]) for r in cells) for k in range(len(header))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |" for r in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def print_machine(load_before: str) -> None:
    m = machine()
    print(
        f"machine: {m['nproc']} CPUs, {m['cpu']}, {m['memory']} RAM, Python {m['python']}, Linux {m['kernel']}"
    )
    print(f"load average before: {load_before}")
