"""Integrity anyone can check: WARC records against their digests and the index, and WACZ
packages against their hashes and signature.

``verify_records`` re-reads each record: the gzip member must decompress, ``WARC-Block-Digest``
and ``WARC-Payload-Digest`` must match the bytes (warcio's digest checker), and the index must
agree with the record (id, type, target URI, date, payload digest, length). A record found
intact is *sealed* in the index: the sha256 of its stored bytes and, per 4 KiB block, two sums
(``Σb`` and ``Σ(i+1)·b`` mod 65521) that locate a single changed byte — so damage found later is
named by file and byte offset, with the byte's old value. Damage before the first seal is
named by record (file, offset, length) and the point where decompression failed, if it did.

``verify_wacz`` checks a package from anyone: ``datapackage-digest.json`` against
``datapackage.json``, every resource's sha256 and size, the ``signedData`` signature
(``archiver.signing``), and every WARC record's digests.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeadersParserException

from archiver.index import Index
from archiver.models import Capture, capture_id
from archiver.signing import SignatureCheck, check_signed_data
from archiver.warcstore import parse_warc_date

logger = logging.getLogger(__name__)

BLOCK = 4096
PRIME = 65521  # largest prime below 2**16, above BLOCK: a position and a delta fit
_READ_ERRORS = (OSError, ArchiveLoadFailed, StatusAndHeadersParserException, ValueError, zlib.error, EOFError)


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding: where (file, record offset, and the damaged byte when known) and what."""

    file: str
    offset: int
    message: str
    byte_offset: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}@{self.offset}"
        if self.byte_offset is not None:
            where += f" (byte {self.byte_offset} of {self.file})"
        return f"{where}: {self.message}"


@dataclass
class VerifyReport:
    records: int = 0
    sealed: int = 0  # records sealed by this run
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# --------------------------------------------------------------------------- seals


def block_sums(data: bytes) -> list[tuple[int, int]]:
    """Per ``BLOCK`` bytes: ``(Σb mod p, Σ(i+1)·b mod p)`` — a code that locates one changed byte.

    >>> block_sums(bytes([1, 2, 3]))
    [(6, 14)]
    """
    out = []
    for start in range(0, len(data), BLOCK):
        chunk = data[start : start + BLOCK]
        out.append((sum(chunk) % PRIME, sum(i * b for i, b in enumerate(chunk, 1)) % PRIME))
    return out


def locate_change(sealed: Sequence[Sequence[int]], data: bytes) -> list[tuple[int, int | None, int | None]]:
    """The changed bytes of ``data`` against its seal: ``(offset, old byte, new byte)`` each, or
    ``(block start, None, None)`` for a block with more than one change.

    >>> before = bytes(range(50)) * 100
    >>> after = bytearray(before); after[4321] ^= 0xFF
    >>> locate_change(block_sums(before), bytes(after))
    [(4321, 21, 234)]
    """
    found: list[tuple[int, int | None, int | None]] = []
    now = block_sums(data)
    for n, (old, new) in enumerate(zip(sealed, now, strict=False)):
        if tuple(old) == tuple(new):
            continue
        start = n * BLOCK
        d0, d1 = (new[0] - old[0]) % PRIME, (new[1] - old[1]) % PRIME
        delta = d0 - PRIME if d0 > PRIME // 2 else d0
        if delta != 0 and -255 <= delta <= 255:
            position = d1 * pow(d0, -1, PRIME) % PRIME  # (i+1)·δ / δ
            chunk = data[start : start + BLOCK]
            if 1 <= position <= len(chunk):
                value = chunk[position - 1]
                if 0 <= value - delta <= 255:
                    found.append((start + position - 1, value - delta, value))
                    continue
        found.append((start, None, None))
    return found


# --------------------------------------------------------------------------- records


def _read_member(path: Path, offset: int, length: int | None) -> tuple[bytes, int]:
    """The stored bytes of the record at ``offset`` (its length found by reading when unknown)."""
    with open(path, "rb") as fh:
        if length is None:
            fh.seek(offset)
            it = ArchiveIterator(fh)
            record = next(iter(it))
            while record.raw_stream.read(1 << 20):
                pass
            it.read_to_end(record)
            length = int(it.get_record_length())
        fh.seek(offset)
        return fh.read(length), length


def _first_bad_byte(data: bytes) -> int | None:
    """Where decompressing a gzip member first fails (None: it decompresses, or is not gzip)."""
    if data[:2] != b"\x1f\x8b":
        return None
    d = zlib.decompressobj(zlib.MAX_WBITS | 16)
    for pos in range(0, len(data), 64):
        try:
            d.decompress(data[pos : pos + 64])
        except zlib.error:
            return pos
    if not d.eof:
        return len(data)
    return None


@dataclass(frozen=True, slots=True)
class _Read:
    headers: dict[str, str]
    rec_type: str
    problems: tuple[str, ...]


def check_member(data: bytes) -> _Read:
    """Decompress one stored record and check its block and payload digests."""
    try:
        it = ArchiveIterator(io.BytesIO(data), check_digests=True)
        record = next(iter(it))
        stream = record.content_stream()
        while stream.read(1 << 20):
            pass
        headers = {k: v for k, v in record.rec_headers.headers}
        problems = tuple(record.digest_checker.problems) if record.digest_checker.passed is False else ()
        return _Read(headers, record.rec_type, problems)
    except StopIteration:
        return _Read({}, "", ("no WARC record here",))
    except _READ_ERRORS as exc:
        return _Read({}, "", (f"unreadable: {_short(exc)}",))


def _agreement(capture: Capture, read: _Read, length: int) -> list[str]:
    """Where the index and the record disagree."""
    h = read.headers
    out = []
    rid = h.get("WARC-Record-ID", "")
    if rid and capture_id(rid) != capture.id:
        out.append(f"index capture {capture.id} points at record {rid} (capture {capture_id(rid)})")
    if read.rec_type and read.rec_type != capture.record_type:
        out.append(f"index says a {capture.record_type} record, the WARC holds a {read.rec_type}")
    uri = h.get("WARC-Target-URI")
    if uri and uri not in {capture.url, capture.final_url}:
        out.append(f"index says {capture.final_url or capture.url}, the record is of {uri}")
    digest = h.get("WARC-Payload-Digest")
    if capture.payload_digest and digest and digest != capture.payload_digest:
        out.append(f"index payload digest {capture.payload_digest}, record {digest}")
    date = parse_warc_date(h.get("WARC-Date"))
    if date is not None and abs((date - _utc(capture.captured_at)).total_seconds()) >= 1:
        out.append(f"index capture time {capture.captured_at:%Y-%m-%dT%H:%M:%SZ}, record {h.get('WARC-Date')}")
    if capture.warc_length is not None and capture.warc_length != length:
        out.append(f"index record length {capture.warc_length}, found {length}")
    return out


def _utc(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Target:
    """A record to verify: its place, and the capture the index says it holds (if any)."""

    file: str
    offset: int
    length: int | None = None
    capture: Capture | None = None


def verify_records(index: Index, warc_dir: Path, targets: Iterable[Target], *, now: datetime, seal: bool = True) -> VerifyReport:
    """Re-read each target record; report damage and disagreement; seal what is intact."""
    report = VerifyReport()
    seals: list[tuple[str, int, int, str, str]] = []
    seen: set[tuple[str, int]] = set()
    for t in targets:
        if (t.file, t.offset) in seen:
            continue
        seen.add((t.file, t.offset))
        report.records += 1
        path = warc_dir / t.file
        try:
            data, length = _read_member(path, t.offset, t.length)
        except (StopIteration, *_READ_ERRORS) as exc:
            report.problems.append(Problem(t.file, t.offset, f"cannot read the record: {_short(exc)}"))
            continue
        read = check_member(data)
        problems = list(read.problems)
        bad = _first_bad_byte(data)  # warcio reads leniently: a bad deflate tail or CRC can pass it
        if bad is not None and not problems:
            problems.append("the gzip member does not decompress cleanly (its deflate data or CRC is damaged)")
        if t.capture is not None and not read.problems:
            problems += _agreement(t.capture, read, length)
        digest = hashlib.sha256(data).hexdigest()
        sealed = index.record_seal(t.file, t.offset)
        if sealed is not None and (sealed[0] != length or sealed[1] != digest):
            changed = locate_change(json.loads(sealed[2]), data) if sealed[0] == length else []
            if not changed:
                report.problems.append(Problem(t.file, t.offset, f"the stored bytes changed since they were sealed "
                                               f"({sealed[0]} bytes then, {length} now)"))
            for pos, old, new in changed:
                what = (f"byte changed since sealed: was 0x{old:02x}, now 0x{new:02x}" if old is not None
                        else f"several bytes changed in the {BLOCK}-byte block from here since sealed")
                report.problems.append(Problem(t.file, t.offset, what + (f"; {'; '.join(problems)}" if problems else ""),
                                               byte_offset=t.offset + pos))
            continue
        if problems:
            where = f"decompression fails at byte {t.offset + bad}; " if bad is not None else ""
            report.problems.append(Problem(t.file, t.offset, f"{where}{'; '.join(problems)} "
                                           f"(record bytes {t.offset}–{t.offset + length - 1})",
                                           byte_offset=t.offset + bad if bad is not None else None))
            continue
        if seal and sealed is None:
            seals.append((t.file, t.offset, length, digest, json.dumps(block_sums(data))))
    if seal:
        index.put_record_seals(seals, now=now)
        report.sealed = len(seals)
    return report


def capture_targets(index: Index, captures: Iterable[Capture]) -> Iterator[Target]:
    """A capture's final record and, for a revisit, the record holding its payload."""
    for c in captures:
        if c.warc_file and c.warc_offset is not None:
            yield Target(c.warc_file, c.warc_offset, c.warc_length, c)
        if c.refers_to:
            holder = index.capture(c.refers_to)
            if holder is not None and holder.warc_file and holder.warc_offset is not None:
                yield Target(holder.warc_file, holder.warc_offset, holder.warc_length, holder)


def _scan_from(fh: Any, name: str, start: int, by_place: dict[tuple[str | None, int | None], Capture],
               found: dict[int, Target]) -> int | None:
    """Read records sequentially from ``start``; the offset where reading failed, or None at the end."""
    fh.seek(start)
    it = ArchiveIterator(fh)
    offset = start
    try:
        for record in it:
            offset = it.get_record_offset()  # absolute: warcio counts from the file's start
            while record.raw_stream.read(1 << 20):
                pass
            it.read_to_end(record)
            found.setdefault(offset, Target(name, offset, it.get_record_length(), by_place.get((name, offset))))
            offset += it.get_record_length()
    except _READ_ERRORS:
        return offset
    return None


def file_targets(index: Index, files: Sequence[Path]) -> tuple[list[Target], list[Problem]]:
    """Every record of every file (captures matched to their index rows). Where a sequential
    read cannot cross a damaged record, it resumes at the next record start the seals or the
    index know, so one bad byte hides nothing after it."""
    by_place: dict[tuple[str | None, int | None], Capture] = {(c.warc_file, c.warc_offset): c for c in index.all_captures()}
    targets: list[Target] = []
    problems: list[Problem] = []
    for path in files:
        known: dict[int, int | None] = dict(index.record_seal_offsets(path.name))
        for (name, off), c in by_place.items():
            if name == path.name and off is not None:
                known.setdefault(off, c.warc_length)
        found: dict[int, Target] = {}
        failures: list[int] = []
        try:
            with open(path, "rb") as fh:
                start: int | None = 0
                while start is not None:
                    failed = _scan_from(fh, path.name, start, by_place, found)
                    if failed is None:
                        break
                    failures.append(failed)
                    start = min((o for o in known if o > failed), default=None)
        except OSError as exc:
            problems.append(Problem(path.name, 0, f"cannot read the file: {exc.strerror or exc}"))
            continue
        for off, length in known.items():
            found.setdefault(off, Target(path.name, off, length, by_place.get((path.name, off))))
        targets += [found[o] for o in sorted(found)]
        for failed in failures:
            if failed not in found:  # a damaged record nothing else knows the start of
                problems.append(Problem(path.name, failed, "no readable WARC record here: the file is damaged "
                                        "from this offset to the next known record"))
    names = {p.name for p in files}
    for (name, offset), c in by_place.items():
        if name and offset is not None and name not in names:
            problems.append(Problem(name, offset, f"the index names capture {c.id} in a WARC file that does not exist"))
    return targets, problems


def _short(exc: BaseException) -> str:
    """An exception's message, one printable line of at most 120 characters."""
    text = " ".join(str(exc).split()).split(", first line:")[0]  # warcio quotes the undecodable bytes
    text = "".join(ch if ch.isprintable() and ord(ch) < 0x250 else "?" for ch in text)
    return text if len(text) <= 120 else text[:117] + "..."


# --------------------------------------------------------------------------- WACZ


@dataclass
class WaczReport:
    path: Path
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    signature: SignatureCheck | None = None
    records: int = 0
    resources: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _sha256_of(z: zipfile.ZipFile, name: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with z.open(name) as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return "sha256:" + digest.hexdigest(), size


def _wacz_warcs(z: zipfile.ZipFile, report: WaczReport) -> None:
    for name in z.namelist():
        if not name.startswith("archive/") or not name.endswith((".warc", ".warc.gz")):
            continue
        with tempfile.TemporaryFile() as tmp:
            with z.open(name) as src:
                while chunk := src.read(1 << 20):
                    tmp.write(chunk)
            tmp.seek(0)
            it = ArchiveIterator(tmp, check_digests=True)
            try:
                for record in it:
                    offset = it.get_record_offset()
                    stream = record.content_stream()
                    while stream.read(1 << 20):
                        pass
                    report.records += 1
                    if record.digest_checker.passed is False:
                        for p in record.digest_checker.problems:
                            report.problems.append(f"{name}@{offset}: {p}")
            except _READ_ERRORS as exc:
                report.problems.append(f"{name}: unreadable after {report.records} records: {_short(exc)}")


def verify_wacz(path: str | Path) -> WaczReport:
    """Check a WACZ package, whoever made it."""
    report = WaczReport(Path(path))
    try:
        z = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        report.problems.append(f"{path}: not a readable zip file: {exc}")
        return report
    with z:
        names = set(z.namelist())
        for required in ("datapackage.json", "datapackage-digest.json"):
            if required not in names:
                report.problems.append(f"{required} is missing")
        if report.problems:
            return report
        package_bytes = z.read("datapackage.json")
        package_hash = "sha256:" + hashlib.sha256(package_bytes).hexdigest()
        try:
            package: dict[str, Any] = json.loads(package_bytes)
            digest: dict[str, Any] = json.loads(z.read("datapackage-digest.json"))
        except ValueError as exc:
            report.problems.append(f"datapackage JSON unreadable: {exc}")
            return report
        if digest.get("hash") != package_hash:
            report.problems.append(f"datapackage-digest.json says {digest.get('hash')}, datapackage.json hashes to {package_hash}")
        listed = set()
        for resource in package.get("resources", []):
            name = resource.get("path", "")
            listed.add(name)
            report.resources += 1
            if name not in names:
                report.problems.append(f"{name}: listed in datapackage.json but missing")
                continue
            found, size = _sha256_of(z, name)
            if found != resource.get("hash"):
                report.problems.append(f"{name}: hash {found}, datapackage.json says {resource.get('hash')}")
            if resource.get("bytes") is not None and size != resource.get("bytes"):
                report.problems.append(f"{name}: {size} bytes, datapackage.json says {resource.get('bytes')}")
        extra = names - listed - {"datapackage.json", "datapackage-digest.json"}
        extra = {n for n in extra if not n.endswith("/")}
        if extra:
            report.problems.append(f"files not covered by datapackage.json: {', '.join(sorted(extra))}")
        if "signedData" in digest:
            report.signature = check_signed_data(digest["signedData"], package_hash)
            report.problems += [f"signature: {p}" for p in report.signature.problems]
            report.notes += list(report.signature.notes)
            if report.signature.created and package.get("created") and report.signature.created != package.get("created"):
                report.notes.append(f"signed at {report.signature.created}, package created {package.get('created')}")
        else:
            report.notes.append("the package is not signed: its hashes show it is whole, not who made it")
        _wacz_warcs(z, report)
    return report
