"""No secrets out, nothing injected.

The two pipeline runs of :mod:`tests.faults.pipeline_runs` ran with recognisable secrets: AWS
access key id, secret key and session token, ``NBA_RECON_DATABASE_URL`` and ``PGPASSWORD`` in the
environment, and a database URL with a password as a notebook parameter. One of the runs was
killed six times (half-finished notebooks, stale records). Every file they left (notebooks, HTML,
``run.json``, ``index.html``, tasks, Parquet tables, data JSON, lock records) and every line they
printed is searched for those secrets.

The lake folder is named ``lake<img src=x onerror=alert(1)>`` and holds keys named
``tmp/<img src=x onerror=alert(1)>`` and ``tmp/<script>alert(1)</script>.json``: wherever a
page renders them it shows them as text (escaped), never as markup.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pyarrow.parquet as pq
import pytest

from .pipeline_runs import HOSTILE, PARAM_DB_PASSWORD, SECRET_STRINGS

pytestmark = pytest.mark.slow

RAW_MARKUP = (HOSTILE, "<script>alert(1)", "onerror=alert(1)>")
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


def _all_files(runs: Path) -> list[Path]:
    files = [p for p in runs.rglob("*") if p.is_file()]
    assert files
    return files


def _texts_of(path: Path) -> list[str]:
    """What a reader of the file could see: its bytes as text, and for Parquet every cell."""
    data = path.read_bytes()
    texts = [data.decode("utf-8", "replace")]
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        texts.append(json.dumps(table.to_pylist(), default=str))
        texts.append(
            json.dumps(
                table.schema.metadata
                and {k.decode(): v.decode("utf-8", "replace") for k, v in table.schema.metadata.items()}
            )
        )
    return texts


@pytest.fixture(scope="module")
def both(reference, crashed):
    return {"reference": reference, "crashed": crashed}


def test_no_secret_in_any_output_file(both):
    checked = 0
    for name, (runs, _, _) in both.items():
        for path in _all_files(runs):
            for text in _texts_of(path):
                for secret in SECRET_STRINGS:
                    assert secret not in text, f"{secret!r} leaked into {path} ({name})"
            checked += 1
    assert checked > 40


def test_no_secret_on_the_console(both):
    consoles = [both["reference"][2], *both["crashed"][2]["consoles"]]
    assert len(consoles) == 8
    for console in consoles:
        for secret in SECRET_STRINGS:
            assert secret not in console


def test_parameters_are_recorded_with_the_password_masked(both):
    for _runs, run_dir, _ in both.values():
        rec = json.loads((run_dir / "run.json").read_text())
        assert rec["parameters"]["database"] == "postgresql://recon:***@127.0.0.1:1/nba"
        nb = nbformat.read(str(run_dir / "00_health_check.ipynb"), as_version=4)
        injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert injected and "recon:***@" in injected[0].source
        assert PARAM_DB_PASSWORD not in injected[0].source
        assert nb.metadata["papermill"]["parameters"]["database"] == "postgresql://recon:***@127.0.0.1:1/nba"


def test_no_raw_markup_in_any_page(both):
    pages = 0
    for runs, _, _ in both.values():
        for page in [*runs.glob("*/*.html"), runs / "index.html"]:
            text = page.read_text(encoding="utf-8")
            for raw in RAW_MARKUP:
                assert raw not in text, f"unescaped {raw!r} in {page}"
            pages += 1
    assert pages >= 2 * 8


def test_hostile_names_show_as_text(both):
    for runs, run_dir, _ in both.values():
        report = (run_dir / "report.html").read_text(encoding="utf-8")
        assert f"lake{ESCAPED}" in report  # the lake folder, as text
        coverage = (run_dir / "02_coverage.html").read_text(encoding="utf-8")
        assert f"tmp/{ESCAPED}" in coverage  # the keys, as text
        assert "tmp/&lt;script&gt;alert(1)&lt;/script&gt;.json" in coverage
        index = (runs / "index.html").read_text(encoding="utf-8")
        assert f"lake{ESCAPED}" in index


def test_notebook_html_outputs_are_escaped(both):
    """JupyterLab renders a trusted notebook's text/html outputs: they carry no raw markup either."""
    for _, run_dir, _ in both.values():
        for path in run_dir.glob("*.ipynb"):
            nb = nbformat.read(str(path), as_version=4)
            for cell in nb.cells:
                for out in cell.get("outputs", []):
                    html = out.get("data", {}).get("text/html", "")
                    html = "".join(html) if isinstance(html, list) else html
                    for raw in RAW_MARKUP:
                        assert raw not in html, f"{path.name}: {raw!r} in a text/html output"


def test_keys_are_kept_verbatim_as_data(both):
    """Escaping is for pages only: the data files keep the real keys."""
    _, run_dir, _ = both["reference"]
    orphans = pq.read_table(run_dir / "data" / "orphans.parquet").to_pandas()
    assert {f"tmp/{HOSTILE}", "tmp/<script>alert(1)</script>.json"} <= set(orphans["key"])
