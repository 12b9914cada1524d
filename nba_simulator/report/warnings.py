"""Every warning of a run, in one list a reader sees (report first screen, runs index badge).

Pure functions over what the stages wrote (``summary.json``, the health table, ``scan_info``);
reading the files is :func:`read_run_warnings`' job, at the edge.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd


def unjudged_lines(unjudged: Iterable[Mapping[str, Any]] | None) -> list[str]:
    """``summary["unjudged"]`` (what could not be judged, and why) as sentences."""
    lines = []
    for u in unjudged or []:
        where = " ".join(str(u.get(k)) for k in ("season", "season_type") if u.get(k))
        count = u.get("count")
        n = (
            f" ({int(count):,} item{'s' if int(count) != 1 else ''})"
            if isinstance(count, (int, float)) and count == count and count > 0
            else ""
        )
        lines.append(
            f"{u.get('dataset') or 'every dataset'}{' ' + where if where else ''}: not judged{n}: "
            f"{u.get('reason') or 'no reason given'}"
        )
    return lines


def unjudged_groups(unjudged: Iterable[Mapping[str, Any]] | None) -> list[str]:
    """What could not be judged, one sentence per dataset and kind of reason ("games unknown",
    "ids unknown"...), most items first: its seasons and the items left unjudged, with the full
    reason of its biggest dataset-season as the example. A group of one is that season's line."""
    groups: dict[tuple, list] = {}
    for u in unjudged or []:
        kind = str(u.get("reason") or "no reason given").split(":", 1)[0]
        groups.setdefault((u.get("dataset") or "every dataset", kind), []).append(u)

    def items(u) -> int:
        c = u.get("count")
        return int(c) if isinstance(c, (int, float)) and c == c and c > 0 else 0

    out = []
    for (dataset, kind), rows in groups.items():
        total = sum(items(u) for u in rows)
        if len(rows) == 1:
            out.append((total, unjudged_lines(rows)[0]))
            continue
        seasons = sorted({str(u.get("season")) for u in rows if u.get("season")})
        types = sorted({str(u.get("season_type")) for u in rows if u.get("season_type")})
        span = (f" {seasons[0]}..{seasons[-1]}" if len(seasons) > 1 else f" {seasons[0]}") if seasons else " all"
        big = max(rows, key=items)
        where = " ".join(str(big.get(k)) for k in ("season", "season_type") if big.get(k))
        example = str(big.get("reason") or "").split(":", 1)[-1].strip()
        out.append(
            (
                total,
                f"{dataset}: {kind}, seasons{span}"
                f"{' (' + ', '.join(types) + ')' if types else ''}"
                f"{f', {total:,} items not judged' if total else ''}"
                f"{f'; e.g. {where}: {example}' if example else ''}",
            )
        )
    return [line for _, line in sorted(out, key=lambda x: -x[0])]


def collect_warnings(
    summary: Mapping[str, Any] | None, health: pd.DataFrame | None = None, scan_info: Mapping[str, Any] | None = None
) -> list[str]:
    """The run's warnings with their full text, most important first, without repeats:
    health checks that warned, the spec/schedule/coverage warnings, the scan's, keys that match
    no dataset (unparsed) or no expected item (orphans)."""
    out: list[str] = []
    if health is not None and len(health) and {"check", "status"} <= set(health.columns):
        for row in health[health["status"].isin(["warn", "fail"])].itertuples(index=False):
            out.append(
                f"health check '{row.check}' {'failed' if row.status == 'fail' else 'warns'}: "
                f"{getattr(row, 'detail', '')}"
            )
    s = summary or {}
    out += [str(w) for w in s.get("warnings") or []]
    out += [str(w) for w in (scan_info or {}).get("warnings") or []]
    out += unjudged_groups(s.get("unjudged"))  # one per dataset and reason (a badge of 237 said little)
    unparsed, orphans = int(s.get("unparsed") or 0), int(s.get("orphans") or 0)
    if unparsed:
        out.append(
            f"{unparsed:,} key(s) in the lake match no dataset of the spec (unparsed): "
            "listed on the coverage page and in data/orphans.parquet"
        )
    if orphans:
        out.append(
            f"{orphans:,} key(s) parse for a dataset but match no expected item (orphans): "
            "listed on the coverage page and in data/orphans.parquet"
        )
    seen, unique = set(), []
    for w in out:
        w = " ".join(w.split())
        if w and w not in seen:
            seen.add(w)
            unique.append(w)
    return unique


def without_unjudged(warnings: Sequence[str], unjudged: Iterable[Mapping[str, Any]] | None) -> list[str]:
    """The warnings the report's warning box lists: ``warnings`` without what the "could not be
    judged" section says (the report, the index's badge and the console count the same)."""
    unjudged = list(unjudged or [])
    said = {" ".join(x.split()) for x in unjudged_lines(unjudged) + unjudged_groups(unjudged)}
    return [w for w in warnings if " ".join(w.split()) not in said]


def read_run_warnings(data_dir: str | Path) -> list[str]:
    """The warnings a run's report lists (:func:`collect_warnings` without the unjudged lines,
    :func:`without_unjudged`), from its ``data/`` folder (files that are absent are skipped)."""
    data_dir = Path(data_dir)

    def load(name):
        try:
            return json.loads((data_dir / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    health = None
    if (data_dir / "health.parquet").exists():
        try:
            health = pd.read_parquet(data_dir / "health.parquet")
        except (OSError, ValueError):
            health = None
    summary = load("summary.json")
    return without_unjudged(collect_warnings(summary, health, load("scan_info.json")), (summary or {}).get("unjudged"))
