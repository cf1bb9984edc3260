"""Commands that read what was captured: ``list``, ``history``, ``report``, ``diff``."""

from __future__ import annotations

import json
import sys
from datetime import datetime

import click

from archiver.cli.context import Context, errors_as_exit, pass_ctx
from archiver.cli.output import no_color, output_option, write_output
from archiver.cli.params import WhenType
from archiver.report.detail import changes, marked, number_line
from archiver.report.shape import diff_json, iso
from archiver.report.views import BLOCKED_NOTE


@click.command(name="list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--status", help="Only sources with this status (ok, edited, removed, …).")
@click.option("--tag", help="Only sources with this tag.")
@pass_ctx
def list_(obj: Context, fmt: str, status: str | None, tag: str | None) -> None:
    """List watched URLs with their status, last check and capture count.

    \b
    Example:
        archiver list --status removed
        archiver list --format json
    """
    with errors_as_exit():
        sources = obj.archive.sources(status=status, tag=tag)
    if fmt == "json":
        rows = [
            {"url": s.url, "status": str(s.status), "last_checked": iso(s.last_checked), "captures": s.captures,
             "cited_by": list(s.cited_by), "tags": list(s.tags), "kind": s.kind, "expands_to": s.expands_to}
            for s in sources
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    for s in sources:
        checked = s.last_checked.strftime("%Y-%m-%d %H:%M") if s.last_checked else "never"
        target = f"  → {s.expands_to}" if s.expands_to else ""
        click.echo(f"{s.status:<11} {checked:<16} {s.captures:>4}  {s.url}{target}")
    if any(s.status == "blocked" for s in sources):
        click.echo(f"blocked: {BLOCKED_NOTE}", err=True)


@click.command()
@click.argument("url")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_ctx
def history(obj: Context, url: str, fmt: str) -> None:
    """Show every capture of a URL: time, outcome, status, record and WARC location.

    \b
    Example:
        archiver history https://example.org/a
    """
    with errors_as_exit():
        captures = obj.archive.history(url)
    if fmt == "json":
        click.echo(json.dumps([
            {"id": c.id, "captured_at": iso(c.captured_at), "outcome": str(c.outcome), "status": c.status,
             "final_url": c.final_url, "record_type": c.record_type, "payload_digest": c.payload_digest,
             "warc_file": c.warc_file, "warc_offset": c.warc_offset, "detail": c.detail}
            for c in captures], indent=2))
        return
    for c in captures:
        where = f"{c.warc_file}@{c.warc_offset}" if c.warc_file else "-"
        click.echo(f"{c.id}  {c.captured_at:%Y-%m-%dT%H:%M:%SZ}  {c.outcome:<13} {c.status or '-':<4} {c.record_type:<8} {where}  {c.detail}")


@click.command()
@click.option("--format", "fmt", type=click.Choice(["json", "md", "html"]), default="json", show_default=True)
@click.option("--since", type=WhenType(), help="Only events since WHEN (2026-11-01, or a duration ago: 7d).")
@click.option("--document", type=str, help="The report for one imported document's citations.")
@click.option("--status", help="Only sources with this status.")
@click.option("--tag", help="Only sources with this tag.")
@output_option
@pass_ctx
def report(obj: Context, fmt: str, since: datetime | None, document: str | None, status: str | None, tag: str | None, output: str | None) -> None:
    """The diff report: events and every source's status, in JSON, Markdown or HTML.

    \b
    Example:
        archiver report --format html -o report.html
        archiver report --format md --since 7d
        archiver report --document articles/poll.md
    """
    with errors_as_exit():
        text = obj.archive.report(fmt, since=since, document=document, status=status, tag=tag)
    write_output(text, output)



@click.command()
@click.argument("url")
@click.argument("a", required=False)
@click.argument("b", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_ctx
def diff(obj: Context, url: str, a: str | None, b: str | None, fmt: str) -> None:
    """Show what changed between two captures of URL (default: the last two good ones).

    Each change is its whole sentence (or table row) before (-) and after (+); the changed words
    are coloured on a terminal, else marked [-old-] and {+new+}. NO_COLOR turns colours off.

    \b
    Example:
        archiver diff https://example.org/a
        archiver diff https://example.org/a 7k2q9x1m4v0c 9hh2m5qk1w3z
        archiver diff https://example.org/a --format json
    """
    with errors_as_exit():
        old, new, change = obj.archive.diff(url, a, b)
    if fmt == "json":
        doc = {"url": old.url, "from": {"capture": old.id, "captured_at": iso(old.captured_at)},
               "to": {"capture": new.id, "captured_at": iso(new.captured_at)}, "diff": diff_json(change)}
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    click.echo(f"{old.id} ({old.captured_at:%Y-%m-%d %H:%M}Z) → {new.id} ({new.captured_at:%Y-%m-%d %H:%M}Z): {change.summary}")
    styled = not no_color() and sys.stdout.isatty()

    def show(runs: list[tuple[bool, str]], sign: str, colour: str) -> str:
        if styled:
            words = " ".join(click.style(t, fg=colour, bold=True, underline=True) if c else click.style(t, fg=colour) for c, t in runs)
            return click.style(f"{sign} ", fg=colour) + words
        marks = ("[-", "-]") if sign == "-" else ("{+", "+}")
        return f"{sign} " + " ".join(f"{marks[0]}{t}{marks[1]}" if c else t for c, t in runs)

    for item in changes(change):
        numbers = number_line(item)
        click.echo(item.label + (f": {numbers}" if numbers else ""))
        left, right, _ = marked(item.before, item.after)
        if item.before:
            click.echo(show(left, "-", "red"))
        if item.after:
            click.echo(show(right, "+", "green"))
