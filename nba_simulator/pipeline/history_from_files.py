"""The run history read from the runs' own files (``runs/*/run.json`` and ``data/summary.json``):
what the summary stage draws the completeness trend from when the history database cannot be
reached (:func:`load_history`), and the lake and spec a summary judged (:func:`summary_scope`)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

#: one row per run (``plots.completeness_trend``'s input); ``lake`` and ``spec`` say which runs
#: compare (the same lake judged by the same spec)
HISTORY_COLUMNS = [
    "run_id",
    "started",
    "as_of",
    "status",
    "complete_pct",
    "have_pct",
    "expected",
    "missing",
    "gaps",
    "lake",
    "spec",
]


def load_history(
    runs_dir: str | Path | None, current: dict | None = None, current_run: str | None = None, limit: int = 60
) -> pd.DataFrame:
    """One row per run with a summary: run_id, started, as_of, status, completeness numbers."""
    cols = HISTORY_COLUMNS
    rows = []
    if runs_dir is not None and Path(runs_dir).is_dir():
        for rec_path in sorted(Path(runs_dir).glob("*/run.json"))[-limit:]:
            run_dir = rec_path.parent
            if run_dir.name == current_run:
                continue
            try:
                rec = json.loads(rec_path.read_text(encoding="utf-8"))
                summary = json.loads((run_dir / "data" / "summary.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            rows.append(_history_row(run_dir.name, rec.get("started"), rec.get("status"), summary))
    if current is not None:
        rows.append(_history_row(current_run or "this run", current.get("_started"), "this run", current))
    return pd.DataFrame(rows, columns=cols)


def summary_scope(summary: dict) -> tuple[str | None, str | None]:
    """``(lake, spec)`` of a run's summary.json."""
    return (summary.get("inventory") or {}).get("lake"), summary.get("spec")


def _history_row(run_id, started, status, summary: dict) -> dict:
    totals = summary.get("totals", {})
    return {
        "run_id": run_id,
        "started": started,
        "as_of": summary.get("as_of"),
        "status": status,
        "complete_pct": totals.get("complete_pct"),
        "have_pct": totals.get("have_pct"),
        "expected": totals.get("expected"),
        "missing": totals.get("missing"),
        "gaps": sum((summary.get("gaps") or {}).values()),
        "lake": (summary.get("inventory") or {}).get("lake"),
        "spec": summary.get("spec"),
    }
