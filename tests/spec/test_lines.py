"""spec.lines: the YAML loader remembers lines and refuses documents made to explode."""

from __future__ import annotations

import pytest
import yaml

from nba_simulator.errors import SpecError
from nba_simulator.spec.lines import MAX_ALIASES, MAX_DEPTH, LineLoader, LineMap, LineSeq


def load(text: str):
    loader = LineLoader(text)
    loader.name = "s.yaml"
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def test_mappings_and_lists_know_their_lines():
    doc = load("version: 1\ndatasets:\n  a:\n    keys: [x, y]\n")
    assert isinstance(doc, LineMap) and isinstance(doc["datasets"]["a"]["keys"], LineSeq)
    assert doc.key_lines["datasets"] == 2 and doc["datasets"].key_lines["a"] == 3
    assert doc["datasets"]["a"]["keys"] == ["x", "y"]


def test_deep_nesting_and_alias_bombs_are_refused_with_a_line():
    with pytest.raises(SpecError, match=f"nested more than {MAX_DEPTH} levels"):
        load("a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5))
    bomb = "a: &a [x, x]\n" + "".join(f"k{i}: [*a]\n" for i in range(MAX_ALIASES + 1))
    with pytest.raises(SpecError, match=f"more than {MAX_ALIASES} YAML aliases"):
        load(bomb)
    assert isinstance(load("a: 1"), dict) and issubclass(LineLoader, yaml.SafeLoader)
