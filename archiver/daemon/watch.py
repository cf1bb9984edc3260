"""Watched folders (around the pipeline): which documents are new or changed since their last import.

A cheap test first (file modification time and size, remembered in memory), then the real one:
the document's text digest against the one the index keeps for it, so a restarted daemon does not
re-import every document, and a ``touch`` without an edit imports nothing.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from archiver.documents import HTML_SUFFIXES, MARKDOWN_SUFFIXES, MAX_DOCUMENT_BYTES, read_document
from archiver.errors import DocumentError

logger = logging.getLogger(__name__)

#: What a watched folder may hold that is a document (other files are ignored, silently).
DOCUMENT_SUFFIXES = MARKDOWN_SUFFIXES | HTML_SUFFIXES | frozenset({".txt", ".text"})

Signature = tuple[int, int]  # (st_mtime_ns, st_size)


def text_digest(text: str) -> str:
    """The digest ``Archive.import_documents`` stores for a document's decoded text."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _is_candidate(path: Path) -> bool:
    # Editors' swap, backup and lock files (".#a.md", "a.md~", "#a.md#") are not documents.
    name = path.name
    return path.suffix.lower() in DOCUMENT_SUFFIXES and not name.startswith((".", "#")) and not name.endswith("~")


class FolderWatcher:
    """Finds documents under ``dirs`` that need importing.

    ``known_digest(path)`` is the digest the index holds for a document path (``Index.document_digest``).
    ``pending()`` lists the paths to import; call ``imported(paths)`` once they are, so that a failed
    import is tried again on the next scan.
    """

    def __init__(
        self, dirs: Sequence[str | os.PathLike[str]], *, known_digest: Callable[[str], str | None],
        max_bytes: int = MAX_DOCUMENT_BYTES,
    ) -> None:
        self.dirs = [Path(d) for d in dirs]
        self._known_digest = known_digest
        self.max_bytes = max_bytes
        self._seen: dict[str, Signature] = {}  # path → signature when last found up to date
        self._candidates: dict[str, Signature] = {}  # path → signature when last offered
        self._missing: set[Path] = set()  # folders already reported missing

    def _files(self) -> Iterator[Path]:
        for root in self.dirs:
            if not root.is_dir():
                if root not in self._missing:
                    logger.warning("%s: watched folder does not exist (or is not a folder); skipped until it does", root)
                    self._missing.add(root)
                continue
            self._missing.discard(root)
            for dirpath, dirnames, filenames in os.walk(root, onerror=lambda e: logger.warning("%s: %s", e.filename, e.strerror)):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    path = Path(dirpath) / name
                    if _is_candidate(path):
                        yield path

    def pending(self) -> list[str]:
        """Documents that are new, or whose text changed, since they were last imported."""
        out: list[str] = []
        present: set[str] = set()
        for path in self._files():
            key = str(path)
            try:
                st = path.stat()
            except OSError:
                continue  # deleted between the walk and the stat
            present.add(key)
            signature = (st.st_mtime_ns, st.st_size)
            if self._seen.get(key) == signature:
                continue
            self._candidates[key] = signature
            try:
                # Only regular files, never more than max_bytes: a FIFO named *.md must not hang
                # the daemon (it would not even answer SIGTERM), nor a huge file exhaust memory.
                if not stat.S_ISREG(st.st_mode):
                    raise DocumentError(f"{key}: skipped: not a regular file")
                document = read_document(key, max_bytes=self.max_bytes)
            except DocumentError as exc:
                logger.warning("%s; skipped until the file changes", exc)
                self._seen[key] = signature
                continue
            if text_digest(document.text) == self._known_digest(key):
                self._seen[key] = signature
                continue
            out.append(key)
        for gone in set(self._seen) - present:
            del self._seen[gone]
        return out

    def imported(self, paths: Sequence[str]) -> None:
        """Remember that ``paths`` were imported as they were when ``pending`` listed them."""
        for key in paths:
            signature = self._candidates.pop(key, None)
            if signature is not None:
                self._seen[key] = signature
