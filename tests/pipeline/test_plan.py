"""pipeline.plan: stages, run ids and fingerprints, checked before anything runs."""

from __future__ import annotations

import datetime as dt

import pytest

from nba_simulator.errors import ParameterError
from nba_simulator.pipeline.plan import (
    STAGES,
    check_run_id,
    fingerprint,
    new_run_id,
    refuse_runner_params,
    select_stages,
)


def test_stages_by_name_short_name_or_number_in_run_order():
    assert select_stages(None) == list(STAGES)
    assert select_stages(["tasks", "2", "01_scan,00"]) == ["00_health_check", "01_scan", "02_coverage", "04_tasks"]
    with pytest.raises(ParameterError, match=r"unknown stage 'gapz' \(stages: 00_health_check"):
        select_stages(["gapz"])


def test_run_ids_sort_by_start_and_resume_takes_only_a_folder_name(tmp_path):
    a = new_run_id(dt.datetime(2026, 11, 30, 1, 22, 33, tzinfo=dt.UTC))
    assert a.startswith("20261130T012233Z-") and len(a) == len("20261130T012233Z-3fa9c1")
    assert a != new_run_id(dt.datetime(2026, 11, 30, 1, 22, 33, tzinfo=dt.UTC))
    assert check_run_id(a, tmp_path) == a
    for bad in ("", "..", "../x", "a/b", "x\0y", "r" * 129, None):
        with pytest.raises(ParameterError, match="--resume takes the id of a run of"):
            check_run_id(bad, tmp_path)
    with pytest.raises(ParameterError, match="run_dir is set by the runner"):
        refuse_runner_params({"run_dir": "x"})


def test_fingerprint_hashes_local_files_and_masks_passwords(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text("version: 1\n")
    before = fingerprint({"spec": str(spec), "lake": "s3://u:pw@b/p", "as_of": "2019-03-15", "top": 3})
    assert set(before) == {"spec", "lake", "as_of"} and "(sha256 " in before["spec"]
    assert "pw" not in before["lake"] and before["as_of"] == "2019-03-15"
    spec.write_text("version: 1\n# edited\n")
    assert fingerprint({"spec": str(spec)})["spec"] != before["spec"]
    assert fingerprint({"lake": "demo"}) == {"lake": "demo"}
