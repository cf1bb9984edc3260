"""The command line: thin commands over Archive, the interface's exit codes, machine output on stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from archiver.archive import Archive
from archiver.cli import cli

PAGE = "<html><body><article><h1>Budget vote</h1><p>The council approved the budget by 7 votes to 2 on Monday evening after a long debate.</p></article></body></html>"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    p = tmp_path / "config.toml"
    p.write_text('[check]\nper_host_delay = 0\n')
    return p


def run(args: list[str], data_dir: Path, config_file: Path, **kw: object) -> object:
    return CliRunner().invoke(cli, ["--config", str(config_file), "--data", str(data_dir), *args], catch_exceptions=False, **kw)  # type: ignore[arg-type]


def test_import_dry_run_prints_canonical_urls_in_document_order(seeds: Path, data_dir: Path, config_file: Path) -> None:
    result = run(["import", "--dry-run", str(seeds / "000_7e39a6834e70aa6b.txt")], data_dir, config_file)
    assert result.exit_code == 0  # type: ignore[attr-defined]
    lines = result.output.splitlines()  # type: ignore[attr-defined]
    assert lines[0].startswith("https://www.whitehouse.gov/articles/2026/02/americans-overwhelmingly")
    assert "https://www.wsj.com/politics/policy/democrat-respone-abolish-ice-bc51a946" in lines
    assert len(lines) == 7
    with Archive(data_dir) as archive:
        assert archive.url_count() == 0  # dry run registers nothing


def test_import_from_stdin(data_dir: Path, config_file: Path) -> None:
    result = run(["import", "-"], data_dir, config_file, input="Source: https://example.org/a?utm_source=x and www.example.com/b.\n")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    with Archive(data_dir) as archive:
        assert archive.urls() == ["https://example.org/a", "https://www.example.com/b"]


def test_add_check_list_history_report_cite(httpserver: HTTPServer, data_dir: Path, config_file: Path) -> None:
    httpserver.expect_request("/a").respond_with_data(PAGE, content_type="text/html")
    url = httpserver.url_for("/a")
    assert run(["add", url, "--every", "6h", "--tag", "council"], data_dir, config_file).exit_code == 0  # type: ignore[attr-defined]
    assert run(["check", "--all"], data_dir, config_file).exit_code == 0  # type: ignore[attr-defined]
    listed = json.loads(run(["list", "--format", "json"], data_dir, config_file).output)  # type: ignore[attr-defined]
    assert listed[0]["url"] == url and listed[0]["captures"] == 1 and listed[0]["tags"] == ["council"]
    hist = json.loads(run(["history", url, "--format", "json"], data_dir, config_file).output)  # type: ignore[attr-defined]
    assert hist[0]["status"] == 200 and hist[0]["warc_file"].endswith(".warc.gz")
    report = json.loads(run(["report", "--format", "json"], data_dir, config_file).output)  # type: ignore[attr-defined]
    assert report["sources"][0]["url"] == url and report["events"] == []
    cite = run(["cite", url, "--format", "csl-json"], data_dir, config_file)
    assert cite.exit_code == 0  # type: ignore[attr-defined]
    item = json.loads(cite.output)[0]  # type: ignore[attr-defined]
    assert item["URL"] == url and hist[0]["id"] in json.dumps(item)
    with Archive(data_dir) as archive:
        state = archive.url_state(url)
        assert state is not None and state.interval == 6 * 3600


def test_usage_errors_exit_2_and_archiver_errors_exit_1(data_dir: Path, config_file: Path) -> None:
    assert run(["check"], data_dir, config_file).exit_code == 2  # type: ignore[attr-defined]
    assert run(["add", "https://example.org/", "--every", "soon"], data_dir, config_file).exit_code == 2  # type: ignore[attr-defined]
    missing = run(["cite", "https://never.example/"], data_dir, config_file)
    assert missing.exit_code == 1 and "not a watched URL" in missing.output  # type: ignore[attr-defined]
    bad = run(["add", "http://[::1", "https://example.org/fine"], data_dir, config_file)
    assert bad.exit_code == 1 and "1 added" in bad.output  # type: ignore[attr-defined]


def test_bad_config_is_one_line_and_exit_1(tmp_path: Path, data_dir: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[fetch]\ntimout = 1\n")
    result = CliRunner().invoke(cli, ["--config", str(bad), "--data", str(data_dir), "list"])
    assert result.exit_code == 1 and "unknown key 'fetch.timout'" in result.output


def test_a_dead_site_is_a_finding_not_an_error(data_dir: Path, config_file: Path) -> None:
    result = run(["check", "http://127.0.0.1:9/"], data_dir, config_file)
    assert result.exit_code == 0  # type: ignore[attr-defined]


def test_python_dash_m_runs_as_a_real_process(httpserver: HTTPServer, tmp_path: Path, config_file: Path) -> None:
    httpserver.expect_request("/a").respond_with_data(PAGE, content_type="text/html")
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    data = tmp_path / "data"
    base = [sys.executable, "-m", "archiver", "--config", str(config_file), "--data", str(data)]
    out = subprocess.run([*base, "check", httpserver.url_for("/a")], env=env, check=False, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    report = subprocess.run([*base, "report", "--format", "md"], env=env, check=False, capture_output=True, text=True, timeout=120)
    assert report.returncode == 0 and httpserver.url_for("/a") in report.stdout
