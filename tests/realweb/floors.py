"""The real-page world's pinned floors: ``tests/accuracy_floors.json``, key ``"realweb"``.

Shape: ``{"extraction": {"with_kept", "without_dropped"}, "edit": {"precision", "recall"},
"takedown": {...}, "noise": {"clean"}}``. Only ``bench/accuracy.py --update-floors`` moves them
(lowering needs ``--allow-lower``); the other suites' keys are left as they are.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

FLOORS = Path(__file__).resolve().parents[1] / "accuracy_floors.json"
KEY = "realweb"

Figures = dict[str, dict[str, float]]


def pinned(path: Path = FLOORS) -> Figures:
    data: dict[str, Any] = json.loads(path.read_text())
    figures: Figures = data["floors"].get(KEY, {})
    return figures


def pin_value(value: float) -> float:
    """A measured share as a floor: rounded *down* to 3 places, so today's run passes its own pin."""
    return math.floor(value * 1000 + 1e-6) / 1000


def below(measured: Figures, floors: Figures) -> list[str]:
    """Every pinned figure the measurement falls under, in words (a figure not measured fails too)."""
    problems = []
    for group, pins in floors.items():
        for metric, floor in pins.items():
            value = measured.get(group, {}).get(metric)
            if value is None or value + 1e-9 < floor:
                problems.append(f"realweb {group} {metric}: {value} < floor {floor}")
    return problems


def lowered(measured: Figures, floors: Figures) -> list[str]:
    return [f"realweb {g} {m}: {floors[g][m]} -> {v}" for g, ms in measured.items() for m, v in ms.items()
            if g in floors and m in floors[g] and v < floors[g][m]]


def write(measured: Figures, path: Path = FLOORS) -> None:
    """Replace the realweb key (atomically), keeping every other suite's floors as they are."""
    data: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {"floors": {}}
    data["floors"][KEY] = {g: {m: pin_value(v) for m, v in ms.items()} for g, ms in measured.items()}
    data.setdefault("note", "written by bench/accuracy.py --update-floors")
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    tmp.replace(path)
