"""Property-based bad input (Hypothesis): generated specs, schedules (CSV and Parquet, odd dtypes
and encodings), key names and S3 Inventory manifest documents. Whatever they hold, ``reconcile``
ends with exit 0 or 2 (never 1, never "unexpected error"), and on exit 2 it prints one line and
writes nothing.

Examples are bounded (``max_examples``) so the module takes seconds to a minute; each example
runs the real command in-process on a tiny local lake.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from nba_simulator.cli import main

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

VALID_SPEC = {
    "version": 1,
    "schedule": "games.csv",  # three games: each example runs in a fraction of a second
    "datasets": {
        "pbp": {
            "source": "nba_stats",
            "data_type": "play_by_play",
            "keys": "pbp/{game_id}.json",
            "per": "game",
            "seasons": "2018-19",
        }
    },
}
GOOD = {"pbp/0021800001.json": b'{"plays": [1]}', "pbp/0021800003.json": b'{"plays": [2]}'}
GAMES = (
    "game_id,season,season_type,game_date,home_team,away_team\n"
    "0021800001,2018-19,regular,2018-10-16,BOS,PHI\n"
    "0021800002,2018-19,regular,2018-10-16,GSW,OKC\n"
    "0021800003,2018-19,regular,2018-10-17,CHA,MIL\n"
)


def _lake(root: Path, objects: dict) -> Path:
    (root / "games.csv").write_text(GAMES)
    lake = root / "lake"
    for key, body in objects.items():
        path = lake / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    return lake


def _run(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    return rc, err.getvalue()


def _check(root: Path, spec: Path, lake: Path, *extra: str) -> int:
    out = root / "out"
    rc, err = _run(
        ["reconcile", "--spec", str(spec), "--lake", str(lake), "--as-of", "2019-03-01", "--out", str(out), *extra]
    )
    assert rc in (0, 2), f"exit {rc}: {err}"
    assert "unexpected error" not in err
    if rc == 2:
        assert len(err.strip().splitlines()) == 1, err
        assert not out.exists(), "something was written on exit 2"
    return rc


@contextlib.contextmanager
def _scratch():
    root = Path(tempfile.mkdtemp(prefix="nbaprop"))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


# ------------------------------------------------------------------------------------ specs
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(
        [
            "builtin",
            "game",
            "date",
            "season",
            "team_season",
            "regular",
            "2018-19",
            "2018-19..2017-18",
            "{game_id}",
            "pbp/{game_id}.json",
            "{gameid}",
            "{",
            "}",
            "current",
            "CRITICAL",
            "json",
            "csv",
        ]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.text(max_size=12), st.integers()), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = [
    "version",
    "schedule",
    "exclude",
    "datasets",
    "priorities",
    "tasks",
    "inventory",
    "source",
    "data_type",
    "keys",
    "per",
    "seasons",
    "season_types",
    "required",
    "min_bytes",
    "freshness_days",
    "content",
    "scraper",
]


@st.composite
def specs(draw):
    """A valid spec with a few fields (top level or the dataset's) replaced by anything, or a
    document of anything, or raw text."""
    kind = draw(st.sampled_from(["mutated", "mutated", "anything", "text"]))
    if kind == "text":
        return draw(st.text(max_size=300))
    if kind == "anything":
        return yaml.safe_dump(draw(values), allow_unicode=True)
    doc = json.loads(json.dumps(VALID_SPEC))
    for _ in range(draw(st.integers(1, 3))):
        field = draw(st.sampled_from(FIELDS))
        target = (
            doc
            if field in ("version", "schedule", "exclude", "datasets", "priorities", "tasks", "inventory")
            else doc["datasets"]["pbp"]
        )
        if isinstance(target, dict):
            target[field] = draw(values)
        if not isinstance(doc.get("datasets"), dict) or not isinstance(doc["datasets"].get("pbp"), dict):
            break
    return yaml.safe_dump(doc, allow_unicode=True)


@SETTINGS
@given(text=specs())
def test_generated_specs(text):
    with _scratch() as root:
        spec = root / "spec.yaml"
        spec.write_text(text, encoding="utf-8")
        _check(root, spec, _lake(root, GOOD))


# ------------------------------------------------------------------------------------ schedules
COLUMNS = [
    "game_id",
    "season",
    "season_type",
    "game_date",
    "home_team",
    "away_team",
    "status",
    "espn_game_id",
    "GAME_ID",
    "Game_Date",
    " game_id ",
]
cells = st.one_of(
    st.none(),
    st.text(max_size=14),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True),
    st.booleans(),
    st.sampled_from(
        [
            "0021800001",
            "21800001",
            "2018-19",
            "regular",
            "2018-10-16",
            "9999-99-99",
            "0001-01-01",
            "BOS",
            "PHI",
            "final",
            "",
            "2262-05-01",
        ]
    ),
)


@st.composite
def schedule_frames(draw):
    cols = draw(st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=8, unique=True))
    n = draw(st.integers(0, 4))
    return {c: [draw(cells) for _ in range(n)] for c in cols}


def _text(v):
    return "" if v is None else str(v)


@SETTINGS
@given(frame=schedule_frames(), encoding=st.sampled_from(["utf-8", "latin-1", "utf-16", "utf-8-sig"]))
def test_generated_csv_schedules(frame, encoding):
    with _scratch() as root:
        cols = list(frame)
        rows = zip(*frame.values()) if cols else []
        text = ",".join(cols) + "\n" + "".join(",".join(_text(v) for v in r) + "\n" for r in rows)
        try:
            (root / "schedule.csv").write_bytes(text.encode(encoding))
        except UnicodeEncodeError:
            (root / "schedule.csv").write_bytes(text.encode("utf-8", "replace"))
        spec = root / "spec.yaml"
        spec.write_text(yaml.safe_dump({**VALID_SPEC, "schedule": "schedule.csv"}))
        _check(root, spec, _lake(root, GOOD))


parquet_columns = st.sampled_from(["text", "binary", "int", "float", "bool", "timestamp", "date", "list", "bad_utf8"])


@SETTINGS
@given(frame=schedule_frames(), kinds=st.lists(parquet_columns, min_size=1, max_size=8))
def test_generated_parquet_schedules(frame, kinds):
    with _scratch() as root:
        arrays, names = [], []
        for i, (name, values_) in enumerate(frame.items()):
            kind = kinds[i % len(kinds)]
            text = [None if v is None else str(v) for v in values_]
            if kind == "binary":
                arr = pa.array([None if t is None else t.encode() for t in text], pa.binary())
            elif kind == "bad_utf8":
                arr = pa.array([None if t is None else b"\xff" + t.encode() for t in text], pa.binary())
            elif kind == "int":
                arr = pa.array([len(t or "") * 10**9 for t in text], pa.int64())
            elif kind == "float":
                arr = pa.array([float(len(t or "")) / 3 for t in text], pa.float64())
            elif kind == "bool":
                arr = pa.array([bool(t) for t in text], pa.bool_())
            elif kind == "timestamp":
                arr = pa.array([len(t or "") * 10**15 for t in text], pa.timestamp("us"))
            elif kind == "date":
                arr = pa.array([len(t or "") * 1000 for t in text], pa.date32())
            elif kind == "list":
                arr = pa.array([[t] for t in text], pa.list_(pa.string()))
            else:
                arr = pa.array(text, pa.string())
            arrays.append(arr)
            names.append(name)
        if not names:
            return
        pq.write_table(pa.Table.from_arrays(arrays, names=names), root / "schedule.parquet")
        spec = root / "spec.yaml"
        spec.write_text(yaml.safe_dump({**VALID_SPEC, "schedule": "schedule.parquet"}))
        _check(root, spec, _lake(root, GOOD))


# ------------------------------------------------------------------------------------ key names
key_names = st.text(
    st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)), min_size=1, max_size=60
).filter(lambda s: s not in (".", ".."))


@settings(SETTINGS, max_examples=15)
@given(names=st.lists(key_names, min_size=1, max_size=6), folder=key_names)
def test_generated_key_names(names, folder):
    with _scratch() as root:
        objects = dict(GOOD)
        for i, name in enumerate(names):
            objects[f"{folder}/{name}" if i % 2 else f"pbp/{name}"] = b"{}"
        try:
            lake = _lake(root, objects)
        except OSError:  # a name the file system refuses (too long in bytes...)
            return
        spec = root / "spec.yaml"
        spec.write_text(yaml.safe_dump(VALID_SPEC))
        assert _check(root, spec, lake) == 0


# ------------------------------------------------------------------------------------ manifests
def _delivery(root: Path) -> Path:
    from tests.inventory_writer import write_delivery

    inv = pd.DataFrame(
        {
            "key": list(GOOD),
            "size": [len(v) for v in GOOD.values()],
            "last_modified": pd.Timestamp("2019-02-01", tz="UTC"),
            "etag": ["a", "b"],
        }
    )
    return write_delivery(root / "inv", inv, created="2019-02-28T01:00Z")


manifest_values = st.one_of(
    values, st.sampled_from(["CSV", "Parquet", "ORC", "csv", "abc", "-1", "1e3", "12", "", "Bucket, Key, Size"])
)


@settings(SETTINGS, max_examples=15)
@given(
    changes=st.dictionaries(
        st.sampled_from(
            ["fileFormat", "fileSchema", "files", "creationTimestamp", "sourceBucket", "size", "key", "MD5checksum"]
        ),
        manifest_values,
        min_size=1,
        max_size=3,
    ),
    fmt=st.sampled_from(["CSV", "Parquet"]),
)
# found by Hypothesis: the streamed reader's output folder was left behind on exit 2
@example(changes={"fileFormat": "Parquet"}, fmt="CSV")
def test_generated_manifests(changes, fmt):
    with _scratch() as root:
        folder = _delivery(root)
        manifest = json.loads((folder / "manifest.json").read_text())
        for field, value in changes.items():
            if field in ("size", "key", "MD5checksum"):
                if (
                    isinstance(manifest.get("files"), list)
                    and manifest["files"]
                    and isinstance(manifest["files"][0], dict)
                ):
                    manifest["files"][0][field] = value
            else:
                manifest[field] = value
        raw = json.dumps(manifest).encode()
        (folder / "manifest.json").write_bytes(raw)
        (folder / "manifest.checksum").write_text(hashlib.md5(raw).hexdigest() + "\n")
        spec = root / "spec.yaml"
        spec.write_text(yaml.safe_dump(VALID_SPEC))
        _check(root, spec, _lake(root, GOOD), "--inventory", str(root / "inv"))


@pytest.mark.parametrize("size", ["abc", "-5", "1.5", True, [1], "9" * 40])
def test_manifest_size_not_a_number_names_the_field(size):
    with _scratch() as root:
        folder = _delivery(root)
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["files"][0]["size"] = size
        raw = json.dumps(manifest).encode()
        (folder / "manifest.json").write_bytes(raw)
        (folder / "manifest.checksum").write_text(hashlib.md5(raw).hexdigest() + "\n")
        spec = root / "spec.yaml"
        spec.write_text(yaml.safe_dump(VALID_SPEC))
        rc, err = _run(
            [
                "reconcile",
                "--spec",
                str(spec),
                "--lake",
                str(_lake(root, GOOD)),
                "--as-of",
                "2019-03-01",
                "--out",
                str(root / "out"),
                "--inventory",
                str(root / "inv"),
            ]
        )
        assert rc == 2 and "files[0].size must be" in err and "manifest.json" in err, err
