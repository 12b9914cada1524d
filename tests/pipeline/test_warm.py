"""Warm kernels (nba_simulator/pipeline/kernel_pool.py, warm_engine.py): each stage still gets a fresh kernel and a fresh
namespace, nothing leaks from one stage to the next, and no kernel outlives the run, whether it
succeeds, fails or times out. Real Jupyter kernels; no timing here (``python -m bench.pipeline``)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import papermill
import psutil
import pytest

from nba_simulator.pipeline.kernel_pool import KernelPool
from nba_simulator.pipeline.runner import STAGES, Runner
from nba_simulator.pipeline.warm_engine import ENGINE_NAME, WarmEngine

PARAMS = 'run_dir: str = ""\n'

BODY = """import json, os, pathlib, sys
import nba_simulator
data = pathlib.Path(run_dir) / "data"
data.mkdir(parents=True, exist_ok=True)
seen = {
    "leaked_variable": "SET_BY_AN_EARLIER_STAGE" in globals(),
    "leaked_module_state": getattr(nba_simulator, "_set_by_an_earlier_stage", None),
    "names": sorted(k for k in globals() if not k.startswith("_")),
    "preimported": "nba_simulator.pipeline.stage" in sys.modules,
    "pid": os.getpid(),
    "ppid": os.getppid(),
    "cwd": os.getcwd(),
}
SET_BY_AN_EARLIER_STAGE = STAGE
nba_simulator._set_by_an_earlier_stage = STAGE
(data / (STAGE + ".json")).write_text(json.dumps(seen))
"""


def _notebooks(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for stage in STAGES:
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.metadata["language_info"] = {"name": "python"}
        p = nbformat.v4.new_code_cell(PARAMS)
        p.metadata["tags"] = ["parameters"]
        nb.cells = [p, nbformat.v4.new_code_cell(f"STAGE = {stage!r}\n" + BODY)]
        nbformat.write(nb, str(folder / f"{stage}.ipynb"))
    return folder


def _kernels() -> list[psutil.Process]:
    out = []
    for proc in psutil.Process().children(recursive=True):
        try:
            cmd = " ".join(proc.cmdline())
            if any(k in cmd for k in ("ipykernel", "nba_simulator.pipeline.zygote", "kernel_stub")):
                out.append(proc)  # kernels, forked or not, their stubs and the zygote
        except psutil.Error:
            pass
    return out


def _seen(result) -> dict[str, dict]:
    return {s: json.loads((result.run_dir / "data" / f"{s}.json").read_text()) for s in STAGES}


@pytest.fixture(scope="module")
def leak_notebooks(tmp_path_factory) -> Path:
    return _notebooks(tmp_path_factory.mktemp("leak_notebooks"))


def test_no_state_leaks_between_stages_and_namespaces_match_cold_kernels(options, leak_notebooks, tmp_path):
    assert not _kernels()
    warm = Runner(options(notebooks_dir=leak_notebooks, warm_kernels=True)).run({})
    assert warm.ok, warm.record
    assert not _kernels()  # the spare kernel is shut down with the run
    cold = Runner(options(notebooks_dir=leak_notebooks, warm_kernels=False, runs_dir=tmp_path / "cold-runs")).run({})
    assert cold.ok
    w, c = _seen(warm), _seen(cold)
    for stage in STAGES:
        # a variable and a module attribute set by the previous stage are absent
        assert w[stage]["leaked_variable"] is False, stage
        assert w[stage]["leaked_module_state"] is None, stage
        # the user namespace a stage sees is exactly the one of a cold kernel: the warm-up binds
        # no name
        assert w[stage]["names"] == c[stage]["names"], stage
        assert w[stage]["preimported"] is True, stage  # and yet the package was imported ahead
        assert Path(w[stage]["cwd"]) == warm.run_dir.resolve()
    assert len({w[s]["pid"] for s in STAGES}) == len(STAGES)  # one kernel per stage
    # ... each forked by the run's one zygote (not started by this process, as cold kernels are)
    assert len({w[s]["ppid"] for s in STAGES}) == 1 and w[STAGES[0]]["ppid"] != os.getpid()
    assert {c[s]["ppid"] for s in STAGES} == {os.getpid()}
    assert all(st.get("html") and (warm.run_dir / st["html"]).exists() for st in warm.record["stages"])
    assert (warm.run_dir / "report.html").exists() or warm.report is not None


def test_no_kernel_outlives_a_failed_or_timed_out_run(options, tmp_path):
    assert not _kernels()
    failed = Runner(options(warm_kernels=True)).run({"fail_stage": "01_scan", "mode": "raise"})
    assert not failed.ok and failed.failed_stage == "01_scan"
    assert not _kernels()
    timed = Runner(options(warm_kernels=True, timeout=8, runs_dir=tmp_path / "t")).run(
        {"fail_stage": "00_health_check", "mode": "sleep"}
    )
    assert not timed.ok
    assert timed.record["stages"][0]["error"]["ename"] == "StageTimeout"
    assert not _kernels()


def test_engine_is_registered_with_papermill():
    from papermill.engines import papermill_engines

    assert papermill_engines.get_engine(ENGINE_NAME) is WarmEngine
    assert papermill.__name__  # papermill imported: the registry is its public one


def test_kernels_start_the_usual_way_when_the_zygote_cannot(options, leak_notebooks, tmp_path, monkeypatch):
    """A zygote that cannot listen (here: a socket path longer than a Unix socket takes) gives no
    READY line; kernels are then started ahead the usual way and the run succeeds alike."""
    import tempfile

    long_dir = tmp_path / ("x" * 120)
    long_dir.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(long_dir))
    result = Runner(options(notebooks_dir=leak_notebooks, warm_kernels=True)).run({})
    assert result.ok, result.record
    seen = _seen(result)
    assert {seen[s]["ppid"] for s in STAGES} == {os.getpid()}  # started by the runner, not forked
    assert all(seen[s]["preimported"] for s in STAGES)  # and still warmed up
    assert not _kernels()


def _count_saves(tmp_path, monkeypatch, cells: int = 30) -> int:
    """Saves of the output notebook while the warm engine runs ``cells`` cells (every cell's
    output checked in the notebook it leaves)."""
    from papermill.engines import NotebookExecutionManager

    saves = []
    real_save = NotebookExecutionManager.save

    def counted(self, **kwargs):  # papermill's own save: what the throttle lets through
        saves.append(1)
        return real_save(self, **kwargs)

    monkeypatch.setattr(NotebookExecutionManager, "save", counted)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(f"print({i} * 2)") for i in range(cells)]
    src, out = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    nbformat.write(nb, str(src))
    with KernelPool("python3", tmp_path) as pool:
        papermill.execute_notebook(
            str(src),
            str(out),
            kernel_name="python3",
            progress_bar=False,
            engine_name=ENGINE_NAME,
            km=pool.take(prepare_next=False),
        )
    done = nbformat.read(str(out), as_version=4)
    # (a print may reach the notebook as two stream outputs on a busy machine: joined)
    assert ["".join(o.get("text", "") for o in c.outputs) for c in done.cells] == [f"{i * 2}\n" for i in range(cells)]
    return len(saves)


def test_warm_engine_saves_the_notebook_at_start_and_end_not_per_cell(tmp_path, monkeypatch):
    """papermill saves twice per cell; the warm engine at the start, at the end and at most every
    SAVE_EVERY seconds between, and the notebook it leaves has every cell's output."""
    monkeypatch.setenv("NBA_RECON_SAVE_EVERY", "3600")  # no timed save in between
    # the start and the end (and papermill's own autosave after 30 s on a very slow machine),
    # not 2 x 30 + 2
    assert 2 <= _count_saves(tmp_path, monkeypatch) <= 3


def test_save_every_zero_saves_at_every_cell_as_papermill_does(tmp_path, monkeypatch):
    """``NBA_RECON_SAVE_EVERY=0``: a stage's notebook on disk follows it cell by cell (to watch
    it, or to stop a run at a known cell, as the crash tests do)."""
    monkeypatch.setenv("NBA_RECON_SAVE_EVERY", "0")
    assert _count_saves(tmp_path, monkeypatch, cells=10) >= 2 * 10


@pytest.mark.parametrize("raw, seconds", [("", 5.0), ("0", 0.0), ("2.5", 2.5), (" 7 ", 7.0)])
def test_save_every_reads_the_environment(monkeypatch, raw, seconds):
    from nba_simulator import settings

    monkeypatch.setenv("NBA_RECON_SAVE_EVERY", raw)
    assert settings.get("NBA_RECON_SAVE_EVERY") == seconds


@pytest.mark.parametrize("raw", ["soon", "-1", "inf", "nan"])
def test_a_bad_save_every_stops_the_engine_before_a_kernel_runs(tmp_path, monkeypatch, raw):
    """One clear error naming the variable, before the notebook's first save (not a warning per save)."""
    from nba_simulator.errors import ParameterError

    monkeypatch.setenv("NBA_RECON_SAVE_EVERY", raw)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("1")]
    src, out = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    nbformat.write(nb, str(src))
    with pytest.raises(ParameterError, match=r"^\$NBA_RECON_SAVE_EVERY must be a number of seconds >= 0"):
        papermill.execute_notebook(
            str(src), str(out), kernel_name="python3", progress_bar=False, engine_name=ENGINE_NAME
        )
    assert not out.exists() and not _kernels()


def test_the_command_starts_the_zygote_first_and_closes_it_on_every_way_out(leak_notebooks, tmp_path, monkeypatch):
    """``nba-recon run`` starts the zygote before importing the runner (its imports overlap the
    runner's); the stages' kernels are forked by that very zygote, and it is gone when the command
    returns, after a run and after bad input found before any stage."""
    from nba_simulator import cli
    from nba_simulator.pipeline.zygote import Zygote

    started: list[Zygote] = []
    original = Zygote.start_early.__func__

    def recorded(cls):
        z = original(cls)
        started.append(z)
        return z

    monkeypatch.setattr(Zygote, "start_early", classmethod(recorded))
    monkeypatch.delenv("NBA_RECON_WARM_KERNELS", raising=False)
    runs = tmp_path / "runs"
    code = cli.main(["run", "--notebooks", str(leak_notebooks), "--runs-dir", str(runs), "--no-progress"])
    assert code == 0
    assert len(started) == 1 and started[0] is not None
    run_dir = next(p for p in runs.iterdir() if p.is_dir())
    ppids = {json.loads((run_dir / "data" / f"{s}.json").read_text())["ppid"] for s in STAGES}
    assert ppids == {started[0].proc.pid}
    assert started[0].proc.poll() is not None and not _kernels()
    code = cli.main(
        ["run", "--notebooks", str(leak_notebooks), "--runs-dir", str(runs), "--resume", "no-such-run", "--no-progress"]
    )
    assert code == 2
    assert len(started) == 2 and started[1].proc.poll() is not None and not _kernels()


def test_a_zygote_whose_runner_dies_while_it_imports_exits(tmp_path):
    """The zygote starts first and imports for ~2 s: a runner SIGKILLed meanwhile (a scheduler's
    kill, an OOM) must not leave it waiting forever for a parent that is gone."""
    import subprocess
    import sys
    import time

    code = (
        "import os, signal, sys\n"
        "from nba_simulator.pipeline.zygote import Zygote\n"
        "z = Zygote()\n"
        "print(z.proc.pid, z.dir, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    runner = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert runner.returncode == -9, runner.stderr
    pid, folder = runner.stdout.split()

    def alive() -> bool:
        try:
            proc = psutil.Process(int(pid))
            return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    deadline = time.monotonic() + 60
    while alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    if alive():
        psutil.Process(int(pid)).kill()
        raise AssertionError("the zygote outlived its killed runner")
    assert not Path(folder).exists()  # its socket and folder removed on the way out
    assert "Traceback" not in runner.stderr  # (the zygote shares its runner's stderr)
