"""Issue 11, "integrity anyone can check": ``archiver verify`` over real WARC files and the
SQLite index, and signed WACZ packages checked by ``verify --wacz`` (ours, tampered, and others').
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from citing_site import CitingSite, build, site_config
from click.testing import CliRunner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlite_utils import Database
from warcio.archiveiterator import ArchiveIterator

from archiver.archive import Archive
from archiver.cli import cli
from archiver.export import RECORD_MAP_PATH
from archiver.signing import KEY_FILE, PUBLIC_KEY_FILE, check_signed_data
from archiver.verify import verify_wacz

WACZ_TOOL = Path(sys.executable).parent / "wacz"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CitingSite]:
    built = build(tmp_path_factory.mktemp("verify"))
    yield built
    built.server.stop()


@pytest.fixture
def data(site: CitingSite, tmp_path: Path) -> Path:
    """A copy of the site's data directory this test may damage."""
    copy = tmp_path / "snapshots"
    shutil.copytree(site.data_dir, copy)
    return copy


def verify(data: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--data", str(data), "verify", *args])
    return result.exit_code, result.output


def flip(path: Path, offset: int) -> int:
    """Flip every bit of one byte of ``path``; its old value."""
    raw = bytearray(path.read_bytes())
    old = raw[offset]
    raw[offset] ^= 0xFF
    path.write_bytes(bytes(raw))
    return old


# --------------------------------------------------------------------------- WARC records


def test_an_intact_archive_verifies_and_is_sealed(data: Path) -> None:
    code, out = verify(data)
    assert code == 0, out
    seals = Database(data / "index.db")["record_seals"].count
    assert seals > 0
    with Archive(data, site_config()) as archive:
        records = sum(1 for p in archive.warc_dir.glob("*.warc.gz") for _ in ArchiveIterator(p.open("rb")))
    assert seals == records  # every record of every file: warcinfo, requests, responses, metadata
    code, out = verify(data)  # again: nothing new to seal, still intact
    assert code == 0 and "0 newly sealed" in out


@pytest.mark.broken_warc
def test_one_flipped_byte_is_named_by_file_and_offset(data: Path, site: CitingSite) -> None:
    code, intact = verify(data)  # seals the intact records
    assert code == 0
    with Archive(data, site_config()) as archive:
        capture = archive.history(site.article)[0]
    assert capture.warc_file and capture.warc_offset is not None and capture.warc_length
    target = capture.warc_offset + capture.warc_length // 2
    old = flip(data / "warcs" / capture.warc_file, target)
    code, out = verify(data)
    assert code == 1
    assert f"{capture.warc_file}@{capture.warc_offset} (byte {target} of {capture.warc_file})" in out, out
    assert f"was 0x{old:02x}, now 0x{old ^ 0xFF:02x}" in out
    checked = re.search(r"(\d+) records checked", intact)
    assert checked and f"{checked.group(1)} records checked, 1 problem," in out  # nothing after it is skipped
    code, out = verify(data, capture.id)  # the same, asked about that capture only
    assert code == 1 and f"byte {target} of" in out


@pytest.mark.broken_warc
def test_damage_before_any_seal_is_still_caught_and_placed(data: Path, site: CitingSite) -> None:
    with Archive(data, site_config()) as archive:
        capture = archive.history(site.article)[0]
    assert capture.warc_file and capture.warc_offset is not None and capture.warc_length
    flip(data / "warcs" / capture.warc_file, capture.warc_offset + capture.warc_length // 2)
    code, out = verify(data, site.article)
    assert code == 1
    assert f"{capture.warc_file}@{capture.warc_offset}" in out
    assert f"record bytes {capture.warc_offset}–{capture.warc_offset + capture.warc_length - 1}" in out


@pytest.mark.broken_warc
def test_damage_to_the_deflate_tail_is_caught_without_a_seal(data: Path, site: CitingSite) -> None:
    """warcio stops reading once the record's bytes are out; the gzip CRC still covers the tail."""
    with Archive(data, site_config()) as archive:
        capture = archive.history(site.article)[0]
    assert capture.warc_file and capture.warc_offset is not None and capture.warc_length
    flip(data / "warcs" / capture.warc_file, capture.warc_offset + capture.warc_length - 9)  # last deflate byte
    code, out = verify(data, site.article)
    assert code == 1, out
    assert "does not decompress cleanly" in out or "unreadable" in out or "digest" in out, out
    assert f"{capture.warc_file}@{capture.warc_offset}" in out


def test_the_index_and_the_warc_must_agree(data: Path, site: CitingSite) -> None:
    db = Database(data / "index.db")
    with Archive(data, site_config()) as archive:
        capture = archive.history(site.plain)[0]
    db.execute("UPDATE captures SET payload_digest = ? WHERE id = ?", ["sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", capture.id])
    db.conn.commit()
    code, out = verify(data, capture.id)
    assert code == 1 and "index payload digest sha1:AAAA" in out and capture.payload_digest in out


# --------------------------------------------------------------------------- WACZ


def export(data: Path, out: Path, *urls: str) -> None:
    result = CliRunner().invoke(cli, ["--data", str(data), "export", "--wacz", str(out), *urls])
    assert result.exit_code == 0, result.output


def test_a_signed_wacz_verifies(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.wacz"
    export(data, out)
    with zipfile.ZipFile(out) as z:
        digest = json.loads(z.read("datapackage-digest.json"))
        package = z.read("datapackage.json")
    signed = digest["signedData"]
    assert set(signed) == {"hash", "created", "software", "version", "signature", "publicKey"}  # anonymous form
    assert signed["hash"] == "sha256:" + hashlib.sha256(package).hexdigest()
    key = serialization.load_pem_public_key((data / PUBLIC_KEY_FILE).read_bytes())
    assert base64.b64decode(signed["publicKey"]) == key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert (data / KEY_FILE).stat().st_mode & 0o077 == 0  # the private key is the owner's alone
    code, text = verify(data, "--wacz", str(out))
    assert code == 0 and "signature: valid (anonymous" in text, text
    report = verify_wacz(out)
    assert report.ok and report.records > 0 and report.signature is not None and report.signature.ok


def rewrite(src: Path, dst: Path, change: dict[str, bytes]) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, change.get(info.filename, zin.read(info.filename)))


def test_a_tampered_wacz_fails(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.wacz"
    export(data, out)
    with zipfile.ZipFile(out) as z:
        pages = z.read("pages/pages.jsonl")
        package = json.loads(z.read("datapackage.json"))
        digest = json.loads(z.read("datapackage-digest.json"))
    # 1. a file changed, its hash left alone
    bad = tmp_path / "pages.wacz"
    rewrite(out, bad, {"pages/pages.jsonl": pages.replace(b"County", b"Country")})
    code, text = verify(data, "--wacz", str(bad))
    assert code == 1 and "pages/pages.jsonl: hash sha256:" in text
    # 2. the file and datapackage.json's hash changed, and the digest recomputed: only the signature can tell
    for r in package["resources"]:
        if r["path"] == "pages/pages.jsonl":
            changed = pages.replace(b"County", b"Country")
            r["hash"], r["bytes"] = "sha256:" + hashlib.sha256(changed).hexdigest(), len(changed)
    package_bytes = json.dumps(package, indent=2).encode()
    digest["hash"] = "sha256:" + hashlib.sha256(package_bytes).hexdigest()
    forged = tmp_path / "forged.wacz"
    rewrite(out, forged, {"pages/pages.jsonl": changed, "datapackage.json": package_bytes,
                          "datapackage-digest.json": json.dumps(digest).encode()})
    code, text = verify(data, "--wacz", str(forged))
    assert code == 1 and "signature: signedData.hash" in text
    digest["signedData"]["hash"] = digest["hash"]  # the forger copies the hash into signedData too
    rewrite(out, forged, {"pages/pages.jsonl": changed, "datapackage.json": package_bytes,
                          "datapackage-digest.json": json.dumps(digest).encode()})
    code, text = verify(data, "--wacz", str(forged))
    assert code == 1 and "the signature does not match" in text


def test_a_wacz_made_by_someone_else(data: Path, tmp_path: Path) -> None:
    """py-wacz's own package, unsigned; then signed by another party's key the authsign way (DER)."""
    warcs = sorted((data / "warcs").glob("*.warc.gz"))
    theirs = tmp_path / "theirs.wacz"
    done = subprocess.run([str(WACZ_TOOL), "create", "-o", str(theirs), *map(str, warcs)], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    code, text = verify(data, "--wacz", str(theirs))
    assert code == 0 and "not signed" in text, text
    with zipfile.ZipFile(theirs) as z:
        digest = json.loads(z.read("datapackage-digest.json"))
    key = ec.generate_private_key(ec.SECP256R1())
    signature = key.sign(digest["hash"].encode(), ec.ECDSA(hashes.SHA256()))  # DER, as authsign writes
    digest["signedData"] = {
        "hash": digest["hash"], "created": "2026-11-23T10:00:00Z", "software": "someone else", "version": "0.1.0",
        "signature": base64.b64encode(signature).decode(),
        "publicKey": base64.b64encode(key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode(),
    }
    signed = tmp_path / "theirs-signed.wacz"
    rewrite(theirs, signed, {"datapackage-digest.json": json.dumps(digest).encode()})
    code, text = verify(data, "--wacz", str(signed))
    assert code == 0 and "signature: valid (anonymous" in text, text
    other = ec.generate_private_key(ec.SECP256R1()).sign(digest["hash"].encode(), ec.ECDSA(hashes.SHA256()))
    assert not check_signed_data({**digest["signedData"], "signature": base64.b64encode(other).decode()},
                                 digest["hash"]).ok


def test_a_subset_keeps_every_record_and_maps_it_to_its_original_place(data: Path, site: CitingSite, tmp_path: Path) -> None:
    out = tmp_path / "article.wacz"
    export(data, out, site.article)
    with Archive(data, site_config()) as archive:
        originals = {p.name for p in archive.warc_dir.glob("*.warc.gz")}
        captures = archive.history(site.article)
    with zipfile.ZipFile(out) as z:
        names = [n.split("/", 1)[1] for n in z.namelist() if n.startswith("archive/")]
        assert names and not set(names) & originals  # a filtered file never reuses an original name
        mapping = [json.loads(line) for line in z.read(RECORD_MAP_PATH).decode().splitlines()]
        for entry in mapping:
            inside = z.read("archive/" + entry["file"])[entry["offset"] : entry["offset"] + entry["length"]]
            original = (data / "warcs" / entry["original_file"]).read_bytes()
            assert inside == original[entry["original_offset"] : entry["original_offset"] + entry["length"]]
            record = next(iter(ArchiveIterator(io.BytesIO(inside))))
            assert record.rec_headers.get_header("WARC-Record-ID") == entry["record_id"]
    placed = {(m["original_file"], m["original_offset"]) for m in mapping}
    for c in captures:  # what each citation names (file@offset) is in the map
        assert (c.warc_file, c.warc_offset) in placed
    assert verify(data, "--wacz", str(out))[0] == 0


def test_verify_a_documents_captures(data: Path, site: CitingSite) -> None:
    code, out = verify(data, "--document", str(site.document))
    assert code == 0 and "0 problems" in out
    checked = re.search(r"(\d+) records checked", out)
    assert checked and int(checked.group(1)) == 4  # the article twice, the notes, the dead page's 404
    code, out = verify(data, "--document", "no-such.md")
    assert code == 1 and "no such imported document" in out
