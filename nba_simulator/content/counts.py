"""What a probe's table says per dataset: the outcomes counted, and over a sample or a cut budget
the estimated empties with their 95% Wilson interval (``dataset_counts``); a JSON content path
found in no file judged (``path_warnings``); the rows ready for summary.json (``records``)."""

from __future__ import annotations

import math

import pandas as pd

DATASET_COLUMNS = [
    "dataset",
    "targets",
    "judged",
    "ok",
    "empty",
    "invalid",
    "error",
    "unprobed",
    "empty_pct",
    "estimate",
    "estimated_empty",
    "estimated_low",
    "estimated_high",
]


def dataset_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Per dataset: targets, outcomes, and (when some were not judged) the estimated empties."""
    rows = []
    for name, g in table.groupby("dataset", sort=True):
        v = g["verdict"].value_counts()
        n = {k: int(v.get(k, 0)) for k in ("ok", "empty", "invalid", "error", "unprobed")}
        judged = n["ok"] + n["empty"] + n["invalid"]
        bad = n["empty"] + n["invalid"]
        estimate = bool(n["unprobed"] + n["error"])
        row = {
            "dataset": name,
            "targets": int(len(g)),
            "judged": judged,
            **n,
            "empty_pct": round(100 * bad / judged, 2) if judged else None,
            "estimate": estimate,
            "estimated_empty": None,
            "estimated_low": None,
            "estimated_high": None,
        }
        if estimate and judged:
            lo, hi = wilson(bad, judged)
            row.update(
                estimated_empty=int(round(bad / judged * len(g))),
                estimated_low=int(math.floor(lo * len(g))),
                estimated_high=int(math.ceil(hi * len(g))),
            )
        rows.append(row)
    return pd.DataFrame(rows, columns=DATASET_COLUMNS)


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a proportion k/n."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def path_warnings(table: pd.DataFrame, rules) -> list[str]:
    out = []
    for name, g in table[table["format"] == "json"].groupby("dataset", sort=True):
        judged = g[g["path_found"].notna()]
        if len(judged) and not judged["path_found"].any():
            out.append(
                f"dataset {name}: the content path {' / '.join(rules[name].non_empty)} was "
                f"found in none of the {len(judged)} file(s) judged: check the spec's "
                f"content rule (line {rules[name].line})"
            )
    return out


def records(df: pd.DataFrame) -> list[dict]:
    """The rows of ``df`` for JSON: NaN as None, numpy scalars as Python values."""
    return [
        {
            k: (
                None
                if (v is None or (isinstance(v, float) and math.isnan(v)))
                else (v.item() if hasattr(v, "item") else v)
            )
            for k, v in r.items()
        }
        for r in df.to_dict(orient="records")
    ]
