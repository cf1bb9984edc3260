"""``archiver cite``: a citation of a capture, of every source of a document, or of another
archive's memento when archiver has no good capture."""

from __future__ import annotations

import json
from datetime import datetime

import click

from archiver.cite import format_foreign
from archiver.citing import (
    document_citations,
    foreign_memento,
    looks_like_capture_id,
    pick_capture,
    render_citation,
)
from archiver.cli.context import Context, errors_as_exit, pass_ctx
from archiver.cli.params import parse_when
from archiver.errors import ArchiverError, CaptureNotFoundError


@click.command()
@click.argument("ref", required=False, metavar="URL|ID")
@click.option("--at", "at", help="Cite the capture nearest WHEN (a date/time or a duration ago), or the capture with this id.")
@click.option("--as-of-document", "as_of_document", type=click.Path(dir_okay=False),
              help="Cite the capture nearest the publication time this document states (front matter "
                   "published_time/date, or its HTML's own).")
@click.option("--document", "document", help="Print the citation of every source this imported document cites, "
              "each at the capture nearest the document's publication.")
@click.option("--format", "fmt", type=click.Choice(["text", "md", "html", "bibtex", "csl-json"]), default="text", show_default=True)
@click.option("--style", help="Render in a citation style through CSL: apa, chicago, mla (or another CSL style name, or a .csl file).")
@pass_ctx
def cite(obj: Context, ref: str | None, at: str | None, as_of_document: str | None, document: str | None,
         fmt: str, style: str | None) -> None:
    """A citation of an archived capture: of a URL, or of one capture by its id (html is a Robust Link).

    With [publish] public_url set, citations point at the capture's published page; without it
    they say the copy is local and give its WARC file, record id and digest. A source archiver
    has no good capture of is looked up in [memento] aggregators and offered as "cite instead".

    \b
    Example:
        archiver cite https://example.org/a --format bibtex
        archiver cite h6pxcksc7zrd --style apa
        archiver cite https://example.org/a --at 2026-11-01
        archiver cite https://example.org/a --as-of-document articles/poll.md
        archiver cite --document articles/poll.md --format md
    """
    if document is not None:
        if ref or at or as_of_document:
            raise click.UsageError("--document cites every source of a document: give no URL, --at or --as-of-document")
        with errors_as_exit():
            cites = list(document_citations(obj.archive, document, fmt, style))
        if fmt == "csl-json":
            items = [item for c in cites if c.text.startswith("[") for item in json.loads(c.text)]
            click.echo(json.dumps(items, indent=2, ensure_ascii=False))
        else:
            click.echo("\n\n".join(c.text for c in cites) if fmt == "bibtex" else "\n".join(c.text for c in cites))
        return
    if not ref:
        raise click.UsageError("give a URL or a capture id (or --document FILE)")
    if at and as_of_document:
        raise click.UsageError("give --at or --as-of-document (not both)")
    when: str | datetime | None = None
    if at:
        try:
            when = parse_when(at)
        except click.BadParameter:
            if not looks_like_capture_id(at):
                raise click.BadParameter(f"{at!r} is neither a date/time, a duration nor a capture id", param_hint="--at") from None
            when = at
    with errors_as_exit():
        try:
            capture = pick_capture(obj.archive, ref, at=when, as_of_document=as_of_document)
        except CaptureNotFoundError as exc:
            if looks_like_capture_id(ref) or isinstance(when, str):  # an id given, not found or not this URL's
                raise
            target = None if isinstance(when, str) else when
            memento = foreign_memento(obj.archive, ref, target)
            if memento is None:
                raise ArchiverError(f"{exc}; no other archive consulted holds it"
                                    + ("" if obj.config.memento.aggregators else " (none configured: [memento] aggregators)")) from None
            click.echo(format_foreign(memento, fmt))
            return
        click.echo(render_citation(obj.archive, capture, fmt, style))
