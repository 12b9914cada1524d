"""Does the lake hold what the spec describes at all?

A lake in which no key matches any dataset's layouts (a wrong bucket, prefix or spec; a folder
holding one stray file) would give a report of "everything missing" and a task for every game: it
is bad input (:class:`LakeNotFound`, exit 2), with one line naming the lake and the prefixes
found nearest to the spec's. A dataset none of whose layouts matches any key gets a warning
naming it and its layouts (a renamed folder is the usual cause), shown on the report's first
screen.
"""

from __future__ import annotations

import difflib
from collections import Counter

import pandas as pd

from nba_simulator.errors import LakeNotFound

#: keys tried first per layout prefix; all of them only when none of these matches
_FIRST = 2000


def _top(key: str) -> str:
    return key.split("/", 1)[0] + "/" if "/" in key else key


def dataset_hits(spec, keys: pd.Series) -> dict[str, bool]:
    """Per dataset: does any key match one of its layouts? (Each layout is tried on the keys
    under its literal prefix only, the first few thousand first: quick on a big lake.)"""
    keys = keys.astype("string")
    hits: dict[str, bool] = {}
    for ds in spec.datasets:
        found = False
        for layout in ds.layouts:
            prefix = layout.literal_prefix
            under = keys[keys.str.startswith(prefix).fillna(False).to_numpy(bool)] if prefix else keys
            if under.empty:
                continue
            if bool(layout.matches(under.head(_FIRST)).any()) or (
                len(under) > _FIRST and bool(layout.matches(under).any())
            ):
                found = True
                break
        hits[ds.name] = found
    return hits


def nearest_prefixes(spec, keys: pd.Series, n: int = 5) -> list[str]:
    """The lake's top-level folders, those most like the spec's layout prefixes first, with counts."""
    found = Counter(_top(k) for k in keys.astype(str))
    wanted = sorted(
        {_top(layout.literal_prefix) for ds in spec.datasets for layout in ds.layouts if layout.literal_prefix}
    )

    def likeness(folder: str) -> float:
        return max((difflib.SequenceMatcher(None, folder, w).ratio() for w in wanted), default=0.0)

    ranked = sorted(found, key=lambda f: (-likeness(f), -found[f], f))
    return [f"{f} ({found[f]:,} key{'s' if found[f] != 1 else ''})" for f in ranked[:n]]


def _expected(spec, wanted: list[str]) -> str:
    """The folders the spec's layouts start with, or (layouts that start with a placeholder) the
    layouts themselves."""
    if not wanted:
        texts = list(dict.fromkeys(layout.text for ds in spec.datasets for layout in ds.layouts))
        wanted = [f"keys like {t!r}" for t in texts]
    return ", ".join(wanted[:6]) + (", ..." if len(wanted) > 6 else "")


def check_lake(spec, inventory: pd.DataFrame, lake: str) -> list[str]:
    """Raise :class:`LakeNotFound` when the lake holds keys but none of any dataset; else the
    warnings for the datasets that match nothing (empty list: every dataset has keys)."""
    if inventory.empty or not spec.datasets:
        return []
    keys = inventory["key"]
    hits = dataset_hits(spec, keys)
    if not any(hits.values()):
        wanted = sorted(
            {_top(layout.literal_prefix) for ds in spec.datasets for layout in ds.layouts if layout.literal_prefix}
        )
        raise LakeNotFound(
            f"no key of the lake {lake} matches any dataset of the spec ({len(keys):,} object(s) "
            f"found under {', '.join(nearest_prefixes(spec, keys))}; the spec expects "
            f"{_expected(spec, wanted)}): wrong bucket, prefix or spec?"
        )
    warnings = []
    for ds in spec.datasets:
        if not hits[ds.name]:
            layouts = ", ".join(layout.text for layout in ds.layouts)
            warnings.append(
                f"dataset {ds.name} matches no key of the lake (layouts: {layouts}): "
                f"every one of its items is missing; is its folder renamed or elsewhere?"
            )
    return warnings
