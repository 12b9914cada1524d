"""Collection tasks: gaps cut into batches a scraper can act on.

Each task names the source, data type and scraper, and the exact game ids, dates and expected keys
it must produce. Its id is a hash of what it asks for, so the same gap yields the same task id on
every run. Tasks are ordered by priority, then newest games first, and capped per priority as the
spec's ``tasks`` section says; what the cap leaves out is counted, never silently lost.

Given the coverage, each task also counts ``other_sources_have``: how many of its games another
source already has (``present``; see :mod:`nba_simulator.content.matrix`), and within a priority
the tasks with the highest share of such games come first (the game surely happened and has
data: the scraper is most likely to succeed). Ties keep the newest-first order.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pandas as pd

from .content.matrix import sources_present
from .spec.model import PRIORITIES, Spec

ACTIONS = {"missing": "collect", "undersized": "recollect", "invalid": "recollect", "empty": "recollect",
           "premature": "recollect", "stale": "refresh"}


@dataclass
class TaskQueue:
    tasks: list[dict]
    capped: dict[str, int] = field(default_factory=dict)  # priority -> tasks left out by the cap


def task_queue(spec: Spec, gaps: pd.DataFrame, coverage: pd.DataFrame | None = None) -> TaskQueue:
    rules = spec.tasks
    have = None
    if coverage is not None:
        have = sources_present(coverage)
    per_priority: dict[str, list[dict]] = {p: [] for p in PRIORITIES}
    for gap in gaps.itertuples(index=False):
        ds = spec.dataset(gap.dataset)
        keys = list(gap.expected_keys)
        games, dates, teams = list(gap.game_ids), list(gap.dates), list(gap.teams)
        for start in range(0, len(keys), rules.batch_size):
            batch = slice(start, start + rules.batch_size)
            per_priority[gap.priority].append(_task(gap, ds, rules.scraper_for(ds), keys[batch],
                                                    _values(games[batch]), _values(dates[batch]),
                                                    _values(teams[batch])))
    out, capped = [], {}
    for p in PRIORITIES:
        cap = rules.max_per_priority.get(p)
        tasks = per_priority[p]
        if have is not None:
            for t in tasks:
                t["other_sources_have"] = sum(1 for g in t["game_ids"]
                                              if have.get(g, frozenset()) - {t["source"]})
            tasks = sorted(tasks, key=lambda t: -t["other_sources_have"] / max(t["n_items"], 1))
        if cap is not None and len(tasks) > cap:
            capped[p] = len(tasks) - cap
            tasks = tasks[:cap]
        out.extend(tasks)
    return TaskQueue(out, capped)


def _values(entries) -> list:
    """The distinct non-empty entries, in order."""
    return list(dict.fromkeys(e for e in entries if e is not None and not pd.isna(e)))


def _task(gap, ds, scraper: str, keys, games, dates, teams) -> dict:
    digest = hashlib.sha1("\n".join([ds.name, gap.status, *keys]).encode()).hexdigest()
    return {
        "task_id": "T" + digest[:16],
        "priority": gap.priority,
        "action": ACTIONS[gap.status],
        "reason": gap.status,
        "source": ds.source,
        "data_type": ds.data_type,
        "dataset": ds.name,
        "scraper": scraper,
        "season": gap.season,
        "game_ids": games,
        "dates": dates,
        "teams": teams,
        "expected_keys": keys,
        "n_items": len(keys),
        "gap_id": gap.gap_id,
    }


def tasks_frame(tasks: list[dict]) -> pd.DataFrame:
    """The queue as a table, one row per task (lists kept as lists)."""
    cols = ["task_id", "priority", "action", "reason", "source", "data_type", "dataset", "scraper",
            "season", "n_items", "game_ids", "dates", "teams", "expected_keys", "gap_id"]
    if any("other_sources_have" in t for t in tasks):
        cols.insert(cols.index("n_items") + 1, "other_sources_have")
    return pd.DataFrame(tasks, columns=cols)
