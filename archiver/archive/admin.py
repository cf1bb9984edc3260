"""The facade's maintenance: rebuild the index from the WARC files, verify the records against
their digests, count sources by status, and export a signed WACZ package."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from archiver import versions
from archiver.archive.history import History
from archiver.archive.records import Records
from archiver.export import ExportResult, write_wacz
from archiver.models import Capture, SourceStatus
from archiver.signing import Signer
from archiver.verify import Problem, VerifyReport, capture_targets, file_targets, verify_records
from archiver.warcstore import WarcStore

logger = logging.getLogger(__name__)


def _package_version() -> str:
    try:
        return metadata.version("archiver")
    except metadata.PackageNotFoundError:
        return "0"


class Administration(History, Records):
    """``rebuild-index``, ``verify``, ``export`` and the status counts."""

    def rebuild_index(self) -> int:
        """Re-read every WARC file and rebuild from it the captures table and each new version's
        requisites, screenshot and thumbnail (from its listing record). Returns the capture count."""
        self.lock("archiver rebuild-index")
        store = self.store
        marks = {name: store.size(name) for name in store.names()}
        n = self._index.replace_captures(store.iter_captures(), indexed_through=marks)
        requisites, screenshots = versions.rebuild(store)
        self._index.replace_versions(requisites, screenshots)
        logger.info("rebuild-index: %d captures, %d requisites, %d screenshots", n, len(requisites), len(screenshots))
        return n

    def status_counts(self) -> dict[str, int]:
        counts = {s.value: 0 for s in SourceStatus}
        counts.update(self._index.counts_by_status())
        return counts

    def verify(self, captures: Sequence[Capture] | None = None) -> VerifyReport:
        """Re-read WARC records against their digests and the index (``archiver verify``): the
        records of ``captures``, or every record of every file; seal what is intact."""
        missing: list[Problem] = []
        if captures is not None:
            targets = list(capture_targets(self._index, captures))
        else:  # a fresh WarcStore only lists the files: it repairs nothing beside a running daemon
            targets, missing = file_targets(self._index, WarcStore(self.warc_dir, self.config.warc).files())
        report = verify_records(self._index, self.warc_dir, targets, now=self.clock())
        report.problems = missing + report.problems
        return report

    # -- export (`archiver export`) ------------------------------------------------------------

    def export_wacz(
        self, path: str | Path, urls: Sequence[str] | None = None, *, document: str | None = None,
        captures: Sequence[Capture] | None = None, sign: bool = True,
    ) -> ExportResult:
        """A signed WACZ package of the captures of ``urls``, or of a document's citations, or of
        the ``captures`` given (default: everything)."""
        if document is not None:
            urls = self.document_sources(document)
        if captures is None and urls is not None:
            captures = list({c.id: c for url in urls for c in self.history(url)}.values())

        def title_of(capture: Capture) -> str | None:  # the cached text only: an export extracts nothing
            text = self._index.text(self._index.text_key_of(capture.id))
            return text.title if text is not None else None

        # A fresh WarcStore only lists the files: unlike ``self.store`` it repairs nothing, so an
        # export beside a running daemon leaves the daemon's open file alone.
        files = WarcStore(self.warc_dir, self.config.warc).files()
        signer = Signer(self.data_dir, software=f"archiver {_package_version()}") if sign else None
        return write_wacz(path, self._index, files, captures=captures, title_of=title_of, now=self.clock(),
                          sign=signer.sign if signer is not None else None)
