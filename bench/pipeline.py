"""The demo pipeline against ``reconcile``, cold kernels against warm ones, side by side in one run.

    python -m bench.pipeline [--repeats 3] [--workdir DIR] [--markdown FILE] [--before REV]
    (also: python -m bench --only pipeline; make bench-pipeline)

Builds the demo lake once, then, ``--repeats`` times in a rotated order (so that the load of a
shared machine hits each alike), times as fresh processes:

* ``reconcile``: ``nba-recon reconcile`` on the demo (the library, no notebooks);
* ``run, cold kernels``: ``nba-recon run`` with ``NBA_RECON_WARM_KERNELS=0`` (papermill's own
  engine: one kernel start and the imports per stage, HTML rendered before the next stage);
* ``run, warm kernels started ahead``: ``NBA_RECON_WARM_KERNELS=start`` (each kernel its own
  Python start and imports, while the previous stage runs);
* ``run, warm kernels forked``: ``nba-recon run`` as shipped (kernels forked from one process
  that imported the package once, ``nba_simulator/pipeline/zygote.py``; HTML rendered while the
  next stage runs);
* with ``--before REV``: ``run`` of the tree at git revision REV (``git archive``), as it was.

Each measurement is wall-clock time and the CPU time (user + system) of the process and all its
children (kernels included): on a shared machine the CPU time says what a case costs, whatever
the load. Prints one JSON line per measurement, then a Markdown table of medians and of
``run - reconcile``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2019-03-15"


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _nba_recon(args: list[str], env: dict, cwd: Path = ROOT) -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds of the process and its children). ``python -m`` puts
    ``cwd`` first on sys.path: the tree to run is the working folder."""
    t, c = time.perf_counter(), _cpu()
    proc = subprocess.run(
        [sys.executable, "-m", "nba_simulator.cli", *args], env=env, cwd=cwd, capture_output=True, text=True
    )
    took, cpu = time.perf_counter() - t, _cpu() - c
    if proc.returncode:
        sys.stderr.write(proc.stdout[-2000:] + proc.stderr[-4000:])
        raise SystemExit(f"nba-recon {' '.join(args[:1])} failed (exit {proc.returncode})")
    return took, cpu


def _tree_at(rev: str, dest: Path) -> Path:
    """The repository's files at ``rev`` (``git archive``), to run them as they were."""
    if not (dest / "nba_simulator").is_dir():
        dest.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    # papermill loads the INSTALLED package's engine entry point, which names today's module;
    # an older tree without it gets today's stand-in (it imports that tree's own warm engine)
    entry = Path("nba_simulator/pipeline/engine_entry.py")
    if not (dest / entry).exists() and (dest / entry.parent / "warm.py").exists():
        shutil.copy2(ROOT / entry, dest / entry)
    return dest


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.pipeline")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--markdown", default=None)
    ap.add_argument(
        "--before",
        default=None,
        metavar="REV",
        help="also time `run` of the tree at this git revision (before a change)",
    )
    ap.add_argument(
        "--cases", default=None, help="comma-separated subset: reconcile,cold,start,forked,before (default: all)"
    )
    args = ap.parse_args(argv)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="nba-bench-pipeline-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("NBA_RECON_WARM_KERNELS", None)
    demo = work / "demo"
    if not (demo / "spec.yaml").exists():
        _nba_recon(["demo", "--out", str(demo)], env)
    common = ["--spec", str(demo / "spec.yaml"), "--lake", str(demo / "lake"), "--as-of", AS_OF]
    cases = {
        "reconcile": (["reconcile", *common, "--out", str(work / "out")], env),
        "run, cold kernels": (
            ["run", *common, "--runs-dir", str(work / "runs-cold"), "--no-progress"],
            {**env, "NBA_RECON_WARM_KERNELS": "0"},
        ),
        "run, warm kernels started ahead": (
            ["run", *common, "--runs-dir", str(work / "runs-start"), "--no-progress"],
            {**env, "NBA_RECON_WARM_KERNELS": "start"},
        ),
        "run, warm kernels forked": (["run", *common, "--runs-dir", str(work / "runs-warm"), "--no-progress"], env),
    }
    if args.before:
        before = _tree_at(args.before, work / f"tree-{args.before}")
        cases[f"run, before ({args.before})"] = (
            ["run", *common, "--runs-dir", str(work / "runs-before"), "--no-progress"],
            {**env, "PYTHONPATH": str(before), "NBA_RECON_NOTEBOOKS": str(before / "notebooks")},
            before,
        )
    if args.cases:
        short = {
            "reconcile": "reconcile",
            "cold": "run, cold kernels",
            "start": "run, warm kernels started ahead",
            "forked": "run, warm kernels forked",
        }
        keep = {short.get(c.strip(), c.strip()) for c in args.cases.split(",")}
        cases = {n: v for n, v in cases.items() if n in keep or (n.startswith("run, before") and "before" in keep)}
    names = list(cases)
    times: dict[str, list[float]] = {n: [] for n in names}
    cpus: dict[str, list[float]] = {n: [] for n in names}
    la0 = os.getloadavg()
    for r in range(args.repeats):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            argv_, env_, *cwd = cases[name]
            took, cpu = _nba_recon(argv_, env_, *cwd)
            times[name].append(took)
            cpus[name].append(cpu)
            print(
                json.dumps(
                    {
                        "case": name,
                        "repeat": r + 1,
                        "seconds": round(took, 2),
                        "cpu_seconds": round(cpu, 2),
                        "load": round(os.getloadavg()[0], 1),
                    }
                ),
                flush=True,
            )
    la1 = os.getloadavg()
    med = {n: statistics.median(v) for n, v in times.items()}
    cmed = {n: statistics.median(v) for n, v in cpus.items()}
    lines = [
        f"Median of {args.repeats} alternating runs (fresh processes); load average "
        f"{la0[0]:.1f} at the start, {la1[0]:.1f} at the end, {os.cpu_count()} cores.",
        "",
        "| demo, as of 2019-03-15 | median | runs | minus reconcile | CPU (median) |",
        "|---|---:|---|---:|---:|",
    ]
    for n in names:
        extra = "" if n == "reconcile" else f"+{med[n] - med['reconcile']:.1f} s"
        lines.append(
            f"| {n} | {med[n]:.1f} s | {', '.join(f'{x:.1f}' for x in times[n])} | {extra} | {cmed[n]:.1f} s |"
        )
    warm, cold = "run, warm kernels forked", "run, cold kernels"
    if warm in med and cold in med:
        lines += [
            "",
            f"Forked warm kernels save {med[cold] - med[warm]:.1f} s "
            f"({med[cold] / med[warm]:.2f}x faster run) and "
            f"{cmed[cold] - cmed[warm]:.1f} s of CPU against cold kernels.",
        ]
    print(
        json.dumps(
            {
                "medians": {n: round(v, 2) for n, v in med.items()},
                "cpu_medians": {n: round(v, 2) for n, v in cmed.items()},
            }
        ),
        flush=True,
    )
    print("\n" + "\n".join(lines), flush=True)
    if args.markdown:
        Path(args.markdown).write_text("\n".join(lines) + "\n")
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
