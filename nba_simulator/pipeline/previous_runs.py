"""The health check's "previous runs": when did a run of this lake and spec last succeed in a
runs folder (``runs/*/run.json``), and have the runs since failed? Runs of another lake or spec
in the same folder are not this lake's (one lake per view)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from ..masking import mask_text


def _same_input(a: Any, b: Any) -> bool:
    """Two lake (or spec) parameters naming the same thing (a local path compared resolved)."""
    a, b = str(a or ""), str(b or "")
    if a == b:
        return True
    if "://" in a or "://" in b or not a or not b:
        return a.rstrip("/") == b.rstrip("/")
    try:
        return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()
    except (OSError, RuntimeError):
        return False


def _inputs_of(run_dir: Path, rec: dict) -> tuple[Any, Any]:
    """``(lake, spec)`` a run judged: as its summary says (resolved: the parameter ``demo`` is a
    folder there), else as its parameters do (a run that failed before its summary)."""
    params = rec.get("parameters") or {}
    try:
        summary = json.loads((run_dir / "data" / "summary.json").read_text(encoding="utf-8"))
        return (summary.get("inventory") or {}).get("lake") or params.get("lake"), summary.get("spec") or params.get(
            "spec"
        )
    except (OSError, ValueError, AttributeError):
        return params.get("lake"), params.get("spec")


def previous_runs(
    runs_dir: Path, now: str, max_age_h: float, *, lake: str | None = None, spec: str | None = None
) -> tuple[str, str]:
    """When did a run of this lake and spec last succeed? warn if longer ago than ``max_age_h``
    or the last ones failed. Runs of another lake or spec in the same runs folder are not this
    lake's (one lake per view)."""
    now_ts = pd.Timestamp(now)
    records = []
    for path in runs_dir.glob("*/run.json"):
        try:
            rec = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        run_lake, run_spec = _inputs_of(path.parent, rec)
        if lake is not None and not _same_input(run_lake, lake):
            continue
        if spec is not None and not _same_input(run_spec, spec):
            continue
        if rec.get("started") and pd.Timestamp(rec["started"]) < now_ts:
            records.append(rec)
    of = f" of lake {' '.join(mask_text(str(lake)).split())}" if lake is not None else ""
    if not records:
        return "ok", f"first run{of} in this runs directory"
    records.sort(key=lambda r: r["started"])
    done = [r for r in records if r.get("status") == "succeeded"]
    failed_in_a_row = 0
    for r in reversed(records):
        if r.get("status") == "succeeded":
            break
        failed_in_a_row += r.get("status") == "failed"
    if not done:
        return "warn", f"none of {len(records)} earlier run(s){of} succeeded"
    last = done[-1]
    age_h = (now_ts - pd.Timestamp(last["started"])).total_seconds() / 3600
    detail = f"last success{of}: {last['run_id']} {age_h:.1f} h ago"
    if failed_in_a_row:
        detail += f"; {failed_in_a_row} failed run(s) since"
    return ("warn" if age_h > max_age_h or failed_in_a_row else "ok"), detail
