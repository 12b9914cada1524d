"""The run folder's bookkeeping: which files a stage wrote and their checksums, damaged outputs
found on resume, temporary files of a killed runner, room kept for the final record, and the
headline numbers of a finished run."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from nba_simulator.report.warnings import read_run_warnings

from .record import write_record

RESERVE_NAME = ".space-reserve"
RESERVE_BYTES = 512 * 1024
_TEMP = re.compile(r"^\..+\.\w{6,}\.(tmp|parquet)$")


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def reserve_space(run_dir: Path) -> None:
    """A ballast file in the run folder: released to write the final record when the stages
    filled the disk, so a failed run never stays ``running``. No room for it: no ballast."""
    try:
        (Path(run_dir) / RESERVE_NAME).write_bytes(b"\0" * RESERVE_BYTES)
    except OSError:
        release_space(run_dir)


def release_space(run_dir: Path) -> None:
    (Path(run_dir) / RESERVE_NAME).unlink(missing_ok=True)


def write_final_record(record: dict, run_dir: Path) -> None:
    """run.json with the run's outcome; on a full disk the ballast is released and it is tried
    once more."""
    try:
        write_record(record, run_dir)
    except OSError:
        release_space(run_dir)
        write_record(record, run_dir)


def remove_temp_files(*folders: Path) -> None:
    """Temporary files of atomic writes (``.NAME.XXXXXXXX.tmp``...) left by a killed runner."""
    for folder in folders:
        if folder.is_dir():
            for path in folder.iterdir():
                if _TEMP.match(path.name) and path.is_file():
                    path.unlink(missing_ok=True)


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every (non-hidden) file under ``folder``: its modification time and size."""
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.stat().st_size)
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    }


def changed(folder: Path, before: dict, run_dir: Path) -> list[str]:
    """The files under ``folder`` new or changed since ``before`` (:func:`snapshot`), relative to
    ``run_dir``."""
    after = snapshot(folder)
    rel = folder.relative_to(run_dir)
    return sorted(f"{rel.as_posix()}/{k}" for k, v in after.items() if before.get(k) != v)


def first_damaged(run_dir: Path, finished: Sequence[dict], echo: Callable[[str], None]) -> int | None:
    """The first of the ``finished`` stages whose outputs are missing or not the bytes it
    wrote (their SHA-256 is in run.json): a damaged file is rebuilt, never trusted."""
    last_writer: dict[str, tuple[int, str | None]] = {}
    for i, st in enumerate(finished):
        sums = st.get("checksums") or {}
        for rel in st.get("outputs") or []:
            last_writer[rel] = (i, sums.get(rel))
    bad = None
    for rel, (i, digest) in sorted(last_writer.items(), key=lambda kv: kv[1][0]):
        path = run_dir / rel
        if not path.is_file() or (digest is not None and sha256(path) != digest):
            echo(
                f"{rel} (from stage {finished[i]['name']}) is missing or damaged: "
                f"stage {finished[i]['name']} runs again"
            )
            bad = i if bad is None else min(bad, i)
    return bad


def headline_numbers(run_dir: Path) -> dict | None:
    """The numbers the index shows, from ``data/summary.json`` (None before the summary stage)."""
    path = Path(run_dir) / "data" / "summary.json"
    if not path.exists():
        return None
    try:
        s = json.loads(path.read_text(encoding="utf-8"))
        totals = s.get("totals", {})
        return {
            "completeness_pct": totals.get("complete_pct"),
            "have_pct": totals.get("have_pct"),
            "expected": totals.get("expected"),
            "missing": totals.get("missing"),
            "gaps": sum((s.get("gaps") or {}).values()),
            "tasks": sum((s.get("tasks") or {}).values()),
            "estimate": s.get("estimate"),
            "as_of": s.get("as_of"),
            "warnings": read_run_warnings(Path(run_dir) / "data"),
            "unjudged": len(s.get("unjudged") or []),
        }
    except (OSError, ValueError, AttributeError, TypeError):
        return None
