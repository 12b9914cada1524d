"""The console lines of ``nba-recon reconcile``: the totals headline (``totals_line``) and the rest of
what the command prints when it is done (``print_result``)."""

from __future__ import annotations

import sys

from ..coverage.match import ALL_STATUSES
from ..coverage.unjudged import unjudged_line


def print_result(result, out_dir) -> None:
    """What ``nba-recon reconcile`` prints when it is done: the fit warning, the totals line, the
    content line of a probed run, the unjudged line, the warnings (stderr), the folder written."""
    s = result.summary
    if s.get("fit"):  # before any figure: the figures are about a spec that does not fit the lake
        print(f"WARNING: {s['fit']}")
    print(totals_line(s, len(result.gaps), len(result.tasks)))
    if result.probe is not None:
        p, c = result.probe.info, s["content"]
        est = "estimated " if c["estimate"] else ""
        empty = sum(d["empty"] for d in c["datasets"])
        invalid = sum(d["invalid"] for d in c["datasets"])
        print(
            f"content of {p['targets']} objects: {p['read']} read ({p['bytes_read'] / 1e6:.1f} MB, "
            f"{p['objects_per_s'] or 0} objects/s), {p['cached']} cached, {p['unprobed']} unprobed; "
            f"{empty} empty, {invalid} invalid; {c['cross_source_gaps']} games lacking where another source has them"
            + (f" ({est}counts: see content_info.json)" if c["estimate"] else "")
        )
    line = unjudged_line(s.get("unjudged") or [])
    if line:
        print(line)
    for w in s["warnings"]:
        print(f"warning: {w}", file=sys.stderr)
    print(f"wrote {out_dir}")


def totals_line(s: dict, n_gaps: int, n_tasks: int) -> str:
    """The console's headline: every count of ``summary.json["totals"]`` under its own name
    (``invalid`` too), the expected items their sum; nothing expected is said, never ``None%``."""
    t = s["totals"]
    label = "estimated " if s["estimate"] else ""
    problems = ", ".join(f"{int(t.get(k) or 0):,} {k}" for k in ALL_STATUSES if k not in ("present", "unmapped"))
    head = (
        f"{label}complete {t['complete_pct']}% of {int(t['expected']):,} expected items "
        f"({int(t.get('present') or 0):,} present, {problems}; {int(t.get('unmapped') or 0):,} unmapped, "
        "not counted)"
        if t.get("expected")
        else f"nothing expected at {s.get('as_of')}: 0 items ({int(t.get('unmapped') or 0):,} unmapped)"
    )
    capped = sum((s.get("tasks_capped") or {}).values())
    capped_items = sum((s.get("tasks_capped_items") or {}).values())
    caps = f" ({capped_items:,} items in {capped:,} more tasks left out by the spec's caps)" if capped else ""
    later = int(s.get("not_yet_owed") or 0)
    return (
        f"{head}; {s['orphans']:,} orphans, {s['unparsed']:,} unparsed"
        + (f", {later:,} not owed yet (of games or days not over at as_of)" if later else "")
        + f"; {n_gaps:,} gaps, {n_tasks:,} tasks{caps}"
    )
