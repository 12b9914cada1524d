"""Which runs compare: the same lake judged by the same spec (``plots.fingerprint``'s pair).

"New / fixed since the last run" and the task lifecycle look only at the runs of one lake and
spec: a runs folder (one history) that alternates two lakes never reports lake B's gaps as
"fixed" by a run of lake A. A problem episode belongs to the lake and spec of the run that opened
it; a task to those of the run that last issued it (a task id depends on its dataset and items
only, so two lakes missing the same items share one task row: the latest issuer holds it).
"""

from __future__ import annotations

import sqlalchemy as sa


def same_scope(t, lake, spec):
    """A select of the run ids recorded for ``lake`` and ``spec`` (NULL matches NULL)."""
    r = t.runs
    return sa.select(r.c.run_id).where(r.c.lake.is_not_distinct_from(lake), r.c.spec.is_not_distinct_from(spec))


def scope_of(conn, t, run_id: str) -> tuple:
    """``(lake, spec)`` as recorded for ``run_id``."""
    row = conn.execute(sa.select(t.runs.c.lake, t.runs.c.spec).where(t.runs.c.run_id == run_id)).first()
    return (row[0], row[1]) if row is not None else (None, None)
