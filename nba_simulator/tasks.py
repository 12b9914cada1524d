"""Collection tasks: gaps cut into batches a scraper can act on.

Each task names the source, data type and scraper, and the exact game ids, dates and expected keys
it must produce. Its id is a hash of what it asks for, so the same gap yields the same task id on
every run.

**The order of work** is defined once, here (:func:`work_order_key`, said in words by
:data:`WORK_ORDER`): by priority (CRITICAL, HIGH, MEDIUM, LOW); within a priority the task whose
latest game is the most recent first, then the task with more items; the task id breaks ties.
``tasks.json``, the report's first screen, the tasks stage page, ``nba-recon history tasks`` and
the history database's rows all follow it, so a backlog of old LOW tasks never hides yesterday's
CRITICAL gap. Tasks are capped per priority as the spec's ``tasks`` section says (the first ones
in that order are kept); what a cap leaves out is counted in tasks and in items, never silently
lost.

Given the coverage, each task also counts ``other_sources_have``: how many of its games another
source already has (``present``; see :mod:`nba_simulator.content.matrix`): a hint for the
scraper's owner (the game surely happened and has data), not a change of the order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .content.matrix import sources_present
from .spec.model import PRIORITIES, Spec

ACTIONS = {
    "missing": "collect",
    "undersized": "recollect",
    "invalid": "recollect",
    "empty": "recollect",
    "premature": "recollect",
    "stale": "refresh",
}


#: the order of work in one sentence (the report and the tasks page say it)
WORK_ORDER = (
    "by priority (CRITICAL, HIGH, MEDIUM, LOW), then within a priority the most recent "
    "games first (the task's latest game date), then the larger task (items); the task id "
    "breaks ties"
)


def _latest(dates: Any) -> int:
    """The task's latest date as YYYYMMDD (0: no date), from a list or its JSON text."""
    if isinstance(dates, str):
        try:
            dates = json.loads(dates)
        except ValueError:
            dates = [dates]
    best = 0
    for d in dates if dates is not None and not isinstance(dates, float) else ():
        text = str(d)[:10].replace("-", "")
        if len(text) == 8 and text.isdigit():
            best = max(best, int(text))
    return best


def work_order_key(task: Mapping[str, Any]) -> tuple:
    """The one order of work, as a sort key of a task (a ``tasks.json`` entry, a history row):
    priority, then the most recent latest game date, then more items, then the task id."""
    pri = str(task.get("priority"))
    rank = PRIORITIES.index(pri) if pri in PRIORITIES else len(PRIORITIES)
    try:
        items = int(task.get("n_items") or 0)
    except (TypeError, ValueError):
        items = 0
    return rank, -_latest(task.get("dates")), -items, str(task.get("task_id") or "")


def in_work_order(tasks: Iterable[Mapping[str, Any]]) -> list:
    """The tasks in the order of work (:func:`work_order_key`)."""
    return sorted(tasks, key=work_order_key)


def work_order_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A table of tasks (one row per task: priority, dates, n_items, task_id) in the order of work."""
    if frame.empty:
        return frame.reset_index(drop=True)
    keys = [work_order_key(r) for r in frame.to_dict(orient="records")]
    order = sorted(range(len(keys)), key=keys.__getitem__)
    return frame.iloc[order].reset_index(drop=True)


@dataclass
class TaskQueue:
    tasks: list[dict]
    capped: dict[str, int] = field(default_factory=dict)  # priority -> tasks left out by the cap
    capped_items: dict[str, int] = field(default_factory=dict)  # priority -> their items

    @property
    def capped_tasks_total(self) -> int:
        return int(sum(self.capped.values()))

    @property
    def capped_items_total(self) -> int:
        return int(sum(self.capped_items.values()))


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
            per_priority[gap.priority].append(
                _task(
                    gap,
                    ds,
                    rules.scraper_for(ds),
                    keys[batch],
                    _values(games[batch]),
                    _values(dates[batch]),
                    _values(teams[batch]),
                )
            )
    out, capped, capped_items = [], {}, {}
    for p in PRIORITIES:
        cap = rules.max_per_priority.get(p)
        tasks = in_work_order(per_priority[p])
        if have is not None:
            for t in tasks:
                t["other_sources_have"] = sum(1 for g in t["game_ids"] if have.get(g, frozenset()) - {t["source"]})
        if cap is not None and len(tasks) > cap:
            capped[p] = len(tasks) - cap
            capped_items[p] = sum(t["n_items"] for t in tasks[cap:])
            tasks = tasks[:cap]
        out.extend(tasks)
    return TaskQueue(out, capped, capped_items)


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
    cols = [
        "task_id",
        "priority",
        "action",
        "reason",
        "source",
        "data_type",
        "dataset",
        "scraper",
        "season",
        "n_items",
        "game_ids",
        "dates",
        "teams",
        "expected_keys",
        "gap_id",
    ]
    if any("other_sources_have" in t for t in tasks):
        cols.insert(cols.index("n_items") + 1, "other_sources_have")
    return pd.DataFrame(tasks, columns=cols)
