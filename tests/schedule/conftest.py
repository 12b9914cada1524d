"""Shared fixtures of the schedule tests.

The reference data lives in the repo's sibling folder ``../shared`` (not in a user's clone): tests
that read it take the ``reference`` fixture and skip when it is absent.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from nba_simulator.schedule import load_schedule

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO.parent / "shared" / "data" / "nba-reference"


@pytest.fixture(scope="session")
def reference() -> Path:
    if not REFERENCE.is_dir():
        pytest.skip(f"reference data absent ({REFERENCE}): only the project's own checkout has ../shared")
    return REFERENCE


@pytest.fixture(scope="session")
def builtin() -> pd.DataFrame:
    return load_schedule("builtin")


@pytest.fixture
def write_csv(tmp_path):
    """write_csv(text, name='schedule.csv') -> path of a CSV holding ``text`` verbatim."""

    def write(text: str, name: str = "schedule.csv") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write
