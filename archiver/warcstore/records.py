"""Store stage, records: a ``FetchResult``'s hops → warcio records, and a final record → ``Capture``.

The WARC-Archiver-* extension headers (see the package docstring) are written by ``capture_facts``
and read back by ``to_capture``; ``Batch`` compresses records into gzip members in memory, so
``WarcStore`` appends a whole capture in one write.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import metadata
from io import BytesIO
from typing import Any, BinaryIO
from urllib.parse import quote, urlsplit

from warcio.recordbuilder import RecordBuilder
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import BaseWARCWriter

from archiver.models import Capture, FetchResult, Hop, Outcome, capture_id

X = "WARC-Archiver-"
REVISIT_PROFILE: str = RecordBuilder.REVISIT_PROFILE_1_1
# zlib level 6: on HTML it is ~2x faster than warcio's level 9 for about 1 % more bytes.
GZIP_LEVEL = 6
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 field-name characters
_NO_BODY_STATUS = frozenset({204, 304})


class _GzipMember:
    """The file-like ``out`` warcio writes one record to: compresses it into one gzip member."""

    def __init__(self, out: BinaryIO, level: int) -> None:
        self._out = out
        self._z = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS | 16)

    def write(self, data: bytes) -> None:
        self._out.write(self._z.compress(data))

    def flush(self) -> None:  # warcio calls this once, at the end of the record
        self._out.write(self._z.flush())


class RecordWriter(BaseWARCWriter):  # type: ignore[misc]  # warcio ships no type hints
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


class Batch:
    """The records of one write, compressed into memory, appended to the file in one go.

    ``info_id`` is the WARC-Record-ID of the ``warcinfo`` record of the file the batch will land
    in: every other record carries it as ``WARC-Warcinfo-ID`` (WARC 1.1 §5.9), so a record keeps
    its context when it is copied out of its file (a WACZ subset, a pywb collection).
    """

    def __init__(self, writer: RecordWriter, info_id: str | None = None) -> None:
        self._writer = writer
        self.info_id = info_id
        self.buf = BytesIO()

    def add(self, record: Any) -> tuple[int, int]:
        if self.info_id and record.rec_type != "warcinfo":
            record.rec_headers.replace_header("WARC-Warcinfo-ID", self.info_id)
        start = self.buf.tell()
        self._writer.write_member(self.buf, record, GZIP_LEVEL)
        return start, self.buf.tell() - start


def add_missing(headers: dict[str, str], extra: Mapping[str, str]) -> dict[str, str]:
    """Add ``extra`` without letting it replace a field this module sets (ids, dates, digests)."""
    for key, value in extra.items():
        headers.setdefault(key, value)
    return headers


def utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def warc_date(dt: datetime) -> str:
    """WARC/1.1 date with microseconds: ``2024-05-01T12:00:00.000001Z``."""
    return utc(dt).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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


def one_line(value: str) -> str:
    """A header value cannot hold a line break; a URL never legitimately does."""
    return value.replace("\r", "%0D").replace("\n", "%0A").strip()


def request_http(hop: Hop) -> StatusAndHeaders:
    parts = urlsplit(hop.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    # What went on the wire: requests percent-encodes a raw UTF-8 redirect target (requote_uri's
    # safe set), and a request line must be ASCII (warcio refuses anything else).
    target = quote(target, safe="!#$%&'()*+,/:;=?@[]~")
    headers = [(k, v) for k, v in hop.request_headers]
    if not any(k.lower() == "host" for k, _ in headers):  # http.client adds Host on the wire
        headers.insert(0, ("Host", parts.netloc.rpartition("@")[2]))
    return StatusAndHeaders(f"{target} {hop.http_version}", headers, protocol=hop.method)


def response_http(hop: Hop, cut: bool) -> tuple[StatusAndHeaders, list[tuple[str, str]], bool]:
    """HTTP headers as stored, WARC headers noting what changed, and whether the body is cut."""
    headers: list[tuple[str, str]] = []
    notes: list[tuple[str, str]] = []
    sized = hop.method != "HEAD" and hop.status >= 200 and hop.status not in _NO_BODY_STATUS
    for name, value in hop.response_headers:
        lname = name.lower()
        if lname == "transfer-encoding":  # urllib3 hands us the body de-chunked
            notes.append((X + "Transfer-Encoding", one_line(value)))
            continue
        if lname == "content-length" and sized and value.strip() != str(len(hop.body)):
            notes.append((X + "Content-Length", one_line(value)))
            cut = cut or (value.strip().isdigit() and int(value) > len(hop.body))
            value = str(len(hop.body))
        headers.append((name, value))
    statusline = f"{hop.status} {hop.reason}".rstrip()
    return StatusAndHeaders(statusline, headers, protocol=hop.http_version), notes, cut


def capture_facts(url: str, result: FetchResult, extra: Mapping[str, str]) -> dict[str, str]:
    """The WARC-Archiver-* fields of a capture's final record (see the package docstring), then ``extra``."""
    facts = {X + "Outcome": str(result.outcome), X + "Elapsed": repr(float(result.elapsed))}
    if len(result.hops) > 1:
        facts[X + "Redirects"] = json.dumps([one_line(h.url) for h in result.hops])
    if result.detail:
        facts[X + "Detail"] = json.dumps(result.detail)
    if one_line(url) != one_line(result.final_url):
        facts[X + "URL"] = one_line(url)
    for name, value in extra.items():
        if not _TOKEN.fullmatch(name):
            raise ValueError(f"not a WARC header name: {name!r}")
        facts.setdefault(name, one_line(value))
    return facts


def to_capture(rec: Any, http: Any, warc_file: str, offset: int, length: int) -> Capture | None:
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


def request_record(writer: RecordWriter, hop: Hop, date: str, record_id: str, response_id: str) -> Any:
    """The ``request`` record of one hop, concurrent to its response ``response_id``."""
    headers = {"WARC-Type": "request", "WARC-Record-ID": record_id, "WARC-Date": date,
               "WARC-Target-URI": one_line(hop.url), "WARC-Concurrent-To": response_id}
    return writer.create_warc_record(
        headers["WARC-Target-URI"], "request", warc_headers_dict=headers, http_headers=request_http(hop))


def failure_record(
    writer: RecordWriter, url: str, result: FetchResult, date: str, rid: str, facts: dict[str, str]
) -> Any:
    """The ``metadata`` record of a fetch that got no response at all (the capture's final record).

    It is evidence, not a memento: ``application/warc-fields``, which pywb, cdxj-indexer and
    ReplayWeb.page leave out of their indexes, so no replay tool serves it as the page.
    """
    data: dict[str, Any] = {"url": url, "outcome": str(result.outcome), "detail": result.detail,
                            "elapsed": result.elapsed, "started_at": date}
    if result.url != url:
        data["fetched_url"] = result.url
    headers = {"WARC-Type": "metadata", "WARC-Record-ID": rid, "WARC-Date": date,
               "WARC-Target-URI": one_line(result.url)}
    return json_record(writer, add_missing(headers, facts), data)


def fields_body(data: Mapping[str, Any]) -> bytes:
    """``data`` as ``application/warc-fields``: one ``name: value`` line per key, each value a
    JSON text on one line (JSON escapes line breaks), so any value round-trips exactly.

    >>> fields_body({"outcome": "timeout", "elapsed": 1.5})
    b'outcome: "timeout"\r\nelapsed: 1.5\r\n'
    """
    lines = []
    for name, value in data.items():
        if not _TOKEN.fullmatch(name):
            raise ValueError(f"not a warc-fields name: {name!r}")
        lines.append(f"{name}: {json.dumps(value, ensure_ascii=False, default=str)}\r\n")
    return "".join(lines).encode("utf-8")


def parse_fields(body: bytes, content_type: str | None = "application/warc-fields") -> dict[str, Any]:
    """The data of a metadata record written by ``json_record`` (or, before it wrote
    warc-fields, as one JSON object).

    >>> parse_fields(b'outcome: "timeout"\r\nelapsed: 1.5\r\n')
    {'outcome': 'timeout', 'elapsed': 1.5}
    """
    if (content_type or "").split(";")[0].strip() == "application/json":
        loaded = json.loads(body)
        return dict(loaded) if isinstance(loaded, dict) else {"value": loaded}
    out: dict[str, Any] = {}
    for line in body.decode("utf-8", "replace").split("\r\n"):
        name, sep, value = line.partition(":")
        if sep and name.strip():
            try:
                out[name.strip()] = json.loads(value.strip())
            except ValueError:
                out[name.strip()] = value.strip()
    return out


def json_record(writer: RecordWriter, headers: dict[str, str], data: Mapping[str, Any]) -> Any:
    """A ``metadata`` record holding ``data`` as ``application/warc-fields`` (see ``fields_body``).

    Never ``application/json``: replay tools index JSON metadata under its target URI and then
    serve it as a capture of the page; they skip warc-fields (pywb, cdxj-indexer, ReplayWeb.page).
    """
    body = fields_body(data)
    return writer.create_warc_record(
        headers["WARC-Target-URI"], "metadata", payload=BytesIO(body), length=len(body),
        warc_content_type="application/warc-fields", warc_headers_dict=headers)


def resource_record(writer: RecordWriter, headers: dict[str, str], body: bytes, content_type: str) -> Any:
    """A ``resource`` record: content archiver made itself (a screenshot), under a ``urn:`` target."""
    return writer.create_warc_record(
        headers["WARC-Target-URI"], "resource", payload=BytesIO(body), length=len(body),
        warc_content_type=content_type, warc_headers_dict=headers)


def warcinfo_record(writer: RecordWriter, name: str, hostname: str, record_id: str, date: str) -> Any:
    """The ``warcinfo`` record that opens the file ``name``."""
    info = {
        "software": f"archiver/{_version()} (warcio)",
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "hostname": hostname,
        # Worded as before the split into a package, so files stay byte-identical (see __init__.py).
        "description": "archiver captures; WARC-Archiver-* fields are described in archiver/warcstore.py",
    }
    body = "".join(f"{k}: {v}\r\n" for k, v in info.items()).encode("utf-8")
    headers = {"WARC-Type": "warcinfo", "WARC-Record-ID": record_id, "WARC-Date": date, "WARC-Filename": name}
    return writer.create_warc_record(
        "", "warcinfo", payload=BytesIO(body), length=len(body),
        warc_content_type="application/warc-fields", warc_headers_dict=headers)


def _version() -> str:
    try:
        return metadata.version("archiver")
    except metadata.PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"
