"""Settings are read in one place: no module of the package reads an ``NBA_RECON_*`` variable
from the environment except nba_simulator/settings.py, and every ``NBA_RECON_*`` name the package
mentions is declared there."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from nba_simulator import settings

PACKAGE = Path(__file__).resolve().parents[2] / "nba_simulator"
NAME = re.compile(r"NBA_RECON_[A-Z0-9_]*[A-Z0-9]")


def _environ_reads(tree: ast.AST) -> list[ast.AST]:
    """``os.environ[...]``, ``os.environ.get(...)``, ``os.getenv(...)``, ``environ.get`` etc."""
    found = []
    for node in ast.walk(tree):
        text = ast.unparse(node) if isinstance(node, (ast.Call, ast.Subscript)) else ""
        if re.match(r"^(os\.)?(environ(\.get|\.pop|\.setdefault)?\(|environ\[|getenv\()", text):
            found.append(node)
    return found


def test_no_module_but_settings_reads_an_nba_recon_variable():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "settings.py" and path.parent == PACKAGE:
            continue
        tree = ast.parse(path.read_text())
        for node in _environ_reads(tree):
            literal = [c.value for c in ast.walk(node) if isinstance(c, ast.Constant) and isinstance(c.value, str)]
            if any(v.startswith("NBA_RECON_") for v in literal):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {ast.unparse(node)}")
    assert not offenders, "read through nba_simulator.settings.get instead:\n" + "\n".join(offenders)


def test_every_nba_recon_name_in_the_package_is_declared():
    undeclared = {}
    for path in PACKAGE.rglob("*.py"):
        for name in NAME.findall(path.read_text()):
            if name not in settings.SETTINGS:
                undeclared.setdefault(name, str(path.relative_to(PACKAGE)))
    assert not undeclared, f"declare these in nba_simulator/settings.py: {undeclared}"


def test_the_rule_sees_a_read():
    tree = ast.parse(
        'import os\nx = os.environ.get("NBA_RECON_X")\ny = os.getenv("NBA_RECON_Y")\nz = os.environ["NBA_RECON_Z"]\n'
    )
    assert len(_environ_reads(tree)) == 3
