"""Commands that hand the archive on: ``serve`` (the local web view), ``export`` (WACZ) and
``publish`` (a static site)."""

from __future__ import annotations

import click

from archiver.cli.context import Context, errors_as_exit, pass_ctx
from archiver.cli.output import plural
from archiver.publish import publish as publish_site
from archiver.serve import EXPOSED_WARNING, Server, is_loopback, open_archive


@click.command()
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


@click.command()
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



@click.command()
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
    if documents and urls:
        raise click.UsageError("give URLs or --document (not both)")
    with errors_as_exit():
        result = publish_site(obj.archive, directory, list(urls) or None, list(documents))
    base = obj.config.publish.public_url or "(no [publish] public_url set: citations say the copies are local)"
    click.echo(f"published {plural(len(result.added), 'new capture')} ({len(result.kept)} already published), "
               f"{plural(result.documents, 'document')} into {directory}; public address {base}", err=True)
