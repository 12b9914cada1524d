"""The whole pipeline with papermill on a real S3 server (SeaweedFS), READ-ONLY credentials from
the environment, as a scheduler would run it: the kernels inherit the environment, the scan lists
the bucket, the health check reads an object, and no credential ends up in the run's files.
A wrong secret is an AccessDenied at the health check: stopped there, never retried."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from nba_simulator.cli import main
from nba_simulator.schedule import load_schedule
from tests.s3server import READONLY_KEY, READONLY_SECRET

pytestmark = [pytest.mark.s3, pytest.mark.slow]

AS_OF = "2019-03-15"
SPEC = """\
version: 1
schedule: builtin
exclude: ["backups/"]
datasets:
  espn_schedules:
    source: espn
    data_type: schedule
    keys: "espn_schedules/{yyyymmdd}.json"
    per: date
    seasons: 2018-19..2018-19
    season_types: [regular]
    min_bytes: 50
  nba_api_play_by_play:
    source: nba_stats
    data_type: play_by_play
    keys: "nba_api_playbyplay/play_by_play/play_by_play_{game_id}.json"
    per: game
    seasons: 2018-19..2018-19
    season_types: [regular]
    min_bytes: 50
  hoopr_play_by_play:
    source: hoopr
    data_type: play_by_play
    keys: "hoopr_parquet/play_by_play/nba_data_{season_end}.parquet"
    per: season
    seasons: 2018-19..2018-19
    min_bytes: 100
"""


@pytest.fixture(scope="module")
def mini_lake(s3_server, tmp_path_factory):
    """One season of daily schedule files (three days left out), play-by-play of every game but
    two, and a hoopR season file."""
    games = load_schedule("builtin")
    played = games[
        (games["season"] == "2018-19")
        & (games["season_type"] == "regular")
        & (games["game_date"] < pd.Timestamp(AS_OF))
        & (games["status"] == "final")
    ]
    days = sorted(played["game_date"].unique())
    left_out = {pd.Timestamp(d).strftime("%Y%m%d") for d in days[10:13]}
    objects = {
        f"espn_schedules/{pd.Timestamp(d):%Y%m%d}.json": b'{"events": ["..."], "pad": "' + b"x" * 80 + b'"}'
        for d in days
        if pd.Timestamp(d).strftime("%Y%m%d") not in left_out
    }
    game_ids = sorted(played["game_id"])
    objects.update(
        {
            f"nba_api_playbyplay/play_by_play/play_by_play_{g}.json": b'{"plays": [' + b"1," * 40 + b"1]}"
            for g in game_ids[2:]
        }
    )
    objects["hoopr_parquet/play_by_play/nba_data_2019.parquet"] = b"PAR1" + b"\0" * 500
    objects["backups/dump.sql"] = b"not data"
    s3_server.make_bucket("pipeline-mini", objects)
    spec = tmp_path_factory.mktemp("spec") / "spec.yaml"
    spec.write_text(SPEC)
    return spec, len(left_out) + 2


def _run(tmp_path, spec, *extra):
    runs = tmp_path / "runs"
    rc = main(
        [
            "run",
            "--spec",
            str(spec),
            "--lake",
            "s3://pipeline-mini",
            "--as-of",
            AS_OF,
            "--runs-dir",
            str(runs),
            "--no-progress",
            "--retries",
            "2",
            *extra,
        ]
    )
    (run_dir,) = [p for p in runs.iterdir() if p.is_dir()]
    return rc, runs, run_dir, json.loads((run_dir / "run.json").read_text())


def test_pipeline_on_s3(mini_lake, s3_readonly_env, tmp_path):
    spec, n_missing = mini_lake
    rc, runs, run_dir, rec = _run(tmp_path, spec)
    assert rc == 0 and rec["status"] == "succeeded"
    assert all(s["status"] == "succeeded" and s["attempts"] == 1 for s in rec["stages"])
    health = pd.read_parquet(run_dir / "data" / "health.parquet").set_index("check")
    assert health.loc["credentials usable", "detail"].startswith("S3: read an object")
    summary = json.loads((run_dir / "data" / "summary.json").read_text())
    assert summary["totals"]["missing"] == n_missing
    assert summary["inventory"]["objects"] == summary["totals"]["expected"] - n_missing  # backups/ excluded
    assert "s3://pipeline-mini" in (run_dir / "report.html").read_text()
    for path in runs.rglob("*"):
        if path.is_file():
            text = path.read_text(errors="ignore")
            assert READONLY_SECRET not in text and READONLY_KEY not in text, path


def test_wrong_secret_stops_at_the_health_check_without_retry(mini_lake, s3_readonly_env, tmp_path, monkeypatch):
    spec, _ = mini_lake
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret-for-the-test")
    rc, _, run_dir, rec = _run(tmp_path, spec)
    assert rc == 2 and rec["status"] == "failed"  # access denied is bad input: exit 2, one line
    health, *later = rec["stages"]
    assert health["status"] == "failed" and health["attempts"] == 1
    assert health["error"]["ename"] == "AccessDenied" and health["error"]["transient"] is False
    assert all(s["status"] == "skipped" for s in later)
    assert "AccessDenied" in (run_dir / "00_health_check.html").read_text()
