"""The streamed coverage gives exactly the in-memory path's results on the same S3 Inventory
delivery: coverage, orphans, duplicates, completeness, what cannot be judged, gaps and tasks."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

from nba_simulator.coverage import build_coverage
from nba_simulator.coverage.stream import stream_coverage
from nba_simulator.demo import build_demo
from nba_simulator.gaps import find_gaps
from nba_simulator.reconcile import resolve_schedule, schedule_for
from nba_simulator.scan_run import scan_lake
from nba_simulator.spec import load_spec
from nba_simulator.storage.inventory_report import load_report, open_stream, read_report
from nba_simulator.tasks import task_queue
from tests.inventory_writer import write_delivery

FRAMES = ("coverage", "orphans", "duplicates", "completeness")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build_demo(tmp_path_factory.mktemp("stream-demo"))


@pytest.fixture(scope="module")
def delivery(demo, tmp_path_factory):
    """The demo lake's listing written as a 3-file Parquet delivery."""
    spec = load_spec(demo.spec)
    inventory, _ = scan_lake(spec, str(demo.lake), as_of=demo.as_of)
    dest = tmp_path_factory.mktemp("stream-dest")
    write_delivery(dest, inventory, source_bucket="lake", fmt="Parquet", files=3, created="2019-03-14T01:00Z")
    games = schedule_for(spec, resolve_schedule(spec), lake=str(demo.lake), as_of=demo.as_of)
    return spec, games, dest, inventory


def _same(a, b, as_of, spec):
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_dtype=False, obj=name)
    assert a.unjudged == b.unjudged and a.warnings == b.warnings
    ga = find_gaps(spec, a.coverage, a.completeness, as_of)
    gb = find_gaps(spec, b.coverage, b.completeness, as_of)
    pd.testing.assert_frame_equal(ga, gb, check_dtype=False, obj="gaps")
    assert task_queue(spec, ga).tasks == task_queue(spec, gb).tasks


@pytest.mark.parametrize("chunk_rows", [7, 100_000])
def test_streamed_equals_in_memory(demo, delivery, tmp_path, chunk_rows):
    spec, games, dest, _ = delivery
    inv, _ = read_report(str(dest), exclude=list(spec.exclude))
    in_memory = build_coverage(spec, games, inv, demo.as_of)
    # the demo's planted flaws: orphans, unparsed keys, duplicates, several statuses
    assert len(in_memory.orphans) and len(in_memory.duplicates)
    assert in_memory.coverage["status"].nunique() >= 3
    stream = open_stream(str(dest), exclude=list(spec.exclude), out_path=tmp_path / "inventory.parquet")
    streamed = stream_coverage(
        spec, games, stream.batches(), demo.as_of, chunk_rows=chunk_rows, orphans_path=tmp_path / "orphans.parquet"
    )
    _same(in_memory, streamed, demo.as_of, spec)
    counts = in_memory.orphans["reason"].value_counts()
    assert streamed.orphan_counts == {
        "orphan": int(counts.get("orphan", 0)),
        "unparsed": int(counts.get("unparsed", 0)),
    }
    assert stream.objects == len(inv) and stream.bytes == int(inv["size"].sum())
    written = pq.read_table(tmp_path / "orphans.parquet").to_pandas().sort_values("key", ignore_index=True)
    want = in_memory.orphans.astype({"dataset": written["dataset"].dtype})  # NA as Parquet strings
    pd.testing.assert_frame_equal(written, want, check_dtype=False)
    inv_file = pq.read_table(tmp_path / "inventory.parquet").to_pandas().sort_values("key", ignore_index=True)
    assert inv_file["key"].tolist() == inv["key"].tolist()


def test_orphans_beyond_the_bound_are_counted_and_written(demo, delivery, tmp_path):
    spec, games, dest, _ = delivery
    inv, _ = read_report(str(dest), exclude=list(spec.exclude))
    in_memory = build_coverage(spec, games, inv, demo.as_of)
    streamed = stream_coverage(
        spec,
        games,
        open_stream(str(dest), exclude=list(spec.exclude)).batches(),
        demo.as_of,
        chunk_rows=5,
        keep_orphans=2,
        orphans_path=tmp_path / "o.parquet",
    )
    assert len(streamed.orphans) == 2 and sum(streamed.orphan_counts.values()) == len(in_memory.orphans)
    assert set(streamed.orphans["key"]) <= set(in_memory.orphans["key"])
    assert streamed.unjudged == in_memory.unjudged
    pd.testing.assert_frame_equal(streamed.coverage, in_memory.coverage, check_dtype=False)
    assert pq.read_metadata(tmp_path / "o.parquet").num_rows == len(in_memory.orphans)


def test_bench_shaped_delivery(tmp_path):
    """The benchmark's generator (every dataset of the default spec, orphans of several kinds),
    one data file at a time as for 100M objects: streamed = in memory."""
    from bench.generate import AS_OF, schedule, write_report_by_file

    spec, games = load_spec("default"), schedule()
    write_report_by_file(40_000, spec, games, tmp_path, per_file=10_000)
    lake = "s3://nba-sim-raw-data-lake"
    inv, _ = read_report(str(tmp_path), lake=lake, exclude=list(spec.exclude))
    assert len(inv) == 40_000 - int(0.1 * (40_000 - 24_000))  # the excluded prefixes: 10% of the filler
    in_memory = build_coverage(spec, games, inv, AS_OF)
    streamed = stream_coverage(
        spec,
        games,
        open_stream(str(tmp_path), lake=lake, exclude=list(spec.exclude)).batches(),
        AS_OF,
        chunk_rows=9_000,
    )
    _same(in_memory, streamed, AS_OF, spec)


def test_load_report_streams_above_the_threshold(delivery, monkeypatch):
    spec, _, dest, inventory = delivery
    whole = load_report(str(dest), as_of="2019-03-15", exclude=list(spec.exclude), stream="auto")
    assert whole.inventory is not None and whole.stream is None
    monkeypatch.setenv("NBA_RECON_STREAM_ABOVE_BYTES", "1")
    streamed = load_report(str(dest), as_of="2019-03-15", exclude=list(spec.exclude), stream="auto")
    assert streamed.inventory is None and streamed.info["streamed"] is True
    assert sum(b.num_rows for b in streamed.stream.batches()) == len(whole.inventory)
    # the delivery is still chosen as of the run date: none before it was created
    none = load_report(str(dest), as_of="2019-03-13", stream=True)
    assert none.inventory is None and none.stream is None and none.warnings


@pytest.mark.parametrize("probe", [False, True], ids=["listed", "probed"])
def test_reconcile_streamed_writes_the_same_files(demo, delivery, tmp_path, probe):
    """Streamed or in memory, with or without content probing (the streamed coverage keeps the
    inventory rows of expected keys, what the probe reads): the same files."""
    from nba_simulator.cli import main

    _, _, dest, _ = delivery
    outs = {}
    for mode in ("no", "yes"):
        outs[mode] = tmp_path / mode
        assert (
            main(
                [
                    "reconcile",
                    "--spec",
                    str(demo.spec),
                    "--lake",
                    str(demo.lake),
                    "--as-of",
                    str(demo.as_of),
                    "--out",
                    str(outs[mode]),
                    "--inventory",
                    str(dest),
                    "--stream",
                    mode,
                    *(["--probe"] if probe else []),
                ]
            )
            == 0
        )
    tables = ["coverage.parquet", "duplicates.parquet", "completeness.parquet", "gaps.parquet", "matrix.parquet"]
    if probe:
        tables.append("content.parquet")
        cov = pd.read_parquet(outs["yes"] / "coverage.parquet")
        assert "content" in cov.columns and (cov["status"] == "empty").any()  # the demo's empty files
    for f in tables:
        pd.testing.assert_frame_equal(pd.read_parquet(outs["no"] / f), pd.read_parquet(outs["yes"] / f), obj=f)
    for f in ("orphans.parquet", "inventory.parquet"):  # streamed: in delivery order
        a, b = (pd.read_parquet(outs[m] / f).sort_values("key", ignore_index=True) for m in ("no", "yes"))
        pd.testing.assert_frame_equal(a, b, check_dtype=False, obj=f)
    assert (outs["no"] / "tasks.json").read_text() == (outs["yes"] / "tasks.json").read_text()
    a, b = (json.loads((outs[m] / "summary.json").read_text()) for m in ("no", "yes"))
    if probe:  # how long the probe took differs from run to run
        for doc in (a, b):
            doc["content"].pop("seconds", None)
    assert a == b
    assert sorted(p.name for p in outs["yes"].iterdir()) == sorted(p.name for p in outs["no"].iterdir())


def test_stream_yes_is_refused_with_what_lists_part_of_the_lake(demo, delivery, tmp_path):
    from nba_simulator.cli import main

    _, _, dest, _ = delivery
    for extra in (["--sample", "0.5"], ["--engine", "dask"]):
        assert (
            main(
                [
                    "reconcile",
                    "--spec",
                    str(demo.spec),
                    "--lake",
                    str(demo.lake),
                    "--as-of",
                    str(demo.as_of),
                    "--out",
                    str(tmp_path / "q"),
                    "--inventory",
                    str(dest),
                    "--stream",
                    "yes",
                    *extra,
                ]
            )
            == 2
        )
    assert not (tmp_path / "q").exists()


def test_chunks_reduced_on_a_dask_cluster_are_the_same(demo, delivery):
    """Chunks' data handed to Dask workers (no shared folder): the same coverage."""
    pytest.importorskip("distributed")
    from distributed import Client, LocalCluster

    spec, games, dest, _ = delivery
    inv, _ = read_report(str(dest), exclude=list(spec.exclude))
    in_memory = build_coverage(spec, games, inv, demo.as_of)
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        streamed = stream_coverage(
            spec,
            games,
            open_stream(str(dest), exclude=list(spec.exclude)).batches(),
            demo.as_of,
            chunk_rows=11,
            client=client,
        )
    _same(in_memory, streamed, demo.as_of, spec)


def test_a_damaged_data_file_fails_the_stream_and_leaves_no_file(delivery, tmp_path):
    """The data files' checks hold when streamed: a file whose MD5 differs from the manifest is
    refused (BadInput naming it), and nothing is left in the output folder."""
    import shutil

    from nba_simulator.errors import BadInput

    spec, games, dest, _ = delivery
    copy = tmp_path / "dest"
    shutil.copytree(dest, copy)
    data = sorted((copy / "lake" / "daily" / "data").iterdir())[-1]
    raw = bytearray(data.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    data.write_bytes(bytes(raw))
    out = tmp_path / "out"
    out.mkdir()
    stream = open_stream(str(copy), exclude=list(spec.exclude), out_path=out / "inventory.parquet")
    with pytest.raises(BadInput, match="MD5"):
        stream_coverage(spec, games, stream.batches(), "2019-03-15", orphans_path=out / "orphans.parquet")
    assert list(out.iterdir()) == []


def test_stream_yes_without_an_inventory_says_the_lake_was_listed(demo, tmp_path, capsys):
    """Asked to stream with no S3 Inventory to stream: the lake is listed (in memory), and the run
    says so instead of implying bounded memory."""
    import json

    from nba_simulator.cli import main

    out = tmp_path / "out"
    assert (
        main(
            [
                "reconcile",
                "--spec",
                str(demo.spec),
                "--lake",
                str(demo.lake),
                "--as-of",
                str(demo.as_of),
                "--out",
                str(out),
                "--stream",
                "yes",
            ]
        )
        == 0
    )
    said = "stream yes: there is no S3 Inventory to stream"
    assert said in capsys.readouterr().err
    assert any(w.startswith(said) for w in json.loads((out / "summary.json").read_text())["warnings"])
    assert (
        main(
            [
                "reconcile",
                "--spec",
                str(demo.spec),
                "--lake",
                str(demo.lake),
                "--as-of",
                str(demo.as_of),
                "--out",
                str(tmp_path / "auto"),
            ]
        )
        == 0
    )  # auto: nothing to say
    assert said not in capsys.readouterr().err


def test_random_order_bucket_shape_streamed_equals_in_memory(tmp_path):
    """The ``bucket`` shape of ``bench.stream_shapes`` (present files a few, most keys orphans,
    unparsed ESPN keys and excluded folders, every data file in random order): streamed = in
    memory, and the orphans kept are the in-memory orphans' first ``keep_orphans`` keys exactly,
    whatever the order of the stream, with exact counts."""
    from bench.generate import AS_OF, schedule
    from bench.stream_shapes import LAKE, write_bucket_shape

    spec, games = load_spec("default"), schedule()
    write_bucket_shape(60_000, spec, games, tmp_path, as_of=AS_OF, per_file=15_000)
    inv, _ = read_report(str(tmp_path), lake=LAKE, exclude=list(spec.exclude))
    in_memory = build_coverage(spec, games, inv, AS_OF)
    counts = in_memory.orphans["reason"].value_counts()
    assert counts["orphan"] > 5_000 and counts["unparsed"] > 5_000
    for keep, chunk_rows in ((len(in_memory.orphans), 7_000), (1_000, 7_000), (10, 40_000), (0, 9_000)):
        stream = open_stream(str(tmp_path), lake=LAKE, exclude=list(spec.exclude))
        streamed = stream_coverage(
            spec,
            games,
            stream.batches(),
            AS_OF,
            chunk_rows=chunk_rows,
            keep_orphans=keep,
            orphans_path=tmp_path / "o.parquet",
        )
        _same_but_orphans(in_memory, streamed)
        pd.testing.assert_frame_equal(
            streamed.orphans,
            in_memory.orphans.head(keep),
            check_dtype=False,
            check_index_type=False,
            obj=f"orphans, keep {keep}",
        )
        assert streamed.orphan_counts == {"orphan": int(counts["orphan"]), "unparsed": int(counts["unparsed"])}
        written = pq.read_table(tmp_path / "o.parquet").to_pandas().sort_values("key", ignore_index=True)
        assert written["key"].tolist() == in_memory.orphans["key"].tolist()


def _same_but_orphans(a, b):
    for name in ("coverage", "duplicates", "completeness"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_dtype=False, obj=name)
    assert a.unjudged == b.unjudged and a.warnings == b.warnings


def test_orphans_are_not_accumulated_while_they_stream(tmp_path):
    """Millions of orphans and unparsed keys: what the streamed coverage holds does not grow with
    them. Arrow's allocations (every string column of the stream is Arrow data) sampled after each
    chunk stay flat from the first quarter of the stream to the last, the kept sample stays at
    ``keep_orphans`` rows, and the counts are exact."""
    import numpy as np
    import pyarrow as pa

    from bench.generate import AS_OF, schedule
    from nba_simulator.storage.base import INVENTORY_SCHEMA

    spec, games = load_spec("default"), schedule()
    rows, chunks = 50_000, 24
    when = pd.Timestamp("2020-01-01", tz="UTC")

    def batches():
        for k in range(chunks):
            ids = np.random.default_rng(k).permutation(rows) + k * rows
            # half orphans (ESPN ids the schedule lacks), half unparsed (no dataset's layout)
            keys = [f"espn_play_by_play/{500_000_000 + i}.json" if i % 2 else f"scratch/{i:012d}.tmp" for i in ids]
            yield pa.RecordBatch.from_arrays(
                [
                    pa.array(keys),
                    pa.array(np.full(rows, 2_000, np.int64)),
                    pa.array([when] * rows, pa.timestamp("us", tz="UTC")),
                    pa.nulls(rows, pa.string()),
                ],
                schema=INVENTORY_SCHEMA,
            )
            allocated.append(pa.total_allocated_bytes())
            kept.append(0 if stream_orphans[0] is None else len(stream_orphans[0].frame()))

    import nba_simulator.coverage.stream as stream_module

    allocated: list[int] = []
    kept: list[int] = []
    stream_orphans: list = [None]
    real = stream_module._Orphans

    class Watched(real):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            stream_orphans[0] = self

    stream_module._Orphans = Watched
    try:
        result = stream_coverage(
            spec,
            games,
            batches(),
            AS_OF,
            chunk_rows=rows,
            keep_orphans=1_000,
            orphans_path=tmp_path / "orphans.parquet",
        )
    finally:
        stream_module._Orphans = real
    assert result.orphan_counts == {"orphan": rows * chunks // 2, "unparsed": rows * chunks // 2}
    assert pq.read_metadata(tmp_path / "orphans.parquet").num_rows == rows * chunks
    assert len(result.orphans) == 1_000 and result.orphans["key"].is_monotonic_increasing
    assert max(kept) <= 1_000
    quarter = chunks // 4
    early, late = max(allocated[2 : quarter + 2]), max(allocated[-quarter:])
    # one chunk of 50,000 keys is ~5 MB of Arrow data: the whole stream would be ~120 MB more
    assert late < early + (8 << 20), (early, late, allocated)


def test_orphan_table_counts_every_orphan_of_a_streamed_coverage(monkeypatch):
    """The coverage page's orphan table: the counts of the whole inventory (``orphan_counts``),
    not of the bounded sample a streamed coverage keeps."""
    import IPython.display

    from nba_simulator.plots import orphan_table

    shown: list = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    sample = pd.DataFrame(
        {
            "key": ["scratch/a.tmp"],
            "dataset": [None],
            "reason": ["unparsed"],
            "detail": ["matches no dataset layout"],
            "size": [1],
            "last_modified": [pd.Timestamp("2020-01-01", tz="UTC")],
        }
    )
    dups = pd.DataFrame({"expected_key": pd.Series(dtype="str")})
    orphan_table(sample, dups, counts={"orphan": 5, "unparsed": 7_000_000})
    assert "5 orphan key(s), 7000000 unparsed key(s)" in shown[0].data
    shown.clear()
    orphan_table(sample, dups)
    assert "0 orphan key(s), 1 unparsed key(s)" in shown[0].data


def test_an_expected_key_listed_in_every_chunk_is_held_once(demo, delivery):
    """A (hostile) stream listing the same expected keys over and over: the objects kept for
    them stay one per key (the first listed), so memory does not grow with the repeats; the
    coverage is the in-memory one. 25 repeats: were the kept objects to grow with the repeats,
    they would pass the bound below (about 2 x the matched objects) by 12 times."""
    import pyarrow as pa

    spec, games, dest, _ = delivery
    inv, _ = read_report(str(dest), exclude=list(spec.exclude))
    in_memory = build_coverage(spec, games, inv, demo.as_of)
    table = pa.Table.from_pandas(inv, preserve_index=False).cast(
        pa.schema(
            [
                ("key", pa.string()),
                ("size", pa.int64()),
                ("last_modified", pa.timestamp("us", tz="UTC")),
                ("etag", pa.string()),
            ]
        )
    )
    held: list[int] = []
    real_concat = pd.concat

    def watched(frames, *args, **kwargs):
        out = real_concat(frames, *args, **kwargs)
        held.append(len(out))
        return out

    repeats = 25
    batches = (b for _ in range(repeats) for b in table.to_batches())
    import nba_simulator.coverage.stream as stream_module

    stream_module.pd.concat = watched
    try:
        streamed = stream_coverage(spec, games, batches, demo.as_of, chunk_rows=len(inv), keep_orphans=0)
    finally:
        stream_module.pd.concat = real_concat
    pd.testing.assert_frame_equal(streamed.coverage, in_memory.coverage, check_dtype=False)
    matched = int(in_memory.coverage["n_objects"].sum())
    assert len(streamed.matched_objects) == matched
    assert held and max(held) <= 2 * matched + 1024 + 2 * len(inv)
    assert sum(streamed.orphan_counts.values()) == repeats * len(in_memory.orphans)
