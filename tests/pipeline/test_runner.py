"""The runner on tiny fixture notebooks: success, failure, retries, resume, timeout, parameters.

Each test starts real kernels (about a second each), so they run one to three stages."""

from __future__ import annotations

import json

import nbformat
import pytest

from nba_simulator import cli
from nba_simulator.errors import ParameterError
from nba_simulator.pipeline.runner import Runner, new_run_id, select_stages

THREE = ["00", "01", "02"]


def _stage(result, name):
    return next(s for s in result.record["stages"] if s["name"].startswith(name))


def _record(result):
    return json.loads((result.run_dir / "run.json").read_text())


def test_success_records_every_stage(options):
    runner = Runner(options(stages=THREE))
    result = runner.run({"n": "3", "ratio": "0.25", "sample": "none", "verbose": "yes", "db_password": "hunter2"})
    assert result.ok and result.failed_stage is None
    rec = _record(result)
    assert rec["status"] == "succeeded" and rec["run_id"] == result.run_id
    assert [s["status"] for s in rec["stages"]] == ["succeeded"] * 3
    for st in rec["stages"]:
        assert st["attempts"] == 1 and st["duration_s"] > 0 and st["start"]
        assert st["peak_memory_mb"] and st["peak_memory_mb"] > 10  # a Python kernel's RSS
        assert st["outputs"] == [f"data/{st['name']}.txt"]
        assert (result.run_dir / st["notebook"]).exists() and (result.run_dir / st["html"]).exists()
    # coerced parameters reached the kernel with their declared types
    assert (result.run_dir / "data" / "01_scan.txt").read_text() == "01_scan n=3 ratio=0.25 sample=None verbose=True"
    assert rec["parameters"]["db_password"] == "***"
    assert "hunter2" not in (result.run_dir / "run.json").read_text()
    assert rec["versions"]["papermill"] and rec["versions"]["python"]
    index = (runner.runs_dir / "index.html").read_text()
    assert result.run_id in index and "succeeded" in index
    assert (result.run_dir / "report.html").exists()


def test_failed_stage_keeps_notebook_and_skips_later(options, tmp_path):
    runs = tmp_path / "runs"
    rc = cli.main(
        [
            "run",
            "--runs-dir",
            str(runs),
            "--notebooks",
            str(options().notebooks_dir),
            "--stages",
            *THREE,
            "-p",
            "fail_stage",
            "01_scan",
            "-p",
            "mode",
            "raise",
            "--no-progress",
            "--retries",
            "3",
        ]
    )
    assert rc == 1
    (run_dir,) = [p for p in runs.iterdir() if p.is_dir()]
    rec = json.loads((run_dir / "run.json").read_text())
    assert rec["status"] == "failed"
    assert [s["status"] for s in rec["stages"]] == ["succeeded", "failed", "skipped"]
    failed = rec["stages"][1]
    assert failed["attempts"] == 1  # a bug is not retried
    assert failed["error"]["ename"] == "ValueError" and not failed["error"]["transient"]
    nb = nbformat.read(str(run_dir / "01_scan.ipynb"), as_version=4)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors and errors[0]["ename"] == "ValueError"
    page = (run_dir / "01_scan.html").read_text()
    assert "a bug in 01_scan" in page and "Traceback" not in page  # one line; the traceback:
    assert "ValueError" in (run_dir / "logs" / "01_scan.log").read_text()  # in the stage's log
    assert not (run_dir / "02_coverage.ipynb").exists()
    report = (run_dir / "report.html").read_text()
    assert 'id="headline"' in report and "a bug in 01_scan" in report
    assert "--resume" not in report  # a bug is permanent: resuming would fail the same way


def test_transient_error_retried_then_passes(options, tmp_path):
    opts = options(stages=["00"])
    result = Runner(opts).run({"fail_stage": "00_health_check", "mode": "transient", "flag": str(tmp_path / "flag")})
    st = _stage(result, "00")
    assert result.ok and st["status"] == "succeeded" and st["attempts"] == 2
    assert st["attempt_errors"][0]["ename"] == "ConnectionResetError"
    assert st["attempt_errors"][0]["transient"] is True
    assert len(opts.sleep) == 1 and 0.25 <= opts.sleep[0] <= 0.5  # base 0.5, equal jitter


def test_dead_kernel_is_transient(options, tmp_path):
    result = Runner(options(stages=["00"])).run(
        {"fail_stage": "00_health_check", "mode": "die", "flag": str(tmp_path / "flag")}
    )
    st = _stage(result, "00")
    assert result.ok and st["attempts"] == 2
    assert st["attempt_errors"][0]["ename"] == "DeadKernelError"


def test_permanent_error_not_retried(options):
    opts = options(stages=["00"], retries=5)
    result = Runner(opts).run({"fail_stage": "00_health_check", "mode": "permanent"})
    st = _stage(result, "00")
    assert result.status == "failed" and st["attempts"] == 1 and opts.sleep == []
    assert st["error"]["ename"] == "AccessDenied" and st["error"]["transient"] is False


def test_timeout_stops_the_stage_and_is_not_retried(options):
    opts = options(stages=["00"], timeout=3)
    result = Runner(opts).run({"fail_stage": "00_health_check", "mode": "sleep"})
    st = _stage(result, "00")
    assert result.status == "failed" and st["attempts"] == 1
    assert st["error"]["ename"] == "StageTimeout"
    assert st["duration_s"] < 30
    nb = nbformat.read(str(result.run_dir / "00_health_check.ipynb"), as_version=4)
    assert "This stage failed" in nb.cells[0].source


def test_resume_reruns_from_the_failed_stage(options, tmp_path):
    flag = tmp_path / "broken"
    flag.write_text("x")
    runner = Runner(options(stages=THREE))
    first = runner.run({"fail_stage": "01_scan", "mode": "broken_if_flag", "flag": str(flag)})
    assert first.status == "failed" and first.failed_stage == "01_scan"
    done = first.run_dir / "data" / "00_health_check.txt"
    mtime = done.stat().st_mtime_ns
    flag.unlink()  # the cause is fixed
    again = Runner(options()).resume(first.run_id)
    assert again.ok and again.run_id == first.run_id
    rec = _record(again)
    assert [s["status"] for s in rec["stages"]] == ["succeeded"] * 3
    assert rec["stages"][0]["attempts"] == 1 and done.stat().st_mtime_ns == mtime  # reused
    assert rec["stages"][1]["earlier"][0]["status"] == "failed"
    assert rec["resumed"][0]["from_stage"] == "01_scan"
    # a finished run has nothing to resume
    assert Runner(options()).resume(first.run_id).ok


def test_unknown_parameter_rejected_before_anything_runs(options, tmp_path, capsys):
    runs = tmp_path / "runs"
    rc = cli.main(["run", "--runs-dir", str(runs), "--notebooks", str(options().notebooks_dir), "-p", "smaple", "3"])
    assert rc == 2 and not runs.exists()
    assert "unknown parameter 'smaple'" in capsys.readouterr().err
    with pytest.raises(ParameterError, match="did you mean sample"):
        Runner(options()).run({"smaple": 3})
    assert not runs.exists()


@pytest.mark.parametrize(
    "name,value,message",
    [
        ("n", "three", "expected an integer"),
        ("n", "1.5", "expected an integer"),
        ("ratio", "half", "expected a number"),
        ("verbose", "maybe", "expected true/false"),
        ("sample", "x", "expected an integer"),
        ("as_of", "2019-13-01", None),  # not declared by the fixtures: unknown
        ("run_dir", "/tmp/x", "set by the runner"),
    ],
)
def test_wrong_type_rejected_before_anything_runs(options, tmp_path, name, value, message):
    runner = Runner(options())
    with pytest.raises(ParameterError, match=message or "unknown parameter"):
        runner.run({name: value})
    assert not (tmp_path / "runs").exists()


def test_stage_selection_and_run_ids():
    assert select_stages(["02", "scan"]) == ["01_scan", "02_coverage"]
    assert select_stages(["05_summary,0"]) == ["00_health_check", "05_summary"]
    with pytest.raises(ParameterError, match="unknown stage"):
        select_stages(["07"])
    import datetime as dt

    a = new_run_id(dt.datetime(2026, 11, 30, 1, 22, 33, tzinfo=dt.UTC))
    b = new_run_id(dt.datetime(2026, 11, 30, 1, 22, 34, tzinfo=dt.UTC))
    assert a.startswith("20261130T012233Z-") and a < b


def test_resume_unknown_run_is_bad_input(options):
    with pytest.raises(ParameterError, match="no run"):
        Runner(options()).resume("20000101T000000Z-000000")


def test_list_parameters(options, capsys):
    rc = cli.main(["run", "--notebooks", str(options().notebooks_dir), "--list-parameters"])
    out = capsys.readouterr().out
    assert rc == 0 and "sample: Optional[int] = None" in out and "n: int = 1" in out


def test_resume_asks_again_for_a_redacted_secret(options, tmp_path):
    flag = tmp_path / "broken"
    flag.write_text("x")
    first = Runner(options(stages=["00", "01"])).run(
        {"fail_stage": "01_scan", "mode": "broken_if_flag", "flag": str(flag), "db_password": "hunter2"}
    )
    assert first.status == "failed"
    assert "hunter2" not in (first.run_dir / "01_scan.ipynb").read_text()  # scrubbed from the notebook
    flag.unlink()
    with pytest.raises(ParameterError, match="db_password was redacted"):
        Runner(options()).resume(first.run_id)
    again = Runner(options()).resume(first.run_id, {"db_password": "hunter2"})
    assert again.ok and _record(again)["parameters"]["db_password"] == "***"
