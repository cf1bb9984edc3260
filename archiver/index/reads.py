"""The index's named queries: what the facade, the checker and the front ends read.

Each reads on the calling thread's own connection (``IndexBase._q``), so readers never wait on the writer.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from archiver.index import checklog
from archiver.index.connection import IndexBase, _chunks
from archiver.index.rows import (
    _CAPTURE_COLUMNS,
    _EVENT_COLUMNS,
    _REQUISITE_COLUMNS,
    _URL_COLUMNS,
    _capture_from_row,
    _event_from_row,
    _requisite_from_row,
    _url_from_row,
    from_db_time,
    text_from_blob,
    to_db_time,
)
from archiver.index.schema import _INDEXED
from archiver.models import (
    Capture,
    Citation,
    Event,
    Outcome,
    ProbeResult,
    RecordLocation,
    Requisite,
    Screenshot,
    StoredCapture,
    StoredHistory,
    TextKey,
    TextVersion,
    TimelinePoint,
    UrlState,
)


class IndexReads(IndexBase):
    """The reads of the index."""

    # -- urls --------------------------------------------------------------------------------

    def url_state(self, url: str) -> UrlState | None:
        rows = self._q(f"SELECT {_URL_COLUMNS} FROM urls WHERE url = ?", (url,))
        return self._logged_states([_url_from_row(rows[0])], [url])[0] if rows else None

    def url_states(self, urls: Sequence[str] | None = None) -> list[UrlState]:
        if urls is None:
            return self._logged_states([_url_from_row(r) for r in self._q(f"SELECT {_URL_COLUMNS} FROM urls ORDER BY rowid")])
        out: list[UrlState] = []
        for chunk in _chunks(list(urls), 500):
            marks = ",".join("?" * len(chunk))
            found = {r[0]: _url_from_row(r) for r in self._q(f"SELECT {_URL_COLUMNS} FROM urls WHERE url IN ({marks})", chunk)}
            out.extend(self._logged_states([found[u] for u in chunk if u in found], chunk))
        return out

    def _logged_states(self, states: list[UrlState], urls: Sequence[str] | None = None) -> list[UrlState]:
        """``states`` as the check log has moved them on (its newest row per URL; one check more per row)."""
        if not states or not self._overlaid():
            return states
        if urls is None:
            rows = self._q(checklog.LATEST.format(where=""))
        else:
            marks = ",".join("?" * len(urls))
            rows = self._q(checklog.LATEST.format(where=f"WHERE ukey IN ({marks}) AND url IN ({marks})"),
                           [checklog.ukey(u) for u in urls] + list(urls))
        if not rows:
            return states
        moved = {r[0]: r for r in rows}
        out = []
        for s in states:
            r = moved.get(s.url)
            out.append(s if r is None else dataclasses.replace(
                s, last_checked=from_db_time(r[1]), last_capture=r[2], last_good_capture=r[2],
                next_due=from_db_time(r[3]), checks=s.checks + r[4]))
        return out

    def all_urls(self) -> list[str]:
        return [r[0] for r in self._q("SELECT url FROM urls ORDER BY rowid")]

    def count_urls(self) -> int:
        return int(self._q("SELECT count(*) FROM urls")[0][0])

    def due_urls(self, now: datetime, limit: int = 500) -> list[str]:
        """URLs whose next check is due, most overdue first."""
        if self._overlaid():
            t = to_db_time(now)
            return [r[0] for r in self._q(f"SELECT url FROM {checklog.due(True)} ORDER BY due, rid LIMIT ?",
                                          (t, limit, t, limit, limit))]
        rows = self._q(
            "SELECT url FROM urls WHERE next_due IS NOT NULL AND next_due <= ? ORDER BY next_due LIMIT ?",
            (to_db_time(now), limit),
        )
        return [r[0] for r in rows]

    def due_count(self, now: datetime) -> int:
        if self._overlaid():
            t = to_db_time(now)
            return int(self._q(f"SELECT count(*) FROM {checklog.due(False)}", (t, t))[0][0])
        return int(self._q("SELECT count(*) FROM urls WHERE next_due <= ?", (to_db_time(now),))[0][0])

    def oldest_due(self) -> datetime | None:
        if self._overlaid():
            return from_db_time(self._q(checklog.OLDEST)[0][0])
        rows = self._q("SELECT min(next_due) FROM urls")
        return from_db_time(rows[0][0]) if rows else None

    def last_checked(self) -> datetime | None:
        """When any URL was last checked, by the daemon or by ``archiver check``."""
        if self._overlaid():
            return from_db_time(self._q(checklog.LAST)[0][0])
        rows = self._q("SELECT max(last_checked) FROM urls")
        return from_db_time(rows[0][0]) if rows else None

    def counts_by_status(self) -> dict[str, int]:
        return {r[0]: r[1] for r in self._q("SELECT status, count(*) FROM urls GROUP BY status ORDER BY status")}

    # -- documents and citations -----------------------------------------------------------

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
        if rows:
            return _capture_from_row(rows[0])
        logged = self._logged_by_id(capture_id, checklog.CAPTURE_ROW)
        return _capture_from_row(logged) if logged else None

    def _logged_by_id(self, capture_id: str, columns: str) -> tuple[Any, ...] | None:
        """``columns`` of a capture found by id in the check log; else, should a fold have moved it
        meanwhile, in captures; else None."""
        if not self._overlaid():
            return None
        found = self._log_ids.row(self._conn(), capture_id, columns)
        if found is None:
            rows = self._q(f"SELECT {columns} FROM captures WHERE id = ?", (capture_id,))
            found = tuple(rows[0]) if rows else None
        return found

    def _source(self, url: str | None = None) -> tuple[str, list[Any], str]:
        """Where captures are read (of ``url``, or all): the table, or the table and the check log
        (``checklog.union``); its parameters; its ``ORDER BY`` time as the table orders ties."""
        if not self._overlaid():
            return "captures", [], "captured_at" if url is not None else "captured_at, rowid"
        src, params = checklog.of_url(url) if url is not None else (checklog.union(), [])
        return src, params, "captured_at, src, rid"

    def captures_by_prefix(self, prefix: str) -> list[Capture]:
        src, params, _ = self._source()
        rows = self._q(f"SELECT {_CAPTURE_COLUMNS} FROM {src} AS c WHERE id LIKE ? LIMIT 2", [*params, prefix + "%"])
        return [_capture_from_row(r) for r in rows]

    def captures(self, url: str) -> list[Capture]:
        src, params, order = self._source(url)
        rows = self._q(f"SELECT {_CAPTURE_COLUMNS} FROM {src} AS c WHERE url = ? ORDER BY {order}", [*params, url])
        return [_capture_from_row(r) for r in rows]

    def all_captures(self) -> Iterator[Capture]:
        src, params, order = self._source()
        for r in self._conn().execute(f"SELECT {_CAPTURE_COLUMNS} FROM {src} AS c ORDER BY {order}", params):
            yield _capture_from_row(r)

    def capture_count(self, url: str | None = None) -> int:
        if url is None:
            n = int(self._q("SELECT count(*) FROM captures")[0][0])
            return n + (int(self._q("SELECT count(*) FROM check_log")[0][0]) if self._overlaid() else 0)
        src, params, _ = self._source(url)
        return int(self._q(f"SELECT count(*) FROM {src} AS c WHERE url = ?", [*params, url])[0][0])

    def capture_counts(self) -> dict[str, int]:
        src, params, _ = self._source()
        return {r[0]: r[1] for r in self._q(f"SELECT url, count(*) FROM {src} AS c GROUP BY url", params)}

    def latest_capture(self, url: str) -> Capture | None:
        src, params, order = self._source(url)
        rows = self._q(f"SELECT {_CAPTURE_COLUMNS} FROM {src} AS c WHERE url = ? ORDER BY {_desc(order)} LIMIT 1",
                       [*params, url])
        return _capture_from_row(rows[0]) if rows else None

    def source_history(self, state: UrlState) -> StoredHistory:
        """One source's history as its next check needs it, in one query: its last capture and
        its last good one, each with its text key and the text stored under that key."""
        wanted = [i for i in dict.fromkeys((state.last_capture, state.last_good_capture)) if i]
        if not wanted:
            return StoredHistory()
        marks = ",".join("?" * len(wanted))
        rows = self._q(
            f"SELECT {_CAPTURE_COLUMNS}, text_key, body FROM captures LEFT JOIN texts ON texts.key = captures.text_key "
            f"WHERE id IN ({marks})",
            wanted,
        )
        if len(rows) < len(wanted) and self._overlaid():  # through the URL's log rows, never a scan by id
            rows += self._q(
                f"SELECT {_CAPTURE_COLUMNS}, text_key, body FROM check_log LEFT JOIN texts ON texts.key = check_log.text_key "
                f"WHERE ukey = ? AND url = ? AND id IN ({marks})",
                [checklog.ukey(state.url), state.url, *wanted],
            )
        held = {
            r[0]: StoredCapture(_capture_from_row(r), TextKey.parse(r[18]) if r[18] else None,
                                text_from_blob(r[19]) if r[19] is not None else None)
            for r in rows
        }
        return StoredHistory(last=held.get(state.last_capture or ""), last_good=held.get(state.last_good_capture or ""))

    def recent_good_texts(self, url: str, limit: int) -> list[TextVersion]:
        """The texts of the last ``limit`` ok captures (those that have one), newest first."""
        src, params, order = self._source(url)
        rows = self._q(
            f"SELECT body FROM {src} AS c LEFT JOIN texts ON texts.key = c.text_key "
            f"WHERE url = ? AND outcome = 'ok' ORDER BY {_desc(order)} LIMIT ?",
            [*params, url, limit],
        )
        return [text_from_blob(r[0]) for r in rows if r[0] is not None]

    def text_key_of(self, capture_id: str) -> str | None:
        rows = self._q("SELECT text_key FROM captures WHERE id = ?", (capture_id,))
        if rows:
            return rows[0][0]  # type: ignore[no-any-return]
        logged = self._logged_by_id(capture_id, "text_key")
        return logged[0] if logged else None

    def capture_near(self, url: str, at: datetime | None, *, good_only: bool = True) -> Capture | None:
        """The capture nearest ``at`` (default: the latest good one)."""
        cond = "AND outcome = 'ok' AND status < 400" if good_only else ""
        src, params, order = self._source(url)
        if at is None:
            rows = self._q(f"SELECT {_CAPTURE_COLUMNS} FROM {src} AS c WHERE url = ? {cond} ORDER BY {_desc(order)} LIMIT 1",
                           [*params, url])
        else:
            t = to_db_time(at)
            rows = self._q(
                f"SELECT {_CAPTURE_COLUMNS} FROM {src} AS c WHERE url = ? {cond} "
                "ORDER BY abs(julianday(substr(captured_at, 1, 26)) - julianday(substr(?, 1, 26))) LIMIT 1",
                [*params, url, t],
            )
        return _capture_from_row(rows[0]) if rows else None

    def timeline(self, url: str, limit: int = 60) -> list[TimelinePoint]:
        src, params, order = self._source(url)
        rows = self._q(
            "SELECT c.id, c.captured_at, c.outcome, c.status, (SELECT e.type FROM events e WHERE e.capture = c.id ORDER BY e.id LIMIT 1) "
            f"FROM {src} AS c WHERE c.url = ? ORDER BY {_desc(order)} LIMIT ?",
            [*params, url, limit],
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

    # -- how far each WARC file is indexed ------------------------------------------------------

    def indexed_through(self, warc_file: str) -> int:
        """How far ``warc_file`` is known to be indexed: every capture before this offset has its row."""
        value = self.get_meta(_INDEXED + warc_file)
        return int(value) if value and value.isdigit() else 0

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

    # -- meta (daemon state) ------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        rows = self._q("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    # -- citation metadata and record seals (cite, publish, verify) ---------------------------

    def capture_meta(self, capture_id: str) -> str | None:
        rows = self._q("SELECT meta FROM capture_meta WHERE capture = ?", (capture_id,))
        return rows[0][0] if rows else None

    def record_seal(self, warc_file: str, offset: int) -> tuple[int, str, str] | None:
        """``(length, sha256, blocks JSON)`` of a sealed record, or None."""
        rows = self._q("SELECT length, sha256, blocks FROM record_seals WHERE warc_file = ? AND offset = ?", (warc_file, offset))
        return (int(rows[0][0]), rows[0][1], rows[0][2]) if rows else None

    def record_seal_offsets(self, warc_file: str) -> list[tuple[int, int]]:
        """``(offset, length)`` of every sealed record of a file, in file order."""
        rows = self._q("SELECT offset, length FROM record_seals WHERE warc_file = ? ORDER BY offset", (warc_file,))
        return [(int(r[0]), int(r[1])) for r in rows]

    # -- work leases and dates (archiver worker, cite) ----------------------------------------

    def leased_count(self, now: datetime) -> int:
        return int(self._q("SELECT count(*) FROM urls WHERE lease_expires >= ?", (to_db_time(now),))[0][0])

    def capture_near_date(self, url: str, at: datetime) -> Capture | None:
        """The good capture nearest ``at`` (``archiver cite --as-of-document``)."""
        return self.capture_near(url, at)


def _desc(order: str) -> str:
    """An ``ORDER BY`` list, each term descending."""
    return ", ".join(f"{term} DESC" for term in order.split(", "))
