"""Commands that choose what is watched: ``add``, ``remove`` (``unwatch``), ``import``."""

from __future__ import annotations

import sys

import click

from archiver.cli.context import Context, errors_as_exit, pass_ctx, refuse
from archiver.cli.output import plural
from archiver.cli.params import parse_every, read_urls


@click.command()
@click.argument("urls", nargs=-1, required=True)
@click.option("--every", metavar="DURATION", help="Re-check interval for these URLs (30s, 15m, 6h, 1d, 2w; a unit is required).")
@click.option("--tag", "tags", multiple=True, help="Tag the URLs (repeatable); reports can filter by tag.")
@click.option("--browser/--no-browser", default=None,
              help="Also capture these URLs in headless Chromium (script-built pages); --no-browser stops it.")
@pass_ctx
def add(obj: Context, urls: tuple[str, ...], every: str | None, tags: tuple[str, ...], browser: bool | None) -> None:
    """Register URLs to watch (duplicates are merged); - reads URLs from standard input, one a line.

    \b
    Example:
        archiver add https://example.org/poll --every 6h --tag polls
        archiver add https://app.example.org/dashboard --browser
        grep -o 'https://[^ ]*' notes.txt | archiver add -
    """
    seconds = None
    if every is not None:
        try:
            seconds = parse_every(every)
        except ValueError as exc:
            refuse("add", str(exc))
    with errors_as_exit():
        result = obj.archive.add(read_urls(urls), every=seconds, tags=tags, browser=browser)
    for line in result.errors:
        click.echo(f"error: {line}", err=True)
    click.echo(f"{len(result.added)} added, {len(result.merged)} already watched")
    if result.errors:
        sys.exit(1)


@click.command(name="remove")
@click.argument("urls", nargs=-1, required=True)
@pass_ctx
def remove(obj: Context, urls: tuple[str, ...]) -> None:
    """Stop watching URLs (alias: unwatch); their captures, events and WARC records stay.

    `archiver add URL` watches one again, with its history. - reads URLs from standard input.

    \b
    Example:
        archiver remove https://example.org/old-page
    """
    with errors_as_exit():
        result = obj.archive.remove(read_urls(urls))
    for line in result.errors:
        click.echo(f"error: {line}", err=True)
    click.echo(f"{plural(len(result.removed), 'URL')} no longer watched"
               + (f", {len(result.unknown)} not watched" if result.unknown else "") + "; captures kept")
    if result.errors:
        sys.exit(1)



@click.command(name="import")
@click.argument("files", nargs=-1, required=True)
@click.option("--dry-run", is_flag=True, help="Print the canonical URLs found, one per line, and register nothing.")
@pass_ctx
def import_(obj: Context, files: tuple[str, ...], dry_run: bool) -> None:
    """Extract the URLs documents cite (Markdown, HTML, text; - for stdin) and watch them.

    \b
    Example:
        archiver import articles/*.md
        archiver import --dry-run article.html
        cat notes.txt | archiver import -
    """
    with errors_as_exit():
        result = obj.archive.import_documents(files, dry_run=dry_run, stdin=sys.stdin, log_errors=False)
    for line in result.errors:
        click.echo(f"error: {line}", err=True)
    if dry_run:
        for url in result.urls:
            click.echo(url)
    elif result.documents:
        click.echo(f"{plural(result.documents, 'document')}, {plural(len(result.urls), 'cited URL')}, {result.new_urls} new")
    if result.errors:
        sys.exit(1)
