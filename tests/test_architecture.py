"""Imports flow one way along the pipeline (STYLE 8.1): a stage never imports a later one.

documents → citations → fetch → warcstore/index → extract → diff → classify → report/cite →
checker → archive → serve/daemon → cli. A violation fails here, so nobody needs the
deferred imports that circular dependencies breed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "archiver"

RANKS: dict[str, int] = {
    "models": 0, "errors": 0,
    "config": 1,
    "urls": 2, "lock": 2, "cadence": 2,
    "engine": 4,  # the index's engines (SQLite, PostgreSQL): below the index
    "documents": 3, "platforms": 3,
    "citations": 4,
    "fetch": 5, "warcstore": 5, "index": 5, "extract": 5, "robots": 5, "signing": 5, "aggregators": 5,
    "browser": 6, "requisites": 6,
    "diff": 6,
    "migrate": 6,  # a SQLite index copied into PostgreSQL (uses the index)
    "leases": 6,  # the index's work queue (leases, politeness, roles), handed out by Archive
    "classify": 7,
    "report": 8, "cite": 8, "export": 8, "versions": 8,
    "reading": 8,  # a new page's text, metadata, page view and requisites, in a worker process
    "notify": 9,
    "completions": 8,  # the checker's finished checks, taken by its owner thread in batches
    "checker": 9, "verify": 9,
    "archive": 10,
    "citing": 11, "publish": 12,
    "serve": 12, "daemon": 12,  # archiver run and status: scheduler, status, watched folders
    "worker": 12,  # archiver worker: one of many on a shared index
    "cli": 13, "__main__": 14,
}


def stage_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


def imported_stages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] != "archiver":
                continue
            if len(parts) > 1:
                found.add(parts[1])
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "archiver" and len(parts) > 1:
                    found.add(parts[1])
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


def test_every_stage_has_a_rank() -> None:
    unranked = {stage_of(p) for p in MODULES} - set(RANKS)
    assert not unranked, f"give these modules a place in the data flow: {sorted(unranked)}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_upstream(path: Path) -> None:
    me = stage_of(path)
    for other in imported_stages(path) - {me}:
        assert other in RANKS, f"{path.name} imports unknown archiver.{other}"
        assert RANKS[other] < RANKS[me], f"archiver.{me} (rank {RANKS[me]}) imports archiver.{other} (rank {RANKS[other]}), a later stage"


#: The front ends: everything past the ``Archive`` facade. They read and write the index only
#: through it (sqlite-utils' ``Database`` is the model: its CLI never reaches past it), so a
#: second index engine is one more implementation behind the facade, not a change in each of them.
FRONT_ENDS = ("cli", "serve", "daemon", "worker", "citing", "publish", "__main__")
#: The index module. (``archiver.engine`` only parses ``[index] url`` and names errors: a front end
#: may read the configuration, as ``archiver worker`` and ``migrate`` do.)
INDEX_MODULES = {"index"}
FRONT_END_MODULES = [p for p in MODULES if stage_of(p) in FRONT_ENDS]


def test_front_ends_are_known() -> None:
    assert {stage_of(p) for p in FRONT_END_MODULES} == set(FRONT_ENDS)


@pytest.mark.parametrize("path", FRONT_END_MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_front_ends_never_reach_the_index(path: Path) -> None:
    reached = imported_stages(path) & INDEX_MODULES
    assert not reached, f"{path.relative_to(PACKAGE)} imports archiver.{reached.pop()}: read through Archive instead"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}  # a method of its own, say
    touched = [  # ``archive.index``, ``self.archive._index``, a subclass's ``self._index``… (``config.index``,
        # the section, is fine; a worker's leases come through ``Archive.work_queue``)
        n.lineno for n in ast.walk(tree)
        if isinstance(n, ast.Attribute) and id(n) not in called
        and (n.attr == "_index" or (n.attr == "index" and ast.unparse(n.value).endswith("archive")))
    ]
    assert not touched, f"{path.relative_to(PACKAGE)} touches an index attribute on line(s) {touched}: add a read to Archive"


def test_no_utils_junk_drawer() -> None:
    names = {p.stem for p in PACKAGE.rglob("*.py")}
    assert not names & {"utils", "helpers", "misc", "common"}
