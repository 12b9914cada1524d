"""Problem items and tasks across runs: opened, kept open, fixed / resolved, superseded."""

from __future__ import annotations

import json

import pandas as pd
import sqlalchemy as sa

from ...coverage.match import PROBLEM_STATUSES, STATUS_ORDER
from ...tasks import in_work_order
from ..history_schema import temp_table
from .rows import value_or_none

ITEM_COLUMNS = ["expected_key", "dataset", "season", "season_type", "game_id", "game_date", "team", "status", "gap_id"]


def _gap_of_key(gaps: pd.DataFrame | None) -> pd.Series:
    if gaps is None or gaps.empty:
        return pd.Series(dtype=object)
    exploded = gaps[["gap_id", "expected_keys"]].explode("expected_keys").dropna()
    return exploded.drop_duplicates("expected_keys").set_index("expected_keys")["gap_id"]


def item_lifecycle(conn, t, run_id: str, coverage: pd.DataFrame, gaps, scope) -> dict[str, int]:
    """``scope``: the select of the run ids of this run's lake and spec (``scope.same_scope``);
    only the episodes those runs opened are kept open, fixed or counted as already open."""
    p = t.problem_items
    mine_scope = p.c.first_run_id.in_(scope)
    judged = coverage[coverage["status"].isin(STATUS_ORDER) & coverage["expected_key"].notna()]
    judged = judged.drop_duplicates("expected_key")
    problems = judged[judged["status"].isin(PROBLEM_STATUSES)]
    open_keys = pd.read_sql(sa.select(p.c.expected_key).where(p.c.fixed_run_id.is_(None), mine_scope), conn)
    present = judged[(judged["status"] == "present") & judged["expected_key"].isin(open_keys["expected_key"])]
    rows = pd.concat([problems, present], ignore_index=True).reindex(columns=ITEM_COLUMNS)
    rows["gap_id"] = rows["expected_key"].map(_gap_of_key(gaps))
    for col in ("season", "season_type", "game_id", "team"):
        rows[col] = rows[col].astype(object).where(rows[col].notna(), None)
    rows["game_date"] = pd.to_datetime(rows["game_date"]).dt.normalize()
    j = temp_table(
        conn,
        "_nba_recon_judged",
        [
            sa.Column("expected_key", sa.String(1024), primary_key=True),
            sa.Column("dataset", sa.String(200)),
            sa.Column("season", sa.String(16)),
            sa.Column("season_type", sa.String(16)),
            sa.Column("game_id", sa.String(32)),
            sa.Column("game_date", sa.Date),
            sa.Column("team", sa.String(16)),
            sa.Column("status", sa.String(16)),
            sa.Column("gap_id", sa.String(32)),
        ],
        rows,
    )
    is_open = sa.and_(p.c.fixed_run_id.is_(None), mine_scope)
    fixed = conn.execute(
        p.update()
        .where(is_open, p.c.expected_key.in_(sa.select(j.c.expected_key).where(j.c.status == "present")))
        .values(fixed_run_id=run_id)
    ).rowcount
    mine = sa.select(j.c.status).where(j.c.expected_key == p.c.expected_key).scalar_subquery()
    gap = sa.select(j.c.gap_id).where(j.c.expected_key == p.c.expected_key).scalar_subquery()
    still = conn.execute(
        p.update()
        .where(is_open, p.c.expected_key.in_(sa.select(j.c.expected_key).where(j.c.status != "present")))
        .values(last_run_id=run_id, status=mine, gap_id=gap)
    ).rowcount
    open_episode = sa.exists().where(p.c.expected_key == j.c.expected_key, is_open)
    cols = ["expected_key", "dataset", "season", "season_type", "game_id", "game_date", "team", "status", "gap_id"]
    new = conn.execute(
        p.insert().from_select(
            [*cols, "first_status", "first_run_id", "last_run_id"],
            sa.select(*(j.c[c] for c in cols), j.c.status, sa.literal(run_id), sa.literal(run_id)).where(
                j.c.status != "present", ~open_episode
            ),
        )
    ).rowcount
    j.drop(conn)
    return {"new": int(new), "fixed": int(fixed), "still": int(still)}


def task_lifecycle(conn, t, run_id: str, tasks: list[dict], estimate: bool, scope) -> dict[str, int]:
    """Only the tasks last issued by a run of this lake and spec (``scope``) are resolved or
    superseded, and only by this scope's open problem items."""
    tk, ti = t.tasks, t.task_items
    counts = dict.fromkeys(("new", "seen", "reopened", "resolved", "superseded", "open"), 0)
    queue = {}
    for task in in_work_order(tasks):  # rows written in the order of work
        queue.setdefault(task["task_id"], task)
    rt = temp_table(
        conn,
        "_nba_recon_run_tasks",
        [sa.Column("task_id", sa.String(32), primary_key=True), sa.Column("priority", sa.String(16))],
        [{"task_id": k, "priority": v["priority"]} for k, v in queue.items()],
    )
    known = dict(
        conn.execute(sa.select(tk.c.task_id, tk.c.status).where(tk.c.task_id.in_(sa.select(rt.c.task_id)))).all()
    )
    new_rows, item_rows = [], []
    for task_id, task in queue.items():
        if task_id in known:
            continue
        new_rows.append(
            {
                "task_id": task_id,
                "status": "open",
                "priority": task["priority"],
                "action": task.get("action"),
                "reason": task.get("reason"),
                "source": task.get("source"),
                "data_type": task.get("data_type"),
                "dataset": task["dataset"],
                "scraper": task.get("scraper"),
                "season": task.get("season"),
                "n_items": int(task.get("n_items") or len(task.get("expected_keys") or [])),
                "gap_id": task.get("gap_id"),
                **{
                    k: json.dumps([value_or_none(v) for v in task.get(k) or []]) for k in ("game_ids", "dates", "teams")
                },
                "first_run_id": run_id,
                "last_run_id": run_id,
                "closed_run_id": None,
            }
        )
        item_rows += [{"task_id": task_id, "expected_key": k} for k in dict.fromkeys(task.get("expected_keys") or [])]
    if new_rows:
        conn.execute(tk.insert(), new_rows)
    if item_rows:
        conn.execute(ti.insert(), item_rows)
    counts["new"] = len(new_rows)
    counts["reopened"] = sum(1 for s in known.values() if s != "open")
    if known:
        prio = sa.select(rt.c.priority).where(rt.c.task_id == tk.c.task_id).scalar_subquery()
        counts["seen"] = conn.execute(
            tk.update()
            .where(tk.c.task_id.in_(sa.select(rt.c.task_id)), tk.c.first_run_id != run_id)
            .values(status="open", closed_run_id=None, last_run_id=run_id, priority=prio)
        ).rowcount
    p = t.problem_items
    open_item = (
        sa.select(sa.literal(1))
        .select_from(ti.join(p, p.c.expected_key == ti.c.expected_key))
        .where(ti.c.task_id == tk.c.task_id, p.c.fixed_run_id.is_(None), p.c.first_run_id.in_(scope))
    )
    in_scope = tk.c.last_run_id.in_(scope)
    counts["resolved"] = conn.execute(
        tk.update()
        .where(tk.c.status == "open", in_scope, ~sa.exists(open_item))
        .values(status="resolved", closed_run_id=run_id)
    ).rowcount
    if not estimate:
        # open items of the task that no task of this run covers
        ti2 = ti.alias("ti2")
        covered = (
            sa.select(sa.literal(1))
            .select_from(ti2.join(rt, rt.c.task_id == ti2.c.task_id))
            .where(ti2.c.expected_key == ti.c.expected_key)
        )
        uncovered = open_item.where(~sa.exists(covered))
        counts["superseded"] = conn.execute(
            tk.update()
            .where(tk.c.status == "open", in_scope, tk.c.last_run_id != run_id, ~sa.exists(uncovered))
            .values(status="superseded", closed_run_id=run_id)
        ).rowcount
    counts["open"] = conn.execute(
        sa.select(sa.func.count())
        .select_from(tk)  # of this lake and spec
        .where(tk.c.status == "open", in_scope)
    ).scalar()
    rt.drop(conn)
    return {k: int(v) for k, v in counts.items()}
