"""The facade's resources: one data directory, its index, its WARC store and its writer lock.

``ArchiveCore`` opens them, repairs what a crash left (only as the lock's holder) and closes
them; the other parts of ``Archive`` (``archiver/archive/*.py``) build on it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from archiver.config import Config
from archiver.engine import parse_index_url
from archiver.errors import ArchiverError
from archiver.fetch import HostThrottle
from archiver.index import Index
from archiver.lock import DataLock
from archiver.reading import ReadingPool
from archiver.warcstore import WarcStore

logger = logging.getLogger(__name__)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ArchiveCore:
    """One data directory: its WARC files, its index, and the lock of the process writing them."""

    def __init__(
        self,
        data_dir: str | Path = "snapshots",
        config: Config | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.config = config or Config()
        self.clock = clock or _utcnow
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ArchiverError(f"{self.data_dir}: cannot create the data directory: {exc.strerror}") from None
        self._index = Index(parse_index_url(self.config.index.url, self.data_dir))
        self._index.check_log_fold = self.config.index.check_log
        self._store: WarcStore | None = None
        self._lock: DataLock | None = None
        self._pool: ReadingPool | None = None  # the reading processes, started by the first large batch
        self._throttle = HostThrottle(
            per_host_concurrency=self.config.check.per_host_concurrency,
            per_host_delay=self.config.check.per_host_delay,
            max_retry_after=self.config.check.max_retry_after,
        )
        self._guard = threading.Lock()

    # -- resources ---------------------------------------------------------------------------

    @property
    def warc_dir(self) -> Path:
        return self.data_dir / "warcs"

    def lock(self, role: str = "archiver check") -> None:
        """Take the data directory's writer lock (held until ``close``)."""
        if self._lock is None:
            self._lock = DataLock(self.data_dir, role).acquire()
            if self._store is not None:  # opened earlier as a reader: repair now that we may
                self._recover(self._store)

    @property
    def store(self) -> WarcStore:
        """The WARC store, opened on first use.

        Only the holder of the writer lock repairs a torn record left by a crash: a reader
        (report, cite, serve) must never cut the tail of a file a running daemon is writing.
        """
        with self._guard:
            if self._store is None:
                self._store = WarcStore(self.warc_dir, self.config.warc, clock=self.clock)
                if self._lock is not None:
                    self._recover(self._store)
            return self._store

    def _recover(self, store: WarcStore) -> None:
        """What the writer does first after a crash: cut torn records off the WARC tails, then
        index every whole capture past the point each file is known to be indexed (a kill -9
        loses the captures written since the last index commit; here they come back), so a
        crash costs at most the torn tail."""
        for message in store.recover():
            logger.warning("%s", message)
        if found := self.index_written(store):
            logger.warning("%d captures found in the WARC files but not in the index (a crash?): indexed now", found)

    def index_written(self, store: WarcStore, *, skip: Iterable[str] = ()) -> int:
        """Index the whole captures past each file's (but ``skip``'s) indexed mark; how many were found."""
        found, marks, skipped = 0, {}, set(skip)
        for name in store.names():
            if name in skipped or (through := self._index.indexed_through(name)) >= store.size(name):
                continue
            progress = [through]
            found += self._index.insert_captures(store.iter_captures_from(name, through, progress))
            marks[name] = progress[0]
        if marks:
            self._index.set_indexed_through(marks)
        return found

    def _mark_indexed(self) -> None:
        """After a batch whose checks are all committed: the files written so far are indexed."""
        if self._store is not None:
            self._index.set_indexed_through(self._store.written())

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()
        if self._store is not None:
            self._store.close()
            self._store = None
        self._index.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def store_reader(self) -> WarcStore:
        """The store every payload is read through (``serve`` reads beside a daemon without repairing)."""
        return self.store

    # -- where a capture is seen -------------------------------------------------------------

    def replay_url(self, capture_id: str) -> str:
        """The published page of a capture (``[publish] public_url`` + ``capture/<id>/``), or ""
        when the archive is not published: citations then say the copy is local."""
        base = self.config.publish.public_url.strip()
        if not base:
            return ""
        return base.rstrip("/") + f"/capture/{capture_id}/"

    def capture_link(self, capture_id: str) -> str:
        """Where a person opens a capture: its published page, else the local web view's page
        (``archiver serve`` on ``[serve] host``/``port``)."""
        return self.replay_url(capture_id) or f"http://{self.config.serve.host}:{self.config.serve.port}/capture/{capture_id}"

