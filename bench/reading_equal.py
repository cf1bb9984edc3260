"""Whether two versions of archiver read every test page the same: text, metadata, page view, requisites.

    .venv/bin/python bench/reading_equal.py [--against REV]

A change that only makes extraction cheaper must leave its output as it was (EXTRACTOR_VERSION
says when the text changes). This exports REV (default ``HEAD``) with ``git archive``, and in one
child process per tree reads every page of ``../shared/realpages`` (233 saved real pages), every
HTML fixture under ``tests/``, 20 generated bench articles and a few odd pages (control
characters, Latin-1, an undeclared charset, an XML declaration and PIs, over the parse budget,
binary, empty) through ``extract`` (a template learned, then applied) and ``reading.read_page``
(text, citation metadata, page view, requisites). Prints every field that differs and the count;
asserts nothing. About 2 minutes per tree on a quiet 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _cases() -> list[tuple[str, str, bytes]]:
    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT / "bench"))
    import corpus
    from realweb.corpus import load

    cases = [(p.url, p.content_type, p.body()) for p in load()]
    for f in sorted((ROOT / "tests").rglob("*")):
        if f.suffix in (".html", ".htm", ".xhtml") and f.is_file():
            cases.append((f"https://fixture.example/{f.relative_to(ROOT / 'tests')}", "text/html", f.read_bytes()))
    cases += [(f"http://127.0.0.1:8080/news/{i}.html", "text/html", corpus.article(i)) for i in range(20)]
    words = b"Words of the story, one after another. " * 40
    cases += [
        ("https://odd.example/control", "text/html", b"<title>T\x01</title><meta name=author content='A B'><p>" + words),
        ("https://odd.example/latin", "text/html; charset=iso-8859-1",
         "<meta charset=iso-8859-1><title>Café</title><link rel=stylesheet href='/café.css'><img src='/é.png'><p>".encode("latin-1") + words),
        ("https://odd.example/undeclared", "text/html", "<title>Été</title><img src='/été.png'><p>".encode() + words),
        ("https://odd.example/pi", "text/html", b"<?xml version='1.0' encoding='utf-8'?><html><head><?php x ?><title>PI</title></head><body><!-- <img src=/c.png> --><p>" + words),
        ("https://odd.example/many-tags", "text/html", b"<html><body>" + b"<div>x</div>" * 120_000 + b"</body></html>"),
        ("https://odd.example/over-bytes", "text/html", b"<html><head><style>p{background:url(/bg.png)}</style></head><body>" + b"<p>para one is here</p>" * 60_000),
        ("https://odd.example/binary", "text/html", bytes(range(256)) * 40),
        ("https://odd.example/empty", "text/html", b""),
    ]  # fmt: skip
    return cases


def _text(v: Any) -> dict[str, Any]:
    meta = json.loads(json.dumps(v.meta, default=repr, sort_keys=True))
    return {"status": v.status.value, "kind": v.kind, "paragraphs": list(v.paragraphs), "title": v.title,
            "digest": v.digest, "detail": v.detail, "meta": meta, "words": v.raw_word_count}  # fmt: skip


def dump(out: Path) -> None:
    """In a child whose ``sys.path`` starts at the tree to read with: one JSON line per page."""
    from archiver.extract import Template, extract
    from archiver.models import Outcome
    from archiver.reading import PageJob, read_page

    with out.open("w") as f:
        for url, ctype, body in _cases():
            rec: dict[str, Any] = {"url": url}
            try:
                learned = extract(body, content_type=ctype, url=url)
                found = learned.meta.get("template")
                templates = (Template.from_json(found),) if isinstance(found, dict) else ()
                rec["learned"] = _text(learned)
                rec["applied"] = _text(extract(body, content_type=ctype, url=url, templates=templates))
                job = PageJob(body, ctype, url, Outcome.OK, templates=templates, metadata=True, view=True, requisites=True)
                reading = read_page(job)
                rec["read_text"] = _text(reading.text)
                rec["metadata"] = None if reading.metadata is None else reading.metadata.to_json()
                view = reading.view
                rec["view"] = None if view is None else [view.title, list(view.headings), view.text, view.words]
                rec["requisites"] = None if reading.requisites is None else [[w.url, w.kind] for w in reading.requisites]
            except Exception as exc:  # noqa: BLE001 - an error is an output to compare too
                rec["error"] = repr(exc)
            f.write(json.dumps(rec, sort_keys=True) + "\n")


def _export(rev: str, into: Path) -> Path:
    data = subprocess.run(["git", "archive", rev, "archiver"], cwd=ROOT, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def _run(tree: Path, out: Path) -> None:
    code = f"import sys; sys.path.insert(0, {str(tree)!r}); sys.path.insert(1, {str(ROOT / 'bench')!r}); " \
           f"import reading_equal; reading_equal.dump(__import__('pathlib').Path({str(out)!r}))"  # fmt: skip
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--against", default="HEAD", help="the git revision to compare the working tree with")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="reading-equal-") as tmp:
        old_tree = _export(args.against, Path(tmp) / "old")
        old, new = Path(tmp) / "old.jsonl", Path(tmp) / "new.jsonl"
        _run(old_tree, old)
        _run(ROOT, new)
        a = [json.loads(line) for line in old.read_text().splitlines()]
        b = [json.loads(line) for line in new.read_text().splitlines()]
    differences = 0
    for x, y in zip(a, b, strict=True):
        for key in sorted(set(x) | set(y)):
            if x.get(key) != y.get(key):
                differences += 1
                print(f"{x['url']} {key}:\n  {args.against}: {str(x.get(key))[:400]}\n  now: {str(y.get(key))[:400]}")
    print(f"{len(a)} pages read by {args.against} and by the working tree: {differences} fields differ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
