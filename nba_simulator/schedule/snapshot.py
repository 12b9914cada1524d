"""Schedule snapshots: what ``nba-recon schedule update`` built, kept beside the runs.

Layout (``default_dir(runs_dir)`` = ``<runs_dir>/schedule/``)::

    <runs_dir>/schedule/snapshots/<snapshot_id>.csv.gz   the canonical schedule (load.COLUMNS)
    <runs_dir>/schedule/snapshots/<snapshot_id>.json     metadata: snapshot_id, fetched_at, as_of,
                                                          sources, counts, warnings
    <runs_dir>/schedule/LATEST                           the id of the newest snapshot

``snapshot_id`` is the first 16 hex digits of the SHA-256 of the CSV text, so identical content
gives the identical id and identical bytes (gzip without a timestamp). Every file is written to a
temporary file and renamed; ``LATEST`` is replaced last, so an update killed at any moment leaves
the previous snapshot in force. A snapshot whose id already exists is not rewritten. A run
records the snapshot it used (``schedule.auto``: its path and metadata); older snapshots are kept
so a report can be reproduced at its ``as_of``.
"""
from __future__ import annotations

import gzip
import hashlib
import io
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ScheduleError
from ..masking import mask
from ..outputs import atomic_path, read_json, write_json, write_text
from .load import COLUMNS, canonical
from .read import read_table

LATEST = "LATEST"


def default_dir(runs_dir: str | Path) -> Path:
    return Path(runs_dir) / "schedule"


def _csv_text(frame: pd.DataFrame) -> str:
    f = frame.reindex(columns=list(COLUMNS)).copy()
    for col in ("game_date", "original_date"):
        f[col] = pd.to_datetime(f[col]).dt.strftime("%Y-%m-%d")
    f = f.sort_values(["game_id"], kind="stable")
    return f.to_csv(index=False, lineterminator="\n")


def write_snapshot(frame: pd.DataFrame, directory: str | Path, meta: dict[str, Any]) -> Path:
    """Write ``frame`` (canonical) as a snapshot in ``directory`` and make it the latest; returns
    its data path. ``meta`` (fetched_at, as_of, sources, counts, warnings...) is stored beside it
    with ``snapshot_id`` added (an existing snapshot with the same id is kept as it is)."""
    directory = Path(directory)
    text = _csv_text(frame)
    sid = hashlib.sha256(text.encode()).hexdigest()[:16]
    snaps = directory / "snapshots"
    data_path, meta_path = snaps / f"{sid}.csv.gz", snaps / f"{sid}.json"
    if not (data_path.is_file() and meta_path.is_file()):
        with atomic_path(data_path) as tmp:
            buf = io.BytesIO()
            with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, filename="") as gz:
                gz.write(text.encode())
            tmp.write_bytes(buf.getvalue())
        write_json(mask({"snapshot_id": sid, "games": int(len(frame)), **meta}), meta_path)  # no URL's secret
    write_text(sid + "\n", directory / LATEST)
    return data_path


def latest_snapshot(directory: str | Path) -> Path | None:
    """The newest snapshot's data path, or None when there is none (or LATEST names a missing one)."""
    pointer = Path(directory) / LATEST
    if not pointer.is_file():
        return None
    sid = pointer.read_text().strip()
    path = Path(directory) / "snapshots" / f"{sid}.csv.gz"
    return path if sid and path.is_file() else None


def load_snapshot(path: str | Path) -> tuple[pd.DataFrame, dict]:
    """(canonical schedule, metadata) of one snapshot; ScheduleError (exit 2) naming the file when
    it is unreadable."""
    path = Path(path)
    raw = read_table(path, ("game_id",))
    try:
        frame = canonical(raw, source=str(path), provenance="snapshot")
    except ScheduleError as exc:
        raise ScheduleError(f"{path}: {exc}") from None
    frame = frame.sort_values(["game_date", "game_id"], na_position="last", kind="stable").reset_index(drop=True)
    return frame, read_meta(path)


def read_meta(path: str | Path) -> dict:
    """The metadata stored beside a snapshot's data file (at least its ``snapshot_id``)."""
    path = Path(path)
    meta_path = path.with_name(path.name.replace(".csv.gz", ".json"))
    meta = read_json(meta_path) if meta_path.is_file() else {}
    meta.setdefault("snapshot_id", path.name.replace(".csv.gz", ""))
    return meta

