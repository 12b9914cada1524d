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

Verified on load (``load_snapshot``): the data file is read within ``MAX_SCHEDULE_BYTES``
(compressed and uncompressed), the SHA-256 of its text must start with the ``snapshot_id`` its
name gives (an edited or damaged snapshot is refused with one line), and it must hold at least
one game. ``LATEST`` naming a snapshot that is not there is said as such (``latest_problem``).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ScheduleError
from ..inputs import MAX_SCHEDULE_BYTES, read_regular
from ..masking import mask
from ..outputs import atomic_path, read_json, write_json, write_text
from .load import COLUMNS, canonical
from .read import read_table

LATEST = "LATEST"
_SID = re.compile(r"[0-9a-f]{16}")


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


def _latest_id(directory: str | Path) -> str | None:
    try:
        return read_regular(Path(directory) / LATEST, 64, "LATEST", ScheduleError).decode("ascii", "replace").strip()
    except ScheduleError:
        return None


def latest_snapshot(directory: str | Path) -> Path | None:
    """The newest snapshot's data path, or None when there is none (or LATEST names a missing one:
    ``latest_problem`` says so)."""
    sid = _latest_id(directory)
    path = Path(directory) / "snapshots" / f"{sid}.csv.gz"
    return path if sid and _SID.fullmatch(sid) and path.is_file() else None


def latest_problem(directory: str | Path) -> str | None:
    """Why ``LATEST`` names no usable snapshot although it exists (one line), else None."""
    pointer = Path(directory) / LATEST
    if not pointer.exists() or latest_snapshot(directory) is not None:
        return None
    sid = _latest_id(directory)
    others = (
        len(list((Path(directory) / "snapshots").glob("*.csv.gz"))) if (Path(directory) / "snapshots").is_dir() else 0
    )
    if not sid or not _SID.fullmatch(sid):
        return f"{pointer} does not hold a snapshot id ({others} snapshot file(s) in {Path(directory) / 'snapshots'})"
    return (
        f"{pointer} names snapshot {sid}, but {Path(directory) / 'snapshots' / (sid + '.csv.gz')} is missing "
        f"({others} other snapshot file(s) there; `nba-recon schedule update` writes a new one)"
    )


def load_snapshot(path: str | Path) -> tuple[pd.DataFrame, dict]:
    """(canonical schedule, metadata) of one snapshot; ScheduleError (exit 2) naming the file when
    it is unreadable."""
    path = Path(path)
    verify_snapshot(path)
    raw = read_table(path, ("game_id",))
    if raw.empty:
        raise ScheduleError(f"{path}: the snapshot holds no game (a header only); run `nba-recon schedule update`")
    try:
        frame = canonical(raw, source=str(path), provenance="snapshot")
    except ScheduleError as exc:
        raise ScheduleError(f"{path}: {exc}") from None
    frame = frame.sort_values(["game_date", "game_id"], na_position="last", kind="stable").reset_index(drop=True)
    return frame, read_meta(path)


def verify_snapshot(path: Path) -> None:
    """ScheduleError (one line) unless the SHA-256 of the snapshot's text starts with the id its
    file name gives. A file not named like a snapshot (``--snapshot`` given by hand) is not checked."""
    sid = path.name[: -len(".csv.gz")] if path.name.endswith(".csv.gz") else ""
    if not _SID.fullmatch(sid):
        return
    data = read_regular(path, MAX_SCHEDULE_BYTES, "schedule snapshot", ScheduleError)
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
            text = gz.read(MAX_SCHEDULE_BYTES + 1)
    except (OSError, EOFError) as exc:
        raise ScheduleError(f"{path}: the snapshot is damaged ({exc}); run `nba-recon schedule update`") from None
    if len(text) > MAX_SCHEDULE_BYTES:
        raise ScheduleError(f"{path}: the snapshot unpacks to more than {MAX_SCHEDULE_BYTES:,} bytes; refused")
    actual = hashlib.sha256(text).hexdigest()[:16]
    if actual != sid:
        raise ScheduleError(
            f"{path}: the snapshot's content does not match its id {sid} (its hash is {actual}): "
            "edited or damaged; refused (run `nba-recon schedule update` for a new one)"
        )


def read_meta(path: str | Path) -> dict:
    """The metadata stored beside a snapshot's data file (at least its ``snapshot_id``)."""
    path = Path(path)
    meta_path = path.with_name(path.name.replace(".csv.gz", ".json")) if path.name.endswith(".csv.gz") else None
    meta = read_json(meta_path) if meta_path is not None and meta_path.is_file() else {}
    meta.setdefault("snapshot_id", path.name.replace(".csv.gz", ""))
    return meta
