"""The ``archiver`` command line: one thin click command per ``Archive`` method.

Commands parse options, call the library, and format the result; exit codes follow the
interface: 0 success (dead sites are findings), 1 archiver could not do what was asked, 2 usage.

The group is here; the commands live by what they do (``registering``, ``checking``, ``reading``,
``citing``, ``sharing``, ``upkeep``) and are named in one table, ``COMMANDS``.
"""

from __future__ import annotations

import click

from archiver.cli import checking, citing, reading, registering, sharing, upkeep
from archiver.cli.context import Context, errors_as_exit, setup_logging
from archiver.cli.output import no_color
from archiver.config import load_config, resolve_data_dir

#: Every command under its name, by group (``archiver --help`` lists them sorted); ``unwatch`` is
#: ``remove`` under another name.
COMMANDS: dict[str, click.Command] = {
    "add": registering.add, "remove": registering.remove, "unwatch": registering.remove,
    "import": registering.import_,
    "check": checking.check, "run": checking.run, "status": checking.status, "worker": checking.worker,
    "list": reading.list_, "history": reading.history, "report": reading.report, "diff": reading.diff,
    "cite": citing.cite,
    "serve": sharing.serve, "export": sharing.export, "publish": sharing.publish,
    "rebuild-index": upkeep.rebuild_index, "verify": upkeep.verify, "migrate": upkeep.migrate,
}


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, commands=COMMANDS)
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


def main() -> None:
    cli()
