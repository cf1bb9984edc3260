"""Store stage: ``FetchResult`` → WARC/1.1 records → ``Capture``; read records back; repair torn files.

Files are ``{prefix}-{YYYYMMDDhhmmssffffff}-{serial:05d}-{host}.warc.gz``, one gzip member per record,
each opened by a ``warcinfo`` record, append-only: every ``WarcStore`` starts a new file and rotates
past ``WarcConfig.max_file_size``, so a closed file is never written again.

One capture is written as one contiguous batch (then flushed and fsynced): a ``request`` and a
``response`` record per hop, the final hop becoming a ``revisit`` (identical-payload-digest profile,
HTTP headers kept, no body) when its payload equals the previous capture's; a fetch with no response
at all is one ``metadata`` record (``application/warc-fields``, each value a JSON text: url, outcome,
detail, elapsed, started_at), evidence that replay tools never index as a capture of the page.
Every record but the ``warcinfo`` names its file's ``warcinfo`` record in ``WARC-Warcinfo-ID``.
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

Layout: ``records`` builds the records and their extension headers and reads a ``Capture`` back
from a final record, ``reader`` reads records and captures from the files, ``recovery`` repairs
torn tails, ``store`` holds ``WarcStore``, the writer.
"""

from __future__ import annotations

from .reader import READ_LIMIT, StoredRecord
from .records import GZIP_LEVEL, REVISIT_PROFILE, X, parse_fields, parse_warc_date, warc_date
from .store import WarcStore

__all__ = [
    "GZIP_LEVEL",
    "READ_LIMIT",
    "REVISIT_PROFILE",
    "StoredRecord",
    "WarcStore",
    "X",
    "parse_fields",
    "parse_warc_date",
    "warc_date",
]
