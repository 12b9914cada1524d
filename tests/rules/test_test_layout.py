"""Tests people can find: every module under ``nba_simulator/`` has a test file that imports it
(``from nba_simulator.x import y``, ``import nba_simulator.x``, ``from nba_simulator import x``;
relative imports do not count), and ``tests/`` mirrors the package: each subpackage has its
folder of tests.

A new module without a test fails here, naming the module."""

from __future__ import annotations

import ast
from pathlib import Path

import nba_simulator

PACKAGE = Path(nba_simulator.__file__).parent
TESTS = Path(__file__).resolve().parents[1]
#: not modules of the package's code: Alembic's migration scripts (tested by running them)
NOT_MODULES = ("migrations",)


def package_modules(package: Path = PACKAGE) -> set[str]:
    """Dotted names of the package's modules (``__init__`` files are their packages: they are
    imported with any of their modules)."""
    out = set()
    for path in package.rglob("*.py"):
        rel = path.relative_to(package.parent).with_suffix("")
        if path.name == "__init__.py" or any(p in NOT_MODULES for p in rel.parts):
            continue
        out.add(".".join(rel.parts))
    return out


def imported_names(source: str) -> set[str]:
    """Every dotted name an absolute import of ``source`` can bring in: ``import a.b`` gives
    ``a.b``; ``from a.b import c`` gives ``a.b`` and ``a.b.c`` (``c`` may be a module)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def modules_without_tests(package: Path = PACKAGE, tests: Path = TESTS) -> list[str]:
    imported: set[str] = set()
    for path in tests.rglob("test_*.py"):
        imported |= imported_names(path.read_text(encoding="utf-8"))
    return sorted(package_modules(package) - imported)


def test_every_module_has_a_test_file_that_imports_it():
    missing = modules_without_tests()
    assert not missing, (
        "modules no test file imports (add tests/<package path>/test_<module>.py "
        "that imports and tests it): " + ", ".join(missing)
    )


def test_tests_mirror_the_subpackages():
    subpackages = sorted(
        p.parent.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("__init__.py")
        if p.parent != PACKAGE and not any(n in NOT_MODULES for n in p.parts)
    )
    missing = [s for s in subpackages if not (TESTS / s).is_dir()]
    assert not missing, f"tests/ has no folder for: {', '.join(missing)}"


def test_the_rule_sees_each_import_form_and_only_those(tmp_path):
    pkg = tmp_path / "pkg"
    for name in ("a.py", "b.py", "c.py", "d.py", "sub/__init__.py", "sub/e.py", "migrations/m.py"):
        (pkg / name).parent.mkdir(parents=True, exist_ok=True)
        (pkg / name).write_text("")
    (pkg / "__init__.py").write_text("")
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_x.py").write_text(
        "import pkg.a\nfrom pkg.b import thing\nfrom pkg import c\nfrom .helpers import d\n"
    )
    (tests / "helper.py").write_text("import pkg.d\n")  # not a test file: does not count
    assert modules_without_tests(pkg, tests) == ["pkg.d", "pkg.sub.e"]
    (tests / "test_y.py").write_text("def f():\n    from pkg.sub.e import g\n    import pkg.d as D\n")
    assert modules_without_tests(pkg, tests) == []
