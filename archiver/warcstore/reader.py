"""Store stage, reading: a WARC file and an offset → ``StoredRecord``; WARC files → every ``Capture``.

``read_record`` decodes one record (payload capped at ``READ_LIMIT``, a guard against gzip bombs);
``iter_captures`` walks whole files and rebuilds each capture from its final record, skipping
what follows a damaged spot; ``iter_records`` walks them for any other records a caller picks.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeadersParserException

from archiver.errors import StoreError
from archiver.models import Capture, RecordLocation

from .files import WarcFiles
from .records import X, parse_warc_date, to_capture

logger = logging.getLogger(__name__)

READ_LIMIT = 64 * 1024 * 1024  # most payload bytes read_record returns (guards against gzip bombs)


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


def read_record(files: WarcFiles, name: str, offset: int, *, limit: int = READ_LIMIT) -> StoredRecord:
    """The record at ``offset`` of the file ``name``; payloads capped at ``limit`` (0: headers only)."""
    try:
        with files.read(name) as fh:
            fh.seek(offset)
            record = next(iter(ArchiveIterator(fh)))
            raw = record.raw_stream.read(limit) if limit else b""
            if raw and _as_sent(record.http_headers):
                payload = raw  # nothing to undo: the same bytes, not a second copy of a large body
            else:
                record.raw_stream = BytesIO(raw)  # decode from what we read, with warcio's own rules
                payload = record.content_stream().read(limit) if raw else b""
    except (OSError, StopIteration, ArchiveLoadFailed, StatusAndHeadersParserException, ValueError,
            zlib.error) as exc:
        raise StoreError(f"{files.location(name)}: no readable WARC record at offset {offset}: {exc or 'end of file'}") from exc
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


@dataclass(frozen=True, slots=True)
class Extent:
    """How big a record is before it is read: its block length (the WARC ``Content-Length``, as
    stored) and whether its HTTP body is content-encoded (so it may inflate further)."""

    length: int
    encoded: bool


def record_extent(files: WarcFiles, name: str, offset: int, *, probe: int = 65536) -> Extent | None:
    """The ``Extent`` of the record at ``offset``, from its headers alone: at most ``probe`` bytes
    are inflated (warcio inflates a highly compressible record whole at its first read). None when
    the headers cannot be read that way."""
    try:
        with files.read(name) as fh:
            fh.seek(offset)
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(fh.read(probe), probe)
    except (OSError, zlib.error):
        return None
    warc, sep, rest = head.partition(b"\r\n\r\n")
    fields = dict(_field(line) for line in warc.split(b"\r\n")[1:])
    try:
        length = int(fields.get(b"content-length", b""))
    except ValueError:
        return None
    http = rest.partition(b"\r\n\r\n")[0] if fields.get(b"warc-type") in (b"response", b"revisit") else b""
    coding = dict(_field(line) for line in http.split(b"\r\n")[1:]).get(b"content-encoding", b"identity")
    return Extent(length, bool(sep) and coding.lower() not in (b"", b"identity"))


def record_head(files: WarcFiles, name: str, offset: int, *, probe: int = 4096) -> dict[str, str] | None:
    """The WARC header fields (names lower-cased, first of each kept) of the record at ``offset``,
    from at most ``probe`` bytes of the file and as many inflated: what a revisit needs of the
    record it points at, without warcio's parse of the record (~4x cheaper). None when they are
    not all within the probe, or unreadable: then read the record (``read_record``)."""
    try:
        with files.read(name) as fh:
            fh.seek(offset)
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(fh.read(probe), 4 * probe)
    except (OSError, zlib.error):
        return None
    warc, sep, _ = head.partition(b"\r\n\r\n")
    lines = warc.split(b"\r\n")
    if not sep or not lines[0].startswith(b"WARC/"):
        return None
    fields: dict[str, str] = {}
    for line in lines[1:]:
        key, value = _field(line)
        if key and key.decode("latin-1") not in fields:
            fields[key.decode("latin-1")] = value.decode("utf-8", "replace")
    return fields


def _field(line: bytes) -> tuple[bytes, bytes]:
    name, _, value = line.partition(b":")
    return name.strip().lower(), value.strip()


def _as_sent(http: object) -> bool:
    """Whether a record's HTTP body is stored with no content or transfer coding to undo."""
    get = getattr(http, "get_header", None)
    if get is None:
        return True  # no HTTP headers (metadata, resource): the block is the payload
    return all((get(name) or "identity").strip().lower() == "identity" for name in ("Content-Encoding", "Transfer-Encoding"))


def iter_captures_from(files: WarcFiles, name: str, offset: int, progress: list[int]) -> Iterator[Capture]:
    """The captures of one file from ``offset`` (a record boundary) on. ``progress[0]`` is kept at
    the end of the last whole record read, so a caller knows how far the file was indexed."""
    progress[:] = [offset]
    try:
        with files.read(name) as fh:
            fh.seek(offset)
            it = ArchiveIterator(fh)
            for record in it:
                # Absolute: warcio counts from where the stream was when it started (fh.tell()),
                # so adding ``offset`` again would point a capture past its record (or the EOF).
                start, length = it.get_record_offset(), it.get_record_length()
                if record.rec_headers.get_header(X + "Outcome") is not None:
                    capture = to_capture(record.rec_headers, record.http_headers, name, start, length)
                    if capture is not None:
                        yield capture
                progress[0] = start + length
    except (OSError, ArchiveLoadFailed, StatusAndHeadersParserException, ValueError, zlib.error) as exc:
        logger.error("%s: unreadable past offset %d, skipping the rest (%s)", files.location(name), progress[0], exc)


def iter_captures(files: WarcFiles, names: Iterable[str]) -> Iterator[Capture]:
    """Every capture in the files ``names``, in order; a file is read up to its first damage."""
    for name in names:
        try:
            with files.read(name) as fh:
                it = ArchiveIterator(fh)
                for record in it:
                    if record.rec_headers.get_header(X + "Outcome") is None:
                        continue
                    offset, length = it.get_record_offset(), it.get_record_length()
                    capture = to_capture(record.rec_headers, record.http_headers, name, offset, length)
                    if capture is not None:
                        yield capture
        except (OSError, ArchiveLoadFailed, StatusAndHeadersParserException, ValueError, zlib.error) as exc:
            logger.error("%s: unreadable past this point, skipping the rest (%s)", files.location(name), exc)


#: ``iter_records``' question about a record: given its WARC-Type and a header getter, how many
#: body bytes to read (0: headers only), or None to pass it by.
Pick = Callable[[str, Callable[[str], str | None]], int | None]


def iter_records(files: WarcFiles, names: Iterable[str], pick: Pick) -> Iterator[tuple[RecordLocation, StoredRecord]]:
    """The records of the files ``names`` that ``pick`` chooses, in order, each with where it lies
    and the first bytes of its body that ``pick`` asked for; a file is read up to its first damage."""
    for name in names:
        try:
            with files.read(name) as fh:
                it = ArchiveIterator(fh)
                for record in it:
                    rec = record.rec_headers
                    limit = pick(record.rec_type, rec.get_header)
                    if limit is None:
                        continue
                    raw = record.raw_stream.read(limit) if limit else b""
                    http = record.http_headers
                    status = http.get_statuscode() if http and record.rec_type in ("response", "revisit") else ""
                    stored = StoredRecord(
                        warc_headers=list(rec.headers), record_type=record.rec_type,
                        target_uri=rec.get_header("WARC-Target-URI"), date=parse_warc_date(rec.get_header("WARC-Date")),
                        http_status=int(status) if status.isdigit() else None,
                        http_headers=list(http.headers) if http else [], payload=raw, raw_payload=raw,
                    )
                    # The length is known once the record is read to its end, so after the body.
                    where = RecordLocation(name, it.get_record_offset(), it.get_record_length(),
                                           rec.get_header("WARC-Record-ID") or "")
                    yield where, stored
        except (OSError, ArchiveLoadFailed, StatusAndHeadersParserException, ValueError, zlib.error) as exc:
            logger.error("%s: unreadable past this point, skipping the rest (%s)", files.location(name), exc)
