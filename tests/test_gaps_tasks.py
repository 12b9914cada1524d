import pandas as pd

from nba_simulator.coverage import build_coverage
from nba_simulator.gaps import find_gaps
from nba_simulator.tasks import task_queue
from tests.builders import AS_OF, inventory, ts


def _gaps(spec, schedule, lake, as_of=AS_OF):
    r = build_coverage(spec, schedule, inventory(lake), as_of)
    return r, find_gaps(spec, r.coverage, r.completeness, as_of)


def test_runs_of_consecutive_scheduled_dates(spec, schedule):
    # pbp present only for game 5 (2023-10-27): missing runs are 10-24..10-26 and 10-28..11-04
    lake = [("pbp/2023-24/0022300005.json", 500, ts("2023-10-28 06:00"), "a")]
    r, gaps = _gaps(spec, schedule, lake)
    pbp = gaps[(gaps["dataset"] == "pbp") & (gaps["status"] == "missing")].sort_values("first_date")
    assert [
        (str(a.date()), str(b.date()), n)
        for a, b, n in pbp[["first_date", "last_date", "n_items"]].itertuples(index=False)
    ] == [("2023-10-24", "2023-10-26", 3), ("2023-10-28", "2023-11-04", 2)]
    assert pbp.iloc[0]["game_ids"] == ["0022300001", "0022300002", "0022300004"]


def test_priorities_at_a_fixed_as_of(spec, schedule):
    lake = [("pbp/2023-24/0022300005.json", 500, ts("2023-10-28 06:00"), "a")]
    _, gaps = _gaps(spec, schedule, lake)
    by = {
        (g.dataset, g.season, str(g.last_date.date()) if not pd.isna(g.last_date) else None): g.priority
        for g in gaps.itertuples()
    }
    assert by[("pbp", "2023-24", "2023-11-04")] == "CRITICAL"  # required, ended 0 days before as_of
    assert by[("pbp", "2023-24", "2023-10-26")] == "HIGH"  # current season
    assert by[("hoopr", "2022-23", None)] == "MEDIUM"  # previous season
    # a year later the same gaps are older
    _, later = _gaps(spec, schedule, lake, as_of="2025-11-05")
    assert set(later.loc[later["season"] == "2023-24", "priority"]) == {"LOW"}
    assert "rule" in later.columns and set(later["rule"]) == {"any other gap"}  # {priority: LOW}
    # the rule that matched, said by its meaning (not a line number of the spec)
    rules = {g.priority: g.rule for g in gaps.itertuples()}
    assert rules["CRITICAL"] == "required, game ended within 3 days"
    assert rules["HIGH"] == "current season" and rules["MEDIUM"] == "previous season"


def test_tasks_batched_capped_with_stable_ids(spec, schedule):
    lake = [("pbp/2023-24/0022300005.json", 500, ts("2023-10-28 06:00"), "a")]
    _, gaps = _gaps(spec, schedule, lake)
    q1 = task_queue(spec, gaps)
    _, gaps2 = _gaps(spec, schedule, lake)
    q2 = task_queue(spec, gaps2)
    assert [t["task_id"] for t in q1.tasks] == [t["task_id"] for t in q2.tasks]
    assert all(t["n_items"] <= 2 for t in q1.tasks)  # batch_size: 2
    first = next(t for t in q1.tasks if t["dataset"] == "pbp" and "0022300001" in t["game_ids"])
    assert first["expected_keys"] == ["pbp/2023-24/0022300001.json", "pbp/2023-24/0022300002.json"]
    assert first["dates"] == ["2023-10-24"] and first["action"] == "collect"
    assert first["scraper"] == "nba_stats_scraper"
    assert len({t["task_id"] for t in q1.tasks}) == len(q1.tasks)
    # a different gap gives a different id
    _, gaps3 = _gaps(spec, schedule, [])
    assert {t["task_id"] for t in task_queue(spec, gaps3).tasks} != {t["task_id"] for t in q1.tasks}


def test_cap_counts_what_it_leaves_out(spec, schedule):
    _, gaps = _gaps(spec, schedule, [], as_of="2026-11-05")  # everything LOW, LOW capped at 0
    q = task_queue(spec, gaps)
    assert q.tasks == [] and q.capped["LOW"] > 0
