"""The deployment files (deploy/) start commands that exist, with options that exist, on a config that loads."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml

from archiver.cli import cli
from archiver.config import load_config

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def exec_start(unit: Path) -> list[str]:
    line = next(x for x in unit.read_text(encoding="utf-8").splitlines() if x.startswith("ExecStart="))
    return shlex.split(line.removeprefix("ExecStart="))


def assert_runs(argv: list[str]) -> None:
    """``argv`` (from ``archiver`` on) parses as the CLI would parse it: the group's options, a
    command that exists, and that command's options."""
    assert Path(argv[0]).name == "archiver", argv
    at = next((i for i, word in enumerate(argv) if i and word in cli.commands), None)
    assert at is not None, f"no archiver command in {argv}"
    group = cli.make_context("archiver", argv[1:at])
    assert group.params["config_path"] in (None, "/etc/archiver/config.toml")
    command = cli.commands[argv[at]]
    command.make_context(argv[at], argv[at + 1:], parent=group)  # raises on an unknown option


@pytest.mark.parametrize("unit", ["archiver.service", "archiver-worker.service", "archiver-scheduler.service"])
def test_systemd_units_start_a_real_command(unit: str) -> None:
    argv = exec_start(DEPLOY / unit)
    assert_runs(argv)
    assert argv[argv.index("--data") + 1] == "/var/lib/archiver"


def test_compose_services_run_real_commands_on_the_shared_index() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"postgres", "scheduler", "worker", "serve"} <= set(services)
    verbs = {name: s["entrypoint"][3] for name, s in services.items() if "entrypoint" in s}
    assert verbs == {"scheduler": "run", "worker": "worker", "serve": "serve"}
    for service in verbs:
        assert_runs(services[service]["entrypoint"])
        assert "archiver-data:/data" in services[service]["volumes"]
    mount = next(v for v in services["worker"]["volumes"] if v.endswith(":/etc/archiver/config.toml:ro"))
    config = load_config(DEPLOY / mount.split(":")[0])
    assert config.index.url == "postgresql://archiver@postgres:5432/archive"
    postgres = services["postgres"]["environment"]
    assert (postgres["POSTGRES_USER"], postgres["POSTGRES_DB"]) == ("archiver", "archive")
