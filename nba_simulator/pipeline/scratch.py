"""The scratch folder of standalone stage notebooks, and the demo built once inside it.

``$NBA_RECON_HOME`` or ``<tmp>/nba_recon-<uid>``: where a notebook run from JupyterLab (no
``run_dir``) writes, and where ``spec="demo"`` / ``lake="demo"`` find the demo lake, rebuilt only
when the demo's builder or spec changed (:func:`ensure_demo`).
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from importlib import resources
from pathlib import Path

import filelock

import nba_simulator.demo as demo_module
from nba_simulator import settings
from nba_simulator.demo import DEMO_AS_OF, Demo, build_demo

DEMO = "demo"


def scratch_root() -> Path:
    env = settings.get("NBA_RECON_HOME")
    if env:
        return Path(env)
    uid = os.getuid() if hasattr(os, "getuid") else os.getpid()
    return Path(tempfile.gettempdir()) / f"nba_recon-{uid}"


def _demo_fingerprint() -> str:
    """Changes whenever the demo's builder or spec changes: a cached demo is then rebuilt."""
    h = hashlib.sha256(Path(demo_module.__file__).read_bytes())
    h.update(resources.files("nba_simulator").joinpath("data/demo_spec.yaml").read_bytes())
    return h.hexdigest()[:16]


def ensure_demo(root: Path | None = None):
    """The demo (``lake/``, ``spec.yaml``, ``schedule.csv``), built once under the scratch root
    and rebuilt when the demo's code or spec changed since."""
    folder = Path(root or scratch_root() / "demo")
    folder.parent.mkdir(parents=True, exist_ok=True)
    stamp = folder / ".fingerprint"
    with filelock.FileLock(str(folder.parent / ".demo.lock")):
        fingerprint = _demo_fingerprint()
        fresh = (stamp.exists() and stamp.read_text() == fingerprint and (folder / "spec.yaml").exists()
                 and (folder / "lake").is_dir() and (folder / "imperfections.json").exists())
        if not fresh:
            demo = build_demo(folder, ours=True)
            stamp.write_text(fingerprint)
            return demo
        return Demo(folder, folder / "lake", folder / "spec.yaml", folder / "schedule.csv", DEMO_AS_OF,
                    sum(1 for p in (folder / "lake").rglob("*") if p.is_file()))


def resolve_spec(spec: str) -> str:
    """The spec file a ``spec`` parameter means (``demo``: the demo's, built on first use)."""
    return str(ensure_demo().spec) if spec == DEMO else spec
