"""The lake's ESPN scoreboard pages, read: the one reader of ``schedule: auto`` and of
``nba-recon schedule update --lake``.

The pages are the files of the spec's scoreboard datasets (``source: espn``, ``data_type:
schedule``, per date: ``espn_schedules/YYYYMMDD.json`` and the old ``schedule/`` layout); without
a spec, those of the packaged one. Only the layouts' own prefixes are listed, and the lake is only
read (never written); the reads run in a bounded thread pool. With a cache file
(``runs/scoreboard_cache.sqlite`` beside the runs) a page whose ETag (a local file's size+mtime)
is unchanged is not read again: its game records come from the cache (JSON), and every page's
records are turned into one frame in a single vectorised pass either way
(``schedule.sources.espn.finish``), so a cached and a fresh read give the same games.
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

from .. import __version__, sqlite_files
from ..deadline import seconds
from ..schedule.sources import espn
from ..schedule.sources.common import capped
from ..schedule.sources.espn import LakePages, finish, page_records
from ..schedule.sources.limits import MAX_PAGE_BYTES, too_large
from ..spec import load_spec
from .base import Storage
from .factory import open_storage
from .scan import scan

log = logging.getLogger(__name__)

#: the scoreboard datasets of a spec: what they are, not what they are called
SCOREBOARD_SOURCE, SCOREBOARD_TYPE = "espn", "schedule"
SCOREBOARD_CACHE = "scoreboard_cache.sqlite"
OBJECT_COLUMNS = ["key", "size", "last_modified", "etag"]


def scoreboard_layouts(spec) -> list:
    """The key layouts of the spec's ESPN scoreboard datasets (per date), in spec order."""
    return [
        t
        for d in spec.datasets
        if d.source == SCOREBOARD_SOURCE and d.data_type == SCOREBOARD_TYPE and d.per == "date"
        for t in d.layouts
    ]


def scoreboard_objects(storage: Storage, spec, workers: int = 8) -> pd.DataFrame:
    """The scoreboard files of the lake (key, size, last_modified, etag), sorted by key: only the
    layouts' own prefixes are listed, and only keys a layout parses are kept."""
    layouts = scoreboard_layouts(spec)
    if not layouts:
        return pd.DataFrame(columns=OBJECT_COLUMNS)
    prefixes = sorted({t.literal_prefix for t in layouts})
    listed = scan(storage, prefixes=prefixes, exclude=list(spec.exclude), workers=workers)
    if listed.empty:
        return listed[OBJECT_COLUMNS]
    keep = pd.Series(False, index=listed.index)
    for t in layouts:
        keep |= t.matches(listed["key"])
    return listed[keep].sort_values("key", kind="mergesort").reset_index(drop=True)[OBJECT_COLUMNS]


def _parser_fingerprint() -> str:
    """Changes when the scoreboard parser changes: cached parses are then redone."""
    return hashlib.sha256(Path(espn.__file__).read_bytes() + __version__.encode()).hexdigest()[:16]


class _Cache:
    """(key, etag, parser) -> the page's game records (JSON) and the parse's warnings."""

    def __init__(self, path: Path | None):
        self.db = None
        self.lock = threading.Lock()
        if path is None:
            return
        self.path = path
        if sqlite_files.kind(path) == "other":  # a file of the user's: never written to
            log.warning("scoreboard cache %s is not an SQLite database (left as it is): reading every scoreboard", path)
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(
                str(path), check_same_thread=False, timeout=seconds("NBA_RECON_DB_CONNECT_TIMEOUT")
            )
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS pages (key TEXT PRIMARY KEY, etag TEXT NOT NULL, "
                "parser TEXT NOT NULL, records TEXT NOT NULL, warnings TEXT NOT NULL)"
            )
            sqlite_files.mark(self.db)
        except (sqlite3.Error, OSError) as exc:  # a cache can only save reads: go on without it
            log.warning("scoreboard cache %s unusable (%s): reading every scoreboard", path, exc)
            self._drop()

    def get(self, key: str, etag, parser: str):
        if self.db is None or not isinstance(etag, str) or not etag:
            return None
        try:
            with self.lock:
                if self.db is None:  # dropped by another thread meanwhile
                    return None
                row = self.db.execute(
                    "SELECT records, warnings FROM pages WHERE key=? AND etag=? AND parser=?", (key, etag, parser)
                ).fetchone()
            if row is None:
                return None
            records, warnings = json.loads(row[0]), json.loads(row[1])
        except sqlite3.OperationalError as exc:
            self._busy(exc)
            return None
        except (sqlite3.Error, ValueError, TypeError, RecursionError):
            return None
        # rows of the shape the parser writes, or a miss (an edited cache is read again, not trusted)
        if not (
            isinstance(records, list)
            and isinstance(warnings, list)
            and all(
                isinstance(r, list) and len(r) == len(espn.COLUMNS) and all(v is None or isinstance(v, str) for v in r)
                for r in records
            )
            and all(isinstance(w, str) for w in warnings)
        ):
            return None
        return [tuple(r) for r in records], warnings

    def put(self, key: str, etag, parser: str, records: list, warnings: list[str]) -> None:
        if self.db is None or not isinstance(etag, str) or not etag:
            return
        try:
            with self.lock:
                if self.db is None:
                    return
                self.db.execute(
                    "INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?)",
                    (key, etag, parser, json.dumps(records), json.dumps(warnings)),
                )
        except sqlite3.OperationalError as exc:
            self._busy(exc)
        except sqlite3.Error as exc:
            log.warning("scoreboard cache: %s", exc)

    def _busy(self, exc: BaseException) -> None:
        """Locked by another process past the busy timeout: the run goes on without the cache
        (one warning), instead of waiting that long for every page."""
        log.warning("scoreboard cache %s: %s; reading the remaining scoreboards without it", self.path, exc)
        with self.lock:
            self._drop()

    def _drop(self) -> None:
        if self.db is not None:
            try:
                self.db.close()
            except sqlite3.Error:
                pass
        self.db = None

    def close(self) -> None:
        """Commit and close; a cache still locked by another process past the busy timeout keeps
        its earlier pages (a warning: this run's parses are not kept), the run goes on."""
        if self.db is not None:
            with self.lock:
                try:
                    self.db.commit()
                except sqlite3.Error as exc:
                    log.warning("scoreboard cache %s: this run's parses not kept (%s)", self.path, exc)
                finally:
                    self._drop()


def read_scoreboards(
    storage: Storage, objects: pd.DataFrame, *, workers: int = 8, cache: str | Path | None = None
) -> LakePages:
    """Every scoreboard file of ``objects`` parsed (``espn.page_records``, then one vectorised
    ``finish`` over all of them), in key order. A file that cannot be read is skipped with a
    warning (counted, the first few named); it never stops the run. ``pages``: the keys read and
    parsed, with or without games (an unreadable or malformed file is not among them). Reads run
    in at most ``workers`` threads."""
    parser = _parser_fingerprint()
    store = _Cache(Path(cache) if cache else None)
    failures: list[str] = []

    def one(row) -> tuple[list, list[str], bool, bool]:
        hit = store.get(row.key, row.etag, parser)
        if hit is not None:
            return hit[0], hit[1], True, True
        size = pd.to_numeric(pd.Series([row.size]), errors="coerce").iloc[0]
        if pd.notna(size) and too_large(int(size), row.key):  # not read at all: one warning
            return [], [too_large(int(size), row.key)], False, False
        try:
            data = storage.read(row.key, 0, MAX_PAGE_BYTES + 1)  # never more than the limit
            if len(data) > MAX_PAGE_BYTES:  # grew since it was listed
                return (
                    [],
                    [f"{row.key}: more than the {MAX_PAGE_BYTES:,} bytes a scoreboard page may have; skipped"],
                    False,
                    False,
                )
        except Exception as exc:  # noqa: BLE001 - an unreadable object (any backend error) is a finding, not a crash
            failures.append(f"{row.key}: {type(exc).__name__}: {str(exc)[:200]}")
            return [], [], False, False
        records, warns = page_records(data, row.key)
        records, warns = [list(r) for r in records], [str(w) for w in warns]
        store.put(row.key, row.etag, parser, records, warns)
        return [tuple(r) for r in records], warns, False, True

    rows = list(objects.itertuples(index=False))
    try:
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(rows) or 1))) as pool:
            results = list(pool.map(one, rows))  # map keeps the key order: a deterministic result
    finally:
        store.close()
    records = [r for rec, _, _, _ in results for r in rec]
    page_warnings = [w for _, ws, _, _ in results for w in ws]
    games, warnings = finish((records, page_warnings))
    # a page counts as read when it was read and parsed, with or without games: a page whose only
    # warnings are about single games still lists the date's other games
    pages = frozenset(row.key for row, (rec, ws, _, ok) in zip(rows, results) if ok and (rec or not ws))
    warnings = capped(list(warnings), "scoreboard pages")
    if failures:
        failures.sort()
        warnings.append(
            f"{len(failures)} scoreboard file(s) could not be read and were skipped (first: {'; '.join(failures[:3])})"
        )
    # what was read from the cache is not part of the result (a cached run equals a fresh one)
    log.info("scoreboards: %d files, %d from the cache", len(rows), sum(1 for r in results if r[2]))
    stats = {"files": len(rows), "unreadable": len(failures), "games": int(len(games))}
    return LakePages(games=games, pages=pages, warnings=warnings, stats=stats, lake=storage.uri)


def lake_scoreboards(
    lake: str | Storage, spec=None, *, runs_dir: str | Path | None = None, workers: int = 8
) -> LakePages:
    """The scoreboard pages of ``lake`` (a URI, opened and closed here, or an open storage) as
    ``spec`` lays them out (``None``: the packaged spec), with the cache beside the runs when
    ``runs_dir`` is given."""
    spec = load_spec("default") if spec is None else spec
    own = not isinstance(lake, Storage)
    storage = open_storage(lake) if own else lake
    try:
        objects = scoreboard_objects(storage, spec, workers)
        cache = Path(runs_dir) / SCOREBOARD_CACHE if runs_dir is not None else None
        pages = read_scoreboards(storage, objects, workers=workers, cache=cache)
    finally:
        if own:
            storage.close()
    if own:
        pages.lake = str(lake)
    return pages
