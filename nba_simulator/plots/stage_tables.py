"""The tables the stage notebooks show: DataFrames (for code and tests) that display as tables
for people (``nba_simulator.report.styled_table``: no index, no <NA>, numbers right-aligned with
thousands separators, keys wrapping, seasons never wrapping)."""

from __future__ import annotations

import pandas as pd

from nba_simulator.report.styled_table import shown
from nba_simulator.storage.folders import folder_totals
from nba_simulator.tasks import WORK_ORDER, in_work_order

from .html import display_html, escape_html, human_bytes, redacted
from .style import PRIORITY_ORDER, PROBLEMS, READABLE


def worst_seasons(completeness: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The dataset x season cells furthest from complete."""
    cols = ["dataset", "season", "expected", "present", *PROBLEMS, "unmapped", "complete_pct"]
    t = _unprobed(completeness[[c for c in cols if c in completeness.columns]])
    t = t[t["expected"] > 0].sort_values(["complete_pct", "expected"], ascending=[True, False])
    return shown(_ranked(t.head(n).rename(columns=READABLE)), empty="Nothing expected yet: no season to rank.")


def top_gaps(gaps: pd.DataFrame, n: int = 15) -> pd.DataFrame:
    cols = [
        "priority",
        "dataset",
        "season",
        "status",
        "first_date",
        "last_date",
        "n_items",
        "completeness_pct",
        "rule",
        "gap_id",
    ]
    t = gaps[[c for c in cols if c in gaps.columns]].head(n).copy()
    for c in ("first_date", "last_date"):
        if c in t:
            t[c] = pd.to_datetime(t[c]).dt.strftime("%Y-%m-%d").fillna("")
    return shown(_ranked(t.rename(columns=READABLE)), empty="No gap: every expected item is present.")


def _unprobed(t: pd.DataFrame) -> pd.DataFrame:
    """Without the ``empty`` column when it is all zero: without content probing nothing can be
    empty, and a column of zeros would say every file was checked."""
    if "empty" in t.columns and not t["empty"].fillna(0).astype(bool).any():
        return t.drop(columns="empty")
    return t


def _ranked(t: pd.DataFrame) -> pd.DataFrame:
    """Rows numbered from 1 (a rank a reader can quote), not pandas' 0-based index."""
    t = t.reset_index(drop=True)
    t.index = pd.RangeIndex(1, len(t) + 1, name="#")
    return t


def task_table(tasks: list[dict], n: int = 25) -> pd.DataFrame:
    """The head of the task queue in the order of work (``tasks.WORK_ORDER``, said above the
    table), one row per task, lists shortened for reading."""
    from IPython.display import display

    tasks = in_work_order(tasks)
    display(
        display_html(
            f"<p>The order of work: {escape_html(WORK_ORDER)}{' (the order of tasks.json)' if tasks else ''}.</p>"
        )
    )
    rows = []
    for t in tasks[:n]:
        dates = sorted(d for d in t.get("dates") or [] if d)
        games = list(t.get("game_ids") or [])
        rows.append(
            {
                "task_id": t["task_id"],
                "priority": t["priority"],
                "action": t["action"],
                "scraper": t["scraper"],
                "dataset": t["dataset"],
                "season": t["season"],
                "n_items": t["n_items"],
                "other_sources_have": t.get("other_sources_have"),
                "dates": (f"{dates[0]} .. {dates[-1]}" if len(dates) > 1 else (dates[0] if dates else "")),
                "game_ids": ", ".join(games[:3]) + (f" (+{len(games) - 3})" if len(games) > 3 else ""),
            }
        )
    cols = [
        "task_id",
        "priority",
        "action",
        "scraper",
        "dataset",
        "season",
        "n_items",
        "other_sources_have",
        "dates",
        "game_ids",
    ]
    if not any("other_sources_have" in t for t in tasks[:n]):  # only a probed run counts it
        cols.remove("other_sources_have")
    return shown(
        _ranked(pd.DataFrame(rows, columns=cols).rename(columns=READABLE)), empty="No task: nothing to collect."
    )


def table_or_note(frame: pd.DataFrame, note: str):
    """``frame``, or when it has no row a sentence saying so (not a table of headers only)."""
    return shown(frame, empty=note) if len(frame) else display_html(f"<p>{escape_html(note)}</p>")


def db_coverage_tables(result, n: int = 15) -> pd.DataFrame:
    """Database coverage (``database.db_coverage``): the per table x season summary, problems
    counted per table, and the first ``n`` problem games (returned)."""
    from IPython.display import display

    summary = result.summary.set_index(["table", "season"])
    display(
        display_html(
            f"<p>{result.expected_games:,} expected games checked in "
            f"{summary.index.get_level_values(0).nunique()} table(s) in "
            f"{result.seconds:.1f} s.</p>" + "".join(f"<p>Warning: {escape_html(w)}</p>" for w in result.warnings)
        )
    )
    display(shown(summary.rename(columns={"loaded_pct": "loaded %"})))
    problems = result.problems
    if problems.empty:
        display(display_html("<p>No problem: every expected game is loaded, with its raw file.</p>"))
        return shown(problems)
    display(shown(pd.crosstab(problems["table"], problems["problem"])))
    t = problems.head(n).copy()
    t["game_date"] = pd.to_datetime(t["game_date"]).dt.strftime("%Y-%m-%d").fillna("")
    return shown(_ranked(t))


def status_table(coverage: pd.DataFrame) -> pd.DataFrame:
    """Items per dataset and status (rows: datasets)."""
    t = pd.crosstab(coverage["dataset"], coverage["status"])
    order = ["present", *PROBLEMS, "unmapped"]
    return shown(t.reindex(columns=[c for c in order if c in t.columns], fill_value=0), empty="Nothing expected yet.")


def health_table(table: pd.DataFrame) -> pd.DataFrame:
    """The health checks with a readable status column (text marks, no HTML)."""
    marks = {"ok": "✓ ok", "warn": "! warn", "fail": "✗ FAIL"}
    return shown(
        table.assign(status=table["status"].map(lambda s: marks.get(s, s))).set_index("check"), keys=["detail"]
    )


def scan_table(scan_info: dict) -> pd.DataFrame:
    """What the scan did, as a one-column table."""
    rows = [
        ("lake", scan_info.get("lake")),
        ("objects", f"{scan_info.get('objects', 0):,}"),
        ("bytes", human_bytes(scan_info.get("bytes") or 0)),
        ("sample", "all (full scan)" if not scan_info.get("sample") else f"{scan_info['sample']:g} of the items"),
        ("prefixes listed", scan_info.get("listed_prefixes") or "every top-level folder"),
        ("listing time", f"{scan_info.get('seconds', 0):.1f} s"),
    ]
    if scan_info.get("streamed"):
        rows.append(("read", "streamed batch by batch into inventory.parquet (memory: one batch)"))
    return shown(pd.DataFrame(rows, columns=["scan", "value"]).set_index("scan"), keys=["value"])


def folder_table(folders: pd.DataFrame) -> pd.DataFrame:
    """Objects, bytes, smallest/largest and newest object per top-level folder: ``folders`` is
    :func:`~nba_simulator.storage.folders.folder_totals`' table, or an inventory (totalled here)."""
    if "key" in folders.columns:
        folders = folder_totals([folders])
    if folders.empty:
        return shown(
            pd.DataFrame(columns=["objects", "total", "smallest", "largest", "newest"]),
            empty="The lake holds no object.",
        )
    t = pd.DataFrame(
        {
            "objects": folders["objects"],
            "total": folders["bytes"].map(human_bytes),
            "smallest": folders["smallest"].map(human_bytes),
            "largest": folders["largest"].map(human_bytes),
            "newest": pd.to_datetime(folders["newest"], utc=True).dt.strftime("%Y-%m-%d %H:%M"),
        }
    )
    return shown(t, nowrap=["newest", "total", "smallest", "largest"])


def orphan_table(
    orphans: pd.DataFrame,
    duplicates: pd.DataFrame,
    warnings: list[str] | None = None,
    n: int = 15,
    counts: dict | None = None,
):
    """Orphans and unparsed keys (first ``n``), with duplicates and spec warnings counted.
    ``counts``: reason -> count over the whole inventory when ``orphans`` holds only some of them
    (a streamed coverage's ``orphan_counts``)."""
    from IPython.display import display

    if counts is None:
        counts = orphans["reason"].value_counts() if len(orphans) else pd.Series(dtype=int)
    dup_items = duplicates["expected_key"].nunique() if "expected_key" in duplicates and len(duplicates) else 0
    later = int(counts.get("not_yet_owed", 0))
    lines = [
        f"{int(counts.get('orphan', 0))} orphan key(s), {int(counts.get('unparsed', 0))} unparsed "
        f"key(s), {dup_items} item(s) found under more than one key"
        + (f"; {later} key(s) of games not over at the run's as_of (not owed yet, no orphans)" if later else "")
        + "."
    ]
    lines += [f"Warning: {w}" for w in warnings or []]
    display(display_html("".join(f"<p>{escape_html(x)}</p>" for x in lines)))
    cols = [c for c in ("reason", "dataset", "key", "detail") if c in orphans.columns]
    return shown(
        orphans[cols].head(n).reset_index(drop=True), keys=["key", "detail"], empty="No orphan and no unparsed key."
    )


def gap_counts(gaps: pd.DataFrame) -> pd.DataFrame:
    """Gaps and items per priority and status."""
    if gaps.empty:
        return shown(pd.DataFrame({"gaps": [], "items": []}), empty="No gap: every expected item is present.")
    t = gaps.groupby(["priority", "status"]).agg(gaps=("gap_id", "size"), items=("n_items", "sum"))
    order = {p: i for i, p in enumerate(PRIORITY_ORDER)}
    return shown(
        t.reset_index()
        .sort_values(["priority", "status"], key=lambda s: s.map(order) if s.name == "priority" else s)
        .set_index(["priority", "status"])
    )


def task_counts(tasks: list[dict], capped: dict | None = None, capped_items: dict | None = None) -> pd.DataFrame:
    """Tasks and items per priority, with what the per-priority caps left out (tasks and their
    items), and a row ``all`` of the sums."""
    frame = pd.DataFrame(tasks, columns=["priority", "n_items"])
    rows = []
    for p in PRIORITY_ORDER:
        sub = frame[frame["priority"] == p]
        rows.append(
            {
                "priority": p,
                "tasks": len(sub),
                "items": int(sub["n_items"].sum()),
                "tasks left out by the cap": int((capped or {}).get(p, 0)),
                "items left out by the cap": int((capped_items or {}).get(p, 0)),
            }
        )
    t = pd.DataFrame(rows).set_index("priority")
    t.loc["all"] = t.sum()
    return shown(t)


def dataset_table(summary: dict) -> pd.DataFrame:
    """Per-dataset completeness from the summary (the report's completeness table)."""
    t = pd.DataFrame(summary.get("datasets", []))
    if t.empty:
        return shown(t, empty="No dataset expected anything yet.")
    cols = ["dataset", "expected", "present", *PROBLEMS, "unmapped", "complete_pct", "have_pct"]
    return shown(
        _unprobed(t[[c for c in cols if c in t.columns]])
        .sort_values("complete_pct")
        .set_index("dataset")
        .rename(columns=READABLE)
    )


def run_details(stage, summary: dict) -> pd.DataFrame:
    """Where the numbers come from: inputs, versions, the stage pages of this run."""
    from IPython.display import display

    rows = [
        ("as of", summary.get("as_of")),
        ("spec", summary.get("spec")),
        ("lake", redacted(str(stage.lake))),
        ("schedule", stage.schedule_path),
        ("nba_simulator", summary.get("nba_simulator")),
        ("run folder", str(stage.run_dir)),
    ]
    if not stage.standalone:
        links = [
            f'<a href="{escape_html(p.name)}">{escape_html(p.stem)}</a>'
            for p in sorted(stage.run_dir.glob("0[0-4]_*.html"))
        ]
        if links:
            display(display_html("<p>Stage pages of this run: " + " · ".join(links) + "</p>"))
    return shown(pd.DataFrame(rows, columns=["input", "value"]).set_index("input"), keys=["value"])


def cross_source_table(gaps: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """Games one source lacks while another has them (``content.cross_source_gaps``), the columns
    a reader acts on: the game, the dataset lacking it and how, and who has it."""
    cols = ["game_date", "game_id", "season", "home_team", "away_team", "dataset", "status", "have_datasets"]
    t = gaps[[c for c in cols if c in gaps.columns]].head(n).copy()
    if "game_date" in t:
        t["game_date"] = pd.to_datetime(t["game_date"]).dt.strftime("%Y-%m-%d").fillna("")
    if "have_datasets" in t:
        t["have_datasets"] = t["have_datasets"].map(
            lambda v: ", ".join(map(str, v)) if isinstance(v, (list, tuple)) or hasattr(v, "tolist") else v
        )
    return shown(
        t.rename(
            columns={"dataset": "lacking in", "have_datasets": "has it", "home_team": "home", "away_team": "away"}
        ),
        empty="No game lacking in one source while another has it.",
    )
