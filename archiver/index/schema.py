"""The index's schema: created and evolved only by these migrations, on both engines.

sqlite-utils applies them to a SQLite index; ``archiver.engine.postgres`` translates each DDL statement
(``archiver.engine.dialect.schema``) and applies them to a PostgreSQL one, so the schema lives here once.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("archiver")
#: ``meta`` key prefix: a WARC file's offset up to which every capture is in the captures table.
_INDEXED = "warc_indexed:"
#: A capture row's columns after its id, as m001 made them. The check log (``m_check_log``) holds
#: the same row, so a migration that adds a column to ``captures`` adds it to ``check_log`` too.
_CAPTURE_COLUMNS = """\
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
            text_key TEXT"""


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
        f"""CREATE TABLE captures (
            id TEXT PRIMARY KEY,
{_CAPTURE_COLUMNS}
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


@migrations()
def m_check_log(db: Database) -> None:
    """The log of unchanged re-checks (``archiver.index.checklog``): a capture row, the URL's next
    check and a 63-bit hash of the URL, appended in check order; indexed on the hash alone. Written
    on SQLite only: PostgreSQL has the (empty) table, so ``archiver migrate`` copies every table."""
    db.execute(
        f"""CREATE TABLE IF NOT EXISTS check_log (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            ukey INTEGER NOT NULL,
            next_due TEXT NOT NULL,
            id TEXT NOT NULL,
{_CAPTURE_COLUMNS}
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS check_log_ukey ON check_log(ukey)")
