"""Gaps: problem items grouped into actionable runs, each ranked by the spec's priority rules.

A gap is one dataset, one season, one problem status and one run of consecutive scheduled dates
(a date with no problem of that status breaks the run; days without games do not). Items owed per
season or team-season form one gap per dataset, season and status. Priorities come only from the
spec's ``priorities`` rules, evaluated at ``as_of``: the first rule whose conditions all hold wins.
"""

from __future__ import annotations

import hashlib

import pandas as pd

from . import seasons as season_math
from .asof import parse_as_of
from .coverage.match import PROBLEM_STATUSES
from .schedule.owed import day_end
from .spec.model import PRIORITIES, PriorityRule, Spec

GAP_COLUMNS = [
    "gap_id",
    "priority",
    "rule",
    "dataset",
    "source",
    "data_type",
    "required",
    "season",
    "status",
    "first_date",
    "last_date",
    "n_items",
    "completeness_pct",
    "game_ids",
    "dates",
    "teams",
    "expected_keys",
]
RELATIVE_SEASON = {"current": lambda r: r == 0, "previous": lambda r: r == 1, "older": lambda r: r >= 2}


def find_gaps(spec: Spec, coverage: pd.DataFrame, completeness: pd.DataFrame, as_of) -> pd.DataFrame:
    as_of = parse_as_of(as_of)
    problems = coverage[coverage["status"].isin(PROBLEM_STATUSES)].copy()
    if problems.empty:
        return pd.DataFrame(columns=GAP_COLUMNS)
    problems["run"] = _date_runs(coverage, problems)
    problems = problems.sort_values(
        ["dataset", "season", "status", "run", "game_date", "game_id", "team", "expected_key"],
        kind="mergesort",
        na_position="last",
    )
    grouped = problems.groupby(["dataset", "season", "status", "run"], sort=False, dropna=False)
    gaps = grouped.agg(
        source=("source", "first"),
        data_type=("data_type", "first"),
        required=("required", "first"),
        first_date=("game_date", "min"),
        last_date=("game_date", "max"),
        n_items=("expected_key", "size"),
        game_ids=("game_id", _aligned),
        dates=("game_date", _aligned_dates),
        teams=("team", _aligned),
        expected_keys=("expected_key", list),
    ).reset_index()
    pct = completeness.set_index(["dataset", "season"])["complete_pct"]
    gaps["completeness_pct"] = pct.reindex(pd.MultiIndex.from_frame(gaps[["dataset", "season"]])).to_numpy()
    gaps["priority"], gaps["rule"] = prioritise(spec.priorities, gaps, as_of)
    gaps["gap_id"] = [_gap_id(r) for r in gaps[["dataset", "season", "status", "expected_keys"]].itertuples()]
    order = gaps["priority"].map({p: i for i, p in enumerate(PRIORITIES)})
    gaps = gaps.assign(_o=order).sort_values(
        ["_o", "last_date", "dataset", "season"], ascending=[True, False, True, False], kind="mergesort"
    )
    return gaps[GAP_COLUMNS].reset_index(drop=True)


def _date_runs(coverage: pd.DataFrame, problems: pd.DataFrame) -> pd.Series:
    """Number consecutive runs of scheduled dates per dataset x season x status (-1: undated)."""
    dated = coverage.dropna(subset=["game_date"])
    rank = (
        dated[["dataset", "season", "game_date"]]
        .drop_duplicates()
        .assign(r=lambda d: d.groupby(["dataset", "season"])["game_date"].rank(method="dense"))
    )
    p = problems[["dataset", "season", "status", "game_date"]].reset_index()
    p = p.merge(rank, on=["dataset", "season", "game_date"], how="left").set_index("index")
    p = p.sort_values(["dataset", "season", "status", "r"], kind="mergesort")
    key = p["dataset"] + "|" + p["season"].astype(str) + "|" + p["status"]
    new_run = (key != key.shift()) | (p["r"].diff() > 1)
    runs = new_run.cumsum().where(p["r"].notna(), -1)
    return runs.reindex(problems.index).astype("int64")


def _aligned(values: pd.Series) -> list:
    """One entry per item, in item order (None where the item has no value)."""
    return [None if pd.isna(v) else v for v in values]


def _aligned_dates(values: pd.Series) -> list:
    return [None if pd.isna(v) else v.strftime("%Y-%m-%d") for v in values]


def prioritise(rules: tuple[PriorityRule, ...], gaps: pd.DataFrame, as_of: pd.Timestamp):
    rel = gaps["season"].map(lambda s: season_math.relative(s, as_of))
    ended_days = (as_of - day_end(gaps["last_date"])) / pd.Timedelta(days=1)
    pct = gaps["completeness_pct"].astype(float)
    priority = pd.Series(pd.NA, index=gaps.index, dtype=object)
    rule_no = pd.Series(pd.NA, index=gaps.index, dtype=object)
    for rule in rules:
        m = pd.Series(True, index=gaps.index)
        if rule.required is not None:
            m &= gaps["required"] == rule.required
        if rule.within_days is not None:
            m &= ended_days.notna() & (ended_days <= rule.within_days)
        if rule.season is not None:
            m &= rel.map(RELATIVE_SEASON[rule.season])
        if rule.max_completeness is not None:
            m &= pct <= rule.max_completeness
        if rule.min_completeness is not None:
            m &= pct >= rule.min_completeness
        if rule.statuses is not None:
            m &= gaps["status"].isin(rule.statuses)
        if rule.datasets is not None:
            m &= gaps["dataset"].isin(rule.datasets)
        take = m & priority.isna()
        priority[take] = rule.priority
        rule_no[take] = rule_meaning(rule)
    rule_no[priority.isna()] = "no rule matched (LOW)"
    priority[priority.isna()] = "LOW"
    return priority.to_numpy(), rule_no.to_numpy()


def rule_meaning(rule: PriorityRule) -> str:
    """A priority rule in words a reader understands: ``required, ended within 3 days``."""
    parts = []
    if rule.required is not None:
        parts.append("required" if rule.required else "optional")
    if rule.datasets:
        parts.append("dataset " + " or ".join(rule.datasets))
    if rule.statuses:
        parts.append(" or ".join(rule.statuses))
    if rule.within_days is not None:
        parts.append(f"game ended within {rule.within_days} day{'s' if rule.within_days != 1 else ''}")
    if rule.season is not None:
        parts.append(f"{rule.season} season")
    if rule.max_completeness is not None:
        parts.append(f"season at most {rule.max_completeness:g}% complete")
    if rule.min_completeness is not None:
        parts.append(f"season at least {rule.min_completeness:g}% complete")
    return ", ".join(parts) or "any other gap"


def _gap_id(row) -> str:
    digest = hashlib.sha1(
        "\n".join([row.dataset, str(row.season), row.status, *map(str, row.expected_keys)]).encode()
    ).hexdigest()
    return "G" + digest[:12]
