"""The two pipeline runs the crash, secrets and escaping tests share (session fixtures in
``conftest.py``): an uninterrupted reference run, and the same run killed (SIGKILL of its process
group) once in each stage and resumed each time, its cached inventory damaged once between a kill
and the resume.

Both runs carry recognisable secrets (AWS keys, a session token, database passwords in the
environment and in a parameter) and hostile names (the lake folder and two keys named like HTML
tags), so one pair of pipeline runs serves every check.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import nbformat
import psutil
import pyarrow.parquet as pq

from .conftest import NBA_RECON

STAGES = ("00_health_check", "01_scan", "02_coverage", "03_gaps", "04_tasks", "05_summary")
HOSTILE = "<img src=x onerror=alert(1)>"
SECRETS = {
    "AWS_ACCESS_KEY_ID": "AKIAFAULTTESTKEYID01",
    "AWS_SECRET_ACCESS_KEY": "faulttest-secret-access-key-0123456789",
    "AWS_SESSION_TOKEN": "faulttest-session-token-abcdef0123456789",
    "NBA_RECON_DATABASE_URL": "postgresql://recon:faulttest-env-db-password@127.0.0.1:1/nba",
    "PGPASSWORD": "faulttest-pgpassword-env",
}
PARAM_DB_PASSWORD = "faulttest-param-db-password"
SECRET_STRINGS = (
    "AKIAFAULTTESTKEYID01",
    "faulttest-secret-access-key-0123456789",
    "faulttest-session-token-abcdef0123456789",
    "faulttest-env-db-password",
    "faulttest-pgpassword-env",
    PARAM_DB_PASSWORD,
)
#: where in each stage the runner is killed: while its kernel starts, or after n code cells
KILL_POINTS = (("start", 0.2), ("cell", 2), ("cell", 3), ("start", 0.6), ("cell", 2), ("cell", 3))
#: the kill after which the cached inventory is damaged before resuming
DAMAGE_AFTER = 2


def hostile_lake(src: Path, dest_root: Path) -> Path:
    """A copy of the demo lake in a folder named like an HTML tag, plus keys named like tags."""
    lake = dest_root / f"lake{HOSTILE}"
    shutil.copytree(src, lake)
    (lake / "tmp" / "<script>alert(1)<").mkdir(parents=True)
    (lake / "tmp" / "<script>alert(1)<" / "script>.json").write_text("{}")
    (lake / "tmp" / HOSTILE).write_text("not data")
    return lake


DB_PARAM = ["-p", "database", f"postgresql://recon:{PARAM_DB_PASSWORD}@127.0.0.1:1/nba"]


def run_args(demo, lake: Path, runs: Path) -> list[str]:
    return [
        "run",
        "--spec",
        str(demo.spec),
        "--lake",
        str(lake),
        "--as-of",
        demo.as_of,
        "--runs-dir",
        str(runs),
        "--no-progress",
        "--timeout",
        "900",
        *DB_PARAM,
        "-p",
        "fail_fast",
        "false",
    ]


def resume_args(runs: Path, run_id: str) -> list[str]:
    """run.json keeps the database URL with its password masked: it is given again."""
    return ["run", "--runs-dir", str(runs), "--resume", run_id, "--no-progress", *DB_PARAM]


def secret_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PG"))}
    env.pop("NBA_RECON_DATABASE_URL", None)
    env.update(SECRETS)
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    return env


class Proc:
    """``nba-recon`` in its own process group, output to files."""

    def __init__(self, args: list[str], env: dict, folder: Path, name: str):
        self.out_path, self.err_path = folder / f"{name}.out", folder / f"{name}.err"
        with open(self.out_path, "w") as out, open(self.err_path, "w") as err:
            self.p = subprocess.Popen([NBA_RECON, *args], stdout=out, stderr=err, env=env, start_new_session=True)

    @property
    def out(self) -> str:
        return self.out_path.read_text()

    @property
    def err(self) -> str:
        return self.err_path.read_text()

    def kernels(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.p.pid).children(recursive=True)
        except psutil.Error:
            return []

    def kill(self) -> list[psutil.Process]:
        """SIGKILL the process group; returns the runner's children (the kernel) seen just before."""
        children = self.kernels()
        os.killpg(self.p.pid, signal.SIGKILL)
        self.p.wait(timeout=30)
        return children

    def wait(self, timeout=900) -> int:
        return self.p.wait(timeout=timeout)


def read_json_atomic(path: Path):
    """run.json is replaced atomically: whenever it exists, it parses."""
    return json.loads(path.read_text(encoding="utf-8"))


def _owner_pid(runs: Path) -> int | None:
    try:
        return read_json_atomic(runs / ".lock.json").get("pid")
    except (OSError, ValueError):
        return None


def _executed_cells(notebook: Path) -> int:
    """Code cells papermill has finished in a (possibly still running) executed notebook."""
    try:
        nb = json.loads(notebook.read_text(encoding="utf-8"))  # saved atomically: always whole
    except (OSError, ValueError):
        return 0
    return sum(
        1
        for c in nb.get("cells", [])
        if c.get("cell_type") == "code" and c.get("metadata", {}).get("papermill", {}).get("status") == "completed"
    )


def wait_for_stage(runs: Path, stage: str, proc: Proc, point: tuple[str, float], timeout=600) -> tuple[str, dict]:
    """Wait until THIS runner (the lock's owner) runs ``stage``, then until the kill point:
    ``("start", s)``: s seconds after the stage is seen running (kernel starting);
    ``("cell", n)``: once the stage's executed notebook shows n finished code cells."""
    deadline = time.monotonic() + timeout
    found = None
    while time.monotonic() < deadline:
        if found is None and _owner_pid(runs) == proc.p.pid:
            for rec_path in runs.glob("*/run.json"):
                rec = read_json_atomic(rec_path)
                st = next(s for s in rec["stages"] if s["name"] == stage)
                if rec["status"] == "running" and st["status"] == "running":
                    found = rec["run_id"], rec
                    seen_at = time.monotonic()
        if found is not None:
            kind, value = point
            if kind == "start" and time.monotonic() - seen_at >= value:
                return found
            if kind == "cell" and _executed_cells(runs / found[0] / f"{stage}.ipynb") >= value:
                return found
        if proc.p.poll() is not None:
            raise AssertionError(f"runner exited ({proc.p.returncode}) before {stage} ran: {proc.err}")
        time.sleep(0.02)
    raise AssertionError(f"{stage} never reached {point}")


def assert_complete_files(runs: Path) -> None:
    """Every non-temporary file is whole (atomic writes): it parses as what its name says."""
    for path in runs.rglob("*"):
        if not path.is_file() or path.name.startswith("."):
            continue
        if path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
        elif path.suffix == ".parquet":
            pq.read_table(path)
        elif path.suffix == ".ipynb":
            nbformat.read(str(path), as_version=4)
        elif path.suffix == ".html":
            assert path.read_text(encoding="utf-8").rstrip().endswith("</html>"), path


def assert_no_secrets(runs: Path) -> None:
    for path in runs.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in SECRET_STRINGS:
                assert secret.encode() not in data, f"{secret!r} in {path}"


def assert_gone(procs: list[psutil.Process], timeout=20) -> None:
    """The killed runner's kernel exits on its own (ipykernel's parent poller), soon."""
    deadline = time.monotonic() + timeout
    alive = procs
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        time.sleep(0.2)
    assert not alive, f"kernels outlived their killed runner: {[p.pid for p in alive]}"


def temp_files(runs: Path) -> list[Path]:
    return [p for p in runs.rglob(".*") if p.is_file() and p.name not in (".lock",)]


def start_reference(demo, lake: Path, root: Path) -> tuple[Path, Proc]:
    """The uninterrupted run, started (not awaited): it runs while the other one is killed."""
    return root / "runs", Proc(run_args(demo, lake, root / "runs"), secret_env(), root, "run")


def finish_reference(runs: Path, proc: Proc) -> tuple[Path, Path, str]:
    """Wait for the reference run: (runs dir, run dir, console output)."""
    assert proc.wait() == 0, proc.err
    (run_dir,) = [p for p in runs.iterdir() if p.is_dir()]
    return runs, run_dir, proc.out + proc.err


def crash_chain(demo, lake: Path, root: Path) -> tuple[Path, Path, dict]:
    """The same run, killed in each stage and resumed each time: (runs, run_dir, log)."""
    runs = root / "runs"
    # the stage notebooks saved at every cell (not every 5 s): a "cell" kill point is then seen
    # while its stage runs, however fast the stage
    env = {**secret_env(), "NBA_RECON_SAVE_EVERY": "0"}
    log = {"killed_in": [], "consoles": [], "damaged": None, "kernels": []}
    run_id = None
    for k, stage in enumerate(STAGES):
        args = run_args(demo, lake, runs) if run_id is None else resume_args(runs, run_id)
        proc = Proc(args, env, root, f"attempt{k}")
        run_id, _ = wait_for_stage(runs, stage, proc, KILL_POINTS[k])
        kernels = proc.kill()
        log["kernels"].append(len(kernels))
        assert_gone(kernels)
        log["consoles"].append(proc.out + proc.err)
        assert_complete_files(runs)
        assert_no_secrets(runs)  # not even in the half-run notebook of the killed stage
        rec = read_json_atomic(runs / run_id / "run.json")
        log["killed_in"].append(next((s["name"] for s in rec["stages"] if s["status"] == "running"), None))
        assert (runs / ".lock.json").exists()  # the killed runner's owner record: a stale lock
        if k == DAMAGE_AFTER:
            inv = runs / run_id / "data" / "inventory.parquet"
            data = inv.read_bytes()
            inv.write_bytes(data[: len(data) // 2])  # a damaged cached inventory
            log["damaged"] = stage
    proc = Proc(resume_args(runs, run_id), env, root, "final")
    rc = proc.wait()
    log["consoles"].append(proc.out + proc.err)
    assert rc == 0, proc.err
    return runs, runs / run_id, log
