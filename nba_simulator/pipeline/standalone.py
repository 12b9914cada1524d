"""What a stage notebook needs on its own: the choice of spec and date ``nba-recon run`` makes, and
the banner that says the spec and the lake do not fit (``coverage.fit``)."""

from __future__ import annotations

import pandas as pd

DEMO = "demo"


def standalone_choice(spec: str, lake: str, as_of: str, *, today: str) -> tuple[str, str, list[str]]:
    """A notebook run on its own (papermill, JupyterLab) picks the spec and date the way
    ``nba-recon run`` does: with a lake other than the demo's, the notebook's defaults (spec
    ``demo``, an empty ``as_of``) mean "not given": the packaged spec of the real bucket and today
    (UTC). Returns (spec, as_of, notes saying what was chosen)."""
    notes = []
    if lake in ("", DEMO):
        return spec, as_of, notes
    if spec in ("", DEMO):
        spec = "default"
        notes.append(
            "spec: the packaged spec of the real bucket (a lake other than the demo's was given, "
            "as `nba-recon run` picks; pass -p spec to choose)"
        )
    if not as_of:
        as_of = today
        notes.append(f"as_of: today, {today} (UTC), as `nba-recon run` picks for a real lake; pass -p as_of to choose")
    return spec, as_of, notes


def fit_banner(scan_info: dict, cov, spec: str):
    """When the spec and the lake do not fit: an HTML banner to show before any figure, else None."""
    from html import escape

    from IPython.display import HTML

    from nba_simulator.coverage.fit import fit_problem

    reasons = pd.Series(cov.orphan_counts) if cov.orphan_counts is not None else cov.orphans["reason"].value_counts()
    line = fit_problem(scan_info.get("objects"), int(reasons.get("orphan", 0)), int(reasons.get("unparsed", 0)), spec)
    if not line:
        return None
    return HTML(
        '<div role="alert" style="background:#fff8c5;border-left:4px solid #d4a72c;'
        f'padding:.4rem .8rem;font-weight:600">{escape(line)}</div>'
    )
