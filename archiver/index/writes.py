"""The index's writes: URLs, citations, texts, and each commit of checks (``record_checks``),
with the captures read back from WARC files (after a crash, and by ``rebuild-index``).

One writer thread (the owner's connection); every multi-row write is one transaction.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from archiver.engine import DB_ERRORS
from archiver.engine.postgres import PgConnection
from archiver.errors import StoreError
from archiver.index import checklog
from archiver.index.connection import _chunks
from archiver.index.reads import IndexReads
from archiver.index.rows import (
    _CAPTURE_COLUMNS,
    CheckRecord,
    _capture_values,
    _insert_versions,
    _record_checks_extras,
    diff_to_json,
    text_to_blob,
    to_db_time,
)
from archiver.index.schema import _INDEXED
from archiver.models import (
    Capture,
    Citation,
    Event,
    EventType,
    Outcome,
    ProbeResult,
    Requisite,
    Screenshot,
    TextVersion,
)

logger = logging.getLogger(__name__)


class IndexWrites(IndexReads):
    """The writes of the index."""

    # -- urls --------------------------------------------------------------------------------

    def add_urls(
        self,
        urls: Iterable[str],
        *,
        now: datetime,
        origin: str = "operator",
        kind_of: Any = None,
        interval: float | None = None,
        tags: Sequence[str] = (),
    ) -> int:
        """Register URLs (duplicates merge; an operator's ``add`` upgrades a document URL's origin).

        Returns how many were new. ``kind_of`` maps a URL to its kind ("page", "post"…).
        """
        t = to_db_time(now)
        conn = self.db.conn
        rows = ((u, t, origin, kind_of(u) if kind_of else "page", interval, json.dumps(list(tags)), t) for u in urls)
        with conn:
            cur = conn.executemany(
                "INSERT OR IGNORE INTO urls (url, first_seen, origin, kind, interval, tags, next_due) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        return max(cur.rowcount, 0)

    def update_urls(
        self, urls: Sequence[str], *, origin: str | None = None, interval: float | None = None,
        tags: Sequence[str] = (), browser: bool | None = None, now: datetime | None = None,
    ) -> None:
        """Apply an operator's options to already-registered URLs (``browser``: render in Chromium).

        A new ``interval`` takes effect at once: a URL due later than ``now + interval`` is
        rescheduled to then (``add --every 1s`` does not wait out the old day-long interval)."""
        with self.db.conn as conn:
            self._fold(conn, urls)
            for u in urls:
                if browser is not None:
                    conn.execute("UPDATE urls SET browser = ? WHERE url = ?", (int(browser), u))
                if origin:
                    conn.execute("UPDATE urls SET origin = ? WHERE url = ?", (origin, u))
                if interval is not None:
                    conn.execute("UPDATE urls SET interval = ? WHERE url = ?", (interval, u))
                    if now is not None:
                        soon = to_db_time(now + timedelta(seconds=interval))
                        conn.execute("UPDATE urls SET next_due = ? WHERE url = ? AND (next_due IS NULL OR next_due > ?)",
                                     (soon, u, soon))
                if tags:
                    row = conn.execute("SELECT tags FROM urls WHERE url = ?", (u,)).fetchone()
                    if row:
                        merged = sorted(set(json.loads(row[0])) | set(tags))
                        conn.execute("UPDATE urls SET tags = ? WHERE url = ?", (json.dumps(merged), u))

    def remove_urls(self, urls: Sequence[str]) -> list[str]:
        """Stop watching ``urls``: their rows go, their captures, texts and events stay (``add``
        brings a URL back with its history). Returns the URLs that were watched."""
        removed: list[str] = []
        with self.db.conn as conn:
            self._fold(conn, urls)
            for u in urls:
                if conn.execute("DELETE FROM urls WHERE url = ?", (u,)).rowcount:
                    removed.append(u)
        return removed

    def set_next_due(self, urls: Sequence[str], when: datetime) -> None:
        with self.db.conn as conn:
            self._fold(conn, urls)
            conn.executemany("UPDATE urls SET next_due = ? WHERE url = ?", [(to_db_time(when), u) for u in urls])

    # -- documents and citations -----------------------------------------------------------

    def add_citations(self, document: str, source_url: str | None, digest: str, citations: Sequence[Citation], *, now: datetime) -> None:
        """Replace a document's citations (re-importing an edited document updates them)."""
        with self.db.conn as conn:
            conn.execute("DELETE FROM citations WHERE document = ?", (document,))
            conn.executemany(
                "INSERT INTO citations (document, position, url, url_as_written, anchor, context, kind) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(document, c.position, c.url, c.url_as_written, c.anchor, c.context, c.kind) for c in citations],
            )
            conn.execute(
                "INSERT OR REPLACE INTO documents (path, source_url, digest, imported_at, citations) VALUES (?, ?, ?, ?, ?)",
                (document, source_url, digest, to_db_time(now), len(citations)),
            )

    # -- texts and templates -----------------------------------------------------------------

    def put_host_template(self, host: str, template_id: str, body: dict[str, Any], *, now: datetime) -> None:
        with self.db.conn as conn:
            conn.execute(
                "INSERT OR REPLACE INTO host_templates (host, id, body, learned_at) VALUES (?, ?, ?, ?)",
                (host, template_id, json.dumps(body, sort_keys=True), to_db_time(now)),
            )

    def put_text(self, key: str, text: TextVersion) -> None:
        with self.db.conn as conn:
            conn.execute("INSERT OR IGNORE INTO texts (key, body) VALUES (?, ?)", (key, text_to_blob(text)))

    # -- the write of one check ------------------------------------------------------------

    def record_checks(
        self, records: Sequence[CheckRecord], *, now: datetime, screenshots: Sequence[Screenshot] = ()
    ) -> list[Event]:
        """Commit checks atomically: capture rows, texts, URL state, events. Returns the new events.

        ``screenshots``: those the screenshot queue took since the last commit, of checks recorded
        in this or an earlier commit. Called only after the checks' and screenshots' WARC records
        are flushed, so no row points at nothing.
        """
        events: list[Event] = []
        t = to_db_time(now)
        conn = self.db.conn
        logged = 0
        try:
            with conn:
                if screenshots:
                    _insert_versions(conn, (), screenshots)
                for rec in records:
                    c = rec.capture
                    if self._loggable(conn, rec):
                        conn.execute(
                            f"INSERT INTO check_log (ukey, next_due, {checklog.CAPTURE_ROW}) VALUES ({','.join('?' * 21)})",
                            (checklog.ukey(c.url), to_db_time(rec.next_due),
                             *_capture_values(c, str(rec.text_key) if rec.text_key else None)),
                        )
                        logged += 1
                        continue
                    if self._log and checklog.logged(conn, c.url):
                        self._fold(conn, [c.url])  # this check moves the URL on from its logged ones
                    if self.lease_owner is not None and not conn.execute(
                        "UPDATE urls SET lease_owner = NULL, lease_expires = NULL WHERE url = ? AND lease_owner = ?",
                        (c.url, self.lease_owner),
                    ).rowcount:  # the lease ran out and another worker took the URL: its check counts
                        logger.warning("%s: lease lost to another worker; this check is not recorded", c.url)
                        continue
                    conn.execute(
                        f"INSERT OR IGNORE INTO captures ({_CAPTURE_COLUMNS}, text_key) VALUES ({','.join('?' * 19)})",
                        _capture_values(c, str(rec.text_key) if rec.text_key else None),
                    )
                    if rec.text is not None and rec.text_key:
                        conn.execute(
                            "INSERT OR IGNORE INTO texts (key, body) VALUES (?, ?)",
                            (str(rec.text_key), text_to_blob(rec.text)),
                        )
                    row = conn.execute(
                        "SELECT last_capture, last_good_capture FROM urls WHERE url = ?", (c.url,)
                    ).fetchone()
                    previous = row[0] if row else None
                    last_good = c.id if rec.good else (row[1] if row else None)
                    conn.execute(
                        "UPDATE urls SET last_checked = ?, status = ?, consecutive_failures = ?, last_capture = ?, "
                        "last_good_capture = ?, checks = checks + 1, next_due = ?, "
                        "last_change = CASE WHEN ? = 1 THEN ? ELSE last_change END WHERE url = ?",
                        (
                            to_db_time(c.captured_at), str(rec.status), rec.consecutive_failures, c.id, last_good,
                            to_db_time(rec.next_due), int(rec.changed), t, c.url,
                        ),
                    )
                    _record_checks_extras(conn, rec)
                    for v in rec.verdicts:
                        cur = conn.execute(
                            "INSERT OR IGNORE INTO events (url, type, reason, detected_at, capture, previous_capture, summary, evidence, diff) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (
                                c.url, str(v.type), v.reason, t, c.id, previous, v.summary,
                                json.dumps(v.evidence, ensure_ascii=False, default=str),
                                diff_to_json(rec.diff) if v.type == EventType.EDITED else None,
                            ),
                        )
                        if cur.rowcount:
                            events.append(
                                Event(
                                    id=int(cur.lastrowid or 0), url=c.url, type=v.type, reason=v.reason, detected_at=now,
                                    capture=c.id, previous_capture=previous, summary=v.summary, evidence=v.evidence,
                                    diff=rec.diff if v.type == EventType.EDITED else None,
                                )
                            )
        except DB_ERRORS as exc:
            raise StoreError(f"{self.path}: cannot record checks: {exc}") from None
        self._log_rows += logged
        if self._log_rows and self._log_rows >= self.check_log_fold:
            self.fold_log()
        return events

    # -- the check log (``checklog``) ----------------------------------------------------------

    def _loggable(self, conn: Any, rec: CheckRecord) -> bool:
        """Whether this check changes nothing but time, so the check log may hold it: a good
        revisit, no verdict, text, requisites, screenshot or page metadata, its URL's status kept and
        no failures (before or now), its id new."""
        c = rec.capture
        if (not self._log or self.check_log_fold <= 0 or self.lease_owner is not None or rec.verdicts or rec.changed
                or not rec.good or rec.consecutive_failures or rec.diff is not None or rec.requisites
                or rec.screenshot is not None or rec.page_meta is not None or c.outcome != Outcome.OK
                or c.record_type != "revisit"):
            return False
        row = conn.execute("SELECT status, consecutive_failures FROM urls WHERE url = ?", (c.url,)).fetchone()
        if row is None or row[0] != str(rec.status) or row[1] != 0:
            return False
        if rec.text is not None and rec.text_key and not conn.execute(
                "SELECT 1 FROM texts WHERE key = ?", (str(rec.text_key),)).fetchone():
            return False
        return conn.execute("SELECT 1 FROM captures WHERE id = ?", (c.id,)).fetchone() is None

    def _fold(self, conn: Any, urls: Sequence[str] | None = None) -> None:
        """Fold the check log (of ``urls``, or all) inside the caller's transaction."""
        if not self._log or not conn.execute("SELECT 1 FROM check_log LIMIT 1").fetchone():
            return
        if urls is None:
            checklog.fold(conn)
            self._log_rows = 0
            return
        for chunk in _chunks(list(urls), 500):
            self._log_rows = max(0, self._log_rows - checklog.fold(conn, chunk))

    def fold_log(self) -> None:
        """Move the whole check log into ``captures`` and ``urls``, in one transaction."""
        if not self._log or self.read_only or not self.db.conn.execute("SELECT 1 FROM check_log LIMIT 1").fetchone():
            self._log_rows = 0
            return
        conn = self.db.conn
        cache = conn.execute("PRAGMA cache_size").fetchone()[0]
        conn.execute("PRAGMA cache_size = -65536")  # 64 MB: a fold rewrites a page of each tree once, not on each spill
        try:
            with conn:
                self._fold(conn)
        except DB_ERRORS as exc:
            raise StoreError(f"{self.path}: cannot fold the check log: {exc}") from None
        finally:
            conn.execute(f"PRAGMA cache_size = {int(cache)}")

    def close(self) -> None:
        """Fold the check log (a copy or a migration sees every check in its tables), then close."""
        if self._closed:  # an archive may close its index twice
            return
        try:
            self.fold_log()
        finally:
            self._closed = True
            super().close()

    # -- captures read back from the WARC files ----------------------------------------------

    def insert_captures(self, captures: Iterable[Capture]) -> int:
        """Insert captures read back from WARC files (``rebuild-index``, and the captures a crash left
        unindexed); existing ids are kept.

        A URL's state is left as its last recorded check left it: ``checks`` counts the checks whose
        verdict was recorded (``record_checks``), and a capture found in a WARC was never judged. Its
        URL stays due, and its next check is judged against the last recorded capture, so a change
        it holds is still reported (see README "Data layout")."""
        with self.db.conn as conn:
            logged = {r[0] for r in conn.execute("SELECT id FROM check_log")} if self._log else set()
            return sum(_insert_found(conn, "captures", c) for c in captures if c.id not in logged)

    def replace_captures(self, captures: Iterable[Capture], *, indexed_through: dict[str, int] | None = None) -> int:
        """Replace every capture row with ``captures`` (``rebuild-index``), crash-safely.

        The new rows are built in a table beside the old one (``captures_rebuild``, a copy of the
        live table's own definition, so columns added by later migrations come along), then
        swapped in by one transaction: a kill -9 at any moment leaves either the old rows or the
        new ones, never none. A capture that keeps its id keeps its cached text key.
        """
        self.fold_log()
        conn = self.db.conn
        try:
            with conn:
                conn.execute("DROP TABLE IF EXISTS captures_rebuild")  # left by a rebuild that was killed
                if isinstance(conn, PgConnection):
                    conn.raw("CREATE TABLE captures_rebuild (LIKE captures INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
                             "INCLUDING INDEXES)")
                else:
                    schema = conn.execute(
                        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'captures'").fetchone()[0]
                    conn.execute(schema.replace("CREATE TABLE captures", "CREATE TABLE captures_rebuild", 1))
            with conn:
                n = sum(_insert_found(conn, "captures_rebuild", c) for c in captures)
            with conn:  # the swap: one transaction
                conn.execute(
                    "UPDATE captures_rebuild SET text_key = (SELECT c.text_key FROM captures c WHERE c.id = captures_rebuild.id) "
                    "WHERE EXISTS (SELECT 1 FROM captures c WHERE c.id = captures_rebuild.id AND c.text_key IS NOT NULL)"
                )
                conn.execute("DELETE FROM captures")
                conn.execute("INSERT INTO captures SELECT * FROM captures_rebuild")
                conn.execute("DROP TABLE captures_rebuild")
                if indexed_through:
                    conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                                     [(_INDEXED + name, str(offset)) for name, offset in indexed_through.items()])
        except DB_ERRORS as exc:
            raise StoreError(f"{self.path}: cannot rebuild the captures table: {exc}") from None
        return n

    def set_indexed_through(self, marks: dict[str, int]) -> None:
        """Record, per WARC file, the offset up to which every capture has its row (one transaction)."""
        with self.db.conn as conn:
            conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                             [(_INDEXED + name, str(offset)) for name, offset in marks.items()])

    def delete_captures(self) -> None:
        with self.db.conn as conn:
            self._fold(conn)
            conn.execute("DELETE FROM captures")

    # -- requisites and screenshots (rebuild-index) ------------------------------------------

    def replace_versions(self, requisites: Iterable[Requisite], screenshots: Iterable[Screenshot]) -> None:
        """Replace every requisite and screenshot row (``rebuild-index``), in one transaction."""
        try:
            with self.db.conn as conn:
                conn.execute("DELETE FROM requisites")
                conn.execute("DELETE FROM screenshots")
                _insert_versions(conn, requisites, screenshots)
        except DB_ERRORS as exc:
            raise StoreError(f"{self.path}: cannot rebuild the requisites and screenshots: {exc}") from None

    # -- probes, meta, citation metadata, record seals ---------------------------------------

    def put_probe(self, probe: ProbeResult, *, now: datetime) -> None:
        with self.db.conn as conn:
            conn.execute(
                "INSERT OR REPLACE INTO probes (host, probed_at, result) VALUES (?, ?, ?)",
                (probe.host, to_db_time(now), json.dumps(asdict(probe))),
            )

    def set_meta(self, key: str, value: str | None) -> None:
        with self.db.conn as conn:
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def put_capture_meta(self, capture_id: str, meta: str) -> None:
        try:  # from any thread (the web view reads, and caches, in its request threads)
            with self._conn() as conn:
                conn.execute("INSERT OR REPLACE INTO capture_meta (capture, meta) VALUES (?, ?)", (capture_id, meta))
        except DB_ERRORS as exc:  # a cache: a read-only archive recomputes it each time
            logger.debug("capture metadata not cached: %s", exc)

    def put_record_seals(self, seals: Sequence[tuple[str, int, int, str, str]], *, now: datetime) -> None:
        """Seal records ``(warc_file, offset, length, sha256, blocks JSON)``; an existing seal is kept."""
        if not seals:
            return
        with self._conn() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO record_seals (warc_file, offset, length, sha256, blocks, sealed_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(*seal, to_db_time(now)) for seal in seals],
            )


def _insert_found(conn: Any, table: str, c: Capture) -> int:
    """One capture read from a WARC into ``table`` (and its URL, when new); 1 when the row is new."""
    cur = conn.execute(
        f"INSERT OR IGNORE INTO {table} ({_CAPTURE_COLUMNS}, text_key) VALUES ({','.join('?' * 19)})",
        _capture_values(c, c.payload_digest if c.outcome == Outcome.OK else None),
    )
    conn.execute("INSERT OR IGNORE INTO urls (url, first_seen, next_due) VALUES (?, ?, ?)",
                 (c.url, to_db_time(c.captured_at), to_db_time(c.captured_at)))
    return int(cur.rowcount)
