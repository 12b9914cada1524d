"""Completeness per dataset x season: counts per status and percentages.

``complete_pct`` = present / expected; ``have_pct`` = items with any object / expected.
``expected`` excludes unmapped items (no key could be expected), which are counted apart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .match import ALL_STATUSES

COMPLETENESS_COLUMNS = [
    "dataset",
    "source",
    "data_type",
    "season",
    "expected",
    *ALL_STATUSES,
    "complete_pct",
    "have_pct",
]


def completeness(coverage: pd.DataFrame, by: tuple[str, ...] = ("dataset", "season")) -> pd.DataFrame:
    keys = list(by)
    counts = pd.crosstab([coverage[k] for k in keys], coverage["status"]).reindex(
        columns=list(ALL_STATUSES), fill_value=0
    )
    counts.columns.name = None
    counts = counts.reset_index()
    meta = coverage.drop_duplicates("dataset").set_index("dataset")[["source", "data_type"]]
    counts = counts.join(meta, on="dataset") if "dataset" in keys else counts
    counts["expected"] = counts[[s for s in ALL_STATUSES if s != "unmapped"]].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        counts["complete_pct"] = (100 * counts["present"] / counts["expected"]).round(2)
        counts["have_pct"] = (100 * (counts["expected"] - counts["missing"]) / counts["expected"]).round(2)
    cols = [c for c in COMPLETENESS_COLUMNS if c in counts.columns or c in keys]
    return counts[cols].sort_values(keys, kind="mergesort").reset_index(drop=True)


def overall(coverage: pd.DataFrame) -> dict:
    """Headline numbers over every dataset and season."""
    counts = coverage["status"].value_counts().reindex(list(ALL_STATUSES), fill_value=0)
    expected = int(counts.drop("unmapped").sum())
    return {
        "expected": expected,
        **{s: int(counts[s]) for s in ALL_STATUSES},
        "complete_pct": round(100 * counts["present"] / expected, 2) if expected else None,
        "have_pct": round(100 * (expected - counts["missing"]) / expected, 2) if expected else None,
    }
