"""Shared fixtures: a real data directory, real local servers, and the checks every test obeys.

- Proxy and CA variables are cleared before every test (requests' own conftest does the same).
- pytest-socket (``--allow-hosts`` in pyproject) refuses any connection off 127.0.0.1/::1.
- Every WARC file a test leaves under its ``tmp_path`` must pass ``warcio check``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

# The PostgreSQL server of the tests on both engines (session-wide, started on first use).
from pgserver import index_url, pg_server, pg_url  # noqa: F401
from warcio.checker import Checker

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


@pytest.fixture(autouse=True)
def clean_proxy_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy or CA bundle leaks in from the machine's environment."""
    for name in _PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.delenv("ARCHIVER_CONFIG", raising=False)
    monkeypatch.delenv("ARCHIVER_DATA", raising=False)


def warc_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.warc.gz") if p.is_file()) + sorted(
        p for p in root.rglob("*.warc") if p.is_file()
    )


def warcio_check(paths: list[Path]) -> int:
    """Run warcio's own checker (the code behind ``warcio check``) over ``paths``; 0 means valid."""
    if not paths:
        return 0
    return int(Checker(SimpleNamespace(inputs=[str(p) for p in paths], verbose=False)).process_all())


@pytest.fixture(autouse=True)
def _every_warc_passes_warcio_check(request: pytest.FixtureRequest) -> Iterator[None]:
    if "tmp_path" not in request.fixturenames or request.node.get_closest_marker("broken_warc"):
        yield
        return
    tmp = request.getfixturevalue("tmp_path")
    yield
    bad = warcio_check(warc_files(tmp))
    assert bad == 0, f"warcio check failed on a WARC written under {tmp}"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "snapshots"


@pytest.fixture
def seeds() -> Path:
    assert SEEDS.is_dir(), f"seed documents not found at {SEEDS}"
    return SEEDS


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "broken_warc: the test deliberately leaves a damaged WARC behind")
    os.environ.setdefault("NO_COLOR", "1")
