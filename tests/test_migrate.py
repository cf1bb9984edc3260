"""``archiver migrate --to postgresql://…``: a real SQLite archive moved into a real PostgreSQL, counted."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import psycopg
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from archiver.archive import Archive
from archiver.cli import cli
from archiver.config import Config

PAGE = """<html><head><title>Budget vote</title><link rel="stylesheet" href="/style.css"></head><body>
<article><h1>Budget vote</h1><p>The council approved the budget by 7 votes to 2 on Tuesday evening.</p>
<p>Spending on libraries rises by four percent, the first rise in six years.</p></article></body></html>"""


def config(index_url: str = "") -> Config:
    base = Config()
    return replace(base, check=replace(base.check, per_host_delay=0.0), index=replace(base.index, url=index_url),
                   screenshot=replace(base.screenshot, enabled=False))


def write_config(path: Path, index_url: str = "") -> Path:
    path.write_text(f'[check]\nper_host_delay = "0s"\n[screenshot]\nenabled = false\n[index]\nurl = "{index_url}"\n')
    return path


def sqlite_archive(httpserver: HTTPServer, data_dir: Path, tmp_path: Path) -> list[str]:
    """An archive with every kind of row: URLs, a document and its citations, captures, texts,
    events (an edit, a removal), requisites, templates, seals and daemon meta."""
    httpserver.expect_request("/style.css").respond_with_data("body { color: #222 }", content_type="text/css")
    httpserver.expect_request("/a").respond_with_data(PAGE, content_type="text/html")
    httpserver.expect_request("/b").respond_with_data(PAGE.replace("Budget", "Park"), content_type="text/html")
    urls = [httpserver.url_for("/a"), httpserver.url_for("/b")]
    doc = tmp_path / "story.md"
    doc.write_text(f"Read [the vote]({urls[0]}) and [the park]({urls[1]}).\n")
    with Archive(data_dir, config()) as archive:
        archive.add(urls)
        archive.import_documents([str(doc)])
        archive.check(urls)
        httpserver.clear()
        httpserver.expect_request("/style.css").respond_with_data("body { color: #222 }", content_type="text/css")
        httpserver.expect_request("/a").respond_with_data(PAGE.replace("7 votes", "8 votes"), content_type="text/html")
        httpserver.expect_request("/b").respond_with_data("gone", status=404)
        result = archive.check(urls)
        assert sorted(e.type for e in result.events) == ["edited", "removed"]
    cfg = write_config(tmp_path / "seal.toml")
    sealed = CliRunner().invoke(cli, ["--config", str(cfg), "--data", str(data_dir), "verify"])  # seals
    assert sealed.exit_code == 0, sealed.output
    return urls


def counts_sqlite(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                 if r[0] not in ("sqlite_sequence", "_sqlite_migrations")]
        return {n: db.execute(f"SELECT count(*) FROM {n}").fetchone()[0] for n in names}


def counts_pg(url: str, tables: list[str]) -> dict[str, int]:
    with psycopg.connect(url) as db:
        return {n: db.execute(f"SELECT count(*) FROM {n}").fetchone()[0] for n in tables}  # type: ignore[index]


def test_migrate_copies_every_table_and_the_archive_reads_the_same(
    httpserver: HTTPServer, data_dir: Path, tmp_path: Path, pg_url: str
) -> None:
    urls = sqlite_archive(httpserver, data_dir, tmp_path)
    before = counts_sqlite(data_dir / "index.db")
    assert all(before[t] > 0 for t in ("urls", "documents", "citations", "captures", "texts", "events",
                                        "requisites", "record_seals", "meta"))
    with Archive(data_dir, config()) as archive:
        report_before = json.loads(archive.report("json"))
        histories_before = {u: archive.history(u) for u in urls}

    runner = CliRunner()
    cfg = write_config(tmp_path / "config.toml")
    done = runner.invoke(cli, ["--config", str(cfg), "--data", str(data_dir), "migrate", "--to", pg_url])
    assert done.exit_code == 0, done.output
    assert f"now set [index] url = \"{pg_url}\"" in done.output
    for table in ("captures", "texts", "events", "documents", "record_seals"):
        assert f"{table} " in done.output
    assert counts_pg(pg_url, list(before)) == before

    with Archive(data_dir, config(pg_url)) as archive:
        assert {u: archive.history(u) for u in urls} == histories_before
        report_after = json.loads(archive.report("json"))
        for r in (report_before, report_after):
            r.pop("generated_at", None)
        assert report_after == report_before
        # the archive goes on in PostgreSQL: a new event gets an id past the copied ones
        httpserver.clear()
        httpserver.expect_request("/style.css").respond_with_data("body { color: #222 }", content_type="text/css")
        httpserver.expect_request("/a").respond_with_data(PAGE.replace("7 votes", "9 votes"), content_type="text/html")
        new = archive.check([urls[0]]).events
    assert [e.type for e in new] == ["edited"]
    assert new[0].id > max(e["id"] for e in report_before["events"])


def test_migrate_refuses_a_database_that_holds_an_archive_and_keeps_it(
    httpserver: HTTPServer, data_dir: Path, tmp_path: Path, pg_url: str
) -> None:
    sqlite_archive(httpserver, data_dir, tmp_path)
    cfg = write_config(tmp_path / "config.toml")
    runner = CliRunner()
    assert runner.invoke(cli, ["--config", str(cfg), "--data", str(data_dir), "migrate", "--to", pg_url]).exit_code == 0
    again = runner.invoke(cli, ["--config", str(cfg), "--data", str(data_dir), "migrate", "--to", pg_url])
    assert again.exit_code == 1
    lines = [line for line in again.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "already holds rows; migrate into an empty database" in lines[0]
    assert counts_pg(pg_url, ["captures"])["captures"] == counts_sqlite(data_dir / "index.db")["captures"]


def test_migrate_to_a_server_that_does_not_answer_is_one_line(data_dir: Path, tmp_path: Path) -> None:
    Archive(data_dir, config()).close()
    cfg = write_config(tmp_path / "config.toml")
    done = CliRunner().invoke(cli, ["--config", str(cfg), "--data", str(data_dir), "migrate", "--to",
                                    "postgresql://postgres@127.0.0.1:9/nowhere"])
    assert done.exit_code == 1
    lines = [line for line in done.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "127.0.0.1:9/nowhere: cannot open the index" in lines[0]
