"""Deterministic sampling that really lists less.

A sample is a set of key prefixes ("shards") chosen from the keys the lake SHOULD hold: for each
layout, the literal prefix plus just enough following characters to give enough shards, then the
shards whose hash falls under the fraction. Only those prefixes are listed, and only the items
whose canonical key lies in a chosen shard are judged, so sampled counts are compared with sampled
expectations. Other layouts' keys of the chosen items are listed too, so no item is misjudged.
The same inputs choose the same shards on every run. Numbers from a sample are estimates.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import pandas as pd

from ..errors import ParameterError
from .expected import Expected

SHARDS_PER_SAMPLED = 10  # aim for this many shards per shard kept, so the fraction is honoured


@dataclass(frozen=True)
class SamplePlan:
    fraction: float
    prefixes: tuple[str, ...]  # what to list
    item_ids: frozenset[int]  # which expected items are judged

    def restrict(self, expected: Expected) -> Expected:
        items = expected.items[expected.items["item_id"].isin(self.item_ids)]
        keys = expected.keys[expected.keys["item_id"].isin(self.item_ids)]
        return Expected(items.reset_index(drop=True), keys.reset_index(drop=True), expected.warnings)


def _hash_unit(text: str) -> float:
    return int.from_bytes(hashlib.sha1(text.encode()).digest()[:8], "big") / 2**64


def _shard_depth(keys: pd.Series, base: int, target: int) -> int:
    longest = int(keys.str.len().max())
    for depth in range(base, longest + 1):
        if keys.str.slice(0, depth).nunique() >= target:
            return depth
    return longest


def plan_sample(expected: Expected, fraction: float) -> SamplePlan:
    if not 0 < fraction <= 1:
        raise ParameterError(f"sample must be a fraction in (0, 1], got {fraction!r}")
    items = expected.items.dropna(subset=["expected_key"])
    canon = items[["item_id", "dataset", "expected_key"]]
    chosen_ids: set[int] = set()
    for _, group in canon.groupby("dataset", sort=True):
        keys = group["expected_key"].astype(str)
        base = len(_common_prefix(keys))
        target = min(len(keys), max(1, math.ceil(SHARDS_PER_SAMPLED / fraction)))
        depth = _shard_depth(keys, base, target)
        shard = keys.str.slice(0, depth)
        units = {s: _hash_unit(s) for s in shard.unique()}
        keep = {s for s, u in units.items() if u < fraction} or {min(units, key=units.get)}
        chosen_ids.update(group.loc[shard.isin(keep).to_numpy(), "item_id"].tolist())
    # list the chosen items' keys under every layout, collapsed to shard-sized prefixes
    keys = expected.keys[expected.keys["item_id"].isin(chosen_ids)]["key"].astype(str)
    prefixes = _collapse(keys)
    return SamplePlan(fraction, tuple(prefixes), frozenset(chosen_ids))


def _collapse(keys: pd.Series) -> list[str]:
    """Prefixes covering exactly the folders/shards of ``keys`` (a key's folder + first chars)."""
    folder = keys.str.rsplit("/", n=1).str[0].fillna("") + "/"
    name = keys.str.rsplit("/", n=1).str[-1]
    # within a folder, shard by the shortest name prefix that still keeps the listing small
    out = set()
    for f, names in name.groupby(folder):
        d = _shard_depth(names, 0, max(1, min(len(names), 50)))
        d = max(1, min(d, int(names.str.len().min()) - 1))
        out.update(f + n[:d] for n in names.unique())
    return sorted(out)


def _common_prefix(keys: pd.Series) -> str:
    lo, hi = keys.min(), keys.max()
    i = 0
    while i < min(len(lo), len(hi)) and lo[i] == hi[i]:
        i += 1
    return lo[:i]
