"""Property-based tests (Hypothesis): the priority rules (all seven conditions, first match
wins), key sorting of sorted runs, and the sampling plan."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nba_simulator.coverage.expected import Expected
from nba_simulator.coverage.sampling import plan_sample
from nba_simulator.gaps import prioritise, rule_meaning
from nba_simulator.spec.model import PRIORITIES, PriorityRule
from nba_simulator.storage.keysort import has_duplicates, sort_by_key

AS_OF = pd.Timestamp("2019-03-15", tz="UTC")
SEASONS = ["2014-15", "2016-17", "2017-18", "2018-19", "2019-20"]
STATUSES = ["missing", "undersized", "empty", "premature", "stale"]
DATASETS = ["a", "b", "c"]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

gap_rows = st.fixed_dictionaries(
    {
        "required": st.booleans(),
        "last_date": st.dates(dt.date(2014, 10, 1), dt.date(2019, 3, 20)),
        "season": st.sampled_from(SEASONS),
        "completeness_pct": st.floats(0, 100, allow_nan=False),
        "status": st.sampled_from(STATUSES),
        "dataset": st.sampled_from(DATASETS),
    }
)
rules = st.builds(
    PriorityRule,
    priority=st.sampled_from(PRIORITIES),
    required=st.none() | st.booleans(),
    within_days=st.none() | st.integers(0, 400),
    season=st.none() | st.sampled_from(["current", "previous", "older"]),
    max_completeness=st.none() | st.floats(0, 100, allow_nan=False),
    min_completeness=st.none() | st.floats(0, 100, allow_nan=False),
    statuses=st.none() | st.lists(st.sampled_from(STATUSES), min_size=1, unique=True).map(tuple),
    datasets=st.none() | st.lists(st.sampled_from(DATASETS), min_size=1, unique=True).map(tuple),
)


def matches(rule: PriorityRule, row: dict) -> bool:
    """The seven conditions, one row at a time, written from the spec's documentation."""
    rel = 2018 - int(row["season"][:4])  # 2019-03-15 is in the 2018-19 season
    ended = (AS_OF.date() - (row["last_date"] + dt.timedelta(days=1))).days
    season_ok = {None: True, "current": rel == 0, "previous": rel == 1, "older": rel >= 2}[rule.season]
    return (
        (rule.required is None or row["required"] == rule.required)
        and (rule.within_days is None or ended <= rule.within_days)
        and season_ok
        and (rule.max_completeness is None or row["completeness_pct"] <= rule.max_completeness)
        and (rule.min_completeness is None or row["completeness_pct"] >= rule.min_completeness)
        and (rule.statuses is None or row["status"] in rule.statuses)
        and (rule.datasets is None or row["dataset"] in rule.datasets)
    )


@SETTINGS
@given(st.lists(gap_rows, min_size=1, max_size=12), st.lists(rules, max_size=6))
def test_priority_is_the_first_matching_rule(rows, rule_list):
    gaps = pd.DataFrame(rows)
    gaps["last_date"] = pd.to_datetime(gaps["last_date"])
    priority, rule_no = prioritise(tuple(rule_list), gaps, AS_OF)
    for i, row in enumerate(rows):
        first = next((n for n, r in enumerate(rule_list, start=1) if matches(r, row)), None)
        if first is None:
            assert (priority[i], rule_no[i]) == ("LOW", "no rule matched (LOW)")
        else:
            assert priority[i] == rule_list[first - 1].priority
            assert rule_no[i] == rule_meaning(rule_list[first - 1])  # the rule, in words


@SETTINGS
@given(
    st.lists(st.text("abc/0123456789", min_size=1, max_size=12), min_size=1, max_size=60, unique=True),
    st.integers(1, 6),
    st.randoms(use_true_random=False),
    st.booleans(),
)
def test_sort_by_key_equals_a_full_sort(keys, n_runs, rnd, sorted_runs):
    """Sorted disjoint runs in any order (the fast path) or anything else: the same result."""
    keys = sorted(keys)
    cuts = sorted(rnd.sample(range(1, len(keys)), min(n_runs - 1, len(keys) - 1))) if len(keys) > 1 else []
    runs = [keys[a:b] for a, b in zip([0, *cuts], [*cuts, len(keys)])]
    rnd.shuffle(runs)
    if not sorted_runs:
        runs = [rnd.sample(r, len(r)) for r in runs]
    batches = [pa.record_batch({"key": pa.array(r, pa.string()), "n": pa.array(range(len(r)))}) for r in runs]
    table = pa.Table.from_batches(batches)
    got = sort_by_key(table)
    assert got.column("key").to_pylist() == keys
    assert got.equals(table.sort_by("key"))
    assert not has_duplicates(got.column("key"))


@given(st.lists(st.text("ab", min_size=1, max_size=3), min_size=2, max_size=30))
def test_has_duplicates_of_a_sorted_column(keys):
    keys = sorted(keys)
    assert has_duplicates(pa.chunked_array([pa.array(keys, pa.string())])) == (len(set(keys)) < len(keys))


def expected_of(names: dict[str, list[str]]) -> Expected:
    rows, keys = [], []
    for ds, ids in names.items():
        for game in ids:
            item_id = len(rows)
            rows.append({"item_id": item_id, "dataset": ds, "expected_key": f"{ds}/{game}.json"})
            keys += [
                {"item_id": item_id, "key": f"{ds}/{game}.json"},
                {"item_id": item_id, "key": f"old_{ds}/{game}.json"},
            ]
    return Expected(pd.DataFrame(rows), pd.DataFrame(keys))


ids = st.lists(st.from_regex(r"00218\d{5}", fullmatch=True), min_size=1, max_size=40, unique=True)


@SETTINGS
@given(st.dictionaries(st.sampled_from(["espn_pbp", "nba_box", "bbref"]), ids, min_size=1), st.floats(0.01, 1.0))
def test_sampling_plan(names, fraction):
    expected = expected_of(names)
    plan = plan_sample(expected, fraction)
    assert plan == plan_sample(expected, fraction)  # deterministic
    chosen = expected.items[expected.items["item_id"].isin(plan.item_ids)]
    assert set(chosen["dataset"]) == set(names)  # every dataset judged
    keys = expected.keys[expected.keys["item_id"].isin(plan.item_ids)]["key"]
    assert all(any(k.startswith(p) for p in plan.prefixes) for k in keys)  # every layout listed
    restricted = plan.restrict(expected)
    assert set(restricted.items["item_id"]) == set(plan.item_ids)
    if fraction == 1.0:
        assert plan.item_ids == frozenset(expected.items["item_id"])
