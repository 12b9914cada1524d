"""The scratch folder of standalone notebooks and ``run`` without ``--lake``: the demo and ``lab/``.

Where: ``$NBA_RECON_HOME``, else ``<tmp>/nba_recon-<uid>``. Nothing of the user's there is ever
deleted, renamed or overwritten:

* the default folder sits in a shared temporary folder under a predictable name, so another local
  user could plant it first: it is used only when it is a real folder (not a symbolic link) owned
  by this user and not writable by others (it is made with mode 0700; one of ours left 0755 by an
  earlier version is tightened to 0700); else refused with one line;
* inside ``$NBA_RECON_HOME`` (a folder of the user's choosing) the tool writes only into folders
  it made, proved by the marker file each holds: ``demo/`` (``.nba-recon-demo``, see
  :mod:`nba_simulator.demo`) and ``lab/`` (``.nba-recon-lab``); a folder of those names without
  its marker and not empty is refused with one line, never cleared. In the default folder (ours
  by owner and mode) an earlier version's folders are adopted and marked.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from importlib import resources
from pathlib import Path

import filelock

import nba_simulator.demo as demo_module
from nba_simulator import settings
from nba_simulator.demo import DEMO_AS_OF, Demo, build_demo
from nba_simulator.errors import BadInput

HOME_ENV = "NBA_RECON_HOME"
LAB_MARKER = ".nba-recon-lab"
#: the lock serialising demo builds, beside the demo folder (a name of ours)
DEMO_LOCK = ".nba-recon-demo.lock"
DEMO = "demo"


def scratch_root() -> Path:
    """``$NBA_RECON_HOME``, else ``<tmp>/nba_recon-<uid>`` made (mode 0700) and checked to be ours."""
    env = settings.get(HOME_ENV)
    if env:
        return Path(env)
    if not hasattr(os, "getuid"):  # no owners to check (Windows: the temp folder is per user)
        return Path(tempfile.gettempdir()) / "nba_recon"
    uid = os.getuid()
    root = Path(tempfile.gettempdir()) / f"nba_recon-{uid}"
    try:
        os.mkdir(root, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise BadInput(f"scratch folder {root}: cannot be made ({exc.strerror}); set ${HOME_ENV}") from None
    check_private(root, uid)
    return root


def check_private(root: Path, uid: int) -> None:
    """``root`` is a real folder owned by ``uid`` that no one else may write into (then made 0700),
    else :class:`BadInput` saying why and what to do."""
    st = os.lstat(root)
    why = (
        "is a symbolic link"
        if stat.S_ISLNK(st.st_mode)
        else "is not a folder"
        if not stat.S_ISDIR(st.st_mode)
        else f"belongs to another user (uid {st.st_uid})"
        if st.st_uid != uid
        else f"can be written by other users (mode {stat.S_IMODE(st.st_mode):o})"
        if st.st_mode & 0o022
        else ""
    )
    if why:
        raise BadInput(
            f"scratch folder {root} {why}: it is not used; remove it if it is yours, "
            f"or set ${HOME_ENV} to a folder of your own"
        )
    if stat.S_IMODE(st.st_mode) != 0o700:
        os.chmod(root, 0o700)


def own_folder(folder: Path, marker: str, adopt: bool = False) -> Path:
    """``folder`` made (or found empty) and marked as the tool's, or already marked; a folder of the
    user's (not empty, no ``marker``) is refused with :class:`BadInput`, its files untouched.
    ``adopt``: the folder sits in the default scratch folder, proved ours by its owner and mode
    (an earlier version's, without the marker, is marked now)."""
    folder = Path(folder)
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise BadInput(
            f"{folder}: not a folder of nba-recon's (a file or a symbolic link); "
            f"it is left as it is: set ${HOME_ENV} to another folder"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        entries = {p.name for p in folder.iterdir()}
        if entries and marker not in entries and not adopt:
            raise BadInput(
                f"{folder}: the folder is not empty and was not made by nba-recon (no {marker} "
                f"file); it is left as it is: set ${HOME_ENV} to another folder"
            )
        if marker not in entries:
            (folder / marker).write_text("made by nba-recon: its scratch outputs are rewritten here\n")
    except OSError as exc:
        raise BadInput(f"{folder}: cannot write there ({exc.strerror})") from None
    return folder


def lab_folder() -> Path:
    """Where a standalone notebook writes its outputs: ``<scratch>/lab`` (marked as ours)."""
    return own_folder(scratch_root() / "lab", LAB_MARKER, adopt=not settings.get(HOME_ENV))


def demo_fingerprint() -> str:
    """Changes whenever the demo's builder or spec changes: a cached demo is then rebuilt."""
    h = hashlib.sha256(Path(demo_module.__file__).read_bytes())
    h.update(resources.files("nba_simulator").joinpath("data/demo_spec.yaml").read_bytes())
    return h.hexdigest()[:16]


def ensure_demo(root: Path | None = None) -> Demo:
    """The demo (``lake/``, ``spec.yaml``, ``schedule.csv``), built once under the scratch root
    and rebuilt when the demo's code or spec changed since -- only in a folder the demo made (its
    marker), never over a folder of the user's (:class:`BadInput`, one line)."""
    folder = Path(root or scratch_root() / "demo")
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"{folder.parent}: cannot be made ({exc.strerror})") from None
    stamp = folder / ".fingerprint"
    with filelock.FileLock(str(folder.parent / DEMO_LOCK)):
        fingerprint = demo_fingerprint()
        fresh = (
            (folder / demo_module.MARKER).is_file()
            and stamp.is_file()
            and stamp.read_text() == fingerprint
            and (folder / "spec.yaml").is_file()
            and (folder / "lake").is_dir()
            and (folder / "imperfections.json").is_file()
        )
        if not fresh:
            adopt = root is None and not settings.get(HOME_ENV)  # the default scratch: ours
            demo = build_demo(folder, label="the demo folder", ours=adopt)
            stamp.write_text(fingerprint)
            return demo
        return Demo(
            folder,
            folder / "lake",
            folder / "spec.yaml",
            folder / "schedule.csv",
            DEMO_AS_OF,
            sum(1 for p in (folder / "lake").rglob("*") if p.is_file()),
        )


def resolve_spec(spec: str) -> str:
    """The spec file a ``spec`` parameter means (``demo``: the demo's, built on first use)."""
    return str(ensure_demo().spec) if spec == DEMO else spec
