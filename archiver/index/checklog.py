"""The log of unchanged re-checks (SQLite only, experimental, off unless ``[index] check_log`` is set).

A check that changes nothing but time (no verdict, no new text, no requisites, screenshot or
page metadata, a good revisit, the URL's status kept and no failures) is appended to
``check_log`` instead of writing its capture row and its URL's row: an append-only table with
one narrow index (a 63-bit hash of the URL), where today's path dirties a page of four B-trees
keyed at random against the due order. Every read of captures and URL state overlays the log
(``IndexReads``), and ``fold`` moves it into ``captures`` and ``urls`` in one transaction, the
same rows ``record_checks`` would have written. Any other write to a URL folds that URL first.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from typing import Any

from archiver.index.rows import _CAPTURE_COLUMNS

#: The capture columns and the cached text key, as both tables hold them.
CAPTURE_ROW = _CAPTURE_COLUMNS + ", text_key"


def ukey(url: str) -> int:
    """The log's key of a URL: stable across VACUUM (``urls.rowid`` is not), 8 bytes wide."""
    return int.from_bytes(hashlib.blake2b(url.encode("utf-8"), digest_size=8).digest(), "big") >> 1


def with_ukey(conn: Any) -> Any:
    """``conn`` with ``archiver_ukey(url)``, so SQL finds a URL's log rows through the log's index."""
    conn.create_function("archiver_ukey", 1, ukey, deterministic=True)
    return conn


def union(where_captures: str = "", where_log: str = "") -> str:
    """Captures and logged checks as one row source: the capture row and text key, then ``src``
    (0: captures, 1: the log) and ``rid`` (rowid, seq), which order ties as the table would."""
    return (f"(SELECT {CAPTURE_ROW}, 0 AS src, rowid AS rid FROM captures {where_captures} "
            f"UNION ALL SELECT {CAPTURE_ROW}, 1 AS src, seq AS rid FROM check_log {where_log})")


def of_url(url: str) -> tuple[str, list[Any]]:
    """``union`` of one URL's rows, and its parameters."""
    return union("WHERE url = ?", "WHERE ukey = ? AND url = ?"), [url, ukey(url), url]


#: Each logged URL's newest log row (its state) and how many it has (checks to add).
LATEST = ("SELECT l.url, l.captured_at, l.id, l.next_due, g.n FROM check_log l "
          "JOIN (SELECT max(seq) AS s, count(*) AS n FROM check_log {where} GROUP BY url) g ON l.seq = g.s")

#: A URL the log holds, for ``NOT EXISTS``: its own row's next check and last check are stale.
_UNLOGGED = "NOT EXISTS (SELECT 1 FROM check_log l WHERE l.ukey = archiver_ukey(u.url) AND l.url = u.url)"
#: Each logged URL's newest log row.
_NEWEST = "l.seq IN (SELECT max(seq) FROM check_log GROUP BY url)"


def due(limit: bool) -> str:
    """Every URL's effective next check at or before ``?`` (its own row's unless the log holds it, then
    its newest log row's) as ``url, due, rid`` (``rid``: the row's rowid, the order of ties); each
    branch in due order, and with ``limit`` cut at ``?``, so the table's side walks ``urls_next_due``.
    Parameters: now, [limit,] now[, limit]."""
    cut = " LIMIT ?" if limit else ""
    return (f"(SELECT * FROM (SELECT u.url AS url, u.next_due AS due, u.rowid AS rid FROM urls u "
            f"WHERE u.next_due IS NOT NULL AND u.next_due <= ? AND {_UNLOGGED} ORDER BY u.next_due, u.rowid{cut}) "
            f"UNION ALL SELECT * FROM (SELECT l.url, l.next_due, u.rowid FROM check_log l JOIN urls u ON u.url = l.url "
            f"WHERE l.next_due <= ? AND {_NEWEST} ORDER BY l.next_due, u.rowid{cut}))")


#: The oldest next check of all (the table's side walks ``urls_next_due`` to its first unlogged URL).
OLDEST = (f"SELECT min(d) FROM (SELECT * FROM (SELECT u.next_due AS d FROM urls u WHERE u.next_due IS NOT NULL "
          f"AND {_UNLOGGED} ORDER BY u.next_due LIMIT 1) "
          f"UNION ALL SELECT l.next_due FROM check_log l JOIN urls u ON u.url = l.url WHERE {_NEWEST})")
#: The last check of all.
LAST = (f"SELECT max(d) FROM (SELECT max(u.last_checked) AS d FROM urls u WHERE {_UNLOGGED} "
        f"UNION ALL SELECT max(l.captured_at) FROM check_log l JOIN urls u ON u.url = l.url WHERE {_NEWEST})")


def fold(conn: Any, urls: Sequence[str] | None = None) -> int:
    """Move logged checks (of ``urls``, or all) into ``captures`` and ``urls``, inside the caller's
    transaction: the capture rows by URL and in log order, each URL's state from its newest log row and its
    ``checks`` raised by its number of rows. Returns how many rows were folded."""
    if urls is None:
        where, params = "", []
    else:
        if not urls:
            return 0
        marks = ",".join("?" * len(urls))
        where, params = f"WHERE ukey IN ({marks}) AND url IN ({marks})", [ukey(u) for u in urls] + list(urls)
    # In (url, time) order: the merge walks captures(url, captured_at) once instead of a page per row.
    conn.execute(f"INSERT OR IGNORE INTO captures ({CAPTURE_ROW}) SELECT {CAPTURE_ROW} FROM check_log {where} "
                 "ORDER BY url, seq", params)
    conn.execute(
        "UPDATE urls SET last_checked = s.captured_at, last_capture = s.id, last_good_capture = s.id, "
        f"next_due = s.next_due, checks = urls.checks + s.n FROM ({LATEST.format(where=where)}) AS s "
        "WHERE urls.url = s.url",
        params,
    )
    return int(conn.execute(f"DELETE FROM check_log {where}", params).rowcount)


def logged(conn: Any, url: str) -> bool:
    return conn.execute("SELECT 1 FROM check_log WHERE ukey = ? AND url = ? LIMIT 1", (ukey(url), url)).fetchone() is not None


class IdCache:
    """Where a logged capture is by id (the log has no id index, which would cost a random page
    per check): capture id -> seq, filled from the rows past the last one seen. Seqs never repeat
    (AUTOINCREMENT): a cached seq whose row is gone was folded, and once the log's first row is past
    the cache's first, the cache starts over."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seq: dict[str, int] = {}
        self._first: int | None = None
        self._through = 0

    def _refresh(self, conn: Any) -> None:
        low = conn.execute("SELECT min(seq) FROM check_log").fetchone()[0]
        if low is None:
            self._seq.clear()
            self._first = None
            return
        if self._first is None or self._first < low:  # empty, or folded whole since
            self._seq.clear()
            self._first, self._through = None, low - 1
        for s, i in conn.execute("SELECT seq, id FROM check_log WHERE seq > ? ORDER BY seq", (self._through,)):
            self._seq[i], self._through = s, s
            if self._first is None:
                self._first = s

    def row(self, conn: Any, capture_id: str, columns: str) -> tuple[Any, ...] | None:
        """``columns`` of the logged check ``capture_id``, or None when the log has none."""
        with self._lock:
            seq = self._seq.get(capture_id)
            if seq is None:
                self._refresh(conn)
                seq = self._seq.get(capture_id)
                if seq is None:
                    return None
            found = conn.execute(f"SELECT {columns} FROM check_log WHERE seq = ? AND id = ?", (seq, capture_id)).fetchone()
            if found is None:  # folded since (the caller looks in captures again)
                del self._seq[capture_id]
                return None
            return tuple(found)
