"""WarcFiles, the storage behind WarcStore: a second implementation plugs in; marks of open files; orphans.

``MemoryFiles`` is a second, complete ``WarcFiles`` (bytes in a dict), standing in for the object
store that may follow: a store on it writes, rotates, reads back and repairs without touching the
file system, and its bytes are the same WARC files warcio reads.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO

from conftest import warcio_check
from test_warcstore import URL, Clock, hop, page, result

from archiver.config import WarcConfig
from archiver.warcstore import WarcStore, recovery
from archiver.warcstore.files import MARK, LocalFiles, OpenMark, WarcFiles
from archiver.worker.storage import owner, repair_orphans


class MemoryFiles:
    """``WarcFiles`` in memory: each file a ``bytearray``; sealed ones refuse appends."""

    def __init__(self) -> None:
        self.data: dict[str, bytearray] = {}
        self.sealed: set[str] = set()
        self.marks: dict[str, Mapping[str, Any]] = {}

    def location(self, name: str | None = None) -> str:
        return f"memory:{name or ''}"

    def names(self) -> list[str]:
        return list(self.data)

    def size(self, name: str) -> int:
        return len(self.data[name])

    def create(self, name: str, owner: Mapping[str, Any] | None = None) -> None:
        if name in self.data:
            raise FileExistsError(name)
        self.data[name] = bytearray()
        if owner is not None:
            self.marks[name] = owner

    def append(self, name: str, data: memoryview, *, sync: bool = True) -> None:
        assert name not in self.sealed, f"{name} was sealed"
        self.data[name] += data

    def sync(self, name: str) -> None:
        pass

    def seal(self, name: str) -> None:
        self.sealed.add(name)
        self.marks.pop(name, None)

    def touch(self, name: str) -> None:
        pass

    def open_marks(self) -> list[OpenMark]:
        return [OpenMark(name, who, 0.0) for name, who in self.marks.items()]

    def read(self, name: str) -> BinaryIO:
        return io.BytesIO(bytes(self.data[name]))

    def repair(self, name: str) -> str | None:
        return None


def test_a_store_on_another_warcfiles_writes_reads_and_rotates_without_the_file_system(tmp_path: Path) -> None:
    files = MemoryFiles()
    _: WarcFiles = files  # the protocol is all it needs
    folder = tmp_path / "never-made"
    config = replace(WarcConfig(), max_file_size=3_000)
    with WarcStore(folder, config, clock=Clock(), hostname="h", files=files) as store:
        first = store.write_capture(URL, result(hop(body=page(15_000, seed="a"))))
        again = store.write_capture(URL, result(hop(body=page(15_000, seed="a"))), previous=first)
        other = store.write_capture(URL + "/2", result(hop(url=URL + "/2", body=page(15_000, seed="b"))))
        note = store.write_metadata(URL, {"state": "x"}, concurrent_to=first.id)
        assert again.record_type == "revisit" and store.read_payload(first) == page(15_000, seed="a")
        assert list(store.iter_captures()) == [first, again, other]
        assert store.read_record(note.warc_file, note.offset).record_type == "metadata"
    assert not folder.exists()  # nothing went past the interface
    assert len(files.data) >= 2 and files.sealed == set(files.data)  # rotated; every file sealed at close
    for name, data in files.data.items():  # the same bytes in a folder: WARC files warcio reads
        (tmp_path / name).write_bytes(bytes(data))
    assert warcio_check(sorted(tmp_path.glob("*.warc.gz"))) == 0


def test_a_store_with_an_owner_marks_its_file_open_until_it_is_sealed(tmp_path: Path) -> None:
    warcs = tmp_path / "warcs"
    with WarcStore(warcs, WarcConfig(), clock=Clock(), hostname="w1", owner=owner()) as store:
        cap = store.write_capture(URL, result(hop()))
        mark = warcs / ((cap.warc_file or "") + MARK)
        assert json.loads(mark.read_text()) == {"host": socket.gethostname(), "pid": os.getpid()}
        os.utime(mark, (1, 1))
        store.heartbeat()  # the worker is alive: the mark is fresh again
        marks = LocalFiles(warcs).open_marks()
        assert [m.name for m in marks] == [cap.warc_file] and marks[0].age < 60
    assert not mark.exists()
    with WarcStore(warcs, WarcConfig(), hostname="solo") as solo:  # one process alone marks nothing
        solo.write_capture(URL, result(hop()))
        assert not list(warcs.glob("*" + MARK))


def test_orphaned_files_are_cut_and_sealed_and_live_ones_left(tmp_path: Path) -> None:
    warcs = tmp_path / "warcs"
    written: dict[str, Path] = {}
    for who in ("dead", "stale", "live"):
        with WarcStore(warcs, WarcConfig(), clock=Clock(), hostname=who) as store:
            cap = store.write_capture(URL, result(hop(body=page(9000, seed=who))))
            store.write_capture(URL, result(hop(body=page(9000, seed=who + "2"))))
        path = warcs / (cap.warc_file or "")
        with open(path, "r+b") as fh:  # kill -9 mid-append: a torn tail
            fh.truncate(path.stat().st_size - 100)
        written[who] = path
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=False, capture_output=True, text=True)
    here = socket.gethostname()
    owners = {"dead": {"host": here, "pid": int(gone.stdout)}, "stale": {"host": "elsewhere", "pid": 1},
              "live": {"host": here, "pid": os.getpid()}}
    for who, path in written.items():
        (warcs / (path.name + MARK)).write_text(json.dumps(owners[who]))
    os.utime(warcs / (written["stale"].name + MARK), (1, 1))  # silent for longer than a lease

    messages = repair_orphans(LocalFiles(warcs), stale_after=60)
    assert sorted(m.split(":")[0] for m in messages) == sorted([written["dead"].name, written["stale"].name])
    assert [p.name for p in sorted(warcs.glob("*" + MARK))] == [written["live"].name + MARK]
    assert recovery.repair(written["live"]) is not None  # a live worker's file is left as it is
    assert warcio_check([written["dead"], written["stale"], written["live"]]) == 0
