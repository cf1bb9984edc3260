"""``archiver export --wacz``: WACZ 1.1.1 packages, validated by py-wacz and read back record by record."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from serve_site import ArchivedSite, build, config
from warcio.archiveiterator import ArchiveIterator

from archiver.archive import Archive
from archiver.cli import cli
from archiver.export import INDEX_PATH
from archiver.models import capture_id

WACZ_TOOL = Path(sys.executable).parent / "wacz"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ArchivedSite]:
    built = build(tmp_path_factory.mktemp("export"))
    yield built
    built.server.stop()


@pytest.fixture
def archive(site: ArchivedSite) -> Iterator[Archive]:
    with Archive(site.data_dir, config()) as opened:
        yield opened


def wacz_validate(path: Path) -> subprocess.CompletedProcess[str]:
    if not WACZ_TOOL.exists():
        pytest.fail(
            f"py-wacz's `wacz` is missing from {WACZ_TOOL.parent}: pip install wacz (a test dependency)"
        )
    return subprocess.run(
        [str(WACZ_TOOL), "validate", "-f", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def records(z: zipfile.ZipFile) -> list[tuple[str, int, int, dict[str, str]]]:
    """(file, offset, length, WARC headers) of every record of every WARC in the package."""
    out = []
    for name in z.namelist():
        if name.startswith("archive/"):
            it = ArchiveIterator(io.BytesIO(z.read(name)))
            for record in it:
                headers = dict(record.rec_headers.headers)
                out.append((name.split("/", 1)[1], it.get_record_offset(), it.get_record_length(), headers))
    return out


def test_full_export_passes_wacz_validate(archive: Archive, tmp_path: Path) -> None:
    out = tmp_path / "all.wacz"
    result = archive.export_wacz(out)
    assert result.path == out and out.stat().st_size == result.bytes
    assert result.captures == len(list(archive._index.all_captures()))
    done = wacz_validate(out)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Validation succeeded" in done.stdout and "1.1.1" in done.stdout


def test_layout_compression_and_hashes(archive: Archive, tmp_path: Path) -> None:
    out = archive.export_wacz(tmp_path / "all.wacz").path
    with zipfile.ZipFile(out) as z:
        infos = {i.filename: i for i in z.infolist()}
        warcs = [n for n in infos if n.startswith("archive/")]
        assert warcs and all(n.endswith(".warc.gz") for n in warcs)
        assert all(infos[n].compress_type == zipfile.ZIP_STORED for n in warcs)  # random access into WARCs
        assert {INDEX_PATH, "pages/pages.jsonl", "datapackage.json", "datapackage-digest.json"} <= set(infos)
        package = json.loads(z.read("datapackage.json"))
        assert package["profile"] == "data-package" and package["wacz_version"] == "1.1.1"
        listed = {r["path"]: r for r in package["resources"]}
        assert set(listed) == set(infos) - {"datapackage.json", "datapackage-digest.json"}
        for path, resource in listed.items():
            data = z.read(path)
            assert resource["bytes"] == len(data)
            assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        digest = json.loads(z.read("datapackage-digest.json"))
        assert {k: v for k, v in digest.items() if k != "signedData"} == {
            "path": "datapackage.json",
            "hash": "sha256:" + hashlib.sha256(z.read("datapackage.json")).hexdigest(),
        }
        assert digest["signedData"]["hash"] == digest["hash"]  # signed (tests/test_verify.py checks it)


def test_index_is_sorted_cdxj_pointing_at_real_records(archive: Archive, tmp_path: Path) -> None:
    out = archive.export_wacz(tmp_path / "all.wacz").path
    with zipfile.ZipFile(out) as z:
        lines = z.read(INDEX_PATH).decode("utf-8").splitlines()
        located = {(f, o): (n, h) for f, o, n, h in records(z)}
    assert lines == sorted(lines)
    urls = set()
    for line in lines:
        _surt, ts, blob = line.split(" ", 2)
        entry = json.loads(blob)
        length, headers = located[(entry["filename"], int(entry["offset"]))]
        assert int(entry["length"]) == length
        assert headers["WARC-Target-URI"] == entry["url"]
        assert headers["WARC-Date"].replace("-", "").replace(":", "").replace("T", "")[:14] == ts
        urls.add(entry["url"])
    assert archive.urls()[0] in urls


def test_pages_list_every_response_capture(archive: Archive, tmp_path: Path, site: ArchivedSite) -> None:
    out = archive.export_wacz(tmp_path / "all.wacz").path
    with zipfile.ZipFile(out) as z:
        header, *pages = [json.loads(line) for line in z.read("pages/pages.jsonl").decode().splitlines()]
    assert header == {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
    by_id = {p["id"]: p for p in pages}
    for capture in archive.history(site.poll):
        page = by_id[capture.id]
        assert (
            page["url"] == site.poll and page["ts"].endswith("Z") and page["title"].startswith("Poll results")
        )
    assert "(HTTP 404)" in by_id[archive.history(site.gone)[0].id]["title"]


def test_a_url_subset_holds_only_its_records_and_its_revisit_target(
    archive: Archive, tmp_path: Path, site: ArchivedSite
) -> None:
    out = archive.export_wacz(tmp_path / "poll.wacz", [site.poll]).path
    assert wacz_validate(out).returncode == 0
    with zipfile.ZipFile(out) as z:
        found = records(z)
        z.extractall(tmp_path / "unzipped")  # conftest runs `warcio check` on every WARC under tmp_path
    # The page's captures, and what its new versions needed to be seen (requisites, screenshots).
    kept = [c for c in archive.history(site.poll) if archive.requisites(c)]
    needed = {r.record.record_id for c in kept for r in archive.requisites(c)}
    needed |= {r.payload.record_id for c in kept for r in archive.requisites(c) if r.payload}
    shots = {s.record.record_id for c in kept if (s := archive.screenshot_taken(c.id)) is not None}
    own = [h for *_, h in found if h["WARC-Type"] != "warcinfo" and h.get("WARC-Target-URI") == site.poll]
    others = [h for *_, h in found if h["WARC-Type"] != "warcinfo" and h.get("WARC-Target-URI") != site.poll]
    ids = {h["WARC-Record-ID"] for *_, h in found}
    assert needed | shots <= ids
    assert all(h["WARC-Record-ID"] in needed | shots or h.get("WARC-Concurrent-To") in needed for h in others)
    finals = {capture_id(h["WARC-Record-ID"]) for h in own if h["WARC-Type"] in ("response", "revisit")}
    assert finals == {c.id for c in archive.history(site.poll)}
    revisit = next(h for h in own if h["WARC-Type"] == "revisit")
    assert revisit["WARC-Refers-To"] in ids  # replayable on its own
    requests = [h for h in own if h["WARC-Type"] == "request"]
    assert len(requests) == 3  # one per capture, each concurrent to its response


def test_a_redirect_keeps_every_hop(archive: Archive, tmp_path: Path, site: ArchivedSite) -> None:
    out = archive.export_wacz(tmp_path / "moved.wacz", [site.moved]).path
    with zipfile.ZipFile(out) as z:
        found = records(z)
    pages = {site.moved, site.background}
    responses = [h["WARC-Target-URI"] for *_, h in found if h["WARC-Type"] in ("response", "revisit")
                 and h["WARC-Target-URI"] in pages]
    assert responses == [site.moved, site.background]  # the 301 and where it led, nothing else of /b
    assert len([h for *_, h in found if h["WARC-Type"] == "request" and h["WARC-Target-URI"] in pages]) == 2


def test_a_documents_subset(archive: Archive, tmp_path: Path, site: ArchivedSite) -> None:
    result = archive.export_wacz(tmp_path / "doc.wacz", document=site.document)
    with zipfile.ZipFile(result.path) as z:
        targets = {h.get("WARC-Target-URI") for *_, h in records(z)}
    assert {site.poll, site.background, site.gone} <= targets
    assert site.moved not in targets  # not cited
    # The logo and the stylesheet are in only as the cited pages' requisites, not as their own captures.
    with Archive(site.data_dir, archive.config) as reading:
        own = {reading.store.record_id(c) for c in reading.history(site.logo) + reading.history(site.css)}
    with zipfile.ZipFile(result.path) as z:
        assert not own & {h["WARC-Record-ID"] for *_, h in records(z)}


def test_cli_export(site: ArchivedSite, tmp_path: Path) -> None:
    runner = CliRunner()
    data = ["--data", str(site.data_dir)]
    ok = runner.invoke(cli, [*data, "export", "--wacz", str(tmp_path / "a.wacz"), site.poll])
    assert ok.exit_code == 0, ok.output
    assert "wrote" in ok.output and zipfile.is_zipfile(tmp_path / "a.wacz")
    assert re.search(r"captures? of 1 URL, ", ok.output), ok.output  # "1 URL", not "1 URLs"
    unknown = runner.invoke(
        cli, [*data, "export", "--wacz", str(tmp_path / "b.wacz"), "http://127.0.0.1:9/never"]
    )
    assert unknown.exit_code == 1 and "not a watched URL" in unknown.output
    assert not (tmp_path / "b.wacz").exists()
    both = runner.invoke(
        cli, [*data, "export", "--wacz", str(tmp_path / "c.wacz"), "--document", "x.md", site.poll]
    )
    assert both.exit_code == 2
    no_doc = runner.invoke(
        cli, [*data, "export", "--wacz", str(tmp_path / "d.wacz"), "--document", "nope.md"]
    )
    assert no_doc.exit_code == 1 and "no such imported document" in no_doc.output
