"""The examples in the pure modules' docstrings are tests (warcio runs its timeutils the same way)."""

from __future__ import annotations

import doctest
import importlib

import pytest

PURE_MODULES = [
    "archiver.models", "archiver.config", "archiver.cadence", "archiver.urls", "archiver.documents",
    "archiver.citations", "archiver.diff", "archiver.engine", "archiver.engine.dialect",
]


@pytest.mark.parametrize("name", PURE_MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    failures, tried = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert failures == 0, f"{failures} of {tried} doctest examples failed in {name}"
