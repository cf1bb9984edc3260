"""Store stage: ``FetchResult`` → WARC/1.1 records → ``Capture``; read records back; repair torn files.

Files are ``{prefix}-{YYYYMMDDhhmmssffffff}-{serial:05d}-{host}.warc.gz``, one gzip member per record,
each opened by a ``warcinfo`` record, append-only: every ``WarcStore`` starts a new file and rotates
past ``WarcConfig.max_file_size``, so a closed file is never written again.

One capture is written as one contiguous batch (then flushed and fsynced): a ``request`` and a
``response`` record per hop, the final hop becoming a ``revisit`` (identical-payload-digest profile,
HTTP headers kept, no body) when its payload equals the previous capture's; a fetch with no response
at all is one ``metadata`` record (``application/json``: url, outcome, detail, elapsed, started_at).
The final record carries what WARC has no field for, as extension headers (WARC 1.1 §5 allows them);
defaults are left out to keep an unchanged re-check small:

    WARC-Archiver-Outcome    Outcome value (always; it marks the record that closes a capture)
    WARC-Archiver-Elapsed    seconds, ``repr(float)`` so it round-trips exactly
    WARC-Archiver-URL        the canonical URL checked, when it is not WARC-Target-URI
    WARC-Archiver-Redirects  JSON list of every hop URL, when there was more than one hop
    WARC-Archiver-Detail     JSON string of the failure detail, when there is one
    WARC-Archiver-Truncated  ``length``, on a revisit of a truncated payload (responses use WARC-Truncated)
    WARC-Archiver-Transfer-Encoding  the server's Transfer-Encoding, dropped because the body is de-chunked

A body shorter than its Content-Length (cut at the byte cap, or torn) gets ``WARC-Truncated: length``
and its Content-Length set to the stored length, the declared one kept in
``WARC-Archiver-Content-Length``. Everything else in a ``Capture`` is read from standard fields
(WARC-Date = the fetch's start, WARC-Target-URI = the final URL, WARC-IP-Address, WARC-Payload-Digest,
WARC-Refers-To, the HTTP status line and Content-Type), so ``iter_captures`` rebuilds the index exactly.
"""

from __future__ import annotations

import io
import json
import logging
import mmap
import os
import re
import socket
import threading
import uuid
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from io import BytesIO
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Self
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordbuilder import RecordBuilder
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParserException
from warcio.warcwriter import BaseWARCWriter

from archiver.config import WarcConfig
from archiver.errors import StoreError
from archiver.models import Capture, FetchResult, Hop, Outcome, RecordLocation, capture_id, payload_digest

logger = logging.getLogger(__name__)

X = "WARC-Archiver-"
REVISIT_PROFILE: str = RecordBuilder.REVISIT_PROFILE_1_1
READ_LIMIT = 64 * 1024 * 1024  # most payload bytes read_record returns (guards against gzip bombs)
# zlib level 6: on HTML it is ~2x faster than warcio's level 9 for about 1 % more bytes.
GZIP_LEVEL = 6
_GZIP_MAGIC = b"\x1f\x8b\x08"
_NAME = re.compile(r"-(\d{20})-(\d{5,})-[^/]*\.warc\.gz$")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 field-name characters
_CACHE = 10_000  # capture ids remembered per store, to find revisit targets without a disk read
_NO_BODY_STATUS = frozenset({204, 304})


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """One WARC record read back: headers, and the payload both as stored and content-decoded."""

    warc_headers: list[tuple[str, str]]
    record_type: str
    target_uri: str | None
    date: datetime | None
    http_status: int | None
    http_headers: list[tuple[str, str]]
    payload: bytes  # Content-Encoding and chunking undone, capped at READ_LIMIT
    raw_payload: bytes  # the bytes after the HTTP headers (the whole block for non-HTTP records)

    def header(self, name: str) -> str | None:
        """The first WARC header called ``name`` (case-insensitive), or None."""
        lname = name.lower()
        return next((v for k, v in self.warc_headers if k.lower() == lname), None)


@dataclass(frozen=True, slots=True)
class _Ref:
    """The record a revisit points at: the one holding the payload."""

    record_id: str
    uri: str
    date: str


class _GzipMember:
    """The file-like ``out`` warcio writes one record to: compresses it into one gzip member."""

    def __init__(self, out: BinaryIO, level: int) -> None:
        self._out = out
        self._z = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS | 16)

    def write(self, data: bytes) -> None:
        self._out.write(self._z.compress(data))

    def flush(self) -> None:  # warcio calls this once, at the end of the record
        self._out.write(self._z.flush())


class _Writer(BaseWARCWriter):  # type: ignore[misc]  # warcio ships no type hints
    """warcio's record writer aimed at a caller-chosen buffer, so a batch is built outside the lock."""

    def __init__(self) -> None:
        super().__init__(gzip=False, warc_version="1.1")

    def write_member(self, out: BinaryIO, record: Any, level: int) -> None:
        self._write_warc_record(_GzipMember(out, level), record)

    def ensure_digest(self, record: Any, block: bool = True, payload: bool = True) -> None:
        # A request without a body has no payload; warcio would store the digest of b"" on every one.
        if record.rec_type == "request" and not record.length:
            payload = False
        super().ensure_digest(record, block, payload)


class _Batch:
    """The records of one write, compressed into memory, appended to the file in one go."""

    def __init__(self, writer: _Writer) -> None:
        self._writer = writer
        self.buf = BytesIO()

    def add(self, record: Any) -> tuple[int, int]:
        start = self.buf.tell()
        self._writer.write_member(self.buf, record, GZIP_LEVEL)
        return start, self.buf.tell() - start


def _add_missing(headers: dict[str, str], extra: Mapping[str, str]) -> dict[str, str]:
    """Add ``extra`` without letting it replace a field this module sets (ids, dates, digests)."""
    for key, value in extra.items():
        headers.setdefault(key, value)
    return headers


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def warc_date(dt: datetime) -> str:
    """WARC/1.1 date with microseconds: ``2024-05-01T12:00:00.000001Z``."""
    return _utc(dt).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_warc_date(value: str | None) -> datetime | None:
    """The aware UTC datetime of a WARC-Date, with or without fractions; None if unreadable."""
    if not value:
        return None
    for fmt in ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _one_line(value: str) -> str:
    """A header value cannot hold a line break; a URL never legitimately does."""
    return value.replace("\r", "%0D").replace("\n", "%0A").strip()


def _request_http(hop: Hop) -> StatusAndHeaders:
    parts = urlsplit(hop.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = [(k, v) for k, v in hop.request_headers]
    if not any(k.lower() == "host" for k, _ in headers):  # http.client adds Host on the wire
        headers.insert(0, ("Host", parts.netloc.rpartition("@")[2]))
    return StatusAndHeaders(f"{target} {hop.http_version}", headers, protocol=hop.method)


def _response_http(hop: Hop, cut: bool) -> tuple[StatusAndHeaders, list[tuple[str, str]], bool]:
    """HTTP headers as stored, WARC headers noting what changed, and whether the body is cut."""
    headers: list[tuple[str, str]] = []
    notes: list[tuple[str, str]] = []
    sized = hop.method != "HEAD" and hop.status >= 200 and hop.status not in _NO_BODY_STATUS
    for name, value in hop.response_headers:
        lname = name.lower()
        if lname == "transfer-encoding":  # urllib3 hands us the body de-chunked
            notes.append((X + "Transfer-Encoding", _one_line(value)))
            continue
        if lname == "content-length" and sized and value.strip() != str(len(hop.body)):
            notes.append((X + "Content-Length", _one_line(value)))
            cut = cut or (value.strip().isdigit() and int(value) > len(hop.body))
            value = str(len(hop.body))
        headers.append((name, value))
    statusline = f"{hop.status} {hop.reason}".rstrip()
    return StatusAndHeaders(statusline, headers, protocol=hop.http_version), notes, cut


def _capture_facts(url: str, result: FetchResult, extra: Mapping[str, str]) -> dict[str, str]:
    """The WARC-Archiver-* fields of a capture's final record (see the module docstring), then ``extra``."""
    facts = {X + "Outcome": str(result.outcome), X + "Elapsed": repr(float(result.elapsed))}
    if len(result.hops) > 1:
        facts[X + "Redirects"] = json.dumps([_one_line(h.url) for h in result.hops])
    if result.detail:
        facts[X + "Detail"] = json.dumps(result.detail)
    if _one_line(url) != _one_line(result.final_url):
        facts[X + "URL"] = _one_line(url)
    for name, value in extra.items():
        if not _TOKEN.fullmatch(name):
            raise ValueError(f"not a WARC header name: {name!r}")
        facts.setdefault(name, _one_line(value))
    return facts


def _to_capture(rec: Any, http: Any, warc_file: str, offset: int, length: int) -> Capture | None:
    """The Capture a final record stands for (None for any other record). Used to write *and* rebuild."""
    outcome = rec.get_header(X + "Outcome")
    captured_at = parse_warc_date(rec.get_header("WARC-Date"))
    record_id = rec.get_header("WARC-Record-ID")
    if not outcome or captured_at is None or not record_id:
        return None
    rtype = rec.get_header("WARC-Type")
    target = rec.get_header("WARC-Target-URI") or ""
    has_response = rtype in ("response", "revisit")
    redirects = rec.get_header(X + "Redirects")
    detail = rec.get_header(X + "Detail")
    refers = rec.get_header("WARC-Refers-To") if rtype == "revisit" else None
    content_type = http.get_header("Content-Type") if http else None
    status = http.get_statuscode() if http else ""
    return Capture(
        id=capture_id(record_id),
        url=rec.get_header(X + "URL") or target,
        captured_at=captured_at,
        outcome=Outcome(outcome),
        status=int(status) if has_response and status.isdigit() else None,
        final_url=target if has_response else None,
        redirects=tuple(json.loads(redirects)) if redirects else ((target,) if has_response else ()),
        content_type=content_type.strip() if content_type is not None else None,
        payload_digest=rec.get_header("WARC-Payload-Digest") if has_response else None,
        warc_file=warc_file,
        warc_offset=offset,
        warc_length=length,
        record_type=rtype,
        refers_to=capture_id(refers) if refers else None,
        truncated=bool(rec.get_header("WARC-Truncated") or rec.get_header(X + "Truncated")),
        detail=json.loads(detail) if detail else "",
        ip=rec.get_header("WARC-IP-Address"),
        elapsed=float(rec.get_header(X + "Elapsed") or 0.0),
        record_id=record_id,
    )


def _bounded_put(table: dict[str, Any], key: str, value: Any) -> None:
    if len(table) >= _CACHE:
        del table[next(iter(table))]  # oldest first: dicts keep insertion order
    table[key] = value


def _version() -> str:
    try:
        return metadata.version("archiver")
    except metadata.PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


class WarcStore:
    """Append-only WARC files under ``directory``; thread-safe (one lock around appends)."""

    def __init__(
        self,
        directory: Path,
        config: WarcConfig,
        *,
        clock: Callable[[], datetime] | None = None,
        hostname: str | None = None,
        fsync: bool = True,
    ) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.config = config
        self._clock = clock or (lambda: datetime.now(UTC))
        self._host = re.sub(r"[^A-Za-z0-9.-]+", "-", hostname or socket.gethostname()) or "localhost"
        self._fsync = fsync
        self._lock = threading.Lock()
        self._writer = _Writer()
        self._file: io.FileIO | None = None
        self._name: str | None = None
        self._size = 0
        self._closed = False
        serials = [int(m.group(2)) for p in self.files() if (m := _NAME.search(p.name))]
        self._serial = max(serials, default=-1) + 1
        self._refs: dict[str, _Ref] = {}  # capture id → the record holding its payload
        self._record_ids: dict[str, str] = {}  # capture id → its own WARC-Record-ID

    # ------------------------------------------------------------------ overridable for tests

    def make_record_id(self) -> str:
        """A new WARC-Record-ID (``<urn:uuid:…>``); override for byte-stable test output."""
        return f"<urn:uuid:{uuid.uuid4()}>"

    # ------------------------------------------------------------------ writing

    def write_capture(
        self,
        url: str,
        result: FetchResult,
        *,
        previous: Capture | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Capture:
        """Write one fetch (all hops, or a metadata record for a failure); durable when it returns."""
        date = warc_date(result.started_at)
        final_id = self.make_record_id()
        facts = _capture_facts(url, result, extra_headers or {})
        batch = _Batch(self._writer)
        if result.hops:
            ref = self._revisit_ref(result, previous)
            final = self._write_hops(batch, result, date, final_id, facts, ref)
        else:
            final = self._failure_record(url, result, date, final_id, facts)
        span = batch.add(final)
        warc_file, base = self._append(batch)
        capture = _to_capture(final.rec_headers, final.http_headers, warc_file, base + span[0], span[1])
        assert capture is not None  # the final record always carries Outcome, Date and Record-ID
        self._remember(capture, final)
        return capture

    def _write_hops(
        self, batch: _Batch, result: FetchResult, date: str, final_id: str, facts: dict[str, str], ref: _Ref | None
    ) -> Any:
        """Add every hop's request/response to ``batch`` except the final record, which is returned."""
        final: Any = None
        for i, hop in enumerate(result.hops):
            last = i == len(result.hops) - 1
            rid = final_id if last else self.make_record_id()
            http, notes, cut = _response_http(hop, hop.truncated or (last and result.truncated))
            headers = {"WARC-Type": "response", "WARC-Record-ID": rid, "WARC-Date": date,
                       "WARC-Target-URI": _one_line(hop.url)}
            if hop.ip:
                headers["WARC-IP-Address"] = hop.ip
            headers.update(notes)
            digest = payload_digest(hop.body)
            if last and ref is not None:
                _add_missing(headers, facts)
                if cut:
                    headers[X + "Truncated"] = "length"
                record = self._writer.create_revisit_record(
                    headers["WARC-Target-URI"], digest, ref.uri, ref.date, http_headers=http,
                    warc_headers_dict=headers)
                record.rec_headers.add_header("WARC-Refers-To", ref.record_id)
            else:
                headers["WARC-Payload-Digest"] = digest
                if cut:
                    headers["WARC-Truncated"] = "length"
                if last:
                    _add_missing(headers, facts)
                record = self._writer.create_warc_record(
                    headers["WARC-Target-URI"], "response", payload=BytesIO(hop.body), length=len(hop.body),
                    warc_headers_dict=headers, http_headers=http)
            batch.add(self._request_record(hop, date, rid))
            if last:
                final = record
            else:
                batch.add(record)
        return final

    def _request_record(self, hop: Hop, date: str, response_id: str) -> Any:
        headers = {"WARC-Type": "request", "WARC-Record-ID": self.make_record_id(), "WARC-Date": date,
                   "WARC-Target-URI": _one_line(hop.url), "WARC-Concurrent-To": response_id}
        return self._writer.create_warc_record(
            headers["WARC-Target-URI"], "request", warc_headers_dict=headers, http_headers=_request_http(hop))

    def _failure_record(self, url: str, result: FetchResult, date: str, rid: str, facts: dict[str, str]) -> Any:
        data: dict[str, Any] = {"url": url, "outcome": str(result.outcome), "detail": result.detail,
                                "elapsed": result.elapsed, "started_at": date}
        if result.url != url:
            data["fetched_url"] = result.url
        headers = {"WARC-Type": "metadata", "WARC-Record-ID": rid, "WARC-Date": date,
                   "WARC-Target-URI": _one_line(result.url)}
        return self._json_record(_add_missing(headers, facts), data)

    def _json_record(self, headers: dict[str, str], data: Mapping[str, Any]) -> Any:
        body = json.dumps(data, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8")
        return self._writer.create_warc_record(
            headers["WARC-Target-URI"], "metadata", payload=BytesIO(body), length=len(body),
            warc_content_type="application/json", warc_headers_dict=headers)

    def write_metadata(self, url: str, data: Mapping[str, Any], *, concurrent_to: str | None = None) -> RecordLocation:
        """Write a JSON ``metadata`` record about ``url`` (a platform's answer, a probe), dated now."""
        rid = self.make_record_id()
        headers = {"WARC-Type": "metadata", "WARC-Record-ID": rid, "WARC-Date": warc_date(self._clock()),
                   "WARC-Target-URI": _one_line(url)}
        if concurrent_to:
            headers["WARC-Concurrent-To"] = self._resolve_record_id(concurrent_to)
        batch = _Batch(self._writer)
        span = batch.add(self._json_record(headers, data))
        warc_file, base = self._append(batch)
        return RecordLocation(warc_file, base + span[0], span[1], rid)

    def write_exchange(self, url: str, result: FetchResult, *, concurrent_to: str | None = None) -> RecordLocation:
        """Write a side fetch's request/response records (a metadata record if it got no response)."""
        facts: dict[str, str] = {}
        if concurrent_to:
            facts["WARC-Concurrent-To"] = self._resolve_record_id(concurrent_to)
        rid = self.make_record_id()
        date = warc_date(result.started_at)
        batch = _Batch(self._writer)
        if result.hops:
            final = self._write_hops(batch, result, date, rid, facts, None)
        else:
            headers = {"WARC-Type": "metadata", "WARC-Record-ID": rid, "WARC-Date": date,
                       "WARC-Target-URI": _one_line(url), **facts}
            final = self._json_record(headers, {"url": url, "outcome": str(result.outcome),
                                                "detail": result.detail, "elapsed": result.elapsed})
        span = batch.add(final)
        warc_file, base = self._append(batch)
        return RecordLocation(warc_file, base + span[0], span[1], rid)

    # ------------------------------------------------------------------ revisits and ids

    def _revisit_ref(self, result: FetchResult, previous: Capture | None) -> _Ref | None:
        if previous is None or previous.outcome != Outcome.OK:
            return None
        if previous.record_type not in ("response", "revisit") or previous.payload_digest != result.payload_digest:
            return None
        return self._lookup_ref(previous)

    def _lookup_ref(self, previous: Capture) -> _Ref | None:
        with self._lock:
            ref = self._refs.get(previous.id)
        if ref is not None or previous.warc_file is None or previous.warc_offset is None:
            return ref
        try:
            rec = self.read_record(previous.warc_file, previous.warc_offset, limit=0)
        except StoreError as exc:
            logger.warning("%s: previous capture %s unreadable (%s); writing a full response",
                           previous.url, previous.id, exc)
            return None
        own = rec.header("WARC-Record-ID")
        if own is None or capture_id(own) != previous.id:
            logger.warning("%s: capture %s is not at %s:%s; writing a full response",
                           previous.url, previous.id, previous.warc_file, previous.warc_offset)
            return None
        if rec.record_type == "revisit":
            rid, uri, date = (rec.header("WARC-Refers-To"), rec.header("WARC-Refers-To-Target-URI"),
                              rec.header("WARC-Refers-To-Date"))
        else:
            rid, uri, date = own, rec.target_uri, rec.header("WARC-Date")
        return _Ref(rid, uri, date) if rid and uri and date else None

    def _remember(self, capture: Capture, final: Any) -> None:
        """Keep a written capture's record id, and the record holding its payload, for later revisits."""
        rec = final.rec_headers
        own = rec.get_header("WARC-Record-ID")
        if capture.record_type == "revisit":
            ref = _Ref(rec.get_header("WARC-Refers-To"), rec.get_header("WARC-Refers-To-Target-URI"),
                       rec.get_header("WARC-Refers-To-Date"))
        else:
            ref = _Ref(own, rec.get_header("WARC-Target-URI"), rec.get_header("WARC-Date"))
        with self._lock:
            _bounded_put(self._record_ids, capture.id, own)
            if capture.record_type != "metadata":
                _bounded_put(self._refs, capture.id, ref)

    def record_id(self, capture: Capture) -> str:
        """The WARC-Record-ID of a capture's final record (what ``concurrent_to`` links to)."""
        with self._lock:
            known = capture.record_id or self._record_ids.get(capture.id)
        if known:
            return known
        if capture.warc_file is None or capture.warc_offset is None:
            raise StoreError(f"capture {capture.id} of {capture.url} has no WARC location")
        rid = self.read_record(capture.warc_file, capture.warc_offset, limit=0).header("WARC-Record-ID")
        if rid is None or capture_id(rid) != capture.id:
            raise StoreError(f"capture {capture.id} is not at {capture.warc_file}:{capture.warc_offset}")
        return rid

    def _resolve_record_id(self, value: str) -> str:
        """``concurrent_to`` takes a WARC-Record-ID, or the id of a capture this store wrote."""
        if value.startswith("<"):
            return value
        with self._lock:
            rid = self._record_ids.get(value)
        if rid is None:
            raise StoreError(f"unknown capture id {value!r}: pass its WARC-Record-ID (WarcStore.record_id)")
        return rid

    # ------------------------------------------------------------------ files

    def files(self) -> list[Path]:
        """Every ``*.warc.gz`` in the directory, in write order (serial, then time, then name)."""

        def key(path: Path) -> tuple[int, str, str]:
            m = _NAME.search(path.name)
            return (int(m.group(2)), m.group(1), path.name) if m else (-1, "", path.name)

        return sorted((p for p in self.directory.glob("*.warc.gz") if p.is_file()), key=key)

    def _append(self, batch: _Batch) -> tuple[str, int]:
        """Append a batch to the current file, flush and fsync; return (file name, offset of the batch)."""
        data = batch.buf.getbuffer()
        with self._lock:
            if self._closed:
                raise StoreError(f"{self.directory}: WARC store is closed")
            if self._file is None:
                self._open_file()
            assert self._file is not None and self._name is not None
            name, base = self._name, self._size
            self._write_durably(data, base)
            self._size += len(data)
            if self._size >= self.config.max_file_size:
                self._close_file()
        return name, base

    def _write_durably(self, data: memoryview, base: int) -> None:
        assert self._file is not None
        try:
            view = data
            while view:  # a raw file may take a large write in parts
                view = view[self._file.write(view) or 0:]
            if self._fsync:
                os.fsync(self._file.fileno())
        except OSError as exc:
            try:  # leave no torn record behind (disk full): cut back to the last whole batch
                os.ftruncate(self._file.fileno(), base)
            except OSError:
                logger.exception("%s: cannot cut back a failed write", self._name)
            raise StoreError(f"{self.directory / str(self._name)}: cannot write WARC: {exc}") from exc

    def _open_file(self) -> None:
        stamp = _utc(self._clock()).strftime("%Y%m%d%H%M%S%f")
        while True:
            name = f"{self.config.prefix}-{stamp}-{self._serial:05d}-{self._host}.warc.gz"
            self._serial += 1
            try:
                self._file = open(self.directory / name, "xb", buffering=0)  # noqa: SIM115 (lives until rotation)
                break
            except FileExistsError:  # same clock tick in another store: take the next serial
                continue
            except OSError as exc:
                raise StoreError(f"{self.directory / name}: cannot create WARC: {exc}") from exc
        self._name, self._size = name, 0
        batch = _Batch(self._writer)
        batch.add(self._warcinfo(name))
        try:
            self._write_durably(batch.buf.getbuffer(), 0)
            if self._fsync:  # make the new directory entry durable too
                dfd = os.open(self.directory, os.O_RDONLY)
                try:
                    os.fsync(dfd)
                finally:
                    os.close(dfd)
        except (OSError, StoreError):
            self._close_file()  # a file without its warcinfo is never written to
            raise
        self._size = batch.buf.tell()
        logger.info("%s: new WARC file", self.directory / name)

    def _warcinfo(self, name: str) -> Any:
        info = {
            "software": f"archiver/{_version()} (warcio)",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "hostname": self._host,
            "description": "archiver captures; WARC-Archiver-* fields are described in archiver/warcstore.py",
        }
        body = "".join(f"{k}: {v}\r\n" for k, v in info.items()).encode("utf-8")
        headers = {"WARC-Type": "warcinfo", "WARC-Record-ID": self.make_record_id(),
                   "WARC-Date": warc_date(self._clock()), "WARC-Filename": name}
        return self._writer.create_warc_record(
            "", "warcinfo", payload=BytesIO(body), length=len(body),
            warc_content_type="application/warc-fields", warc_headers_dict=headers)

    def _close_file(self) -> None:
        if self._file is not None:
            self._file.close()
            logger.info("%s: WARC file closed at %d bytes", self._name, self._size)
        self._file, self._name, self._size = None, None, 0

    def close(self) -> None:
        """Close the current file; later writes raise StoreError."""
        with self._lock:
            self._close_file()
            self._closed = True

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # ------------------------------------------------------------------ reading

    def _path(self, warc_file: str) -> Path:
        if not warc_file or Path(warc_file).name != warc_file:
            raise StoreError(f"not a WARC file name in {self.directory}: {warc_file!r}")
        return self.directory / warc_file

    def read_record(self, warc_file: str, offset: int, *, limit: int = READ_LIMIT) -> StoredRecord:
        """The record at ``offset`` of ``warc_file`` (as ``warcio index`` reports); payloads capped at ``limit``."""
        path = self._path(warc_file)
        try:
            with open(path, "rb") as fh:
                fh.seek(offset)
                record = next(iter(ArchiveIterator(fh)))
                raw = record.raw_stream.read(limit) if limit else b""
                record.raw_stream = BytesIO(raw)  # decode from what we read, with warcio's own rules
                payload = record.content_stream().read(limit) if raw else b""
        except (OSError, StopIteration, ArchiveLoadFailed, StatusAndHeadersParserException, ValueError,
                zlib.error) as exc:
            raise StoreError(f"{path}: no readable WARC record at offset {offset}: {exc or 'end of file'}") from exc
        rec, http = record.rec_headers, record.http_headers
        status = http.get_statuscode() if http and record.rec_type in ("response", "revisit") else ""
        return StoredRecord(
            warc_headers=list(rec.headers),
            record_type=record.rec_type,
            target_uri=rec.get_header("WARC-Target-URI"),
            date=parse_warc_date(rec.get_header("WARC-Date")),
            http_status=int(status) if status.isdigit() else None,
            http_headers=list(http.headers) if http else [],
            payload=payload,
            raw_payload=raw,
        )

    def read_payload(self, capture: Capture, *, limit: int = READ_LIMIT) -> bytes:
        """The content-decoded body of a response capture (a metadata capture: its JSON)."""
        if capture.record_type == "revisit":
            raise StoreError(f"capture {capture.id} is a revisit: read capture {capture.refers_to} instead")
        if capture.warc_file is None or capture.warc_offset is None:
            raise StoreError(f"capture {capture.id} of {capture.url} has no WARC location")
        return self.read_record(capture.warc_file, capture.warc_offset, limit=limit).payload

    def iter_captures(self) -> Iterator[Capture]:
        """Every capture in every file, in write order: the index, rebuilt from the WARCs."""
        for path in self.files():
            try:
                with open(path, "rb") as fh:
                    it = ArchiveIterator(fh)
                    for record in it:
                        if record.rec_headers.get_header(X + "Outcome") is None:
                            continue
                        offset, length = it.get_record_offset(), it.get_record_length()
                        capture = _to_capture(record.rec_headers, record.http_headers, path.name, offset, length)
                        if capture is not None:
                            yield capture
            except (OSError, ArchiveLoadFailed, StatusAndHeadersParserException, ValueError, zlib.error) as exc:
                logger.error("%s: unreadable past this point, skipping the rest (%s)", path, exc)

    # ------------------------------------------------------------------ recovery

    def recover(self) -> list[str]:
        """Cut torn records off file tails (kill -9 mid-write); move wholly broken files aside."""
        messages = []
        with self._lock:
            for path in self.files():
                if path.name != self._name:
                    message = _repair(path)
                    if message:
                        logger.warning("%s", message)
                        messages.append(message)
        return messages


def _member_end(mm: mmap.mmap, pos: int) -> int | None:
    """End offset of a complete gzip member at ``pos`` holding one whole WARC record, else None."""
    if mm[pos:pos + 3] != _GZIP_MAGIC:
        return None
    z = zlib.decompressobj(zlib.MAX_WBITS | 16)
    head, total, cursor = b"", 0, pos
    try:
        while not z.eof:
            chunk = mm[cursor:cursor + (1 << 20)]
            if not chunk:
                return None
            cursor += len(chunk)
            out = z.decompress(chunk)
            if len(head) < 65536:
                head += out[:65536 - len(head)]
            total += len(out)
    except zlib.error:
        return None
    end = cursor - len(z.unused_data)
    header_end = head.find(b"\r\n\r\n")
    match = re.search(rb"\r\nContent-Length:[ \t]*(\d+)", head[:header_end], re.IGNORECASE)
    if not head.startswith(b"WARC/") or header_end < 0 or not match:
        return None
    return end if total == header_end + 4 + int(match.group(1)) + 4 else None


def _repair(path: Path) -> str | None:
    """Make ``path`` end on a whole record; a message saying what was done, or None if it was sound."""
    size = path.stat().st_size
    if size == 0:
        path.rename(path.with_name(path.name + ".damaged"))
        return f"{path.name}: empty WARC file moved aside to {path.name}.damaged"
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        # Fast path: the last member found from the end finishes exactly at EOF.
        pos = size
        for _ in range(64):
            pos = mm.rfind(_GZIP_MAGIC, 0, pos)
            if pos < 0:
                break
            end = _member_end(mm, pos)
            if end == size:
                return None
            if end is not None:
                break  # the last whole record ends before EOF: walk the file to be sure
        good, count = 0, 0
        while (end := _member_end(mm, good)) is not None:
            good, count = end, count + 1
        later = mm.find(_GZIP_MAGIC, good + 1)
        while 0 <= later and _member_end(mm, later) is None:
            later = mm.find(_GZIP_MAGIC, later + 1)
    if good == size:
        return None
    if later >= 0:
        logger.error("%s: damaged at offset %d with whole records after it; left as is", path, good)
        return f"{path.name}: damaged at offset {good} but whole records follow; left as is, needs a hand repair"
    if count == 0:
        path.rename(path.with_name(path.name + ".damaged"))
        return f"{path.name}: no whole record; moved aside to {path.name}.damaged"
    with open(path, "r+b") as out:
        out.truncate(good)
        out.flush()
        os.fsync(out.fileno())
    return f"{path.name}: torn record cut off at offset {good} ({size - good} bytes dropped, {count} records kept)"
