"""The import layers hold (``lint-imports``, contracts in pyproject.toml), and a reversed import
breaks them: checked on a copy of the package with one import added the wrong way."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")
pytestmark = pytest.mark.skipif(not LINT.exists(), reason="import-linter is not installed (pip install -e '.[test]')")


def lint(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )


def copy_package(tmp_path: Path) -> Path:
    shutil.copytree(
        ROOT / "nba_simulator", tmp_path / "nba_simulator", ignore=shutil.ignore_patterns("__pycache__", "data")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_package_keeps_its_layers():
    r = lint(ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 broken" in r.stdout


@pytest.mark.parametrize(
    "module, reversed_import, broken",
    [
        (
            "spec/model.py",
            "from nba_simulator import reconcile",
            "nba_simulator.spec is not allowed to import nba_simulator.reconcile",
        ),
        (
            "coverage/match.py",
            "from nba_simulator.gaps import find_gaps",
            "nba_simulator.coverage is not allowed to import nba_simulator.gaps",
        ),
        ("tasks.py", "import nba_simulator.cli", "nba_simulator.tasks is not allowed to import nba_simulator.cli"),
        # the former exceptions: the schedule reading the lake, reconcile reading the database, the spec
        # importing the database layer, content importing the figures
        (
            "schedule/auto.py",
            "from nba_simulator.storage.scan import scan",
            "nba_simulator.schedule is not allowed to import nba_simulator.storage",
        ),
        (
            "reconcile.py",
            "from nba_simulator.database.user_tables import schedule_from_db",
            "nba_simulator.reconcile is not allowed to import nba_simulator.database",
        ),
        (
            "spec/load.py",
            "import nba_simulator.database.engine",
            "nba_simulator.spec is not allowed to import nba_simulator.database",
        ),
        (
            "content/matrix.py",
            "from nba_simulator.plots import Plot",
            "nba_simulator.content is not allowed to import nba_simulator.plots",
        ),
    ],
)
def test_a_reversed_import_breaks_the_layers(tmp_path, module, reversed_import, broken):
    root = copy_package(tmp_path)
    path = root / "nba_simulator" / module
    path.write_text(
        path.read_text(encoding="utf-8") + f"\n\ndef _reversed():\n    {reversed_import}\n", encoding="utf-8"
    )
    r = lint(root)
    assert r.returncode == 1, r.stdout + r.stderr
    assert broken in r.stdout


def test_a_backend_importing_the_factory_is_a_cycle(tmp_path):
    """``storage.base`` and its backends know nothing of ``storage.factory`` (which knows them all):
    the interface asking for the factory closes a cycle, which the second contract refuses."""
    root = copy_package(tmp_path)
    path = root / "nba_simulator" / "storage" / "base.py"
    path.write_text(
        path.read_text(encoding="utf-8")
        + "\n\ndef _reversed():\n    from nba_simulator.storage.factory import open_storage\n",
        encoding="utf-8",
    )
    r = lint(root)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "No import cycles among siblings BROKEN" in r.stdout
    assert "- .base -> .factory (1 import)" in r.stdout


def test_no_contract_ignores_an_import():
    """The layers hold as written: no upward import is excused (#12)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    assert {c["type"] for c in contracts} == {"layers", "acyclic_siblings"}
    assert [c["name"] for c in contracts if c.get("ignore_imports")] == []


def _names(layer: str) -> list[str]:
    """``"pipeline/ : health.py"`` or ``"nba_simulator.pipeline : nba_simulator.health"`` ->
    ``["pipeline", "health"]``."""
    return [
        part.strip().removeprefix("nba_simulator.").removesuffix("/").removesuffix(".py")
        for part in layer.replace(" | ", " : ").split(" : ")
    ]


def test_the_architecture_drawing_is_the_contract():
    """docs/architecture.md draws the layers in the contract's order, each layer as it is there."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    layers = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")["layers"]
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    drawing = doc.split("```", 2)[1]
    drawn = [line.strip().split("  ")[0] for line in drawing.splitlines() if line.strip() and line.strip() != "│"]
    assert [_names(d) for d in drawn] == [_names(layer) for layer in layers]
    for layer in layers:  # one paragraph each, starting with the layer's name in bold
        assert f"\n**{_names(layer)[0]}" in doc, layer
