"""The one order of work (``tasks.work_order_key``) on hostile task records: no dates, dates as
JSON text (history rows), NaN, an unknown priority, ties broken by the task id."""

from __future__ import annotations

import math

import pandas as pd

from nba_simulator.tasks import WORK_ORDER, in_work_order, work_order_frame, work_order_key


def _t(tid, priority, dates, n):
    return {"task_id": tid, "priority": priority, "dates": dates, "n_items": n}


def test_priority_then_newest_then_items_then_id():
    tasks = [
        _t("a", "LOW", ["2017-10-17", "2018-01-25"], 100),
        _t("b", "CRITICAL", ["2019-03-14"], 2),
        _t("c", "CRITICAL", ["2019-03-13", "2019-03-14"], 5),
        _t("d", "CRITICAL", '["2019-03-12"]', 50),  # a history row: JSON text
        _t("e", "HIGH", None, 7),  # a per-season task: no date, last
        _t("f", "HIGH", ["2019-01-01"], 1),
        _t("g", "bogus", ["2020-01-01"], 1000),  # unknown priority: after LOW
        _t("h", "CRITICAL", ["2019-03-14"], 2),
        _t("i", "MEDIUM", [math.nan, "2018-05-01"], 3),
    ]
    assert [t["task_id"] for t in in_work_order(tasks)] == ["c", "b", "h", "d", "f", "e", "i", "a", "g"]
    assert work_order_key(_t("x", "LOW", [], 0))[1] == 0
    frame = pd.DataFrame(tasks).sample(frac=1, random_state=1)
    assert list(work_order_frame(frame)["task_id"]) == ["c", "b", "h", "d", "f", "e", "i", "a", "g"]
    assert work_order_frame(frame.iloc[:0]).empty
    assert WORK_ORDER.startswith("by priority (CRITICAL, HIGH, MEDIUM, LOW)")
