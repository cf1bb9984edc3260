"""Store stage, the writer: ``WarcStore`` appends captures to rotating WARC files and reads them back.

One lock guards the appends; a capture's records are built and compressed outside it (``records``),
then written, flushed and fsynced in one go. The files are kept by a ``files.WarcFiles`` (a local
or shared folder by default; an object store could follow), and nothing here touches them but
through it. Reading goes through ``reader``, repair of torn tails through ``WarcFiles.repair``.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from archiver.config import WarcConfig
from archiver.errors import StoreError
from archiver.models import Capture, FetchResult, Outcome, RecordLocation, capture_id, payload_digest

from . import reader
from .files import LocalFiles, WarcFiles
from .reader import READ_LIMIT, StoredRecord
from .records import (
    Batch,
    RecordWriter,
    X,
    add_missing,
    capture_facts,
    failure_record,
    json_record,
    one_line,
    request_record,
    resource_record,
    response_http,
    to_capture,
    utc,
    warc_date,
    warcinfo_record,
)

logger = logging.getLogger(__name__)

_NAME = re.compile(r"-(\d{20})-(\d{5,})-[^/]*\.warc\.gz$")
_CACHE = 10_000  # capture ids remembered per store, to find revisit targets without a disk read


@dataclass(frozen=True, slots=True)
class _Ref:
    """The record a revisit points at: the one holding the payload."""

    record_id: str
    uri: str
    date: str


def _bounded_put(table: dict[str, Any], key: str, value: Any) -> None:
    if len(table) >= _CACHE:
        del table[next(iter(table))]  # oldest first: dicts keep insertion order
    table[key] = value


class WarcStore:
    """Append-only WARC files under ``directory``; thread-safe (one lock around appends).

    ``owner`` (one worker among many sharing the folder: its host and pid) marks the file being
    written ``.open`` with it; ``files`` keeps the files elsewhere than in ``directory``.
    """

    def __init__(
        self,
        directory: Path,
        config: WarcConfig,
        *,
        clock: Callable[[], datetime] | None = None,
        hostname: str | None = None,
        fsync: bool = True,
        owner: Mapping[str, Any] | None = None,
        files: WarcFiles | None = None,
    ) -> None:
        self.directory = Path(directory)
        if files is None:
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
            except OSError as exc:  # a file in the path, a read-only mount, no permission: one line
                raise StoreError(f"{self.directory}: cannot open the WARC directory: {exc.strerror or exc}") from None
        self.storage: WarcFiles = files or LocalFiles(self.directory, fsync=fsync)
        self._owner = dict(owner) if owner is not None else None
        self.config = config
        self._clock = clock or (lambda: datetime.now(UTC))
        self._host = re.sub(r"[^A-Za-z0-9.-]+", "-", hostname or socket.gethostname()) or "localhost"
        self._fsync = fsync
        self._lock = threading.Lock()
        self._syncing = threading.Lock()  # one sync() at a time; appends go on meanwhile
        # Batches carry the id of the warcinfo record of the file they land in (WARC-Warcinfo-ID),
        # so a full file is rotated only once no batch built for it is still on its way (``_batch``).
        self._turn = threading.Condition(self._lock)
        self._building = 0
        self._full = False
        self._unsynced = False  # an append left its fsync for later (``sync``)
        self._info_id: str | None = None  # the warcinfo of the current file, or of the next one
        self._writer = RecordWriter()
        self._name: str | None = None  # the file being appended to
        self._size = 0
        self._closed = False
        serials = [int(m.group(2)) for n in self.storage.names() if (m := _NAME.search(n))]
        self._serial = max(serials, default=-1) + 1
        self._refs: dict[str, _Ref] = {}  # capture id → the record holding its payload
        self._record_ids: dict[str, str] = {}  # capture id → its own WARC-Record-ID
        self._written: dict[str, int] = {}  # file name → size after this store's last append to it

    # ------------------------------------------------------------------ overridable for tests

    def make_record_id(self) -> str:
        """A new WARC-Record-ID (``<urn:uuid:…>``); override for byte-stable test output."""
        return f"<urn:uuid:{uuid.uuid4()}>"

    @contextmanager
    def _batch(self) -> Iterator[Batch]:
        """A batch whose records name the warcinfo of the file it will be appended to.

        A file past ``max_file_size`` is marked full by ``_append`` and closed here, when the next
        batch starts and none built for it is still in flight; so every record's WARC-Warcinfo-ID
        is the warcinfo record of its own file, though batches are compressed outside the lock.
        """
        with self._turn:
            while self._full and self._building:
                self._turn.wait()
            if self._full:
                self._close_file()
                self._full, self._info_id = False, None
            if self._info_id is None:
                self._info_id = self.make_record_id()
            self._building += 1
            info_id = self._info_id
        try:
            yield Batch(self._writer, info_id)
        finally:
            with self._turn:
                self._building -= 1
                self._turn.notify_all()

    # ------------------------------------------------------------------ writing

    def write_capture(
        self,
        url: str,
        result: FetchResult,
        *,
        previous: Capture | None = None,
        extra_headers: Mapping[str, str] | None = None,
        sync: bool = True,
    ) -> Capture:
        """Write one fetch (all hops, or a metadata record for a failure); durable when it returns,
        or with ``sync=False`` at the next ``sync()`` (the checker's, before the index commit that
        points at it: one fsync per commit instead of one per capture, each under the append lock)."""
        date = warc_date(result.started_at)
        final_id = self.make_record_id()
        facts = capture_facts(url, result, extra_headers or {})
        ref = self._revisit_ref(result, previous) if result.hops else None
        with self._batch() as batch:
            if result.hops:
                final = self._write_hops(batch, result, date, final_id, facts, ref)
            else:
                final = failure_record(self._writer, url, result, date, final_id, facts)
            span = batch.add(final)
            warc_file, base = self._append(batch, sync=sync)
        capture = to_capture(final.rec_headers, final.http_headers, warc_file, base + span[0], span[1])
        assert capture is not None  # the final record always carries Outcome, Date and Record-ID
        self._remember(capture, final)
        return capture

    def _write_hops(
        self, batch: Batch, result: FetchResult, date: str, final_id: str, facts: dict[str, str], ref: _Ref | None
    ) -> Any:
        """Add every hop's request/response to ``batch`` except the final record, which is returned."""
        final: Any = None
        for i, hop in enumerate(result.hops):
            last = i == len(result.hops) - 1
            rid = final_id if last else self.make_record_id()
            http, notes, cut = response_http(hop, hop.truncated or (last and result.truncated))
            headers = {"WARC-Type": "response", "WARC-Record-ID": rid, "WARC-Date": date,
                       "WARC-Target-URI": one_line(hop.url)}
            if hop.ip:
                headers["WARC-IP-Address"] = hop.ip
            headers.update(notes)
            digest = hop.digest or payload_digest(hop.body)  # the fetcher hashed it while reading
            if last and ref is not None:
                add_missing(headers, facts)
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
                    add_missing(headers, facts)
                record = self._writer.create_warc_record(
                    headers["WARC-Target-URI"], "response", payload=BytesIO(hop.body), length=len(hop.body),
                    warc_headers_dict=headers, http_headers=http)
            batch.add(request_record(self._writer, hop, date, self.make_record_id(), rid))
            if last:
                final = record
            else:
                batch.add(record)
        return final

    def write_metadata(self, url: str, data: Mapping[str, Any], *, concurrent_to: str | None = None,
                       sync: bool = True) -> RecordLocation:
        """Write an ``application/warc-fields`` ``metadata`` record about ``url`` (a post's state,
        a render, a capture's requisites), dated now; ``concurrent_to`` names the record it is about."""
        rid = self.make_record_id()
        headers = {"WARC-Type": "metadata", "WARC-Record-ID": rid, "WARC-Date": warc_date(self._clock()),
                   "WARC-Target-URI": one_line(url)}
        if concurrent_to:
            headers["WARC-Concurrent-To"] = self._resolve_record_id(concurrent_to)
        with self._batch() as batch:
            span = batch.add(json_record(self._writer, headers, data))
            warc_file, base = self._append(batch, sync=sync)
        return RecordLocation(warc_file, base + span[0], span[1], rid)

    def write_resource(self, uri: str, body: bytes, content_type: str, *, concurrent_to: str | None = None,
                       fields: Mapping[str, str] | None = None, sync: bool = True,
                       date: datetime | None = None) -> RecordLocation:
        """Write a ``resource`` record (content archiver made, such as a screenshot) under ``uri``,
        dated ``date`` (when it was made; default now)."""
        rid = self.make_record_id()
        headers = {"WARC-Type": "resource", "WARC-Record-ID": rid, "WARC-Date": warc_date(date or self._clock()),
                   "WARC-Target-URI": one_line(uri), **(fields or {})}
        if concurrent_to:
            headers["WARC-Concurrent-To"] = self._resolve_record_id(concurrent_to)
        with self._batch() as batch:
            span = batch.add(resource_record(self._writer, headers, body, content_type))
            warc_file, base = self._append(batch, sync=sync)
        return RecordLocation(warc_file, base + span[0], span[1], rid)

    def write_exchange(self, url: str, result: FetchResult, *, concurrent_to: str | None = None,
                       revisit_of: tuple[str, str, str] | None = None) -> RecordLocation:
        """Write a side fetch's request/response records (a metadata record if it got no response).

        ``revisit_of`` — (WARC-Record-ID, target URI, WARC-Date) of a record holding the same
        payload, of any URL — makes the final hop a revisit of it, when its digest matches.
        ``concurrent_to`` is for exchanges of the same capture event only (WARC 1.1 §5.7).
        """
        facts: dict[str, str] = {}
        if concurrent_to:
            facts["WARC-Concurrent-To"] = self._resolve_record_id(concurrent_to)
        return self.write_exchanges([(url, result, revisit_of, None)], facts=facts)[0]

    def write_exchanges(
        self, exchanges: Sequence[tuple[str, FetchResult, tuple[str, str, str] | None, str | None]], *,
        facts: Mapping[str, str] | None = None, sync: bool = True,
    ) -> list[RecordLocation]:
        """Write several side fetches — (URL asked, result, ``revisit_of``, record id or None for a
        new one) — in one append and one fsync (a page's requisites); their locations, in order."""
        spans = []
        with self._batch() as batch:
            for url, result, revisit_of, record_id in exchanges:
                rid = record_id or self.make_record_id()
                date = warc_date(result.started_at)
                ref = _Ref(*revisit_of) if revisit_of and result.hops else None
                if result.hops:
                    final = self._write_hops(batch, result, date, rid, dict(facts or {}), ref)
                else:
                    headers = {"WARC-Type": "metadata", "WARC-Record-ID": rid, "WARC-Date": date,
                               "WARC-Target-URI": one_line(url), **(facts or {})}
                    final = json_record(self._writer, headers, {"url": url, "outcome": str(result.outcome),
                                                        "detail": result.detail, "elapsed": result.elapsed})
                spans.append((batch.add(final), rid))
            warc_file, base = self._append(batch, sync=sync)
        return [RecordLocation(warc_file, base + span[0], span[1], rid) for span, rid in spans]

    # ------------------------------------------------------------------ revisits and ids

    def _revisit_ref(self, result: FetchResult, previous: Capture | None) -> _Ref | None:
        if previous is None or previous.outcome != Outcome.OK:
            return None
        if previous.record_type not in ("response", "revisit") or previous.payload_digest != result.payload_digest:
            return None
        return self._lookup_ref(previous)

    def _lookup_ref(self, previous: Capture) -> _Ref | None:
        """The record holding ``previous``'s payload: remembered if this store wrote it, else read
        from the head of ``previous``'s own record (a revisit's names the one it refers to)."""
        with self._lock:
            ref = self._refs.get(previous.id)
        if ref is not None or previous.warc_file is None or previous.warc_offset is None:
            return ref
        name, offset = previous.warc_file, previous.warc_offset
        head = reader.record_head(self.storage, name, offset) if Path(name).name == name else None
        if head is None:  # past the probe, torn, or not a file name: read it whole, and say why if it cannot be
            try:
                rec = self.read_record(name, offset, limit=0)
            except StoreError as exc:
                logger.warning("%s: previous capture %s unreadable (%s); writing a full response",
                               previous.url, previous.id, exc)
                return None
            head = {k.lower(): v for k, v in reversed(rec.warc_headers)}
        own = head.get("warc-record-id")
        if own is None or capture_id(own) != previous.id:
            logger.warning("%s: capture %s is not at %s:%s; writing a full response",
                           previous.url, previous.id, previous.warc_file, previous.warc_offset)
            return None
        if head.get("warc-type") == "revisit":
            rid, uri, date = (head.get("warc-refers-to"), head.get("warc-refers-to-target-uri"),
                              head.get("warc-refers-to-date"))
        else:
            rid, uri, date = own, head.get("warc-target-uri"), head.get("warc-date")
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

    def names(self) -> list[str]:
        """Every WARC file, in write order (serial, then time, then name)."""

        def key(name: str) -> tuple[int, str, str]:
            m = _NAME.search(name)
            return (int(m.group(2)), m.group(1), name) if m else (-1, "", name)

        return sorted(self.storage.names(), key=key)

    def files(self) -> list[Path]:
        """``names()`` as paths in ``directory``: for what reads local files only (verify, export)."""
        return [self.directory / name for name in self.names()]

    def size(self, name: str) -> int:
        """The bytes in the file ``name`` now."""
        return self.storage.size(name)

    def current(self) -> str | None:
        """The file this store appends to now, if any."""
        return self._name

    def heartbeat(self) -> None:
        """Say that this store's writer is alive: its file's ``.open`` mark is fresh again."""
        name = self._name
        if name is not None and self._owner is not None:
            self.storage.touch(name)

    def _append(self, batch: Batch, *, sync: bool = True) -> tuple[str, int]:
        """Append a batch to the current file, flush and fsync; return (file name, offset of the batch).

        ``sync=False`` leaves the fsync to the next synced append, ``sync()`` or closing the file:
        for side records written many to a capture (requisites), made durable before the index
        rows that point at them are committed (the checker calls ``sync()`` first)."""
        data = batch.buf.getbuffer()
        with self._lock:
            if self._closed:
                raise StoreError(f"{self.directory}: WARC store is closed")
            if self._name is None:
                self._open_file()
            assert self._name is not None
            name, base = self._name, self._size
            self._write_durably(data, sync=sync)
            self._unsynced = not sync or (self._unsynced and not self._fsync)
            self._size += len(data)
            self._written[name] = self._size
            if self._size >= self.config.max_file_size:
                self._full = True  # closed when the next batch starts (``_batch``)
        return name, base

    def _write_durably(self, data: memoryview, *, sync: bool = True) -> None:
        assert self._name is not None
        try:
            self.storage.append(self._name, data, sync=sync)  # all or nothing: a failed write is cut back
        except OSError as exc:
            raise StoreError(f"{self.storage.location(self._name)}: cannot write WARC: {exc}") from exc

    def _open_file(self) -> None:
        stamp = utc(self._clock()).strftime("%Y%m%d%H%M%S%f")
        while True:
            name = f"{self.config.prefix}-{stamp}-{self._serial:05d}-{self._host}.warc.gz"
            self._serial += 1
            try:
                self.storage.create(name, self._owner)
                break
            except FileExistsError:  # same clock tick in another store: take the next serial
                continue
            except OSError as exc:
                # Named by folder, not file: every URL of a batch meets the same problem, said once.
                raise StoreError(f"{self.storage.location()}: cannot create WARC: {exc.strerror or exc}") from exc
        self._name, self._size = name, 0
        batch = Batch(self._writer)
        if self._info_id is None:
            self._info_id = self.make_record_id()
        record_id, date = self._info_id, warc_date(self._clock())
        batch.add(warcinfo_record(self._writer, name, self._host, record_id, date))
        try:
            self._write_durably(batch.buf.getbuffer())
        except StoreError:
            self._close_file()  # a file without its warcinfo is never written to
            raise
        self._size = batch.buf.tell()
        logger.info("%s: new WARC file", self.storage.location(name))

    def sync(self) -> None:
        """Make every record appended so far durable (one fsync, if any append deferred its own).

        The fsync runs outside the append lock (``WarcFiles.sync``, on a duplicate of the file's
        descriptor: the file may be sealed meanwhile): workers go on appending while the disk
        catches up, and what they append after this call is left for the next one. Two callers
        sync one after the other, so neither returns before the records it appended are durable."""
        with self._syncing:
            with self._lock:
                if not (self._unsynced and self._name is not None and self._fsync):
                    self._unsynced = False
                    return
                name = self._name
                self._unsynced = False
            try:
                self.storage.sync(name)
            except OSError as exc:
                with self._lock:
                    self._unsynced = True
                raise StoreError(f"{self.storage.location(name)}: cannot make the WARC durable: {exc}") from exc

    def _close_file(self) -> None:
        if self._name is not None:
            self.storage.seal(self._name)  # durable, its .open mark dropped
            self._unsynced = False
            logger.info("%s: WARC file closed at %d bytes", self._name, self._size)
        self._name, self._size = None, 0

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

    def _checked(self, warc_file: str) -> str:
        if not warc_file or Path(warc_file).name != warc_file:
            raise StoreError(f"not a WARC file name in {self.storage.location()}: {warc_file!r}")
        return warc_file

    def read_record(self, warc_file: str, offset: int, *, limit: int = READ_LIMIT) -> StoredRecord:
        """The record at ``offset`` of ``warc_file`` (as ``warcio index`` reports); payloads capped at ``limit``."""
        return reader.read_record(self.storage, self._checked(warc_file), offset, limit=limit)

    def record_extent(self, warc_file: str, offset: int) -> reader.Extent | None:
        """The size of the record at ``offset`` of ``warc_file`` from its headers, before reading it."""
        return reader.record_extent(self.storage, self._checked(warc_file), offset)

    def read_payload(self, capture: Capture, *, limit: int = READ_LIMIT) -> bytes:
        """The content-decoded body of a response capture (a metadata capture: its JSON)."""
        if capture.record_type == "revisit":
            raise StoreError(f"capture {capture.id} is a revisit: read capture {capture.refers_to} instead")
        if capture.warc_file is None or capture.warc_offset is None:
            raise StoreError(f"capture {capture.id} of {capture.url} has no WARC location")
        return self.read_record(capture.warc_file, capture.warc_offset, limit=limit).payload

    def iter_captures(self) -> Iterator[Capture]:
        """Every capture in every file, in write order: the index, rebuilt from the WARCs."""
        yield from reader.iter_captures(self.storage, self.names())

    def iter_records(self, pick: reader.Pick) -> Iterator[tuple[RecordLocation, StoredRecord]]:
        """The records ``pick`` chooses from every file, in write order (``reader.iter_records``)."""
        yield from reader.iter_records(self.storage, self.names(), pick)

    def iter_captures_from(self, warc_file: str, offset: int, progress: list[int]) -> Iterator[Capture]:
        """The captures of ``warc_file`` past ``offset``; ``progress[0]``: end of the last whole record."""
        yield from reader.iter_captures_from(self.storage, self._checked(warc_file), offset, progress)

    def written(self) -> dict[str, int]:
        """The files this store appended to, each with its size after the last append."""
        with self._lock:
            return dict(self._written)

    # ------------------------------------------------------------------ recovery

    def recover(self) -> list[str]:
        """Cut torn records off file tails (kill -9 mid-write); move wholly broken files aside."""
        messages = []
        with self._lock:
            for name in self.names():
                if name != self._name:
                    message = self.storage.repair(name)
                    if message:
                        logger.warning("%s", message)
                        messages.append(message)
        return messages
