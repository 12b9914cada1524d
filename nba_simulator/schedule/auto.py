"""``schedule: auto``: the games a run expects, from what is at hand, with no network access.

Three layers, each optional but the first:

1. the packaged history (``load_schedule("builtin")``, provenance ``packaged``);
2. the newest snapshot ``nba-recon schedule update`` left beside the runs
   (``schedule.snapshot.default_dir(runs_dir)``): its rows replace the packaged ones of the same
   game and add the games the packaged history lacks (the season in progress among them);
3. ESPN ids read from the lake's own scoreboard files (the datasets with ``source: espn`` and
   ``data_type: schedule``: ``espn_schedules/YYYYMMDD.json`` and the old ``schedule/`` layout),
   attached by (date, home, away) through ``schedule.crosswalk.attach_espn_ids``.

The lake is only listed under the scoreboard datasets' own prefixes and read (never written); the
reads run in a bounded thread pool. With a cache file (``runs/scoreboard_cache.sqlite`` beside the
runs) a scoreboard whose ETag (a local file's size+mtime) is unchanged is not read again: its
game records come from the cache (JSON), and every page's records are turned into one frame in a
single vectorised pass either way, so a cached and a fresh run give the same schedule.

``auto_schedule`` returns ``(schedule, info)``: ``info`` says which layers were used (the snapshot's
path and metadata, how many scoreboard files and games) and holds the warnings a report must show.
"""
from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from .. import __version__

log = logging.getLogger(__name__)

AUTO = "auto"
#: the scoreboard datasets of a spec: what they are, not what they are called
SCOREBOARD_SOURCE, SCOREBOARD_TYPE = "espn", "schedule"
SCOREBOARD_CACHE = "scoreboard_cache.sqlite"
EXTRA_COLUMNS = ("espn_game_id_extra", "provenance")


def scoreboard_layouts(spec) -> list:
    """The key layouts of the spec's ESPN scoreboard datasets (per date), in spec order."""
    return [t for d in spec.datasets
            if d.source == SCOREBOARD_SOURCE and d.data_type == SCOREBOARD_TYPE and d.per == "date"
            for t in d.layouts]


def scoreboard_objects(storage, spec, workers: int = 8) -> pd.DataFrame:
    """The scoreboard files of the lake (key, size, last_modified, etag), sorted by key: only the
    layouts' own prefixes are listed, and only keys a layout parses are kept."""
    from ..storage.scan import scan

    layouts = scoreboard_layouts(spec)
    columns = ["key", "size", "last_modified", "etag"]
    if not layouts:
        return pd.DataFrame(columns=columns)
    prefixes = sorted({t.literal_prefix for t in layouts})
    listed = scan(storage, prefixes=prefixes, exclude=list(spec.exclude), workers=workers)
    if listed.empty:
        return listed[columns]
    keep = pd.Series(False, index=listed.index)
    for t in layouts:
        keep |= t.matches(listed["key"])
    return listed[keep].sort_values("key", kind="mergesort").reset_index(drop=True)[columns]


def _parser_fingerprint() -> str:
    """Changes when the scoreboard parser changes: cached parses are then redone."""
    from .sources import espn

    return hashlib.sha256(Path(espn.__file__).read_bytes() + __version__.encode()).hexdigest()[:16]


class _Cache:
    """(key, etag, parser) -> the page's game records (JSON) and the parse's warnings."""

    def __init__(self, path: Path | None):
        self.db = None
        self.lock = threading.Lock()
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(path), check_same_thread=False)
            self.db.execute("CREATE TABLE IF NOT EXISTS pages (key TEXT PRIMARY KEY, etag TEXT NOT NULL, "
                            "parser TEXT NOT NULL, records TEXT NOT NULL, warnings TEXT NOT NULL)")
        except (sqlite3.Error, OSError) as exc:  # a cache can only save reads: go on without it
            log.warning("scoreboard cache %s unusable (%s): reading every scoreboard", path, exc)
            self.db = None

    def get(self, key: str, etag, parser: str):
        if self.db is None or not isinstance(etag, str) or not etag:
            return None
        try:
            with self.lock:
                row = self.db.execute("SELECT records, warnings FROM pages WHERE key=? AND etag=? AND parser=?",
                                      (key, etag, parser)).fetchone()
            if row is None:
                return None
            return [tuple(r) for r in json.loads(row[0])], json.loads(row[1])
        except (sqlite3.Error, ValueError, TypeError):
            return None

    def put(self, key: str, etag, parser: str, records: list, warnings: list[str]) -> None:
        if self.db is None or not isinstance(etag, str) or not etag:
            return
        try:
            with self.lock:
                self.db.execute("INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?)",
                                (key, etag, parser, json.dumps(records), json.dumps(warnings)))
        except sqlite3.Error as exc:
            log.warning("scoreboard cache: %s", exc)

    def close(self) -> None:
        if self.db is not None:
            with self.lock:
                try:
                    self.db.commit()
                finally:
                    self.db.close()


def read_scoreboards(storage, objects: pd.DataFrame, *, workers: int = 8,
                     cache: str | Path | None = None) -> tuple[pd.DataFrame, list[str], dict]:
    """Every scoreboard file parsed (``sources.espn``'s page records, then one vectorised
    ``finish`` over all of them, as ``parse_many`` does), in key order: ``(games, warnings,
    stats)``. A file that cannot be read is skipped with a warning (counted, the first few named);
    it never stops the run. Reads run in at most ``workers`` threads."""
    from .sources.espn import finish, page_records

    parser = _parser_fingerprint()
    store = _Cache(Path(cache) if cache else None)
    failures: list[str] = []

    def one(row) -> tuple[list, list[str], bool]:
        hit = store.get(row.key, row.etag, parser)
        if hit is not None:
            return hit[0], hit[1], True
        try:
            data = storage.read(row.key)
        except Exception as exc:  # an unreadable object is a finding, not a crash
            failures.append(f"{row.key}: {type(exc).__name__}: {exc}")
            return [], [], False
        records, warns = page_records(data, row.key)
        records, warns = [list(r) for r in records], [str(w) for w in warns]
        store.put(row.key, row.etag, parser, records, warns)
        return [tuple(r) for r in records], warns, False

    rows = list(objects.itertuples(index=False))
    try:
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(rows) or 1))) as pool:
            results = list(pool.map(one, rows))  # map keeps the key order: a deterministic result
    finally:
        store.close()
    records = [r for rec, _, _ in results for r in rec]
    page_warnings = [w for _, ws, _ in results for w in ws]
    games, warnings = finish((records, page_warnings))
    warnings = _capped(list(warnings), "scoreboard pages")
    if failures:
        failures.sort()
        warnings.append(f"{len(failures)} scoreboard file(s) could not be read and were skipped "
                        f"(first: {'; '.join(failures[:3])})")
    # what was read from the cache is not part of the result (a cached run equals a fresh one)
    log.info("scoreboards: %d files, %d from the cache", len(rows), sum(1 for _, _, c in results if c))
    stats = {"files": len(rows), "unreadable": len(failures), "games": int(len(games))}
    return games, warnings, stats


def _capped(warnings: list[str], what: str, limit: int = 20) -> list[str]:
    """At most ``limit`` warnings, then one line counting the rest."""
    if len(warnings) <= limit:
        return warnings
    return warnings[:limit] + [f"{what}: {len(warnings) - limit} more warnings like these"]


def _with_extra_columns(frame: pd.DataFrame, provenance: str) -> pd.DataFrame:
    out = frame.copy()
    if "espn_game_id_extra" not in out:
        out["espn_game_id_extra"] = pd.Series(pd.NA, index=out.index, dtype="string")
    if "provenance" not in out:
        out["provenance"] = pd.Series(provenance, index=out.index, dtype="string")
    return out


def merge_snapshot(base: pd.DataFrame, snapshot: pd.DataFrame) -> pd.DataFrame:
    """The snapshot's rows replace the base's rows of the same game; games only the base knows
    stay. Sorted by date and game id, as ``load_schedule`` sorts."""
    base = _with_extra_columns(base, "packaged")
    snapshot = _with_extra_columns(snapshot, "snapshot")
    columns = list(dict.fromkeys([*base.columns, *snapshot.columns]))
    kept = base[~base["game_id"].isin(snapshot["game_id"])]
    out = pd.concat([kept.reindex(columns=columns), snapshot.reindex(columns=columns)], ignore_index=True)
    for col in columns:  # the dtypes of the base (concat of an all-NA column loses them)
        if col in base and out[col].dtype != base[col].dtype:
            try:
                out[col] = out[col].astype(base[col].dtype)
            except (TypeError, ValueError):
                pass
    out = out.sort_values(["game_date", "game_id"], na_position="last", kind="stable")
    return out.reset_index(drop=True)


def auto_schedule(spec, lake: str | None = None, *, as_of=None, runs_dir: str | Path | None = None,
                  workers: int = 8, storage=None, use_snapshot: bool = True) -> tuple[pd.DataFrame, dict]:
    """The ``schedule: auto`` schedule (see the module docstring) and what it is made of.

    ``lake`` (or an open ``storage``): where the scoreboards are read; ``None``: no ESPN ids
    from the lake. ``runs_dir``: where the snapshot and the scoreboard cache live; ``None``: no
    snapshot, no cache. ``as_of`` is recorded only: which games are owed is decided later."""
    from .load import load_schedule

    warnings: list[str] = []
    info: dict = {"source": AUTO, "layers": ["packaged"], "snapshot": None, "snapshot_meta": None,
                  "scoreboards": None}
    schedule = _with_extra_columns(load_schedule("builtin"), "packaged")
    if runs_dir is not None and use_snapshot:
        from .snapshot import default_dir, latest_snapshot, load_snapshot

        found = latest_snapshot(default_dir(Path(runs_dir)))
        if found is not None:
            snap, meta = load_snapshot(found)
            schedule = merge_snapshot(schedule, snap)
            info["layers"].append("snapshot")
            info["snapshot"] = str(found)
            # what identifies it (its counts and warnings are `schedule show`'s business)
            info["snapshot_meta"] = _plain({k: v for k, v in dict(meta).items() if k not in ("counts", "warnings")})
    if info["snapshot"] is None:
        warnings.append("no schedule snapshot (run `nba-recon schedule update`): only the packaged history "
                        "and the lake's scoreboards say which games exist")
    own = storage is None and lake is not None
    if own:
        from ..storage import open_storage

        storage = open_storage(lake)
    try:
        if storage is not None and scoreboard_layouts(spec):
            from .crosswalk import attach_espn_ids

            objects = scoreboard_objects(storage, spec, workers)
            cache = Path(runs_dir) / SCOREBOARD_CACHE if runs_dir is not None else None
            games, read_warnings, stats = read_scoreboards(storage, objects, workers=workers, cache=cache)
            warnings.extend(read_warnings)
            if len(games):
                schedule, attach_warnings = attach_espn_ids(schedule, games, provenance="espn_lake")
                warnings.extend(str(w) for w in attach_warnings)
            info["layers"].append("espn_lake")
            info["scoreboards"] = stats
    finally:
        if own:
            storage.close()
    schedule = _with_extra_columns(schedule, "packaged").reset_index(drop=True)
    info["games"] = int(len(schedule))
    info["as_of"] = None if as_of is None else str(pd.Timestamp(as_of).date())
    info["warnings"] = warnings
    return schedule, info


def _plain(value):
    """JSON-ready copy of snapshot metadata (timestamps as ISO text)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (pd.Timestamp,)) or hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
