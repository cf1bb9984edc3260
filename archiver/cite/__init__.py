"""Citations (output stage): one archived capture → a citation string in each ``--format``.

Every format carries the original URL, the capture time in UTC, the archive locator (replay URL
and WARC file@offset) and the payload digest. ``html`` is a Robust Link (robustlinks.org spec:
``data-originalurl``, ``data-versionurl``, ``data-versiondate``). Pure: data in, ``str`` out.
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
    original response); ``published`` is the page's own date, when known (CSL ``issued``).
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
    def label(self) -> str:
        """The title, or the original URL when the page had none."""
        return " ".join((self.title or "").split()) or self.original_url

    @property
    def redirect_note(self) -> str | None:
        """Where the URL led, when that is not the URL itself (short links, redirects)."""
        if self.short_link_target:
            return f"short link to {self.short_link_target}"
        if self.final_url and self.final_url != self.original_url:
            return f"redirected to {self.final_url}"
        return None


def format_text(info: CitationInfo) -> str:
    """``"Title". Original: URL. Archived TIME by archiver, capture ID: REPLAY (WARC f@o, digest).``"""
    head = f"“{info.title.strip()}”. " if info.title and info.title.strip() else ""
    note = f" ({info.redirect_note})" if info.redirect_note else ""
    return (
        f"{head}Original: {info.original_url}{note}. Archived {info.timestamp} by {ARCHIVE_NAME}, "
        f"capture {info.capture_id}: {info.replay_url} ({info.locator}, {info.digest})."
    )


def _md_escape(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>|~])", r"\\\1", text)


def _md_url(url: str) -> str:
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def format_md(info: CitationInfo) -> str:
    """``[Title](URL) — archived TIME by archiver: [capture ID](REPLAY) (`WARC f@o`, `digest`)``."""
    note = f" ({_md_escape(info.redirect_note)})" if info.redirect_note else ""
    return (
        f"[{_md_escape(info.label)}]({_md_url(info.original_url)}){note} — archived {info.timestamp} "
        f"by {ARCHIVE_NAME}: [capture {_md_escape(info.capture_id)}]({_md_url(info.replay_url)}) "
        f"(`{info.locator.replace('`', '')}`, `{info.digest.replace('`', '')}`)"
    )


def _attr(text: str) -> str:
    return escape(text, quote=True)


def format_html(info: CitationInfo) -> str:
    """A Robust Link to the original, then the archived copy's link, locator and digest.

    ``data-versiondate`` is the full UTC datetime (the spec allows a date or a datetime;
    captures of the same day must stay apart).
    """
    e = _attr
    note = f" ({e(info.redirect_note)})" if info.redirect_note else ""
    return (
        f'<a href="{e(info.original_url)}" data-originalurl="{e(info.original_url)}" '
        f'data-versionurl="{e(info.replay_url)}" data-versiondate="{e(info.timestamp)}">{e(info.label)}</a>'
        f'{note} (archived <time datetime="{e(info.timestamp)}">{e(info.timestamp)}</time> by '
        f'{ARCHIVE_NAME}: <a href="{e(info.replay_url)}">capture {e(info.capture_id)}</a>, '
        f"<code>{e(info.locator)}</code>, <code>{e(info.digest)}</code>)"
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


def format_bibtex(info: CitationInfo) -> str:
    """An ``@misc`` entry keyed ``archiver-<id>``; ``note`` carries the archived copy's locator."""
    key = "archiver-" + re.sub(r"[^A-Za-z0-9_:-]", "", info.capture_id)
    note = (
        f"Archived {tex_escape(info.timestamp)} by {ARCHIVE_NAME}, capture {tex_escape(info.capture_id)}: "
        f"\\url{{{tex_url(info.replay_url)}}}; {tex_escape(info.locator)}; "
        f"payload digest {tex_escape(info.digest)}"
    )
    if info.redirect_note:
        note += f"; {tex_escape(info.redirect_note)}"
    fields = [
        ("title", tex_escape(info.label)),
        ("howpublished", f"\\url{{{tex_url(info.original_url)}}}"),
        ("url", _raw_url(info.original_url)),
        ("urldate", info.utc.date().isoformat()),
    ]
    if info.published is not None:
        fields.append(("year", str(info.published.year)))
    fields.append(("note", note))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}"


def _date_parts(t: datetime) -> dict[str, list[list[int]]]:
    return {"date-parts": [[t.year, t.month, t.day]]}


def format_csl_json(info: CitationInfo) -> str:
    """A CSL-JSON array with one ``webpage`` item; ``archive_location`` is the replay URL."""
    item: dict[str, object] = {
        "id": f"archiver-{info.capture_id}",
        "type": "webpage",
        "title": info.label,
        "URL": info.original_url,
        "accessed": _date_parts(info.utc),
        "archive": ARCHIVE_NAME,
        "archive_location": info.replay_url,
        "note": f"Archived {info.timestamp}, capture {info.capture_id}; {info.locator}; "
        f"payload digest {info.digest}" + (f"; {info.redirect_note}" if info.redirect_note else ""),
    }
    if info.published is not None:
        item["issued"] = _date_parts(info.published)
    return json.dumps([item], indent=2, ensure_ascii=False)


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
