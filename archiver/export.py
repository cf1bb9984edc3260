"""Export (output stage): captures → one WACZ 1.1.1 package (a zip any WACZ player can replay).

Layout (https://specs.webrecorder.net/wacz/1.1.1/): ``archive/*.warc.gz`` (stored, not deflated:
each is already gzip, one member per record), ``indexes/index.cdx`` (sorted CDXJ lines, built by
cdxj-indexer, the indexer pywb and py-wacz use), ``pages/pages.jsonl``, ``datapackage.json``
(sha256 and size of every file) and ``datapackage-digest.json`` (the hash of datapackage.json).

With a subset of URLs, the WARC files are filtered: a capture's records are copied byte for
byte — its request/response pairs for every redirect hop, its final record, the records that
name it in ``WARC-Concurrent-To``, the records those metadata records list (the page's
requisites and screenshot, a browser render's loads, a post's endpoint answers) — plus, for a
revisit, the response it refers to, so the package replays on its own. Nothing is re-encoded, so digests stay true; but a filtered file
is not the original file, so it gets a new name (``<original stem>.subset-<sha256 prefix>.warc.gz``)
and ``provenance/records.jsonl`` maps every copied record (by WARC-Record-ID) from its place in
the package to its original file and offset, the pair a citation names. A full export copies
the files whole under their own names, so every ``file@offset`` resolves unchanged.

With a ``sign`` function (``archiver.signing.Signer.sign``), ``datapackage-digest.json`` carries
the WACZ Signing and Verification spec's ``signedData``.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, BinaryIO

from cdxj_indexer import CDXJIndexer
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from archiver.errors import ArchiverError
from archiver.index import Index
from archiver.models import Capture, capture_id
from archiver.warcstore import parse_fields, parse_warc_date

logger = logging.getLogger(__name__)

WACZ_VERSION = "1.1.1"
#: The spec leaves index names free as long as they hold CDXJ; ``.cdx`` is the name every player
#: reads (ReplayWeb.page reads ``.cdxj`` too, but pywb 2.10's ``wb-manager add`` only ``.cdx``/``.cdx.gz``).
INDEX_PATH = "indexes/index.cdx"
PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
RECORD_MAP_PATH = "provenance/records.jsonl"
_PAGE_RECORDS = ("response", "revisit")


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What a WACZ holds."""

    path: Path
    urls: int  # URLs whose captures are included
    captures: int
    pages: int  # entries in pages.jsonl
    records: int  # WARC records copied
    warc_files: int
    bytes: int  # size of the package
    signed: bool = False
    # (original file, original offset) → (file in the package, offset there), for every copied record
    record_map: dict[tuple[str, int], tuple[str, int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Record:
    """One WARC record's place and the headers that decide whether it is exported."""

    offset: int
    length: int
    rec_type: str
    record_id: str
    concurrent_to: str | None
    date: datetime | None
    uri: str
    refers_to: str | None = None  # a revisit's WARC-Refers-To
    lists: tuple[str, ...] = ()  # record ids a warc-fields metadata record names (requisites, loads, screenshot)


def _scan(path: Path) -> Iterator[_Record]:
    """Every whole record of a WARC file (a torn tail, from a crash or a write in progress, is skipped)."""
    with open(path, "rb") as fh:
        it = ArchiveIterator(fh)
        try:
            for record in it:
                h = record.rec_headers
                lists = _listed(record)  # reads the body: before get_record_length, which skips past it
                yield _Record(
                    offset=it.get_record_offset(),
                    length=it.get_record_length(),
                    rec_type=record.rec_type,
                    record_id=h.get_header("WARC-Record-ID") or "",
                    concurrent_to=h.get_header("WARC-Concurrent-To"),
                    date=parse_warc_date(h.get_header("WARC-Date")),
                    uri=h.get_header("WARC-Target-URI") or "",
                    refers_to=h.get_header("WARC-Refers-To"),
                    lists=lists,
                )
        except (ArchiveLoadFailed, OSError, ValueError) as exc:
            logger.warning("%s: unreadable past this point, exporting the records before it (%s)", path, exc)


def _listed(record: Any) -> tuple[str, ...]:
    """The records a capture's ``application/warc-fields`` metadata record names: its requisites,
    the screenshot, a browser render's loads and a post's endpoint answers (captures of their
    own, so they are linked by this listing rather than by WARC-Concurrent-To)."""
    if record.rec_type != "metadata" or record.rec_headers.get_header("Content-Type") != "application/warc-fields":
        return ()
    fields = parse_fields(record.content_stream().read())
    ids = [item[-1] for key in ("requisites", "exchanges") for item in fields.get(key) or () if isinstance(item, list) and item]
    if isinstance(fields.get("screenshot"), str):
        ids.append(fields["screenshot"])
    return tuple(i for i in ids if isinstance(i, str))


class _Selection:
    """Which records belong to the chosen captures (None: every record)."""

    def __init__(self, captures: Sequence[Capture] | None, index: Index) -> None:
        self.everything = captures is None
        self.listed: set[str] = set()  # records named by the chosen captures' metadata (follow_listings)
        self.final_ids: set[str] = set()  # capture ids of final records wanted (chosen + revisit targets)
        self.hops: set[tuple[datetime, str]] = (
            set()
        )  # (WARC-Date, URI) of the redirect hops of chosen captures
        for c in captures or ():
            self.final_ids.add(c.id)
            if c.refers_to:
                self.final_ids.add(c.refers_to)
                target = index.capture(c.refers_to)
                if target is not None:
                    self._add_hops(target)
            self._add_hops(c)

    def _add_hops(self, c: Capture) -> None:
        self.hops.update((c.captured_at, uri) for uri in c.redirects[:-1])

    def wants(self, r: _Record) -> bool:
        """A chosen capture's final record, a revisit's target, or a redirect hop of a chosen capture."""
        final = r.rec_type in ("response", "revisit", "metadata") and r.record_id.startswith("<")
        if final and capture_id(r.record_id) in self.final_ids:
            return True
        return r.rec_type == "response" and r.date is not None and (r.date, r.uri) in self.hops

    def follow_listings(self, scanned: Sequence[_Record]) -> None:
        """Add what the chosen captures' metadata records list (in any file), and the records
        their revisits refer to; call with every file's records before ``records``."""
        finals = {r.record_id for r in scanned if self.wants(r)}
        for r in scanned:
            if r.concurrent_to in finals:
                self.listed.update(r.lists)
        by_id = {r.record_id: r for r in scanned}
        for rid in list(self.listed):
            target = by_id.get(rid)
            if target is not None and target.refers_to:
                self.listed.add(target.refers_to)

    def records(self, scanned: Sequence[_Record]) -> list[_Record]:
        """The records of one file to copy, in file order (its warcinfo first, if any is copied)."""
        if self.everything:
            return list(scanned)
        wanted = {r.record_id for r in scanned if self.wants(r) or r.record_id in self.listed}
        # Requests point at their response, side records (platform answers) at the capture.
        chosen = [r for r in scanned if r.record_id in wanted or r.concurrent_to in wanted]
        if not chosen:
            return []
        return [r for r in scanned[:1] if r.rec_type == "warcinfo"] + chosen


def _copy_records(source: Path, records: Sequence[_Record], out: BinaryIO) -> None:
    """Byte copies of gzip members (one record each, as ``warcstore`` writes them)."""
    with open(source, "rb") as fh:
        for r in records:
            fh.seek(r.offset)
            out.write(fh.read(r.length))


def _cdxj(warcs: Sequence[Path]) -> bytes:
    """The sorted CDXJ index of ``warcs`` (file names relative to ``archive/``)."""
    out = io.StringIO()
    CDXJIndexer(out, [str(p) for p in warcs], sort=True).process_all()
    return out.getvalue().encode("utf-8")


def _pages(captures: Iterable[Capture], title_of: Callable[[Capture], str | None]) -> bytes:
    lines = [json.dumps(PAGES_HEADER)]
    for c in captures:
        if c.record_type not in _PAGE_RECORDS:
            continue
        page: dict[str, Any] = {"id": c.id, "url": c.final_url or c.url, "ts": _iso(c.captured_at)}
        title = title_of(c)
        page["title"] = title or c.url
        if c.status is not None and c.status >= 400:
            page["title"] = f"{page['title']} (HTTP {c.status})"
        lines.append(json.dumps(page, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _iso(t: datetime) -> str:
    t = t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True, slots=True)
class _Entry:
    """One file of the package: its bytes, or a file on disk (WARCs are streamed, never held in memory)."""

    name: str
    data: bytes | None = None
    path: Path | None = None
    method: int = zipfile.ZIP_DEFLATED

    def chunks(self) -> Iterator[bytes]:
        if self.data is not None:
            yield self.data
            return
        assert self.path is not None
        with open(self.path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                yield chunk

    def resource(self) -> dict[str, Any]:
        """The ``datapackage.json`` entry: name, path, sha256, size."""
        digest, size = hashlib.sha256(), 0
        for chunk in self.chunks():
            digest.update(chunk)
            size += len(chunk)
        return {
            "name": os.path.basename(self.name).lower(),
            "path": self.name,
            "hash": "sha256:" + digest.hexdigest(),
            "bytes": size,
        }


def _version() -> str:
    try:
        return metadata.version("archiver")
    except metadata.PackageNotFoundError:
        return "0"


@dataclass(frozen=True, slots=True)
class _Copied:
    """One record copied into the package: where it is now and where it came from."""

    record: _Record
    file: str
    offset: int
    original_file: str


def _subset_name(original: Path, data: Path) -> str:
    digest = hashlib.sha256()
    with open(data, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    stem = original.name.removesuffix(".gz").removesuffix(".warc")
    return f"{stem}.subset-{digest.hexdigest()[:12]}.warc.gz"


def _filtered_warcs(warc_files: Sequence[Path], selection: _Selection, into: Path) -> tuple[list[Path], list[_Copied]]:
    """Copy the selected records of each WARC file into ``into``; the files written and the records copied.

    A whole file keeps its name; a filtered one is renamed, since its offsets are not the original's.
    """
    written: list[Path] = []
    copied: list[_Copied] = []
    scans = [(path, list(_scan(path))) for path in warc_files]
    if not selection.everything:
        selection.follow_listings([r for _, scanned in scans for r in scanned])
    for path, scanned in scans:
        picked = selection.records(scanned)
        if not picked:
            continue
        part = into / path.name
        with open(part, "wb") as fh:
            _copy_records(path, picked, fh)
        if not selection.everything:
            renamed = into / _subset_name(path, part)
            part.replace(renamed)
            part = renamed
        offset = 0
        for r in picked:
            copied.append(_Copied(r, part.name, offset, path.name))
            offset += r.length
        written.append(part)
    return written, copied


def _record_map(copied: Sequence[_Copied]) -> bytes:
    lines = [
        json.dumps({"record_id": c.record.record_id, "type": c.record.rec_type, "uri": c.record.uri,
                    "file": c.file, "offset": c.offset, "length": c.record.length,
                    "original_file": c.original_file, "original_offset": c.record.offset})
        for c in copied
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _write_zip(
    path: Path, entries: Sequence[_Entry], *, title: str, created: datetime,
    sign: Callable[[str, datetime], dict[str, str]] | None = None,
) -> None:
    stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    package = {
        "profile": "data-package",
        "wacz_version": WACZ_VERSION,
        "title": title,
        "software": f"archiver {_version()}",
        "created": stamp,
        "modified": stamp,
        "resources": [entry.resource() for entry in entries],
    }
    package_bytes = json.dumps(package, indent=2).encode("utf-8")
    digest: dict[str, Any] = {"path": "datapackage.json", "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest()}
    if sign is not None:
        digest["signedData"] = sign(digest["hash"], created)
    entries = [
        *entries,
        _Entry("datapackage.json", package_bytes),
        _Entry("datapackage-digest.json", json.dumps(digest, indent=2).encode("utf-8")),
    ]
    with zipfile.ZipFile(path, "w") as zf:
        for entry in entries:
            info = zipfile.ZipInfo(entry.name, date_time=created.timetuple()[:6])
            info.compress_type = entry.method
            with zf.open(info, "w") as out:
                for chunk in entry.chunks():
                    out.write(chunk)


def write_wacz(
    out: str | Path,
    index: Index,
    warc_files: Sequence[Path],
    *,
    captures: Sequence[Capture] | None = None,
    title: str = "archiver export",
    title_of: Callable[[Capture], str | None] = lambda c: None,
    now: datetime | None = None,
    sign: Callable[[str, datetime], dict[str, str]] | None = None,
) -> ExportResult:
    """Write the WACZ of ``captures`` (None: every record of ``warc_files``) to ``out``, atomically."""
    chosen = list(index.all_captures()) if captures is None else list(captures)
    selection = _Selection(None if captures is None else chosen, index)
    created = (now or datetime.now(UTC)).astimezone(UTC)
    target = Path(out)
    try:
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{target.name}.") as tmp:
            warcs, copied = _filtered_warcs(warc_files, selection, Path(tmp))
            if not warcs:
                raise ArchiverError("nothing to export: no WARC record for the captures asked")
            pages = _pages(chosen, title_of)
            entries = [_Entry(f"archive/{p.name}", path=p, method=zipfile.ZIP_STORED) for p in warcs]
            entries += [_Entry(INDEX_PATH, _cdxj(warcs)), _Entry("pages/pages.jsonl", pages)]
            entries.append(_Entry(RECORD_MAP_PATH, _record_map(copied)))
            partial = Path(tmp) / "package.wacz"
            _write_zip(partial, entries, title=title, created=created, sign=sign)
            partial.replace(target)
    except OSError as exc:
        raise ArchiverError(f"{target}: cannot write the WACZ: {exc.strerror or exc}") from None
    return ExportResult(
        path=target,
        urls=len({c.url for c in chosen}),
        captures=len(chosen),
        pages=pages.count(b"\n") - 1,
        records=len(copied),
        warc_files=len(warcs),
        bytes=target.stat().st_size,
        signed=sign is not None,
        record_map={(c.original_file, c.record.offset): (c.file, c.offset) for c in copied},
    )
