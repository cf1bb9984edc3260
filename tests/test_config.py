"""Config: the shipped config.toml equals the defaults; unknown keys and bad values are named errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.config import Config, load_config, parse_duration, resolve_data_dir
from archiver.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_config_equals_builtin_defaults() -> None:
    assert load_config(ROOT / "config.toml") == Config()


def test_every_key_in_shipped_config_is_commented() -> None:
    lines = (ROOT / "config.toml").read_text().splitlines()
    for i, line in enumerate(lines):
        if "=" in line and not line.lstrip().startswith("#"):
            assert lines[i - 1].lstrip().startswith("#") or lines[i - 2].lstrip().startswith("#"), f"uncommented key: {line}"


def test_unknown_key_names_key_and_file(tmp_path: Path) -> None:
    p = tmp_path / "c.toml"
    p.write_text("[fetch]\ntimout = 3\n")
    with pytest.raises(ConfigError, match=r"c\.toml: unknown key 'fetch\.timout'"):
        load_config(p)


def test_unknown_section_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "c.toml"
    p.write_text("[fetcher]\n")
    with pytest.raises(ConfigError, match="unknown key 'fetcher'"):
        load_config(p)


def test_wrong_type_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "c.toml"
    p.write_text("[check]\nworkers = 'many'\n")
    with pytest.raises(ConfigError, match="workers must be a whole number"):
        load_config(p)


def test_durations_accept_units_and_seconds(tmp_path: Path) -> None:
    p = tmp_path / "c.toml"
    p.write_text('[schedule]\ninterval = "6h"\ntick = 2\n')
    c = load_config(p)
    assert c.schedule.interval == 6 * 3600
    assert c.schedule.tick == 2.0


@pytest.mark.parametrize("text,seconds", [("30s", 30), ("15m", 900), ("6h", 21600), ("1d", 86400), ("2w", 1209600), ("1.5", 1.5)])
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "5 parsecs", "-3s"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_bad_toml_is_a_config_error(tmp_path: Path) -> None:
    p = tmp_path / "c.toml"
    p.write_text("[fetch\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(p)


def test_precedence_env_then_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_config() == Config()
    (tmp_path / "config.toml").write_text('data_dir = "cwd"\n')
    assert load_config().data_dir == "cwd"
    other = tmp_path / "other.toml"
    other.write_text('data_dir = "env"\n')
    monkeypatch.setenv("ARCHIVER_CONFIG", str(other))
    assert load_config().data_dir == "env"
    assert load_config(tmp_path / "config.toml").data_dir == "cwd"


def test_data_dir_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    c = Config(data_dir="from-config")
    assert resolve_data_dir(c) == Path("from-config")
    monkeypatch.setenv("ARCHIVER_DATA", "from-env")
    assert resolve_data_dir(c) == Path("from-env")
    assert resolve_data_dir(c, "from-flag") == Path("from-flag")


def test_choice_keys_are_checked(tmp_path: Path) -> None:
    p = tmp_path / "c.toml"
    p.write_text('[schedule]\nrobots = "sometimes"\n')
    with pytest.raises(ConfigError, match="robots must be one of ignore, obey"):
        load_config(p)
