"""Small modules: no module of the package is over 400 lines (the migrations' frozen copies apart)."""

from __future__ import annotations

from pathlib import Path

import nba_simulator

LIMIT = 400
PACKAGE = Path(nba_simulator.__file__).parent


def module_sizes(root: Path) -> dict[str, int]:
    return {
        p.relative_to(root).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
        for p in root.rglob("*.py")
        if "migrations" not in p.parts
    }


def test_no_module_is_over_the_limit():
    sizes = module_sizes(PACKAGE)
    assert len(sizes) > 50  # the scan sees the package
    over = {name: n for name, n in sizes.items() if n > LIMIT}
    assert not over, f"modules over {LIMIT} lines (split them by concern): {over}"


def test_the_rule_sees_a_long_module(tmp_path):
    (tmp_path / "long.py").write_text("x = 1\n" * (LIMIT + 1))
    (tmp_path / "short.py").write_text("x = 1\n")
    assert module_sizes(tmp_path) == {"long.py": LIMIT + 1, "short.py": 1}
