"""The probe cache: one SQLite file remembering each object's outcome by (key, rule) and ETag.

An object whose ETag (S3's, or a local file's size+mtime fingerprint) and rule are unchanged is
never read again, across runs. Writes are SQLite transactions, committed in batches while probing,
so the file is always whole: a run killed midway keeps what it committed and the next run goes on
from there. ``error`` outcomes are never stored. A cache file of ours (the marker in its SQLite
header, :mod:`nba_simulator.sqlite_files`) that is no longer a readable database is set aside
(renamed to the first free ``*.corrupt[.N]``: nothing overwritten) and a fresh one started, with a
warning: a cache can only save reads, never change a verdict. Any other file at the cache's path
(not SQLite, or damaged and not ours) is refused with one line and left as it is; a cache locked
by another process past the busy timeout (``NBA_RECON_DB_CONNECT_TIMEOUT``) is one line, exit 1.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .. import sqlite_files
from ..deadline import seconds
from ..errors import BadInput
from ..sqlite_files import StoreUnusable
from .check import Outcome

SCHEMA_VERSION = 1
#: bump when a check changes what it decides: every cached outcome is then probed again
CHECK_VERSION = 1

_CREATE = """
CREATE TABLE IF NOT EXISTS probes (
    key TEXT NOT NULL,
    rule TEXT NOT NULL,
    etag TEXT NOT NULL,
    verdict TEXT NOT NULL,
    n_items INTEGER,
    exact INTEGER NOT NULL,
    path_found INTEGER,
    detail TEXT NOT NULL,
    bytes_read INTEGER NOT NULL,
    probed_as_of TEXT,
    PRIMARY KEY (key, rule)
)"""


#: a cached detail longer than this is cut (the probe writes one line)
MAX_DETAIL = 1000


def _plausible(verdict, n_items, bytes_read, detail) -> bool:
    """A cached row of the types the probe writes (anything else, from an edited or foreign file,
    is not trusted: that object is probed again)."""
    return (
        verdict in ("ok", "empty", "invalid")
        and isinstance(detail, str)
        and (n_items is None or (isinstance(n_items, int) and n_items >= 0))
        and isinstance(bytes_read, int)
        and bytes_read >= 0
    )


class ContentCache:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.warnings: list[str] = []
        found = sqlite_files.kind(self.path)
        if found == "other":  # a file of the user's given by mistake (the spec...): never touched
            raise StoreUnusable(
                f"probe cache {self.path} is not an SQLite database; it is left as it "
                "is: give the probe cache a new file (or an earlier probe cache)"
            )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnusable(f"probe cache {self.path}: its folder cannot be made ({exc.strerror})") from None
        try:
            self.db = self._open()
        except sqlite3.OperationalError as exc:
            raise sqlite_files.store_error(exc, self.path, "probe cache", self.timeout) from None
        except sqlite3.DatabaseError as exc:
            if not sqlite_files.ours(self.path):  # damaged, and not provably ours: left as it is
                raise sqlite_files.store_error(exc, self.path, "probe cache") from None
            aside = sqlite_files.set_aside(self.path)
            self.warnings.append(
                f"probe cache {self.path} was unreadable ({exc}); moved to {aside.name}, starting a new one"
            )
            self.db = self._open()

    @property
    def timeout(self) -> float:
        """How long to wait for another process's lock (SQLite's busy timeout), in seconds."""
        return seconds("NBA_RECON_DB_CONNECT_TIMEOUT")

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        try:
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            foreign = sorted(t for t in tables - {"probes"} if not t.startswith("sqlite_"))
            if foreign:  # another database (the run history...): never add a table to it
                db.close()
                raise BadInput(
                    f"probe cache {self.path} is another database (tables "
                    f"{', '.join(foreign[:5])}); give the cache a file of its own"
                )
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, SCHEMA_VERSION):
                db.execute("DROP TABLE IF EXISTS probes")
            db.execute(_CREATE)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            sqlite_files.mark(db)
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    @staticmethod
    def rule_id(fingerprint: str) -> str:
        return f"v{CHECK_VERSION}|{fingerprint}"

    def lookup(self, wanted: dict[tuple[str, str], str]) -> dict[tuple[str, str], Outcome]:
        """``{(key, rule_id): etag}`` -> the cached outcomes whose ETag still matches."""
        if not wanted:
            return {}
        rules = sorted({r for _, r in wanted})
        marks = ",".join("?" * len(rules))
        out = {}
        rows = self.db.execute(
            "SELECT key, rule, etag, verdict, n_items, exact, path_found, detail, bytes_read "
            f"FROM probes WHERE rule IN ({marks})",
            rules,
        )
        for key, rule, etag, verdict, n, exact, found, detail, nbytes in rows:
            if wanted.get((key, rule)) == etag and _plausible(verdict, n, nbytes, detail):
                out[(key, rule)] = Outcome(
                    verdict, n, bool(exact), None if found is None else bool(found), detail[:MAX_DETAIL], nbytes
                )
        return out

    def store(self, rows: list[tuple[str, str, str, Outcome]], as_of: str | None = None) -> None:
        """Write ``(key, rule_id, etag, outcome)`` rows in one transaction (errors skipped)."""
        data = [
            (
                k,
                r,
                e,
                o.verdict,
                o.n_items,
                int(o.exact),
                None if o.path_found is None else int(o.path_found),
                o.detail,
                o.bytes_read,
                as_of,
            )
            for k, r, e, o in rows
            if o.verdict != "error" and e
        ]
        if not data:
            return
        try:
            with self.db:  # BEGIN ... COMMIT, or ROLLBACK on error
                self.db.execute("BEGIN")
                self.db.executemany("INSERT OR REPLACE INTO probes VALUES (?,?,?,?,?,?,?,?,?,?)", data)
        except sqlite3.Error as exc:
            raise sqlite_files.store_error(exc, self.path, "probe cache", self.timeout) from None

    def __len__(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM probes").fetchone()[0]

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> ContentCache:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
