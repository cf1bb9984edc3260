"""Docs are tests: every command is in the README with help and an example; README JSON validates."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import jsonschema
import pytest

from archiver.cli import cli
from archiver.report import load_schema

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(cli.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_documented_in_the_readme(name: str) -> None:
    assert f"archiver {name}" in README, f"`archiver {name}` is missing from README.md"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(name: str) -> None:
    command = cli.commands[name]
    assert command.help and "Example:" in command.help, f"{name}: --help needs an Example: block"
    with click.Context(command, info_name=name) as ctx:
        assert "Example:" in command.get_help(ctx)


#: Commands the interface names that belong to an open issue and are not built yet, with the
#: issue. Each must really be missing (the test fails once it exists, so the entry goes), and the
#: README must say it is not built yet.
NOT_BUILT_YET: dict[str, str] = {
}


def test_interface_commands_all_exist() -> None:
    interface = (Path(__file__).resolve().parents[2] / "shared" / "interface.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`archiver ([a-z][a-z-]+)", interface))
    missing = named - set(cli.commands)
    assert missing <= set(NOT_BUILT_YET), f"interface commands missing from the CLI: {missing - set(NOT_BUILT_YET)}"
    built = set(NOT_BUILT_YET) & set(cli.commands)
    assert not built, f"now built, take them off NOT_BUILT_YET: {built}"
    for name in NOT_BUILT_YET:
        said = re.search(rf"`archiver {name}[^`]*`[^\n]*not built yet", README)
        assert said, f"README must say `archiver {name}` is not built yet"


def test_readme_json_examples_validate_against_the_report_schema() -> None:
    blocks = re.findall(r"```json\n(.*?)```", README, flags=re.DOTALL)
    reports = [json.loads(b) for b in blocks if '"generated_at"' in b]
    assert reports, "the README shows no report JSON"
    for report in reports:
        jsonschema.validate(report, load_schema(), format_checker=jsonschema.FormatChecker())


def test_readme_placeholders_are_filled() -> None:
    assert not re.search(r"^[A-Z_]{6,}$", README, flags=re.MULTILINE), "an unfilled placeholder line remains in README.md"
