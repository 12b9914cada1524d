"""The files of a run folder given to ``history record``, read with limits and checked for shape.

The folder may come from anywhere (an older version, an edited copy, a hostile one), so before
anything is recorded: each JSON file is a regular file of at most ``MAX_JSON_BYTES``, nested less
than Python's decoder allows, and of the shape the recorder reads (``run.json`` and
``summary.json`` objects, ``tasks.json`` a list of task objects or ``{"tasks": [...]}``, at most
``MAX_TASKS`` tasks). A file that is not is refused with one line naming the file and the key
(``BadInput``, exit 2); nothing is recorded.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ...errors import BadInput
from ...inputs import read_regular

#: the JSON files of one run (summary.json of a 100M-object run is ~100 KB; tasks.json ~50 MB)
MAX_JSON_BYTES = 256 << 20
#: tasks of one run (one per gap; a whole lake's worth is ~100k)
MAX_TASKS = 2_000_000

_TEXT = (str, type(None))
_NUMBER = (int, float, type(None))
SUMMARY_FIELDS: dict[str, tuple] = {
    "as_of": (str,),
    "spec": _TEXT,
    "nba_simulator": _TEXT,
    "estimate": (bool, type(None)),
    "inventory": (dict, type(None)),
    "totals": (dict, type(None)),
    "gaps": (dict, type(None)),
    "tasks": (dict, type(None)),
    "orphans": _NUMBER,
    "unparsed": _NUMBER,
}
RUN_FIELDS: dict[str, tuple] = {
    "run_id": _TEXT,
    "status": _TEXT,
    "started": _TEXT,
    "finished": _TEXT,
    "stages": (list, type(None)),
}
TASK_FIELDS: dict[str, tuple] = {
    "task_id": (str, int),
    "priority": (str,),
    "dataset": (str,),
    "n_items": _NUMBER,
    "expected_keys": (list, type(None)),
    "game_ids": (list, type(None)),
    "dates": (list, type(None)),
    "teams": (list, type(None)),
}
_NAMES = {
    str: "text",
    int: "a number",
    float: "a number",
    bool: "true/false",
    dict: "an object",
    list: "a list",
    type(None): "null",
}


def load(path: Path) -> Any:
    """The JSON document at ``path``, bounded; BadInput naming the file otherwise."""
    data = read_regular(path, MAX_JSON_BYTES, "JSON")
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadInput(f"{path}: not valid JSON ({(str(exc).splitlines() or [''])[0][:120]})") from None
    except RecursionError:
        raise BadInput(f"{path}: JSON nested too deeply (over ~1,000 levels)") from None


def _kind(value: Any) -> str:
    return _NAMES.get(type(value), type(value).__name__)


def _check(doc: Any, fields: Mapping[str, tuple], where: str, required: tuple[str, ...] = ()) -> None:
    if not isinstance(doc, dict):
        raise BadInput(f"{where}: expected a JSON object, got {_kind(doc)}")
    for name in required:
        if name not in doc:
            raise BadInput(f"{where}: no {name!r}")
    for name, types in fields.items():
        if name not in doc:
            continue
        value = doc[name]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            wanted = " or ".join(dict.fromkeys(_NAMES.get(t, t.__name__) for t in types))
            raise BadInput(f"{where}: {name!r} must be {wanted}, got {_kind(value)}")


def _counts(doc: Mapping, key: str, where: str) -> None:
    """``summary[key]`` maps names to numbers (totals, gaps and tasks by priority)."""
    for name, value in (doc.get(key) or {}).items():
        if isinstance(value, bool) or not isinstance(value, (int, float, type(None))):
            raise BadInput(f"{where}: {key}.{name} must be a number, got {_kind(value)}")


def check_summary(summary: Any, path: Path) -> dict:
    _check(summary, SUMMARY_FIELDS, str(path), required=("as_of",))
    for key in ("totals", "gaps", "tasks"):
        _counts(summary, key, str(path))
    lake = (summary.get("inventory") or {}).get("lake")
    if not isinstance(lake, _TEXT):
        raise BadInput(f"{path}: 'inventory.lake' must be text, got {_kind(lake)}")
    return summary


def check_run(record: Any, path: Path) -> dict:
    _check(record, RUN_FIELDS, str(path))
    for i, stage in enumerate(record.get("stages") or []):
        _check(
            stage,
            {"name": (str,), "status": _TEXT, "duration_s": _NUMBER, "peak_memory_mb": _NUMBER, "attempts": _NUMBER},
            f"{path}: stages[{i}]",
            required=("name",),
        )
    return record


def check_tasks(doc: Any, path: Path) -> list:
    tasks = doc.get("tasks", []) if isinstance(doc, dict) else doc
    if not isinstance(tasks, list):
        raise BadInput(f'{path}: expected a list of tasks (or {{"tasks": [...]}}), got {_kind(tasks)}')
    if len(tasks) > MAX_TASKS:
        raise BadInput(f"{path}: {len(tasks):,} tasks, more than the {MAX_TASKS:,} a run may have")
    for i, task in enumerate(tasks):
        _check(task, TASK_FIELDS, f"{path}: tasks[{i}]", required=("task_id", "priority", "dataset"))
        for key in ("expected_keys", "game_ids", "dates", "teams"):
            bad = [v for v in task.get(key) or [] if isinstance(v, (dict, list))]
            if bad:
                raise BadInput(f"{path}: tasks[{i}].{key} must hold text or numbers, got {_kind(bad[0])}")
    return tasks
