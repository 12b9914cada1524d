"""A lake in a local folder (read-only).

* Walks with :func:`os.scandir`; only the current batch (10,000 rows) is held as Python objects.
* Files are only ever opened ``"rb"``.
* ``etag``: a local file has no ETag, so it is a fingerprint of ``(size, mtime_ns)`` written
  ``"<size hex>-<mtime_ns hex>"``. It is stable while the file is untouched and changes when the
  file is rewritten, but it is NOT a content hash and never equals an S3 ETag.
* Symlinks are followed inside the lake (a folder reached twice, e.g. through a link loop, is
  walked once); a symlink whose target is outside the lake's folder is skipped with one warning
  (never walked: a link to ``/`` does not list the machine). Unreadable folders and files, and
  entries that are not regular files (a link to ``/dev/zero`` is "a symbolic link to a character
  device"), are skipped with a warning naming them; every skipped entry is in ``skipped``, which
  the scan counts in the run's warnings. Reading one unreadable file is a :class:`StorageError`
  for that file (the probe judges it ``error``), not an :class:`AccessDenied` for the lake.
* Keys are text. A file name that is not valid UTF-8 (possible on a local disk, never on S3) is
  listed with its undecodable bytes escaped as ``\\xNN`` (``tmp/bad\\xff.json``) and a warning
  is logged: the file shows up in the report (as an unparsed key) instead of crashing the scan
  or being silently skipped. ``read`` of such an escaped key raises :class:`ObjectNotFound`.
  ``list_prefixes`` returns folder names as the OS gives them (undecodable bytes as surrogates),
  so they can be listed further.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from nba_simulator.errors import AccessDenied, BadInput, LakeNotFound, StorageError
from nba_simulator.storage.base import ObjectNotFound, Storage, check_range, make_batch

log = logging.getLogger(__name__)

BATCH_ROWS = 10_000


def _fingerprint(size: int, mtime_ns: int) -> str:
    return f"{size:x}-{mtime_ns:x}"


def _split(prefix: str) -> tuple[str, str]:
    """``'a/b/40158'`` -> (``'a/b/'``, ``'40158'``): the folder to scan and the name filter."""
    cut = prefix.rfind("/") + 1
    return prefix[:cut], prefix[cut:]


class LocalStorage(Storage):
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).expanduser().absolute()
        self.uri = str(self.root)
        _check_length(self.uri)
        #: entries skipped while listing, each "key: why"
        self.skipped: list[str] = []
        self._real_root: str | None = None

    # -- helpers -----------------------------------------------------------------------------
    def _path(self, rel: str) -> str:
        rel = rel.strip("/")
        return os.path.join(self.root, *rel.split("/")) if rel else str(self.root)

    def _scandir(self, rel_dir: str):
        """Entries of one folder; ``None`` if it does not exist (an empty prefix, as on S3)."""
        path = self._path(rel_dir)
        try:
            return os.scandir(path)
        except FileNotFoundError:
            if not self.root.is_dir():
                raise LakeNotFound(f"lake folder not found: {self.root}") from None
            return None
        except NotADirectoryError:
            if not self.root.is_dir():
                raise LakeNotFound(f"lake path is not a folder: {self.root}") from None
            return None
        except PermissionError:
            raise AccessDenied(f"permission denied reading folder: {path}") from None
        except OSError as exc:
            raise StorageError(f"cannot read folder {path}: {exc.strerror or exc}") from None

    def _text_key(self, key: str) -> str:
        """``key`` as valid UTF-8 text: bytes of a file name that are not UTF-8 (the OS hands them
        over as surrogates) become ``\\xNN`` escapes, and the file is reported once, as a warning."""
        try:
            key.encode("utf-8")
            return key
        except UnicodeEncodeError:
            escaped = os.fsencode(key).decode("utf-8", "backslashreplace")
            log.warning(
                "%s: file name is not valid UTF-8, listed as %r (it matches no dataset; rename it)", self.uri, escaped
            )
            return escaped

    def _skip(self, key: str, why: str) -> None:
        """An entry that is not an object or cannot be listed: skipped, with a warning naming it."""
        shown = key if key.isascii() else os.fsencode(key).decode("utf-8", "backslashreplace")
        if any(s.startswith(f"{shown}: ") for s in self.skipped[-50:]):
            return  # met again (listing prefixes, then objects): said once
        self.skipped.append(f"{shown}: {why}")
        log.warning("%s: skipped %s: %s", self.uri, shown, why)

    def _leaves_lake(self, entry: os.DirEntry) -> str | None:
        """Why a symbolic link is not followed (its target is outside the lake), else None."""
        if self._real_root is None:
            self._real_root = os.path.realpath(self.root)
        target = os.path.realpath(entry.path)
        inside = target == self._real_root or target.startswith(self._real_root.rstrip(os.sep) + os.sep)
        return None if inside else f"a symbolic link leaving the lake (to {target}), not followed"

    # -- Storage -----------------------------------------------------------------------------
    def check(self) -> None:
        if not self.root.exists():
            raise LakeNotFound(f"lake folder not found: {self.root}")
        if not self.root.is_dir():
            raise LakeNotFound(f"lake path is not a folder: {self.root}")
        it = self._scandir("")
        with it:
            next(iter(it), None)

    def list_prefixes(self, prefix: str = "") -> list[str]:
        rel_dir, stem = _split(prefix)
        try:
            it = self._scandir(rel_dir)
        except (AccessDenied, StorageError) as exc:
            if not rel_dir.strip("/"):
                raise
            self._skip(rel_dir.rstrip("/"), f"folder cannot be listed ({exc})")
            return []
        if it is None:
            return []
        out = []
        with it:
            for entry in _entries(it, self, rel_dir):
                if entry.name.startswith(stem) and _is_dir(entry):
                    why = self._leaves_lake(entry) if entry.is_symlink() else None
                    if why:
                        self._skip(f"{rel_dir}{entry.name}", why)
                        continue
                    out.append(f"{rel_dir}{entry.name}/")
        return sorted(out)

    def iter_objects(self, prefix: str = "", *, recursive: bool = True) -> Iterator[pa.RecordBatch]:
        rel_dir, stem = _split(prefix)
        keys: list[str] = []
        sizes: list[int] = []
        mtimes: list[int] = []
        etags: list[str] = []
        seen_dirs: set[tuple[int, int]] = set()
        stack = [(rel_dir, stem)]
        while stack:
            current, name_filter = stack.pop()
            try:
                it = self._scandir(current)
            except (AccessDenied, StorageError) as exc:
                if not current.strip("/"):
                    raise  # the lake folder itself: nothing can be listed
                self._skip(current.rstrip("/"), f"folder cannot be listed ({exc})")
                continue
            if it is None:
                continue
            with it:
                for entry in _entries(it, self, current):
                    name = entry.name
                    if name_filter and not name.startswith(name_filter):
                        continue
                    try:
                        if entry.is_symlink():
                            why = self._leaves_lake(entry)
                            if why:
                                self._skip(f"{current}{name}", why)
                                continue
                        if _is_dir(entry):
                            if recursive:
                                st = entry.stat()
                                ident = (st.st_dev, st.st_ino)
                                if ident not in seen_dirs:
                                    seen_dirs.add(ident)
                                    stack.append((f"{current}{name}/", ""))
                            continue
                        if not entry.is_file():
                            # sockets, fifos, devices, dangling links: not objects
                            self._skip(f"{current}{name}", _not_a_file(entry))
                            continue
                        st = entry.stat()
                    except FileNotFoundError:
                        continue  # removed while we were walking
                    except OSError as exc:  # permission, a link loop, a name too long...
                        self._skip(f"{current}{name}", f"cannot be read ({exc.strerror or exc})")
                        continue
                    key = f"{current}{name}"
                    if not key.isascii():
                        key = self._text_key(key)
                    keys.append(key)
                    sizes.append(st.st_size)
                    mtimes.append(st.st_mtime_ns // 1000)
                    etags.append(_fingerprint(st.st_size, st.st_mtime_ns))
                    if len(keys) >= BATCH_ROWS:
                        yield make_batch(keys, sizes, mtimes, etags)
                        keys, sizes, mtimes, etags = [], [], [], []
        if keys:
            yield make_batch(keys, sizes, mtimes, etags)

    def read(self, key: str, start: int | None = None, end: int | None = None) -> bytes:
        start, end = check_range(start, end)
        parts = key.split("/")
        if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise BadInput(f"invalid key: {key!r}")
        path = self._path(key)
        if end is not None and end <= start:
            if not os.path.isfile(path):
                raise ObjectNotFound(f"object not found: {key} in {self.uri}")
            return b""
        try:
            with open(path, "rb") as fh:
                fh.seek(start)
                return fh.read() if end is None else fh.read(end - start)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFound(f"object not found: {key} in {self.uri}") from None
        except PermissionError:  # this file only: the others may well be readable
            raise StorageError(f"permission denied reading {path}") from None
        except OSError as exc:
            raise StorageError(f"cannot read {path}: {exc.strerror or exc}") from None


#: the longest path and file name the usual systems allow (Linux PATH_MAX, NAME_MAX)
MAX_PATH_BYTES, MAX_NAME_BYTES = 4096, 255


def _check_length(path: str) -> None:
    """A lake path no system could open: bad input in one short line (not a 100k-character one)."""
    raw = os.fsencode(path)
    longest = max((len(part) for part in raw.split(os.fsencode(os.sep))), default=0)
    if len(raw) > MAX_PATH_BYTES or longest > MAX_NAME_BYTES:
        shown = path if len(path) <= 80 else f"{path[:60]}...{path[-12:]}"
        raise LakeNotFound(
            f"lake path too long ({len(path):,} characters; a path holds at most "
            f"{MAX_PATH_BYTES:,} bytes, a name {MAX_NAME_BYTES}): {shown}"
        )


def _entries(it, storage: LocalStorage, folder: str):
    """The entries of an open folder; a folder failing midway (it vanished, /proc...) ends early
    with a warning instead of a crash."""
    try:
        yield from it
    except OSError as exc:
        storage._skip(folder.rstrip("/") or ".", f"folder cannot be listed to the end ({exc.strerror or exc})")


def _not_a_file(entry: os.DirEntry) -> str:
    try:
        mode = entry.stat(follow_symlinks=False).st_mode
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    link = stat.S_ISLNK(mode)
    if link:
        try:
            mode = entry.stat(follow_symlinks=True).st_mode
        except OSError as exc:
            return (
                "a broken symbolic link"
                if isinstance(exc, FileNotFoundError)
                else f"a symbolic link that cannot be followed ({exc.strerror or exc})"
            )
    for test, what in (
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return f"{'a symbolic link to ' if link else ''}{what}, not a file"
    return "not a regular file"


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False
