"""Citations (output stage): one archived capture → a citation string in each ``--format``.

Every format carries the original URL, the capture time in UTC, where the archived copy is —
its published page when ``[publish] public_url`` is set, else a plain statement that the copy
is local, with the WARC file, offset and record id — and the payload digest. The page's own
metadata (authors, site, publisher, dates, language; see ``archiver.citations.metadata``) goes
into every format. ``html`` is a Robust Link (robustlinks.org: ``data-originalurl``,
``data-versionurl``, ``data-versiondate``); ``bibtex`` is a biblatex ``@online``/``@article``
entry that ``biber --validate-datamodel`` accepts; ``csl-json`` follows the CSL-JSON schema;
``archiver.cite.styles`` renders it in APA, Chicago or MLA. Pure: data in, ``str`` out.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

#: The citation formats, as ``archiver cite --format`` names them.
FORMATS = ("text", "md", "html", "bibtex", "csl-json")

ARCHIVE_NAME = "archiver"


@dataclass(frozen=True, slots=True)
class CitationInfo:
    """What a citation of one capture says. ``captured_at`` is UTC (naive is taken as UTC).

    ``warc_file``/``warc_offset`` locate the record holding the payload (for a revisit, the
    original response); ``replay_url`` is the published capture page, or "" when the archive is
    not published (the citation then says the copy is local). ``published``/``modified`` are the
    page's own dates, when it declares them.
    """

    original_url: str
    captured_at: datetime
    capture_id: str
    replay_url: str
    warc_file: str
    warc_offset: int
    payload_digest: str
    title: str | None
    final_url: str | None
    status: int | None
    short_link_target: str | None = None
    published: datetime | None = None
    modified: datetime | None = None
    authors: tuple[str, ...] = ()
    site_name: str | None = None
    publisher: str | None = None
    language: str | None = None
    kind: str = "webpage"  # "article" when the page says it is one
    record_id: str = ""  # WARC-Record-ID of the record holding the payload
    published_precision: int = 3  # 1 year, 2 month, 3 day (how much of ``published`` the page gave)

    @property
    def utc(self) -> datetime:
        t = self.captured_at
        return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)

    @property
    def timestamp(self) -> str:
        """``2026-11-23T10:00:00Z``."""
        return self.utc.replace(microsecond=0, tzinfo=None).isoformat() + "Z"

    @property
    def locator(self) -> str:
        """``WARC <file>@<offset>``, the same pair ``warcio index`` prints."""
        return f"WARC {self.warc_file or 'unknown'}@{self.warc_offset}"

    @property
    def digest(self) -> str:
        return self.payload_digest or "no payload digest"

    @property
    def is_published(self) -> bool:
        return bool(self.replay_url)

    @property
    def where(self) -> str:
        """Where the archived copy is: its public page, or a plain "local" statement."""
        if self.is_published:
            return self.replay_url
        return "local copy, not published"

    @property
    def provenance(self) -> str:
        """``WARC f@o, record <urn:uuid:…>, sha1:…`` (the record id only when known)."""
        record = f", record {self.record_id}" if self.record_id else ""
        return f"{self.locator}{record}, {self.digest}"

    @property
    def label(self) -> str:
        """The title, or the original URL when the page had none."""
        return " ".join((self.title or "").split()) or self.original_url

    @property
    def container(self) -> str | None:
        """The site (or, failing that, the publisher) the page belongs to."""
        return self.site_name or self.publisher

    @property
    def published_text(self) -> str | None:
        if self.published is None:
            return None
        p = self.published
        return (f"{p.year:04d}", f"{p.year:04d}-{p.month:02d}", p.date().isoformat())[self.published_precision - 1]

    @property
    def redirect_note(self) -> str | None:
        """Where the URL led, when that is not the URL itself (short links, redirects)."""
        if self.short_link_target:
            return f"short link to {self.short_link_target}"
        if self.final_url and self.final_url != self.original_url:
            return f"redirected to {self.final_url}"
        return None


def _utc(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def _by(info: CitationInfo) -> str:
    """``Jane Doe and Rich Roe. `` (nothing without authors)."""
    if not info.authors:
        return ""
    names = list(info.authors)
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"{joined}. "


def _source(info: CitationInfo) -> str:
    """`` Example News, 2026-11-20.`` — the site and the page's own date, when known."""
    parts = [p for p in (info.container, info.published_text) if p]
    return f" {', '.join(parts)}." if parts else ""


def format_text(info: CitationInfo) -> str:
    """``Authors. "Title". Site, date. Original: URL. Archived TIME by archiver, capture ID: WHERE (WARC f@o, record, digest).``"""
    head = f"“{info.title.strip()}”." if info.title and info.title.strip() else ""
    lead = (_by(info) + head + _source(info)).strip()
    lead = f"{lead} " if lead else ""
    note = f" ({info.redirect_note})" if info.redirect_note else ""
    return (
        f"{lead}Original: {info.original_url}{note}. Archived {info.timestamp} by {ARCHIVE_NAME}, "
        f"capture {info.capture_id}: {info.where} ({info.provenance})."
    )


def _md_escape(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>|~])", r"\\\1", text)


def _md_url(url: str) -> str:
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def format_md(info: CitationInfo) -> str:
    """``Authors. [Title](URL). Site, date. — archived TIME by archiver: [capture ID](PAGE) (`WARC f@o`, `digest`)``."""
    note = f" ({_md_escape(info.redirect_note)})" if info.redirect_note else ""
    by = _md_escape(_by(info))
    source = _md_escape(_source(info))
    capture = (
        f"[capture {_md_escape(info.capture_id)}]({_md_url(info.replay_url)})"
        if info.is_published else f"capture {_md_escape(info.capture_id)} (local copy, not published)"
    )
    record = f", `{info.record_id.replace('`', '')}`" if info.record_id else ""
    return (
        f"{by}[{_md_escape(info.label)}]({_md_url(info.original_url)}){note}.{source} — archived {info.timestamp} "
        f"by {ARCHIVE_NAME}: {capture} "
        f"(`{info.locator.replace('`', '')}`{record}, `{info.digest.replace('`', '')}`)"
    )


def _attr(text: str) -> str:
    return escape(text, quote=True)


def format_html(info: CitationInfo) -> str:
    """A Robust Link to the original, then the archived copy's link, locator and digest.

    ``data-versiondate`` is the full UTC datetime (the spec allows a date or a datetime;
    captures of the same day must stay apart). ``data-versionurl`` is the published capture
    page; an unpublished capture has none, and the text says the copy is local.
    """
    e = _attr
    note = f" ({e(info.redirect_note)})" if info.redirect_note else ""
    version = f'data-versionurl="{e(info.replay_url)}" ' if info.is_published else ""
    by = e(_by(info))
    source = e(_source(info))
    capture = (
        f'<a href="{e(info.replay_url)}">capture {e(info.capture_id)}</a>'
        if info.is_published else f"capture {e(info.capture_id)} (local copy, not published)"
    )
    record = f", <code>{e(info.record_id)}</code>" if info.record_id else ""
    return (
        f'{by}<a href="{e(info.original_url)}" data-originalurl="{e(info.original_url)}" '
        f'{version}data-versiondate="{e(info.timestamp)}">{e(info.label)}</a>'
        f"{note}.{source} (archived <time datetime=\"{e(info.timestamp)}\">{e(info.timestamp)}</time> by "
        f"{ARCHIVE_NAME}: {capture}, <code>{e(info.locator)}</code>{record}, <code>{e(info.digest)}</code>)"
    )


_TEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    # BibTeX counts braces even when backslash-escaped, so \{ could unbalance an entry.
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\textasciicircum{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\textasciitilde{}",
}


def tex_escape(text: str) -> str:
    r"""Plain text made safe for a BibTeX field read by LaTeX.

    >>> tex_escape("50% of {A&B}_1")
    '50\\% of \\textbraceleft{}A\\&B\\textbraceright{}\\_1'
    """
    return "".join(_TEX_SPECIAL.get(ch, ch) for ch in " ".join(text.split()))


def tex_url(url: str) -> str:
    r"""A URL for ``\url{…}`` inside a field: braces, backslashes and spaces percent-encoded,
    ``%`` and ``#`` backslash-escaped (hyperref's rule for ``\url`` in another command's argument).
    """
    url = url.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D").replace(" ", "%20")
    return url.replace("%", r"\%").replace("#", r"\#")


def _raw_url(url: str) -> str:
    """A URL for the verbatim ``url`` field: only what would unbalance the entry is encoded."""
    return url.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D").replace(" ", "%20")


def split_name(name: str) -> tuple[str, str] | None:
    """``("Doe", "Jane")`` for a personal name of two or three words; None for anything else
    (an organisation, a handle), which citations keep whole.

    >>> split_name("Jane Q. Doe"), split_name("Example Newsroom Staff Desk"), split_name("Doe, Jane")
    (('Doe', 'Jane Q.'), None, ('Doe', 'Jane'))
    """
    if "," in name:
        family, _, given = name.partition(",")
        return (family.strip(), given.strip()) if family.strip() and given.strip() else None
    words = name.split()
    if not 2 <= len(words) <= 3 or not all(w[:1].isupper() for w in words):
        return None
    if any(w.lower() in {"staff", "news", "desk", "team", "editors", "editorial", "press", "agency"} for w in words):
        return None
    return words[-1], " ".join(words[:-1])


def _bib_name(name: str) -> str:
    parts = split_name(name)
    if parts is None:
        return "{" + tex_escape(name) + "}"  # a corporate or single-word author, kept whole
    return f"{tex_escape(parts[0])}, {tex_escape(parts[1])}"


def format_bibtex(info: CitationInfo) -> str:
    """A biblatex entry keyed ``archiver-<id>``: ``@article`` (with ``journaltitle``) for an
    article of a named site with named authors, else ``@online`` (with ``organization``).

    ``date`` is the page's own publication date; a page that states none is dated by its
    capture, and the note says so (biblatex requires a date). ``urldate`` is the capture date.
    """
    key = "archiver-" + re.sub(r"[^A-Za-z0-9_:-]", "", info.capture_id)
    where = f"\\url{{{tex_url(info.replay_url)}}}" if info.is_published else "local copy, not published"
    note = (
        f"Archived {tex_escape(info.timestamp)} by {ARCHIVE_NAME}, capture {tex_escape(info.capture_id)}: "
        f"{where}; {tex_escape(info.locator)}"
        + (f"; record {tex_escape(info.record_id)}" if info.record_id else "")
        + f"; payload digest {tex_escape(info.digest)}"
    )
    if info.redirect_note:
        note += f"; {tex_escape(info.redirect_note)}"
    if info.published is None:
        note += "; the page states no date: dated by its capture"
    article = info.kind == "article" and bool(info.authors) and bool(info.container)
    authors = info.authors or ((info.container,) if info.container else ())
    fields: list[tuple[str, str]] = []
    if authors:
        fields.append(("author", " and ".join(_bib_name(a) for a in authors if a)))
    fields.append(("title", tex_escape(info.label)))
    if info.container:
        fields.append(("journaltitle" if article else "organization", tex_escape(info.container)))
    fields.append(("date", info.published_text or info.utc.date().isoformat()))
    if info.language:
        fields.append(("langid", tex_escape(info.language)))
    fields += [
        ("url", _raw_url(info.original_url)),
        ("urldate", info.utc.date().isoformat()),
        ("note", note),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{'article' if article else 'online'}{{{key},\n{body}\n}}"


def _date_parts(t: datetime, precision: int = 3) -> dict[str, list[list[int]]]:
    return {"date-parts": [[t.year, t.month, t.day][:precision]]}


def csl_name(name: str) -> dict[str, str]:
    parts = split_name(name)
    return {"family": parts[0], "given": parts[1]} if parts else {"literal": name}


def csl_item(info: CitationInfo) -> dict[str, object]:
    """One CSL-JSON item (the CSL-JSON schema's keys only; archiver's own in ``custom``)."""
    item: dict[str, object] = {
        "id": f"archiver-{info.capture_id}",
        "type": "article-newspaper" if info.kind == "article" and info.container else "webpage",
        "title": info.label,
        "URL": info.original_url,
        "accessed": _date_parts(info.utc),
        "archive": ARCHIVE_NAME,
        "archive_location": info.replay_url or f"capture {info.capture_id}, {info.locator} (local copy, not published)",
        "note": f"Archived {info.timestamp}, capture {info.capture_id}; {info.provenance}"
        + (f"; {info.redirect_note}" if info.redirect_note else ""),
        "custom": {
            "capture_id": info.capture_id,
            "captured_at": info.timestamp,
            "warc_file": info.warc_file,
            "warc_offset": info.warc_offset,
            "warc_record_id": info.record_id,
            "payload_digest": info.payload_digest,
            "published": info.is_published,
        },
    }
    if info.authors:
        item["author"] = [csl_name(a) for a in info.authors]
    if info.container:
        item["container-title"] = info.container
    if info.publisher:
        item["publisher"] = info.publisher
    if info.language:
        item["language"] = info.language
    if info.published is not None:
        item["issued"] = _date_parts(_utc(info.published), info.published_precision)
    return item


def format_csl_json(info: CitationInfo) -> str:
    """A CSL-JSON array with one item; ``archive_location`` is the published capture page."""
    return json.dumps([csl_item(info)], indent=2, ensure_ascii=False)


def format_citation(info: CitationInfo, fmt: str) -> str:
    """``info`` as a citation in ``fmt``, one of ``FORMATS``."""
    formatters = {
        "text": format_text,
        "md": format_md,
        "html": format_html,
        "bibtex": format_bibtex,
        "csl-json": format_csl_json,
    }
    if fmt not in formatters:
        raise ValueError(f"unknown citation format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return formatters[fmt](info)


@dataclass(frozen=True, slots=True)
class ForeignMemento:
    """A memento in someone else's archive (a Memento TimeGate/TimeMap answer), offered as
    "cite instead" when archiver holds no good capture of its own."""

    original_url: str
    memento_url: str
    memento_datetime: datetime
    archive: str  # the TimeGate/TimeMap it came from

    @property
    def timestamp(self) -> str:
        return _utc(self.memento_datetime).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def format_foreign(m: ForeignMemento, fmt: str) -> str:
    """A "cite instead" line for a memento archiver did not make, clearly marked as such."""
    mark = f"not archived by {ARCHIVE_NAME}: a memento in another archive ({m.archive})"
    if fmt == "html":
        e = _attr
        return (
            f'<a href="{e(m.original_url)}" data-originalurl="{e(m.original_url)}" '
            f'data-versionurl="{e(m.memento_url)}" data-versiondate="{e(m.timestamp)}">{e(m.original_url)}</a> '
            f"(cite instead, {e(mark)}: <a href=\"{e(m.memento_url)}\">memento of {e(m.timestamp)}</a>)"
        )
    if fmt == "csl-json":
        item = {"id": "memento-" + re.sub(r"\W", "", m.timestamp), "type": "webpage", "title": m.original_url,
                "URL": m.original_url, "archive": m.archive, "archive_location": m.memento_url,
                "accessed": _date_parts(_utc(m.memento_datetime)), "note": f"Cite instead: {mark}"}
        return json.dumps([item], indent=2)
    return f"Original: {m.original_url}. Cite instead, {mark}: {m.memento_url} (memento of {m.timestamp})."
