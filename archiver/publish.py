"""``archiver publish DIR``: a static site of captures that any static host can serve.

``[publish] public_url`` + ``capture/<id>/`` is a capture's page in ``DIR`` — the address every
citation gives. Each capture page has a banner naming the original URL and capture time; the
archived page itself in a sandboxed frame (scripts off: no ``allow-scripts``, and a CSP that
forbids scripts and anything not in the site) with the requisites the index knows for it
(stylesheets, images, fonts, rewritten to copies beside it) or as plain HTML when there are
none; the screenshot, when one was taken; the provenance (WARC file, offset, record id,
digests); the citation in every format; and a download of that capture's signed WACZ. One
page per imported document lists its sources, their status and what to cite.

Publishing again adds new captures and rewrites only the index and document pages: a
published capture's directory is written once (into a temporary name, then renamed) and never
touched again, so its URL and bytes stay what a citation pointed at.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mimetypes
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup

from archiver.archive import Archive
from archiver.cite import FORMATS, format_citation
from archiver.cite.styles import render
from archiver.citing import DocumentCitation, document_citations
from archiver.errors import ArchiverError
from archiver.models import Capture, Outcome
from archiver.signing import PUBLIC_KEY_FILE, Signer
from archiver.urls import canonical

logger = logging.getLogger(__name__)

#: The archived page's own policy: nothing runs, nothing leaves the published site.
PAGE_CSP = ("default-src 'none'; script-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "font-src 'self' data:; media-src 'self'; form-action 'none'; base-uri 'none'")
#: The capture page's policy: its own stylesheet, images and the framed archived page.
SHELL_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; base-uri 'none'"

STYLE = """body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1d1d1f;background:#f5f5f7}
header.banner{background:#1d3557;color:#fff;padding:12px 20px}
header.banner a{color:#cde}
header.banner .when{font-weight:600}
main{padding:12px 20px;max-width:1200px}
iframe.archived{width:100%;height:640px;border:2px solid #1d3557;background:#fff}
img.screenshot{max-width:100%;border:1px solid #999}
div.shot{max-height:720px;overflow:auto;border:1px solid #999}div.shot img.screenshot{border:0}
dl.provenance{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;font-size:14px}
dl.provenance dt{font-weight:600}
code,pre{font-size:13px;word-break:break-all;white-space:pre-wrap}
pre{background:#fff;border:1px solid #ccc;padding:8px}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}
.foreign{color:#8a4b00}
"""


@dataclass
class PublishResult:
    directory: Path
    added: list[str] = field(default_factory=list)  # capture ids published now
    kept: list[str] = field(default_factory=list)  # already published, left as they were
    documents: int = 0


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _iso(t: datetime) -> str:
    t = t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _shell(title: str, body: str, *, depth: int) -> str:
    up = "../" * depth
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{_e(SHELL_CSP)}\">"
        "<meta name=\"referrer\" content=\"no-referrer\">"
        f"<meta name=\"viewport\" content=\"width=device-width\"><title>{_e(title)}</title>"
        f"<link rel=\"stylesheet\" href=\"{up}style.css\"></head><body>{body}"
        f"<footer><main><p><a href=\"{up}index.html\">All published captures</a> · published by archiver · "
        f"signing key <a href=\"{up}{PUBLIC_KEY_FILE}\">{PUBLIC_KEY_FILE}</a></p></main></footer></body></html>\n"
    )


def _good(c: Capture) -> bool:
    return c.outcome == Outcome.OK and (c.status or 0) < 400


def _extension(content_type: str | None, url: str) -> str:
    ctype = (content_type or "").split(";")[0].strip().lower()
    ext = mimetypes.guess_extension(ctype) if ctype else None
    if not ext:
        ext = os.path.splitext(urlsplit(url).path)[1][:8] or ".bin"
    return {".jpe": ".jpg"}.get(ext, ext)


class _Requisites:
    """The requisites the index knows for a capture, written beside the page as ``r/<name>``."""

    def __init__(self, archive: Archive, capture: Capture, into: Path) -> None:
        self.files: dict[str, str] = {}  # absolute URL → local name under r/
        for req in archive.requisites(capture):
            location = req.payload or req.record
            if (req.status or 200) >= 400:
                continue
            try:
                body = archive.store_reader().read_record(location.warc_file, location.offset).payload
            except ArchiverError as exc:
                logger.warning("%s: requisite %s unreadable: %s", capture.id, req.url, exc)
                continue
            name = hashlib.sha256(req.url.encode("utf-8")).hexdigest()[:16] + _extension(req.content_type, req.url)
            (into / "r").mkdir(exist_ok=True)
            (into / "r" / name).write_bytes(body)
            self.files[req.url] = name

    def local(self, url: str, base: str, prefix: str) -> str | None:
        name = self.files.get(urljoin(base, url.strip()))
        return prefix + name if name else None

    def rewrite_css(self, into: Path) -> None:
        """Point a stylesheet's ``url(…)`` at the local copies (a font, an image), or at nothing."""
        for url, name in self.files.items():
            if not name.endswith(".css"):
                continue
            path = into / "r" / name
            text = path.read_text(encoding="utf-8", errors="replace")

            def sub(m: re.Match[str], url: str = url) -> str:
                local = self.local(m.group(2), url, "")
                return f"url({m.group(1)}{local}{m.group(1)})" if local else "url(data:,)"

            path.write_text(re.sub(r"url\(\s*(['\"]?)(.*?)\1\s*\)", sub, text), encoding="utf-8")


def archived_page(html: bytes, base: str, requisites: _Requisites) -> bytes:
    """The archived HTML for the frame: scripts and handlers removed, a CSP added, requisites
    pointed at their local copies, everything else pointed nowhere."""
    soup = BeautifulSoup(html, "lxml")
    for tag in soup.find_all(["script", "noscript", "iframe", "object", "embed", "base"]):
        tag.decompose()
    for tag in soup.find_all(True):
        for attr in list(tag.attrs):
            if attr.lower().startswith("on"):
                del tag[attr]
        for attr in ("src", "href", "poster", "data"):
            value = tag.get(attr)
            if not isinstance(value, str):
                continue
            if tag.name == "a":
                tag[attr] = urljoin(base, value)  # the original address, as a reader would expect
                tag["rel"] = "noopener noreferrer"
                tag["target"] = "_blank"
                continue
            local = requisites.local(value, base, "r/")
            tag[attr] = local or "data:,"
        for attr in ("srcset", "imagesrcset"):
            value = tag.get(attr)
            if isinstance(value, str):
                picks = [requisites.local(part.strip().split(" ")[0], base, "r/") for part in value.split(",")]
                chosen = [p for p in picks if p]
                if chosen:
                    tag[attr] = chosen[0]
                else:
                    del tag[attr]
    head = soup.head
    if head is None:
        head = soup.new_tag("head")
        (soup.html or soup).insert(0, head)
    meta = soup.new_tag("meta")
    meta["http-equiv"] = "Content-Security-Policy"
    meta["content"] = PAGE_CSP
    head.insert(0, meta)
    charset = soup.new_tag("meta")
    charset["charset"] = "utf-8"
    head.insert(0, charset)
    return str(soup).encode("utf-8")


class Publisher:
    """Writes the static site of an archive into a directory."""

    def __init__(self, archive: Archive, directory: str | Path) -> None:
        self.archive = archive
        self.dir = Path(directory)
        self.signer = Signer(archive.data_dir)

    def publish(self, captures: Sequence[Capture], documents: Sequence[str]) -> PublishResult:
        result = PublishResult(self.dir)
        try:
            (self.dir / "capture").mkdir(parents=True, exist_ok=True)
            (self.dir / "style.css").write_text(STYLE, encoding="utf-8")
            _ = self.signer.key  # make sure the key (and its public half) exist
            shutil.copyfile(self.archive.data_dir / PUBLIC_KEY_FILE, self.dir / PUBLIC_KEY_FILE)
            for c in captures:
                if (self.dir / "capture" / c.id / "index.html").is_file():
                    result.kept.append(c.id)
                    continue
                self._capture(c)
                result.added.append(c.id)
            for path in documents:
                self._document(path)
                result.documents += 1
            self._index(documents)
        except OSError as exc:
            raise ArchiverError(f"{self.dir}: cannot publish: {exc.strerror or exc}") from None
        return result

    # -- one capture ------------------------------------------------------------------------

    def _capture(self, c: Capture) -> None:
        final = self.dir / "capture" / c.id
        tmp = Path(tempfile.mkdtemp(prefix=f".{c.id}.", dir=self.dir / "capture"))
        try:
            self._write_capture(c, tmp)
            tmp.replace(final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def _write_capture(self, c: Capture, into: Path) -> None:
        archive = self.archive
        info = archive.citation_info_for(c)
        body = archive.payload(c)
        ctype = (c.content_type or "").lower()
        base = c.final_url or c.url
        requisites = _Requisites(archive, c, into)
        requisites.rewrite_css(into)
        if "html" in ctype or not ctype:
            (into / "page.html").write_bytes(archived_page(body, base, requisites))
            view = ('<iframe class="archived" src="page.html" sandbox referrerpolicy="no-referrer" '
                    'title="the archived page, as captured"></iframe>')
        else:
            name = "payload" + _extension(c.content_type, base)
            (into / name).write_bytes(body)
            view = (f'<p><img class="screenshot" src="{name}" alt="the archived image"></p>' if ctype.startswith("image/")
                    else f'<p><a href="{name}" download>Download the archived file</a> ({_e(c.content_type)})</p>')
        shot = self._screenshot(c, into)
        wacz_name = f"{c.id}.wacz"
        export = archive.export_wacz(into / wacz_name, captures=[c])
        for fmt, ext in (("bibtex", "bib"), ("csl-json", "json"), ("text", "txt")):
            (into / f"citation.{ext}").write_text(format_citation(info, fmt) + "\n", encoding="utf-8")
        holder = archive.capture(c.refers_to) if c.refers_to else c
        packaged = export.record_map.get((holder.warc_file or "", holder.warc_offset or 0))
        rows = [
            ("Original URL", f'<a href="{_e(c.url)}">{_e(c.url)}</a>'),
            ("Captured", f"<time datetime=\"{_iso(c.captured_at)}\">{_iso(c.captured_at)}</time>"),
            ("HTTP status", _e(c.status)),
            ("Capture id", f"<code>{_e(c.id)}</code>"),
            ("WARC file", (f"<code>{_e(holder.warc_file)}</code> at offset <code>{_e(holder.warc_offset)}</code>"
                          f" ({_e(holder.warc_length)} bytes)")),
            ("WARC-Record-ID", f"<code>{_e(info.record_id)}</code>"),
            ("Payload digest", f"<code>{_e(c.payload_digest)}</code>"),
            ("In the WACZ", f"<code>archive/{_e(packaged[0])}</code> at offset <code>{packaged[1]}</code>"
                            if packaged else "—"),
            ("Signed by", f"<code>{_e(self.signer.fingerprint)}</code>"),
        ]
        if c.record_type == "revisit":
            rows.append(("Revisit of", f'<a href="../{_e(c.refers_to)}/index.html">{_e(c.refers_to)}</a> (same payload)'))
        meta = [("Authors", ", ".join(info.authors)), ("Site", info.site_name), ("Publisher", info.publisher),
                ("Published", info.published_text), ("Language", info.language)]
        rows += [(k, _e(v)) for k, v in meta if v]
        provenance = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
        citations = "".join(
            f"<h3>{_e(fmt)}</h3><pre>{_e(format_citation(info, fmt))}</pre>" for fmt in FORMATS if fmt != "csl-json"
        ) + "".join(f"<h3>{_e(style.upper())}</h3><pre>{_e(render(info, style))}</pre>" for style in ("apa", "chicago", "mla"))
        shot_html = (f'<h2>Screenshot</h2><div class="shot"><img class="screenshot" src="{shot}" alt="screenshot of '
                     f'the page as captured"></div>') if shot else ""
        body_html = (
            f'<header class="banner"><div>Archived copy of <a href="{_e(c.url)}">{_e(c.url)}</a></div>'
            f'<div>captured <span class="when">{_iso(c.captured_at)}</span> by archiver · capture {_e(c.id)} · '
            f'this is not the live page</div></header><main>'
            f"<h1>{_e(info.label)}</h1>"
            f"<h2>The page as archived</h2>{view}{shot_html}"
            f'<h2>Provenance</h2><dl class="provenance">{provenance}</dl>'
            f'<p><a href="{wacz_name}" download>Download this capture as a signed WACZ</a> '
            f"({export.bytes} bytes; check it with <code>archiver verify --wacz {wacz_name}</code>) · "
            f'<a href="citation.bib">BibTeX</a> · <a href="citation.json">CSL-JSON</a></p>'
            f"<h2>Cite this capture</h2>{citations}</main>"
        )
        (into / "index.html").write_text(_shell(f"Archived: {info.label}", body_html, depth=2), encoding="utf-8")
        (into / "capture.json").write_text(json.dumps({
            "id": c.id, "url": c.url, "captured_at": _iso(c.captured_at), "status": c.status,
            "warc_file": holder.warc_file, "warc_offset": holder.warc_offset, "warc_record_id": info.record_id,
            "payload_digest": c.payload_digest, "wacz": wacz_name,
            "wacz_record": {"file": packaged[0], "offset": packaged[1]} if packaged else None,
            "screenshot": shot, "requisites": len(requisites.files),
        }, indent=2) + "\n", encoding="utf-8")

    def _screenshot(self, c: Capture, into: Path) -> str | None:
        shot = self.archive.screenshot_taken(c.id)
        if shot is None and c.refers_to:
            shot = self.archive.screenshot_taken(c.refers_to)
        if shot is None:
            return None
        try:
            png = self.archive.store_reader().read_record(shot.record.warc_file, shot.record.offset).payload
        except ArchiverError as exc:
            logger.warning("%s: screenshot unreadable: %s", c.id, exc)
            return None
        (into / "screenshot.png").write_bytes(png)
        return "screenshot.png"

    # -- documents and the index --------------------------------------------------------------

    @staticmethod
    def document_slug(path: str) -> str:
        stem = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(path).name).strip("-.") or "document"
        return f"{stem}-{hashlib.sha256(path.encode('utf-8')).hexdigest()[:8]}"

    def _document(self, path: str) -> None:
        archive = self.archive
        cites: list[DocumentCitation] = list(document_citations(archive, path, "html"))
        states = {s.url: s for s in archive.url_states([c.url for c in cites])}
        rows = []
        for dc in cites:
            state = states.get(dc.url)
            status = _e(state.status) if state else "unknown"
            if dc.capture:
                page = f'<a href="../../capture/{_e(dc.capture)}/index.html">capture {_e(dc.capture)}</a>'
            elif dc.foreign:
                page = '<span class="foreign">someone else\'s archive (see the citation)</span>'
            else:
                page = "no capture to cite"
            rows.append(f"<tr><td><a href=\"{_e(dc.url)}\">{_e(dc.url)}</a></td><td>{status}</td><td>{page}</td>"
                        f"<td>{dc.text}</td></tr>")
        body = (
            f'<header class="banner"><div>Sources of <strong>{_e(path)}</strong></div>'
            "<div>each cited at the capture nearest the document's publication</div></header><main>"
            "<table><tr><th>Source</th><th>Status now</th><th>Archived copy</th><th>Cite</th></tr>"
            + "".join(rows) + "</table></main>"
        )
        out = self.dir / "document" / self.document_slug(path)
        out.mkdir(parents=True, exist_ok=True)
        (out / "index.html").write_text(_shell(f"Sources of {path}", body, depth=2), encoding="utf-8")

    def _index(self, documents: Sequence[str]) -> None:
        published = sorted(p.name for p in (self.dir / "capture").iterdir() if (p / "capture.json").is_file())
        entries = []
        for cid in published:
            data = json.loads((self.dir / "capture" / cid / "capture.json").read_text(encoding="utf-8"))
            entries.append((data.get("url", ""), data.get("captured_at", ""), cid))
        rows = "".join(f'<tr><td><a href="{_e(u)}">{_e(u)}</a></td><td>{_e(t)}</td>'
                       f'<td><a href="capture/{_e(cid)}/index.html">{_e(cid)}</a></td></tr>'
                       for u, t, cid in sorted(entries))
        docs = "".join(f'<li><a href="document/{_e(self.document_slug(d))}/index.html">{_e(d)}</a></li>' for d in documents)
        body = (
            '<header class="banner"><div>Published captures</div></header><main>'
            + (f"<h2>Documents</h2><ul>{docs}</ul>" if docs else "")
            + f"<h2>Captures</h2><table><tr><th>Original URL</th><th>Captured</th><th>Capture</th></tr>{rows}</table>"
            f"<p>Signing key fingerprint: <code>{_e(self.signer.fingerprint)}</code></p></main>"
        )
        (self.dir / "index.html").write_text(_shell("Published captures", body, depth=0), encoding="utf-8")


def captures_to_publish(archive: Archive, urls: Sequence[str] | None, documents: Sequence[str]) -> list[Capture]:
    """The good captures of ``urls`` (or of the documents' sources; default: every URL)."""
    wanted: list[str] | None = None
    if documents:
        wanted = [url for d in documents for url in archive.document_sources(d)]
    if urls:
        wanted = (wanted or []) + [canonical(u) for u in urls]
    chosen: dict[str, Capture] = {}
    for url in dict.fromkeys(wanted) if wanted is not None else archive.urls():
        for c in archive.history(url):
            if _good(c):
                chosen[c.id] = c
    return list(chosen.values())


def publish(archive: Archive, directory: str | Path, urls: Sequence[str] | None = None,
            documents: Sequence[str] = ()) -> PublishResult:
    """Publish the good captures of ``urls`` or ``documents`` (default: all) into ``directory``."""
    captures = captures_to_publish(archive, urls, documents)
    if not documents and not urls:
        documents = [d.path for d in archive.documents()]
    return Publisher(archive, directory).publish(captures, documents)
