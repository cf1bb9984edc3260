"""Commands that check: ``check`` once, now; ``run`` (the daemon) and its ``status``; ``worker``
on a shared index."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading

import click

from archiver.cli.context import Context, errors_as_exit, pass_ctx, refuse
from archiver.cli.output import plural, progress_bar
from archiver.cli.params import read_urls
from archiver.daemon.scheduler import Daemon
from archiver.daemon.status import BEHIND_EXIT, daemon_status, status_json, status_text
from archiver.engine import parse_index_url
from archiver.report.shape import event_json
from archiver.worker import Worker, worker_name
from archiver.worker.scheduling import SchedulerArchive


@click.command()
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



@click.command()
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


@click.command()
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



@click.command()
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
