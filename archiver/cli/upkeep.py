"""Commands that look after the data: ``verify`` the records, ``rebuild-index`` from the WARC
files, ``migrate`` the index into PostgreSQL."""

from __future__ import annotations

import sys

import click

from archiver.cli.context import Context, errors_as_exit, pass_ctx, refuse
from archiver.cli.output import plural
from archiver.engine import parse_index_url
from archiver.engine.postgres import safe_dsn
from archiver.migrate import migrate_index
from archiver.verify import verify_wacz


@click.command(name="rebuild-index")
@pass_ctx
def rebuild_index(obj: Context) -> None:
    """Rebuild the captures in the index from the WARC files (the source of truth).

    \b
    Example:
        archiver rebuild-index
    """
    with errors_as_exit():
        n = obj.archive.rebuild_index()
    click.echo(f"{n} captures indexed")


@click.command()
@click.argument("refs", nargs=-1, metavar="[URL|ID]...")
@click.option("--document", help="Only the captures of the sources this imported document cites.")
@click.option("--wacz", "wacz", type=click.Path(dir_okay=False, exists=True),
              help="Check a WACZ package (anyone's): its hashes, its signature, its WARC records.")
@pass_ctx
def verify(obj: Context, refs: tuple[str, ...], document: str | None, wacz: str | None) -> None:
    """Re-check WARC records against their digests and the index; exit 1 on any damage.

    Without arguments every record of every WARC file is read; URLs or capture ids limit it
    to those captures. A record found intact is sealed in the index, so later damage is named
    by file and byte offset. --wacz checks a package's hashes, signature and records instead.

    \b
    Example:
        archiver verify
        archiver verify https://example.org/a h6pxcksc7zrd
        archiver verify --wacz poll.wacz
    """
    if wacz is not None:
        if refs or document:
            raise click.UsageError("--wacz checks one package: give no URLs, ids or --document")
        package = verify_wacz(wacz)
        sig = package.signature
        for line in package.problems:
            click.echo(f"DAMAGED {line}")
        for line in package.notes:
            click.echo(f"note: {line}")
        if sig is not None and sig.ok:
            click.echo(f"signature: valid ({sig.kind}, key {sig.fingerprint or '-'}, created {sig.created})")
        click.echo(f"{wacz}: {plural(package.resources, 'file')}, {plural(package.records, 'WARC record')}: "
                   + ("ok" if package.ok else plural(len(package.problems), "problem")))
        if not package.ok:
            sys.exit(1)
        return
    archive = obj.archive
    with errors_as_exit():
        captures = None
        if document or refs:
            captures = [c for u in (archive.document_sources(document) if document else []) for c in archive.history(u)]
            for ref in refs:
                captures += archive.history(ref) if "/" in ref or "." in ref else [archive.capture(ref)]
        report = archive.verify(captures)
    for problem in report.problems:
        click.echo(f"DAMAGED {problem}")
    click.echo(f"{plural(report.records, 'record')} checked, {plural(len(report.problems), 'problem')}, "
               f"{report.sealed} newly sealed",
               err=not report.problems)
    if report.problems:
        sys.exit(1)



@click.command()
@click.option("--to", "to", required=True, metavar="URL",
              help="The PostgreSQL database to copy the index into (postgresql://USER@HOST:PORT/DB), empty.")
@pass_ctx
def migrate(obj: Context, to: str) -> None:
    """Copy this archive's SQLite index into PostgreSQL, then count every table on both sides.

    Captures, texts, events, documents, citations, the schedule, templates, seals, requisites and
    screenshots are copied in one transaction; a count that differs names the table and keeps
    nothing. The WARC files stay in the data directory. Then set `[index] url` to the new URL.

    \b
    Example:
        archiver migrate --to postgresql://archiver@db.example:5432/archive
    """
    where = parse_index_url(obj.config.index.url, obj.data_dir)
    if where.path is None:
        refuse("migrate", f"the index is already in PostgreSQL ([index] url = {safe_dsn(obj.config.index.url)})")
        return
    with errors_as_exit():
        copies = migrate_index(where.path, to)
    for c in copies:
        click.echo(f"{c.table:<16} {c.source:>10} rows in SQLite  {c.copied:>10} in PostgreSQL  ok")
    click.echo(f"{sum(c.copied for c in copies)} rows copied from {where.path}; now set [index] url = \"{to}\"")
