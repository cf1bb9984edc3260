"""The ``archiver`` command line: one thin click command per ``Archive`` method.

Commands parse options, call the library, and format the result; exit codes follow the
interface: 0 success (dead sites are findings), 1 archiver could not do what was asked, 2 usage.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import click

from archiver.archive import Archive
from archiver.config import Config, load_config, parse_duration, resolve_data_dir
from archiver.engine import parse_index_url
from archiver.engine.postgres import safe_dsn
from archiver.errors import ArchiverError
from archiver.migrate import migrate_index
from archiver.worker import Worker, worker_name
from archiver.worker.scheduling import SchedulerArchive
from archiver.daemon.scheduler import Daemon
from archiver.serve import EXPOSED_WARNING, Server, is_loopback, open_archive
from archiver.daemon.status import BEHIND_EXIT, daemon_status, status_json, status_text

F = TypeVar("F", bound=Callable[..., Any])


class Context:
    """What the group hands every command: the config and a lazily opened Archive."""

    def __init__(self, config: Config, data_dir: Path) -> None:
        self.config = config
        self.data_dir = data_dir
        self._archive: Archive | None = None

    @property
    def archive(self) -> Archive:
        if self._archive is None:
            self._archive = Archive(self.data_dir, self.config)
        return self._archive

    def close(self) -> None:
        if self._archive is not None:
            self._archive.close()


def parse_when(value: str) -> datetime:
    """A WHEN: an ISO date/time (UTC unless it says otherwise) or a DURATION ago (``2d``)."""
    v = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?\s*(ms|s|m|h|d|w)", v):
        return datetime.now(UTC) - timedelta(seconds=parse_duration(v))
    try:
        t = datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is neither a date/time (2026-11-23, 2026-11-23T10:00Z) nor a duration (2d)") from None
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


class WhenType(click.ParamType[datetime]):
    name = "WHEN"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return parse_when(str(value))
        except click.BadParameter as exc:
            self.fail(str(exc.message), param, ctx)


class DurationType(click.ParamType[float]):
    name = "DURATION"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        try:
            return parse_duration(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


_EVERY_UNITS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400, "w": 604800, "week": 604800, "weeks": 604800,
}


def parse_every(value: str) -> float:
    """A re-check interval typed by a person: a positive number *with* a unit (``30s``, ``15m``,
    ``6h``, ``1d``, ``2w``, or spelt out: ``"5 minutes"``). A bare number is refused, so
    ``--every 5 minutes`` cannot quietly mean five seconds and a URL called "minutes".

    >>> parse_every("15m"), parse_every("5 minutes"), parse_every("1.5h")
    (900.0, 300.0, 5400.0)
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*", value)
    if not match:
        hint = f" (did you mean {value.strip()}m?)" if re.fullmatch(r"\s*\d+(\.\d+)?\s*", value) else ""
        raise ValueError(f"--every {value!r} needs a number and a unit: 30s, 15m, 6h, 1d, 2w{hint}")
    unit = match.group(2).lower()
    if unit not in _EVERY_UNITS:
        raise ValueError(f"--every {value!r}: unknown unit {match.group(2)!r} (use s, m, h, d or w)")
    seconds = float(match.group(1)) * _EVERY_UNITS[unit]
    if seconds <= 0:
        raise ValueError(f"--every {value!r}: the interval must be longer than zero")
    return seconds


def refuse(command: str, message: str) -> None:
    """A usage error as one line on stderr (exit 2), for mistakes a person makes often."""
    click.echo(f"archiver {command}: {message}", err=True)
    sys.exit(2)


def read_urls(urls: tuple[str, ...]) -> list[str]:
    """URLs from the arguments, where ``-`` stands for standard input: one URL per line (blank
    lines and ``#`` comments skipped)."""
    out: list[str] = []
    for url in urls:
        if url == "-":
            out += [line.strip() for line in sys.stdin if line.strip() and not line.lstrip().startswith("#")]
        else:
            out.append(url)
    return out


def plural(n: int, word: str, many: str | None = None) -> str:
    """``plural(1, "document") == "1 document"``, ``plural(2, "URL") == "2 URLs"``."""
    return f"{n} {word}" if n == 1 else f"{n} {many or word + 's'}"


def no_color() -> bool:
    """Whether ``NO_COLOR`` asks for no colours (https://no-color.org: set and not empty)."""
    return bool(os.environ.get("NO_COLOR"))


def output_option(f: F) -> F:
    return click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to FILE instead of stdout.")(f)


def write_output(text: str, output: str | None) -> None:
    if output:
        tmp = Path(output + ".tmp")
        tmp.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        tmp.replace(output)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text.rstrip("\n"))


@contextmanager
def errors_as_exit() -> Iterator[None]:
    """ArchiverError → one line on stderr and exit 1 (click.ClickException)."""
    try:
        yield
    except ArchiverError as exc:
        raise click.ClickException(str(exc)) from None


def setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S"))
    root = logging.getLogger("archiver")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    # One INFO line per check (the checker's): each HTTP exchange, requisite and screenshot is
    # detail, shown from -vv on.
    for detail in ("archiver.fetch", "archiver.requisites", "archiver.browser", "archiver.versions"):
        logging.getLogger(detail).setLevel(logging.DEBUG if verbose >= 2 else max(level, logging.WARNING))
    logging.getLogger("archiver.fetch.throttle").setLevel(level)  # a host deferred (Retry-After) is news, not detail


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(dir_okay=False), envvar="ARCHIVER_CONFIG",
              help="Configuration file (else $ARCHIVER_CONFIG, else ./config.toml, else defaults).")
@click.option("--data", "data", type=click.Path(file_okay=False, readable=False), envvar="ARCHIVER_DATA",
              help="Data directory for WARC files and the index (else $ARCHIVER_DATA, else the config's, else snapshots/).")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.version_option(package_name="archiver")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, data: str | None, verbose: int, quiet: bool) -> None:
    """archiver: capture the URLs your documents cite into WARC files and watch them for edits and takedowns.

    \b
    Example:
        archiver import article.md
        archiver check --all
        archiver report --format md
    """
    setup_logging(verbose, quiet)
    if no_color():
        ctx.color = False  # click strips every style from what it prints
    with errors_as_exit():
        config = load_config(config_path)
    obj = Context(config, resolve_data_dir(config, data))
    ctx.obj = obj
    ctx.call_on_close(obj.close)


pass_ctx = click.make_pass_decorator(Context)


@cli.command()
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


@cli.command(name="remove")
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


cli.add_command(remove, name="unwatch")


@cli.command(name="import")
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


@cli.command()
@click.argument("urls", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Check every registered URL, ignoring schedules.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: the new events as the report's events array.")
@pass_ctx
def check(obj: Context, urls: tuple[str, ...], all_: bool, fmt: str) -> None:
    """Capture URLs once, now: write WARC records, diff, classify, notify. - reads URLs from stdin.

    New events are sent to the configured notifications, as the daemon sends them.

    \b
    Example:
        archiver check --all
        archiver check https://example.org/a
        archiver list --format json | jq -r '.[].url' | archiver check - --format json
    """
    urls = tuple(read_urls(urls))
    if bool(urls) == all_:
        raise click.UsageError("give URLs or --all (not both)")
    with errors_as_exit():  # opening the data directory is inside: one line when it cannot be opened
        archive = obj.archive
        total = archive.url_count() if all_ else len(urls)
        with progress_bar(total, "checking") as step:
            result = archive.check(None if all_ else list(urls), progress=step)
    for line in result.errors:
        click.echo(f"error: {line}", err=True)
    if fmt == "json":
        from archiver.report.shape import event_json

        click.echo(json.dumps([event_json(e) for e in result.events], indent=2, ensure_ascii=False))
    else:
        for event in result.events:
            click.echo(f"{event.type:<11} {event.url}  {event.reason}: {event.summary}")
    skipped = f", {len(result.robots_skipped)} disallowed by robots.txt" if result.robots_skipped else ""
    click.echo(f"checked {plural(result.checked, 'URL')}, {plural(len(result.events), 'event')}{skipped}", err=True)
    with errors_as_exit():
        archive.notify_events(result.events)
    if result.errors:
        sys.exit(1)


@contextmanager
def progress_bar(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on a terminal; nothing otherwise (logs stay quiet)."""
    if sys.stderr.isatty() and total > 1:
        with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
            yield bar.update
    else:
        yield lambda n: None


@cli.command(name="list")
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
        from archiver.report import iso

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
        from archiver.report.views import BLOCKED_NOTE

        click.echo(f"blocked: {BLOCKED_NOTE}", err=True)


@cli.command()
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
        from archiver.report import iso

        click.echo(json.dumps([
            {"id": c.id, "captured_at": iso(c.captured_at), "outcome": str(c.outcome), "status": c.status,
             "final_url": c.final_url, "record_type": c.record_type, "payload_digest": c.payload_digest,
             "warc_file": c.warc_file, "warc_offset": c.warc_offset, "detail": c.detail}
            for c in captures], indent=2))
        return
    for c in captures:
        where = f"{c.warc_file}@{c.warc_offset}" if c.warc_file else "-"
        click.echo(f"{c.id}  {c.captured_at:%Y-%m-%dT%H:%M:%SZ}  {c.outcome:<13} {c.status or '-':<4} {c.record_type:<8} {where}  {c.detail}")


@cli.command()
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


@cli.command()
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
    from archiver.citing import document_citations, foreign_memento, looks_like_capture_id, pick_capture, render_citation
    from archiver.cite import format_foreign
    from archiver.errors import CaptureNotFoundError

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


@cli.command()
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
    from archiver.report.shape import diff_json, iso
    from archiver.report.detail import changes, marked, number_line

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


@cli.command(name="rebuild-index")
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


def main() -> None:
    cli()


# --------------------------------------------------------------------------- the daemon


@cli.command()
@pass_ctx
def run(obj: Context) -> None:
    """Run the daemon: re-check URLs as they fall due, import watched folders, until SIGTERM/SIGINT (exit 0).

    Logs one line per check (INFO is shown unless -q). Refuses to start (exit 1) while another
    daemon or an `archiver check` holds the data directory.
    On a shared index (`[index] url = "postgresql://…"`) it may run on several machines: one holds
    the scheduler role, the others stand by (one line) and take over when it ends; its checks are
    leased like a worker's.

    \b
    Example:
        archiver --config /etc/archiver/config.toml --data /var/lib/archiver run
    """
    flags = click.get_current_context().find_root().params
    if not flags.get("quiet") and not flags.get("verbose"):
        logging.getLogger("archiver").setLevel(logging.INFO)
        logging.getLogger("archiver.fetch.throttle").setLevel(logging.INFO)
    with errors_as_exit():
        if parse_index_url(obj.config.index.url, obj.data_dir).shared:
            run_shared(obj)
        else:
            Daemon(obj.archive).run()


def run_shared(obj: Context) -> None:
    """``run`` on a shared index: stand by until this process holds the scheduler role, then run."""
    archive = SchedulerArchive(obj.data_dir, obj.config, name=f"run-{worker_name()}")
    standby = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: standby.set())
    if archive.wait_for_role(standby):
        Daemon(archive).run()  # installs its own SIGTERM/SIGINT handling
    else:
        archive.close()


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_ctx
def status(obj: Context, fmt: str) -> None:
    """Whether the daemon runs, when it last checked, how far behind schedule it is, counts by status.

    Exits 3 when the most overdue URL is later than schedule.behind_margin (for monitoring).

    \b
    Example:
        archiver status
        archiver status --format json
    """
    with errors_as_exit():
        state = daemon_status(obj.archive)
    click.echo(json.dumps(status_json(state), indent=2) if fmt == "json" else status_text(state))
    if state.is_behind:
        sys.exit(BEHIND_EXIT)


# --------------------------------------------------------------------------- serve and export


@cli.command()
@click.option("--host", help="Address to listen on (default: 127.0.0.1). Any other address exposes every "
              "capture to whoever can reach it: see the README.")
@click.option("--port", type=click.IntRange(0, 65535), help="Port of the web view (default 8080). Archived pages "
              "are replayed on a second port, serve.replay_port (default: this one + 1).")
@pass_ctx
def serve(obj: Context, host: str | None, port: int | None) -> None:
    """The local web view: dashboard, sources, documents, diffs, and replay of captures (scripts disabled).

    Runs until SIGTERM/SIGINT (exit 0). Also a Memento (RFC 7089) TimeGate and TimeMap per URL.

    \b
    Example:
        archiver serve
        archiver serve --port 9000
    """
    config = obj.config.serve
    if host is None and not is_loopback(config.host):
        raise click.UsageError(f"serve.host in the configuration is {config.host}, not a loopback address; "
                               f"pass --host {config.host} to expose the archive deliberately")
    host = host or config.host
    port = config.port if port is None else port
    if not is_loopback(host) and click.get_current_context().find_root().params.get("quiet"):
        # -q hides warnings from the log, never this one: it is the price of exposing the archive.
        click.echo("warning: " + EXPOSED_WARNING % host, err=True)

    def ready(server: Server) -> None:
        click.echo(f"serving {server.app_url}/ (archived pages on {server.replay_url}/); Ctrl-C stops", err=True)

    with errors_as_exit():
        archive = open_archive(obj.data_dir, obj.config)
        try:
            Server(archive, host=host, port=port, replay_port=config.replay_port).run(on_ready=ready)
        finally:
            archive.close()


@cli.command()
@click.argument("urls", nargs=-1)
@click.option("--wacz", "wacz", type=click.Path(dir_okay=False), required=True, help="The WACZ file to write.")
@click.option("--document", help="Only the sources this imported document cites.")
@pass_ctx
def export(obj: Context, urls: tuple[str, ...], wacz: str, document: str | None) -> None:
    """A WACZ package (WARC files, CDXJ index, pages) of the captures of URLs (default: all).

    Opens in any WACZ player (ReplayWeb.page) and replays in pywb.

    \b
    Example:
        archiver export --wacz archive.wacz
        archiver export --wacz poll.wacz --document articles/poll.md
        archiver export --wacz a.wacz https://example.org/a
    """
    if document and urls:
        raise click.UsageError("give URLs or --document (not both)")
    with errors_as_exit():
        result = obj.archive.export_wacz(wacz, list(urls) or None, document=document)
    click.echo(f"wrote {result.path}: {plural(result.captures, 'capture')} of {plural(result.urls, 'URL')}, "
               f"{plural(result.pages, 'page')}, {result.bytes} bytes" + (", signed" if result.signed else ""), err=True)


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.argument("urls", nargs=-1)
@click.option("--document", "documents", multiple=True, help="Only the sources this imported document cites (repeatable).")
@pass_ctx
def publish(obj: Context, directory: str, urls: tuple[str, ...], documents: tuple[str, ...]) -> None:
    """Write a static site of captures into DIRECTORY, for any static web host.

    [publish] public_url + capture/<id>/ is a capture's page in DIRECTORY: a banner with the
    original URL and capture time, the page as archived (scripts off) with its stylesheets and
    images, the screenshot, the provenance, the citation, and a signed WACZ of the capture. One
    page per document lists its sources and what to cite. Publishing again adds new captures and
    never changes a published one.

    \b
    Example:
        archiver publish public/
        archiver publish public/ --document articles/poll.md
        rsync -a public/ web:/var/www/archive/
    """
    from archiver.publish import publish as publish_site

    if documents and urls:
        raise click.UsageError("give URLs or --document (not both)")
    with errors_as_exit():
        result = publish_site(obj.archive, directory, list(urls) or None, list(documents))
    base = obj.config.publish.public_url or "(no [publish] public_url set: citations say the copies are local)"
    click.echo(f"published {plural(len(result.added), 'new capture')} ({len(result.kept)} already published), "
               f"{plural(result.documents, 'document')} into {directory}; public address {base}", err=True)


@cli.command()
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
    from archiver.verify import verify_wacz

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


# --------------------------------------------------------------------------- a shared index (issue 14)


@cli.command()
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


@cli.command()
@click.option("--until-idle", is_flag=True,
              help="Exit once nothing is due and no worker holds a lease (a batch run; the default is to keep going).")
@click.option("--name", help="This worker's name in leases and WARC file names (default: HOST-PID).")
@pass_ctx
def worker(obj: Context, until_idle: bool, name: str | None) -> None:
    """Check the due URLs of a shared index, beside any number of workers on any machines, until SIGTERM/SIGINT.

    Needs `[index] url = "postgresql://…"`; the data directory's warcs/ folder is shared storage.
    Each worker leases a few due URLs at a time, checks them as `archiver check` does, writes its
    own WARC files and records each check with the release of its lease in one transaction. A
    worker that dies loses nothing: its URLs go to another worker when the lease runs out.

    \b
    Example:
        archiver --config /etc/archiver/config.toml --data /srv/archive worker
    """
    if not parse_index_url(obj.config.index.url, obj.data_dir).shared:
        refuse("worker", 'needs a shared index: set [index] url = "postgresql://USER@HOST/DB" '
               "(on one machine, `archiver run` checks every due URL)")
    flags = click.get_current_context().find_root().params
    if not flags.get("quiet") and not flags.get("verbose"):
        logging.getLogger("archiver").setLevel(logging.INFO)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with errors_as_exit():
        stats = Worker(obj.data_dir, obj.config, name=name, stop=stop, until_idle=until_idle).run()
    click.echo(f"{stats.checked} checked in {stats.batches} batches"
               + (f", paused {stats.pauses} times while the index was away" if stats.pauses else ""), err=True)
