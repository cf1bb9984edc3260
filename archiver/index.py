"""The SQLite index (sqlite-utils): watched URLs, citations, captures, texts, events, probes.

Schema is created and evolved only by the migrations below. Every SQL string of archiver lives
here, behind named queries (``due_urls``, ``latest_capture``, ``events_since``…). The WARC files
are the source of truth; captures can be rebuilt from them (``Archive.rebuild_index``).
Times are stored as fixed-width UTC ISO strings, so they compare as text.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import threading
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database, Migrations

from archiver.engine import DB_ERRORS, IndexUrl, error_line
from archiver.engine.postgres import PgConnection, PgDatabase, SessionLock, safe_dsn
from archiver.errors import StoreError
from archiver.models import (
    Capture,
    Citation,
    Diff,
    Event,
    EventType,
    Hunk,
    Outcome,
    ProbeResult,
    RecordLocation,
    Requisite,
    Screenshot,
    SourceStatus,
    StoredCapture,
    StoredHistory,
    TextKey,
    TextStatus,
    TextVersion,
    TimelinePoint,
    UrlState,
    Verdict,
)

logger = logging.getLogger(__name__)

migrations = Migrations("archiver")
#: ``meta`` key prefix: a WARC file's offset up to which every capture is in the captures table.
_INDEXED = "warc_indexed:"


@migrations()
def m001_initial(db: Database) -> None:
    db.execute(
        """CREATE TABLE urls (
            url TEXT PRIMARY KEY,
            first_seen TEXT NOT NULL,
            origin TEXT NOT NULL DEFAULT 'operator',   -- 'operator' | 'document'
            kind TEXT NOT NULL DEFAULT 'page',         -- 'page' | 'post' | 'media' | 'short'
            interval REAL,                             -- seconds; NULL = the config's default
            tags TEXT NOT NULL DEFAULT '[]',
            next_due TEXT,
            last_checked TEXT,
            status TEXT NOT NULL DEFAULT 'new',
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            last_capture TEXT,
            last_good_capture TEXT,
            checks INTEGER NOT NULL DEFAULT 0,
            last_change TEXT,
            browser INTEGER NOT NULL DEFAULT 0
        )"""
    )
    db.execute("CREATE INDEX urls_next_due ON urls(next_due)")
    db.execute(
        """CREATE TABLE documents (
            path TEXT PRIMARY KEY,
            source_url TEXT,
            digest TEXT,
            imported_at TEXT NOT NULL,
            citations INTEGER NOT NULL DEFAULT 0
        )"""
    )
    db.execute(
        """CREATE TABLE citations (
            id INTEGER PRIMARY KEY,
            document TEXT NOT NULL,
            position INTEGER NOT NULL,
            url TEXT NOT NULL,
            url_as_written TEXT NOT NULL,
            anchor TEXT NOT NULL DEFAULT '',
            context TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL DEFAULT 'link'
        )"""
    )
    db.execute("CREATE UNIQUE INDEX citations_doc_pos ON citations(document, position)")
    db.execute("CREATE INDEX citations_url ON citations(url)")
    db.execute(
        """CREATE TABLE captures (
            id TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            captured_at TEXT NOT NULL,
            outcome TEXT NOT NULL,
            status INTEGER,
            final_url TEXT,
            redirects TEXT NOT NULL DEFAULT '[]',
            content_type TEXT,
            payload_digest TEXT,
            warc_file TEXT,
            warc_offset INTEGER,
            warc_length INTEGER,
            record_type TEXT NOT NULL,
            refers_to TEXT,
            truncated INTEGER NOT NULL DEFAULT 0,
            detail TEXT NOT NULL DEFAULT '',
            ip TEXT,
            elapsed REAL NOT NULL DEFAULT 0,
            text_key TEXT
        )"""
    )
    db.execute("CREATE INDEX captures_url_time ON captures(url, captured_at)")
    db.execute(
        """CREATE TABLE texts (
            key TEXT PRIMARY KEY,
            body BLOB NOT NULL          -- zlib(JSON of a TextVersion)
        )"""
    )
    db.execute(
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            url TEXT NOT NULL,
            type TEXT NOT NULL,
            reason TEXT NOT NULL,
            detected_at TEXT NOT NULL,
            capture TEXT,
            previous_capture TEXT,
            summary TEXT NOT NULL DEFAULT '',
            evidence TEXT NOT NULL DEFAULT '{}',
            diff TEXT
        )"""
    )
    # One event of a type per capture: a replayed commit can never duplicate an event.
    db.execute("CREATE UNIQUE INDEX events_capture_type ON events(capture, type)")
    db.execute("CREATE INDEX events_url ON events(url)")
    db.execute(
        """CREATE TABLE probes (
            host TEXT PRIMARY KEY,
            probed_at TEXT NOT NULL,
            result TEXT NOT NULL
        )"""
    )
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")


@migrations()
def m_capture_metadata_and_record_seals(db: Database) -> None:
    """Citation metadata a capture's page declares (JSON of a ``PageMetadata``), and seals:
    a record's bytes as ``archiver verify`` first found them intact (sha256 and a per-block
    code that locates one changed byte), so later damage is named to the byte."""
    db.execute("CREATE TABLE IF NOT EXISTS capture_meta (capture TEXT PRIMARY KEY, meta TEXT NOT NULL)")
    db.execute(
        """CREATE TABLE IF NOT EXISTS record_seals (
            warc_file TEXT NOT NULL,
            offset INTEGER NOT NULL,
            length INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            blocks TEXT NOT NULL,          -- JSON [[s0, s1], ...] per block (archiver.verify)
            sealed_at TEXT NOT NULL,
            PRIMARY KEY (warc_file, offset)
        )"""
    )


@migrations()
def m_page_requisites_and_screenshots(db: Database) -> None:
    """What each new version of a page needed to be seen (``requisites``: one row per capture and
    requisite, pointing at the requisite's record and at the record holding its payload), and the
    full-page screenshot of that version (``screenshots``)."""
    db.execute(
        """CREATE TABLE IF NOT EXISTS requisites (
            capture TEXT NOT NULL,          -- the page's capture id
            url TEXT NOT NULL,
            kind TEXT NOT NULL,             -- stylesheet | image | font | icon
            record_id TEXT NOT NULL,        -- its final record: response, revisit or metadata
            record_type TEXT NOT NULL,
            captured_at TEXT NOT NULL,
            status INTEGER,
            content_type TEXT,
            payload_digest TEXT,
            warc_file TEXT NOT NULL,
            warc_offset INTEGER NOT NULL,
            warc_length INTEGER NOT NULL,
            payload_record TEXT,            -- the record holding the body (itself or the revisited one)
            payload_file TEXT,
            payload_offset INTEGER,
            payload_length INTEGER,
            payload_uri TEXT,
            payload_date TEXT,
            PRIMARY KEY (capture, url)
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS requisites_url ON requisites(url, captured_at)")
    db.execute("CREATE INDEX IF NOT EXISTS requisites_digest ON requisites(payload_digest)")
    db.execute(
        """CREATE TABLE IF NOT EXISTS screenshots (
            capture TEXT PRIMARY KEY,
            record_id TEXT NOT NULL,
            warc_file TEXT NOT NULL,
            warc_offset INTEGER NOT NULL,
            warc_length INTEGER NOT NULL,
            taken_at TEXT NOT NULL,
            width INTEGER NOT NULL,
            height INTEGER NOT NULL
        )"""
    )


@migrations()
def m_screenshot_thumbnails(db: Database) -> None:
    """Where a screenshot's thumbnail (``urn:thumbnail:``, the small JPEG a report embeds) lies."""
    for column, kind in (("thumbnail_record", "TEXT"), ("thumbnail_file", "TEXT"), ("thumbnail_offset", "INTEGER"),
                         ("thumbnail_length", "INTEGER")):
        db.execute(f"ALTER TABLE screenshots ADD COLUMN {column} {kind}")


@migrations()
def m_host_templates(db: Database) -> None:
    """Each host's learned article templates (``archiver.extract.template``): where its article
    sits and which blocks around it are furniture. Learned once with the slow signals, applied by
    the fast pass; a text version names the template it was read with."""
    db.execute(
        """CREATE TABLE IF NOT EXISTS host_templates (
            host TEXT NOT NULL,
            id TEXT NOT NULL,
            body TEXT NOT NULL,             -- JSON of Template.to_json()
            learned_at TEXT NOT NULL,
            PRIMARY KEY (host, id)
        )"""
    )


@migrations()
def m_worker_leases_and_host_slots(db: Database) -> None:
    """Work leases of ``archiver worker``: a due URL is taken by one worker until its check is
    recorded (the lease is released in the same transaction) or the lease expires. And each host's
    next allowed request start, shared by every worker (per-host politeness across machines)."""
    db.execute("ALTER TABLE urls ADD COLUMN lease_owner TEXT")
    db.execute("ALTER TABLE urls ADD COLUMN lease_expires TEXT")
    db.execute("CREATE TABLE IF NOT EXISTS host_slots (host TEXT PRIMARY KEY, next_allowed REAL NOT NULL)")


# --------------------------------------------------------------------------- time helpers


def to_db_time(t: datetime) -> str:
    """Fixed-width UTC text: ``2026-11-23T10:00:00.123456Z`` (sorts as time)."""
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_db_time(s: str | None) -> datetime | None:
    if not s:
        return None
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


# --------------------------------------------------------------------------- (de)serialisers


def text_to_blob(text: TextVersion) -> bytes:
    data = {
        "status": str(text.status),
        "kind": text.kind,
        "paragraphs": list(text.paragraphs),
        "title": text.title,
        "digest": text.digest,
        "detail": text.detail,
        "meta": text.meta,
        "raw_word_count": text.raw_word_count,
    }
    return zlib.compress(json.dumps(data, ensure_ascii=False, default=str).encode("utf-8"), 1)  # level 1: the index writer is one thread


def text_from_blob(blob: bytes) -> TextVersion:
    d = json.loads(zlib.decompress(blob))
    return TextVersion(
        status=TextStatus(d["status"]),
        kind=d["kind"],
        paragraphs=tuple(d["paragraphs"]),
        title=d["title"],
        digest=d["digest"],
        detail=d["detail"],
        meta=d.get("meta") or {},
        raw_word_count=d.get("raw_word_count", 0),
    )


def diff_to_json(diff: Diff | None) -> str | None:
    if diff is None:
        return None
    return json.dumps(asdict(diff), ensure_ascii=False)


def diff_from_json(s: str | None) -> Diff | None:
    if not s:
        return None
    d = json.loads(s)
    d["hunks"] = tuple(Hunk(**h) for h in d.get("hunks", ()))
    return Diff(**d)


_CAPTURE_COLUMNS = (
    "id, url, captured_at, outcome, status, final_url, redirects, content_type, payload_digest, "
    "warc_file, warc_offset, warc_length, record_type, refers_to, truncated, detail, ip, elapsed"
)


def _capture_from_row(r: Sequence[Any]) -> Capture:
    return Capture(
        id=r[0],
        url=r[1],
        captured_at=from_db_time(r[2]),  # type: ignore[arg-type]
        outcome=Outcome(r[3]),
        status=r[4],
        final_url=r[5],
        redirects=tuple(json.loads(r[6] or "[]")),
        content_type=r[7],
        payload_digest=r[8],
        warc_file=r[9],
        warc_offset=r[10],
        warc_length=r[11],
        record_type=r[12],
        refers_to=r[13],
        truncated=bool(r[14]),
        detail=r[15] or "",
        ip=r[16],
        elapsed=r[17] or 0.0,
    )


def _capture_values(c: Capture, text_key: str | None) -> tuple[Any, ...]:
    return (
        c.id, c.url, to_db_time(c.captured_at), str(c.outcome), c.status, c.final_url,
        json.dumps(list(c.redirects)), c.content_type, c.payload_digest, c.warc_file, c.warc_offset,
        c.warc_length, c.record_type, c.refers_to, int(c.truncated), c.detail, c.ip, c.elapsed, text_key,
    )


_EVENT_COLUMNS = "id, url, type, reason, detected_at, capture, previous_capture, summary, evidence, diff"


def _event_from_row(r: Sequence[Any]) -> Event:
    return Event(
        id=r[0],
        url=r[1],
        type=EventType(r[2]),
        reason=r[3],
        detected_at=from_db_time(r[4]),  # type: ignore[arg-type]
        capture=r[5],
        previous_capture=r[6],
        summary=r[7],
        evidence=json.loads(r[8] or "{}"),
        diff=diff_from_json(r[9]),
    )


_URL_COLUMNS = (
    "url, origin, kind, interval, tags, next_due, last_checked, status, consecutive_failures, "
    "last_capture, last_good_capture, checks, last_change, browser"
)


def _url_from_row(r: Sequence[Any]) -> UrlState:
    return UrlState(
        url=r[0], origin=r[1], kind=r[2], interval=r[3], tags=tuple(json.loads(r[4] or "[]")),
        next_due=from_db_time(r[5]), last_checked=from_db_time(r[6]), status=SourceStatus(r[7]),
        consecutive_failures=r[8], last_capture=r[9], last_good_capture=r[10], checks=r[11],
        last_change=from_db_time(r[12]), browser=bool(r[13]),
    )


@dataclass(frozen=True, slots=True)
class CheckRecord:
    """Everything one check writes to the index, committed in one transaction."""

    capture: Capture
    text_key: TextKey | None
    text: TextVersion | None  # stored under text_key when not already there
    verdicts: tuple[Verdict, ...]
    diff: Diff | None
    status: SourceStatus
    consecutive_failures: int
    good: bool  # this capture becomes the URL's last good capture
    next_due: datetime
    changed: bool  # content changed (for the adaptive schedule)
    requisites: tuple[Requisite, ...] = ()  # what this new version needed to be seen
    screenshot: Screenshot | None = None
    page_meta: str | None = None  # the capture's citation metadata (``capture_meta`` JSON), read by the worker


_REQUISITE_COLUMNS = (
    "capture, url, kind, record_id, record_type, captured_at, status, content_type, payload_digest, "
    "warc_file, warc_offset, warc_length, payload_record, payload_file, payload_offset, payload_length, "
    "payload_uri, payload_date"
)


def _requisite_values(r: Requisite) -> tuple[Any, ...]:
    p = r.payload
    return (
        r.capture, r.url, r.kind, r.record.record_id, r.record_type, to_db_time(r.captured_at), r.status,
        r.content_type, r.payload_digest, r.record.warc_file, r.record.offset, r.record.length,
        p.record_id if p else None, p.warc_file if p else None, p.offset if p else None, p.length if p else None,
        r.payload_uri, r.payload_date,
    )


def _requisite_from_row(r: Sequence[Any]) -> Requisite:
    return Requisite(
        capture=r[0], url=r[1], kind=r[2], record=RecordLocation(r[9], r[10], r[11], r[3]), record_type=r[4],
        captured_at=from_db_time(r[5]),  # type: ignore[arg-type]
        status=r[6], content_type=r[7], payload_digest=r[8],
        payload=RecordLocation(r[13], r[14], r[15], r[12]) if r[13] else None, payload_uri=r[16], payload_date=r[17],
    )


def _insert_versions(conn: sqlite3.Connection, requisites: Iterable[Requisite], shots: Iterable[Screenshot]) -> None:
    """Requisite and screenshot rows (inside the caller's transaction)."""
    conn.executemany(
        f"INSERT OR REPLACE INTO requisites ({_REQUISITE_COLUMNS}) VALUES ({','.join('?' * 18)})",
        [_requisite_values(r) for r in requisites],
    )
    conn.executemany(
        "INSERT OR REPLACE INTO screenshots (capture, record_id, warc_file, warc_offset, warc_length, taken_at, "
        "width, height, thumbnail_record, thumbnail_file, thumbnail_offset, thumbnail_length) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(shot.capture, shot.record.record_id, shot.record.warc_file, shot.record.offset, shot.record.length,
          to_db_time(shot.taken_at), shot.width, shot.height, thumb.record_id if thumb else None,
          thumb.warc_file if thumb else None, thumb.offset if thumb else None, thumb.length if thumb else None)
         for shot in shots for thumb in (shot.thumbnail,)],
    )


def _record_checks_extras(conn: sqlite3.Connection, rec: CheckRecord) -> None:
    """The requisite, screenshot and page metadata rows of one check (inside ``record_checks``'
    transaction)."""
    if rec.requisites or rec.screenshot is not None:
        _insert_versions(conn, rec.requisites, () if rec.screenshot is None else (rec.screenshot,))
    if rec.page_meta is not None:
        conn.execute("INSERT OR REPLACE INTO capture_meta (capture, meta) VALUES (?, ?)",
                     (rec.capture.id, rec.page_meta))


class Index:
    """The index of one archive, in SQLite or PostgreSQL. One writer thread; reads from any thread."""

    def __init__(self, path: Path | IndexUrl) -> None:
        where = path if isinstance(path, IndexUrl) else IndexUrl("sqlite", path=Path(path))
        self.engine = where.engine
        self._local = threading.local()
        self._readers: list[tuple[threading.Thread, Any]] = []  # reading threads' connections
        self._readers_lock = threading.Lock()
        #: Set on a worker (``archiver worker``): a check is recorded only while this worker holds
        #: the URL's lease, and recording it releases the lease in the same transaction.
        self.lease_owner: str | None = None
        self.read_only = False
        self._uri: str | None = None  # set when the index could only be opened for reading
        if where.dsn is not None:
            self._open_postgres(where.dsn)
            return
        assert where.path is not None
        self.path = where.path
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a file in the path, a read-only mount, no permission: one line
            raise StoreError(f"{self.path.parent}: cannot open the data directory: {exc.strerror or exc}") from None
        try:
            self.db = Database(self.path)
            self.db.enable_wal()
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA busy_timeout=30000")
            migrations.apply(self.db)
        except sqlite3.OperationalError as exc:
            # A data directory one may read but not write (a read-only mount, another user's
            # archive): readers (list, report, cite, serve) still work; a write says why it cannot.
            if not os.path.isfile(self.path) or not _cannot_write(exc):  # isfile: False on EACCES too
                raise StoreError(f"{self.path}: cannot open the index: {exc}") from None
            self.db = self._open_read_only(exc)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot open the index: {exc}") from None
        self._local.conn = self.db.conn
        self._owner = threading.get_ident()

    # -- connections ------------------------------------------------------------------------

    def _open_postgres(self, dsn: str) -> None:
        """A shared index in PostgreSQL: the same schema, migrated under an advisory lock."""
        self.path = Path(safe_dsn(dsn))  # names the index in messages (no password)
        try:
            self.db = PgDatabase(dsn, migrations)  # type: ignore[assignment]
        except DB_ERRORS as exc:
            raise StoreError(f"{safe_dsn(dsn)}: cannot open the index: {error_line(exc)}") from None
        self._local.conn = self.db.conn
        self._owner = threading.get_ident()

    def _open_read_only(self, why: sqlite3.Error) -> Database:
        """The index opened for reading only: ``mode=ro`` while a writer may still append to its
        WAL, else ``immutable`` when not even the WAL's shared-memory file can be made."""
        with contextlib.suppress(sqlite3.Error):
            self.db.close()
        for mode in ("mode=ro", "immutable=1"):
            uri = f"{self.path.resolve().as_uri()}?{mode}"
            try:
                conn = sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.Error:
                continue
            logger.info("%s: opened read-only (%s)", self.path, why)
            self.read_only, self._uri = True, uri
            return Database(conn)
        raise StoreError(f"{self.path}: cannot open the index, not even to read it: {why}")

    def _conn(self) -> sqlite3.Connection:
        """This thread's connection (the owner's for writes; a read connection elsewhere)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._new_reader()
            self._local.conn = conn
        return conn

    def _new_reader(self) -> Any:
        """A connection for a reading thread: sqlite3's, or a ``PgConnection`` that speaks like one.

        A PostgreSQL connection of a thread that has ended is handed to the next new thread: the
        checker's pool is new for every batch, and a server has a bounded number of connections.
        """
        me = threading.current_thread()
        if isinstance(self.db, PgDatabase):
            with self._readers_lock:
                for i, (thread, conn) in enumerate(self._readers):
                    if not thread.is_alive():
                        self._readers[i] = (me, conn)
                        return conn
                conn = self.db.connect()
                self._readers.append((me, conn))
                return conn
        conn = self._new_sqlite_reader()
        with self._readers_lock:
            self._readers.append((me, conn))
        return conn

    def _new_sqlite_reader(self) -> sqlite3.Connection:
        if self._uri is not None:
            conn = sqlite3.connect(self._uri, uri=True, timeout=30, check_same_thread=False)
        else:
            conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    def _q(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._conn().execute(sql, params).fetchall()

    def close(self) -> None:
        for _, conn in self._readers:
            conn.close()
        self.db.close()

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

    def url_state(self, url: str) -> UrlState | None:
        rows = self._q(f"SELECT {_URL_COLUMNS} FROM urls WHERE url = ?", (url,))
        return _url_from_row(rows[0]) if rows else None

    def url_states(self, urls: Sequence[str] | None = None) -> list[UrlState]:
        if urls is None:
            return [_url_from_row(r) for r in self._q(f"SELECT {_URL_COLUMNS} FROM urls ORDER BY rowid")]
        out: list[UrlState] = []
        for chunk in _chunks(list(urls), 500):
            marks = ",".join("?" * len(chunk))
            found = {r[0]: _url_from_row(r) for r in self._q(f"SELECT {_URL_COLUMNS} FROM urls WHERE url IN ({marks})", chunk)}
            out.extend(found[u] for u in chunk if u in found)
        return out

    def all_urls(self) -> list[str]:
        return [r[0] for r in self._q("SELECT url FROM urls ORDER BY rowid")]

    def count_urls(self) -> int:
        return int(self._q("SELECT count(*) FROM urls")[0][0])

    def due_urls(self, now: datetime, limit: int = 500) -> list[str]:
        """URLs whose next check is due, most overdue first."""
        rows = self._q(
            "SELECT url FROM urls WHERE next_due IS NOT NULL AND next_due <= ? ORDER BY next_due LIMIT ?",
            (to_db_time(now), limit),
        )
        return [r[0] for r in rows]

    def due_count(self, now: datetime) -> int:
        return int(self._q("SELECT count(*) FROM urls WHERE next_due <= ?", (to_db_time(now),))[0][0])

    def oldest_due(self) -> datetime | None:
        rows = self._q("SELECT min(next_due) FROM urls")
        return from_db_time(rows[0][0]) if rows else None

    def last_checked(self) -> datetime | None:
        """When any URL was last checked, by the daemon or by ``archiver check``."""
        rows = self._q("SELECT max(last_checked) FROM urls")
        return from_db_time(rows[0][0]) if rows else None

    def remove_urls(self, urls: Sequence[str]) -> list[str]:
        """Stop watching ``urls``: their rows go, their captures, texts and events stay (``add``
        brings a URL back with its history). Returns the URLs that were watched."""
        removed: list[str] = []
        with self.db.conn as conn:
            for u in urls:
                if conn.execute("DELETE FROM urls WHERE url = ?", (u,)).rowcount:
                    removed.append(u)
        return removed

    def set_next_due(self, urls: Sequence[str], when: datetime) -> None:
        with self.db.conn as conn:
            conn.executemany("UPDATE urls SET next_due = ? WHERE url = ?", [(to_db_time(when), u) for u in urls])

    def counts_by_status(self) -> dict[str, int]:
        return {r[0]: r[1] for r in self._q("SELECT status, count(*) FROM urls GROUP BY status ORDER BY status")}

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

    def document_digest(self, document: str) -> str | None:
        rows = self._q("SELECT digest FROM documents WHERE path = ?", (document,))
        return rows[0][0] if rows else None

    def documents(self) -> list[dict[str, Any]]:
        rows = self._q("SELECT path, source_url, digest, imported_at, citations FROM documents ORDER BY path")
        return [dict(zip(("path", "source_url", "digest", "imported_at", "citations"), r)) for r in rows]

    def citations_of(self, document: str) -> list[Citation]:
        rows = self._q(
            "SELECT url, url_as_written, document, anchor, context, position, kind FROM citations WHERE document = ? ORDER BY position",
            (document,),
        )
        return [Citation(*r) for r in rows]

    def citations_for(self, url: str) -> list[Citation]:
        rows = self._q(
            "SELECT url, url_as_written, document, anchor, context, position, kind FROM citations WHERE url = ? ORDER BY document, position",
            (url,),
        )
        return [Citation(*r) for r in rows]

    def cited_by(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for url, doc in self._q("SELECT DISTINCT url, document FROM citations ORDER BY document"):
            out.setdefault(url, []).append(doc)
        return out

    # -- captures ----------------------------------------------------------------------------

    def capture(self, capture_id: str) -> Capture | None:
        rows = self._q(f"SELECT {_CAPTURE_COLUMNS} FROM captures WHERE id = ?", (capture_id,))
        return _capture_from_row(rows[0]) if rows else None

    def captures_by_prefix(self, prefix: str) -> list[Capture]:
        rows = self._q(f"SELECT {_CAPTURE_COLUMNS} FROM captures WHERE id LIKE ? LIMIT 2", (prefix + "%",))
        return [_capture_from_row(r) for r in rows]

    def captures(self, url: str) -> list[Capture]:
        rows = self._q(f"SELECT {_CAPTURE_COLUMNS} FROM captures WHERE url = ? ORDER BY captured_at", (url,))
        return [_capture_from_row(r) for r in rows]

    def all_captures(self) -> Iterator[Capture]:
        for r in self._conn().execute(f"SELECT {_CAPTURE_COLUMNS} FROM captures ORDER BY captured_at, rowid"):
            yield _capture_from_row(r)

    def capture_count(self, url: str | None = None) -> int:
        if url is None:
            return int(self._q("SELECT count(*) FROM captures")[0][0])
        return int(self._q("SELECT count(*) FROM captures WHERE url = ?", (url,))[0][0])

    def capture_counts(self) -> dict[str, int]:
        return {r[0]: r[1] for r in self._q("SELECT url, count(*) FROM captures GROUP BY url")}

    def latest_capture(self, url: str) -> Capture | None:
        rows = self._q(f"SELECT {_CAPTURE_COLUMNS} FROM captures WHERE url = ? ORDER BY captured_at DESC LIMIT 1", (url,))
        return _capture_from_row(rows[0]) if rows else None

    def source_history(self, state: UrlState) -> StoredHistory:
        """One source's history as its next check needs it, in one query: its last capture and
        its last good one, each with its text key and the text stored under that key."""
        wanted = [i for i in dict.fromkeys((state.last_capture, state.last_good_capture)) if i]
        if not wanted:
            return StoredHistory()
        rows = self._q(
            f"SELECT {_CAPTURE_COLUMNS}, text_key, body FROM captures LEFT JOIN texts ON texts.key = captures.text_key "
            f"WHERE id IN ({','.join('?' * len(wanted))})",
            wanted,
        )
        held = {
            r[0]: StoredCapture(_capture_from_row(r), TextKey.parse(r[18]) if r[18] else None,
                                text_from_blob(r[19]) if r[19] is not None else None)
            for r in rows
        }
        return StoredHistory(last=held.get(state.last_capture or ""), last_good=held.get(state.last_good_capture or ""))

    def recent_good_texts(self, url: str, limit: int) -> list[TextVersion]:
        """The texts of the last ``limit`` ok captures (those that have one), newest first."""
        rows = self._q(
            "SELECT body FROM captures LEFT JOIN texts ON texts.key = captures.text_key "
            "WHERE url = ? AND outcome = 'ok' ORDER BY captured_at DESC LIMIT ?",
            (url, limit),
        )
        return [text_from_blob(r[0]) for r in rows if r[0] is not None]

    def text_key_of(self, capture_id: str) -> str | None:
        rows = self._q("SELECT text_key FROM captures WHERE id = ?", (capture_id,))
        return rows[0][0] if rows else None

    def capture_near(self, url: str, at: datetime | None, *, good_only: bool = True) -> Capture | None:
        """The capture nearest ``at`` (default: the latest good one)."""
        cond = "AND outcome = 'ok' AND status < 400" if good_only else ""
        if at is None:
            rows = self._q(f"SELECT {_CAPTURE_COLUMNS} FROM captures WHERE url = ? {cond} ORDER BY captured_at DESC LIMIT 1", (url,))
        else:
            t = to_db_time(at)
            rows = self._q(
                f"SELECT {_CAPTURE_COLUMNS} FROM captures WHERE url = ? {cond} "
                "ORDER BY abs(julianday(substr(captured_at, 1, 26)) - julianday(substr(?, 1, 26))) LIMIT 1",
                (url, t),
            )
        return _capture_from_row(rows[0]) if rows else None

    def timeline(self, url: str, limit: int = 60) -> list[TimelinePoint]:
        rows = self._q(
            "SELECT c.id, c.captured_at, c.outcome, c.status, (SELECT e.type FROM events e WHERE e.capture = c.id ORDER BY e.id LIMIT 1) "
            "FROM captures c WHERE c.url = ? ORDER BY c.captured_at DESC LIMIT ?",
            (url, limit),
        )
        return [TimelinePoint(r[0], from_db_time(r[1]), Outcome(r[2]), r[3], r[4]) for r in reversed(rows)]  # type: ignore[arg-type]

    # -- texts -------------------------------------------------------------------------------

    def text(self, key: str | None) -> TextVersion | None:
        if not key:
            return None
        rows = self._q("SELECT body FROM texts WHERE key = ?", (key,))
        return text_from_blob(rows[0][0]) if rows else None

    def has_text(self, key: str) -> bool:
        return bool(self._q("SELECT 1 FROM texts WHERE key = ?", (key,)))

    def host_templates(self, host: str) -> list[dict[str, Any]]:
        """The templates learned for ``host``, newest first (JSON objects)."""
        rows = self._q("SELECT body FROM host_templates WHERE host = ? ORDER BY learned_at DESC", (host,))
        return [json.loads(r[0]) for r in rows]

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
        try:
            with conn:
                if screenshots:
                    _insert_versions(conn, (), screenshots)
                for rec in records:
                    c = rec.capture
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
        return events

    def insert_captures(self, captures: Iterable[Capture]) -> int:
        """Insert captures read back from WARC files (``rebuild-index``); existing ids are kept."""
        n = 0
        with self.db.conn as conn:
            for c in captures:
                cur = conn.execute(
                    f"INSERT OR IGNORE INTO captures ({_CAPTURE_COLUMNS}, text_key) VALUES ({','.join('?' * 19)})",
                    _capture_values(c, c.payload_digest if c.outcome == Outcome.OK else None),
                )
                n += cur.rowcount
                conn.execute("INSERT OR IGNORE INTO urls (url, first_seen, next_due) VALUES (?, ?, ?)",
                             (c.url, to_db_time(c.captured_at), to_db_time(c.captured_at)))
        return n

    def replace_captures(self, captures: Iterable[Capture], *, indexed_through: dict[str, int] | None = None) -> int:
        """Replace every capture row with ``captures`` (``rebuild-index``), crash-safely.

        The new rows are built in a table beside the old one (``captures_rebuild``, a copy of the
        live table's own definition, so columns added by later migrations come along), then
        swapped in by one transaction: a kill -9 at any moment leaves either the old rows or the
        new ones, never none. A capture that keeps its id keeps its cached text key.
        """
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
            n = 0
            with conn:
                for c in captures:
                    cur = conn.execute(
                        f"INSERT OR IGNORE INTO captures_rebuild ({_CAPTURE_COLUMNS}, text_key) VALUES ({','.join('?' * 19)})",
                        _capture_values(c, c.payload_digest if c.outcome == Outcome.OK else None),
                    )
                    n += cur.rowcount
                    conn.execute("INSERT OR IGNORE INTO urls (url, first_seen, next_due) VALUES (?, ?, ?)",
                                 (c.url, to_db_time(c.captured_at), to_db_time(c.captured_at)))
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

    def indexed_through(self, warc_file: str) -> int:
        """How far ``warc_file`` is known to be indexed: every capture before this offset has its row."""
        value = self.get_meta(_INDEXED + warc_file)
        return int(value) if value and value.isdigit() else 0

    def set_indexed_through(self, marks: dict[str, int]) -> None:
        """Record, per WARC file, the offset up to which every capture has its row (one transaction)."""
        with self.db.conn as conn:
            conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                             [(_INDEXED + name, str(offset)) for name, offset in marks.items()])

    def delete_captures(self) -> None:
        with self.db.conn as conn:
            conn.execute("DELETE FROM captures")

    # -- events -------------------------------------------------------------------------------

    def events_since(self, since: datetime | None = None, *, url: str | None = None) -> list[Event]:
        """Events in detection order (``id`` grows), optionally since a time or for one URL."""
        cond, params = [], []
        if since is not None:
            cond.append("detected_at >= ?")
            params.append(to_db_time(since))
        if url is not None:
            cond.append("url = ?")
            params.append(url)
        where = ("WHERE " + " AND ".join(cond)) if cond else ""
        return [_event_from_row(r) for r in self._q(f"SELECT {_EVENT_COLUMNS} FROM events {where} ORDER BY id", params)]

    def event(self, event_id: int) -> Event | None:
        rows = self._q(f"SELECT {_EVENT_COLUMNS} FROM events WHERE id = ?", (event_id,))
        return _event_from_row(rows[0]) if rows else None

    def event_count(self) -> int:
        return int(self._q("SELECT count(*) FROM events")[0][0])

    # -- requisites and screenshots ---------------------------------------------------------

    def requisites_of(self, capture_id: str) -> list[Requisite]:
        """What the version captured as ``capture_id`` needed to be seen, in the order found."""
        rows = self._q(f"SELECT {_REQUISITE_COLUMNS} FROM requisites WHERE capture = ? ORDER BY rowid", (capture_id,))
        return [_requisite_from_row(r) for r in rows]

    def requisite_records(self, url: str) -> list[Requisite]:
        """Every distinct record of ``url`` fetched as a requisite, oldest first (its mementos)."""
        rows = self._q(
            f"SELECT {_REQUISITE_COLUMNS} FROM requisites WHERE url = ? AND rowid IN "
            "(SELECT min(rowid) FROM requisites WHERE url = ? GROUP BY record_id) ORDER BY captured_at",
            (url, url),
        )
        return [_requisite_from_row(r) for r in rows]

    def requisite_record(self, record_id: str) -> Requisite | None:
        rows = self._q(f"SELECT {_REQUISITE_COLUMNS} FROM requisites WHERE record_id = ? LIMIT 1", (record_id,))
        return _requisite_from_row(rows[0]) if rows else None

    def payload_record(self, digest: str) -> tuple[str, str, str, RecordLocation] | None:
        """A requisite response record holding the payload ``digest``: (id, URI, WARC-Date, location)."""
        rows = self._q(
            "SELECT payload_record, payload_uri, payload_date, payload_file, payload_offset, payload_length, "
            "record_type, captured_at FROM requisites WHERE payload_digest = ? AND payload_file IS NOT NULL "
            "AND record_type = 'response' LIMIT 1",
            (digest,),
        )
        if not rows:
            return None
        r = rows[0]
        date = r[2] or to_db_time(from_db_time(r[7]))  # type: ignore[arg-type]
        return r[0], r[1], date, RecordLocation(r[3], r[4], r[5], r[0])

    def replace_versions(self, requisites: Iterable[Requisite], screenshots: Iterable[Screenshot]) -> None:
        """Replace every requisite and screenshot row (``rebuild-index``), in one transaction."""
        try:
            with self.db.conn as conn:
                conn.execute("DELETE FROM requisites")
                conn.execute("DELETE FROM screenshots")
                _insert_versions(conn, requisites, screenshots)
        except DB_ERRORS as exc:
            raise StoreError(f"{self.path}: cannot rebuild the requisites and screenshots: {exc}") from None

    def screenshot(self, capture_id: str) -> Screenshot | None:
        rows = self._q(
            "SELECT capture, record_id, warc_file, warc_offset, warc_length, taken_at, width, height, "
            "thumbnail_record, thumbnail_file, thumbnail_offset, thumbnail_length FROM screenshots WHERE capture = ?",
            (capture_id,))
        if not rows:
            return None
        r = rows[0]
        thumb = RecordLocation(r[9], r[10], r[11], r[8]) if r[9] else None
        return Screenshot(r[0], RecordLocation(r[2], r[3], r[4], r[1]), from_db_time(r[5]), r[6], r[7], thumb)  # type: ignore[arg-type]

    # -- probes -------------------------------------------------------------------------------

    def probe(self, host: str, *, newer_than: datetime) -> ProbeResult | None:
        rows = self._q("SELECT result FROM probes WHERE host = ? AND probed_at >= ?", (host, to_db_time(newer_than)))
        return ProbeResult(**json.loads(rows[0][0])) if rows else None

    def put_probe(self, probe: ProbeResult, *, now: datetime) -> None:
        with self.db.conn as conn:
            conn.execute(
                "INSERT OR REPLACE INTO probes (host, probed_at, result) VALUES (?, ?, ?)",
                (probe.host, to_db_time(now), json.dumps(asdict(probe))),
            )

    # -- meta (daemon state) ------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        rows = self._q("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str | None) -> None:
        with self.db.conn as conn:
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # -- citation metadata and record seals (cite, publish, verify) ---------------------------

    def capture_meta(self, capture_id: str) -> str | None:
        rows = self._q("SELECT meta FROM capture_meta WHERE capture = ?", (capture_id,))
        return rows[0][0] if rows else None

    def put_capture_meta(self, capture_id: str, meta: str) -> None:
        try:  # from any thread (the web view reads, and caches, in its request threads)
            with self._conn() as conn:
                conn.execute("INSERT OR REPLACE INTO capture_meta (capture, meta) VALUES (?, ?)", (capture_id, meta))
        except DB_ERRORS as exc:  # a cache: a read-only archive recomputes it each time
            logger.debug("capture metadata not cached: %s", exc)

    def record_seal(self, warc_file: str, offset: int) -> tuple[int, str, str] | None:
        """``(length, sha256, blocks JSON)`` of a sealed record, or None."""
        rows = self._q("SELECT length, sha256, blocks FROM record_seals WHERE warc_file = ? AND offset = ?", (warc_file, offset))
        return (int(rows[0][0]), rows[0][1], rows[0][2]) if rows else None

    def record_seal_offsets(self, warc_file: str) -> list[tuple[int, int]]:
        """``(offset, length)`` of every sealed record of a file, in file order."""
        rows = self._q("SELECT offset, length FROM record_seals WHERE warc_file = ? ORDER BY offset", (warc_file,))
        return [(int(r[0]), int(r[1])) for r in rows]

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

    # -- work leases and shared politeness (archiver worker) --------------------------------

    def lease_due(self, owner: str, now: datetime, *, lease: float, limit: int) -> list[str]:
        """Take up to ``limit`` due URLs no live lease holds, for ``lease`` seconds, most overdue first.

        On PostgreSQL the rows are picked ``FOR UPDATE SKIP LOCKED``, so workers taking at the
        same moment never take the same URL and never wait on each other.
        """
        t, until = to_db_time(now), to_db_time(now + timedelta(seconds=lease))
        conn = self.db.conn
        pick = ("SELECT url FROM urls WHERE next_due IS NOT NULL AND next_due <= ? "
                "AND (lease_expires IS NULL OR lease_expires < ?) ORDER BY next_due LIMIT ?")
        with conn:
            if isinstance(conn, PgConnection):
                rows = conn.raw(
                    "UPDATE urls SET lease_owner = %s, lease_expires = %s WHERE url IN ("
                    + pick.replace("?", "%s") + " FOR UPDATE SKIP LOCKED) RETURNING url, next_due",
                    (owner, until, t, t, limit),
                ).fetchall()
            else:
                rows = conn.execute(
                    f"UPDATE urls SET lease_owner = ?, lease_expires = ? WHERE url IN ({pick}) RETURNING url, next_due",
                    (owner, until, t, t, limit),
                ).fetchall()
        return [r[0] for r in sorted(rows, key=lambda r: r[1])]

    def release_leases(self, owner: str) -> int:
        """Give back every lease ``owner`` holds (a worker stopping cleanly); returns how many."""
        with self.db.conn as conn:
            return int(conn.execute("UPDATE urls SET lease_owner = NULL, lease_expires = NULL WHERE lease_owner = ?",
                                    (owner,)).rowcount)

    def extend_leases(self, owner: str, now: datetime, *, lease: float) -> int:
        """Renew every lease ``owner`` holds to ``now + lease`` (a batch still running); returns how many.

        On the calling thread's own connection, so it never joins a transaction the writer has open.
        """
        with self._conn() as conn:
            return int(conn.execute("UPDATE urls SET lease_expires = ? WHERE lease_owner = ?",
                                    (to_db_time(now + timedelta(seconds=lease)), owner)).rowcount)

    def leased_count(self, now: datetime) -> int:
        return int(self._q("SELECT count(*) FROM urls WHERE lease_expires >= ?", (to_db_time(now),))[0][0])

    def reserve_host_slot(self, host: str, delay: float) -> float:
        """Reserve the next request start to ``host`` among all workers; returns the seconds to wait.

        The server's clock decides (``statement_timestamp()``), so machines whose clocks differ still
        keep ``delay`` between two starts. On SQLite (one process) the local throttle is enough: 0.
        """
        conn = self._conn()
        if not isinstance(conn, PgConnection):
            return 0.0
        row = conn.raw(
            "INSERT INTO host_slots AS h (host, next_allowed) VALUES (%s, extract(epoch FROM statement_timestamp()) + %s) "
            "ON CONFLICT (host) DO UPDATE SET next_allowed = "
            "greatest(h.next_allowed, extract(epoch FROM statement_timestamp())) + %s "
            "RETURNING next_allowed - %s - extract(epoch FROM statement_timestamp())",
            (host, delay, delay, delay),
        ).fetchone()
        return max(0.0, float(row[0])) if row else 0.0

    def session_lock(self, key: str) -> SessionLock | None:
        """A lock one process at a time holds among all that share this index (the scheduler role),
        on a connection of its own (``SessionLock``); None on SQLite, where the data directory's
        lock already makes its holder the only one."""
        return SessionLock(self.db.dsn, key) if isinstance(self.db, PgDatabase) else None

    def capture_near_date(self, url: str, at: datetime) -> Capture | None:
        """The good capture nearest ``at`` (``archiver cite --as-of-document``)."""
        return self.capture_near(url, at)


def _cannot_write(exc: sqlite3.OperationalError) -> bool:
    """Whether SQLite refused because the file or its folder may not be written."""
    text = str(exc).lower()
    return "readonly" in text or "read-only" in text or "unable to open" in text or "disk i/o" in text


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
