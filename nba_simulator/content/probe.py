"""Content probing that scales: which objects to read, in what order, within what budget.

1. **Targets**: the best object of every item whose dataset has a ``content`` rule and whose
   status could still become ``empty`` (``present``, ``premature``, ``stale``: ``empty`` ranks
   before the last two). Missing and undersized items need no probe.
2. **Sample**: with ``sample=F`` only the targets whose key hashes under ``F`` (and at least one
   per dataset) are considered: the same keys on every run. The rest are ``unprobed`` (sample).
3. **Cache**: a target whose (key, rule, ETag) is in the cache takes the cached outcome: no read.
4. **Budget**: the others are read in hash order (a uniform, deterministic order) while
   ``max_objects`` and ``max_bytes`` (what each check will read: the whole JSON, a CSV head, a
   Parquet footer) allow; what is left is ``unprobed`` (budget), counted, never passed silently.
   With a cache, the next run reads the next objects: a budget probes a big lake over a few runs.
5. **Reads** run in a thread pool of ``workers`` with at most ``2 x workers`` in flight, and are
   committed to the cache in batches as they complete.

Counts over a sample or a cut budget are **estimates**: the share of empty objects among those
judged, times the targets, with a 95% (Wilson) interval.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
import time
from collections.abc import Mapping
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ParameterError
from ..spec.model import Spec
from ..storage import open_storage
from ..storage.base import Storage
from .cache import ContentCache
from .check import Outcome, check_object, planned_bytes
from .counts import dataset_counts, path_warnings, records

log = logging.getLogger(__name__)

PROBE_STATUSES = ("present", "premature", "stale")
FAILING = ("empty", "invalid")  # verdicts that make an item ``empty``
CONTENT_COLUMNS = [
    "key",
    "dataset",
    "format",
    "etag",
    "size",
    "verdict",
    "n_items",
    "exact",
    "path_found",
    "detail",
    "bytes_read",
    "source",
]
COMMIT_EVERY = 200
DEFAULT_WORKERS = 16


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class ProbeOptions:
    """How content probing reads: the ``--probe-*`` options of ``nba-recon reconcile`` and the
    ``probe_*`` parameters of the ``02_coverage`` notebook, checked once, when made (a wrong
    value is a :class:`ParameterError` naming it; :meth:`from_mapping` also refuses an unknown
    name). ``cache``: the ETag cache file (or an open :class:`ContentCache`); ``None``: the
    caller's default, else none."""

    sample: float | None = None
    max_objects: int | None = None
    max_bytes: int | None = None
    workers: int = DEFAULT_WORKERS
    cache: ContentCache | str | Path | None = None

    def __post_init__(self):
        sample = self.sample
        if sample is not None and (
            isinstance(sample, bool) or not isinstance(sample, (int, float)) or not 0 < sample <= 1
        ):
            raise ParameterError(f"probe sample must be a fraction in (0, 1], got {sample!r}")
        for name in ("max_objects", "max_bytes"):
            value = getattr(self, name)
            if value is not None and (not _whole(value) or value < 0):
                raise ParameterError(f"probe {name} must be a whole number >= 0, got {value!r}")
        if not _whole(self.workers) or self.workers < 0:
            raise ParameterError(f"probe workers must be a whole number >= 0, got {self.workers!r}")
        object.__setattr__(self, "workers", max(1, self.workers))  # 0: one reader

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], *, prefix: str = "") -> ProbeOptions:
        """The options named in ``values`` (``prefix`` + a field name: ``probe_sample`` with
        ``prefix="probe_"``); an unknown name is refused here, with the closest known ones."""
        known = [f.name for f in fields(cls)]
        given = {}
        for name, value in values.items():
            bare = name[len(prefix) :] if name.startswith(prefix) else None
            if bare not in known:
                close = difflib.get_close_matches(str(bare or name), known, n=2)
                hint = (
                    f"did you mean {', '.join(prefix + c for c in close)}?"
                    if close
                    else f"known: {', '.join(prefix + k for k in known)}"
                )
                raise ParameterError(f"unknown probe option {name!r}; {hint}")
            given[bare] = value
        return cls(**given)

    def with_cache(self, default: ContentCache | str | Path | None) -> ProbeOptions:
        """These options with ``default`` as the cache when none was given."""
        return self if self.cache is not None or default is None else replace(self, cache=default)


@dataclass
class ProbeResult:
    table: pd.DataFrame  # CONTENT_COLUMNS, one row per target
    datasets: pd.DataFrame  # per dataset: counts and estimates
    info: dict = field(default_factory=dict)  # run figures: reads, bytes, seconds, throughput
    warnings: list[str] = field(default_factory=list)

    @property
    def estimate(self) -> bool:
        return bool((self.datasets["unprobed"] + self.datasets["error"]).sum()) if len(self.datasets) else False

    def summary(self) -> dict:
        """The JSON-ready part for summary.json (no timings: they differ between runs)."""
        return {
            "estimate": self.estimate,
            "sample": self.info.get("sample"),
            "max_objects": self.info.get("max_objects"),
            "max_bytes": self.info.get("max_bytes"),
            "datasets": records(self.datasets),
            "warnings": list(self.warnings),
        }


def probe_targets(spec: Spec, coverage: pd.DataFrame, inventory: pd.DataFrame) -> pd.DataFrame:
    """The objects to check: ``key, dataset, format, size, etag`` (one row per key)."""
    rules = {d.name: d.content for d in spec.datasets if d.content is not None}
    cov = coverage[
        coverage["dataset"].isin(list(rules)) & coverage["status"].isin(PROBE_STATUSES) & coverage["key"].notna()
    ]
    t = cov[["key", "dataset"]].drop_duplicates("key").copy()
    t["key"] = t["key"].astype(str)
    inv = inventory[["key", "size", "etag"]].drop_duplicates("key").copy()
    inv["key"] = inv["key"].astype(str)
    t = t.merge(inv, on="key", how="left")
    t["format"] = t["dataset"].map({n: r.format for n, r in rules.items()})
    t["size"] = t["size"].fillna(0).astype("int64")
    t["etag"] = t["etag"].astype(object).where(t["etag"].notna(), None)
    return t[["key", "dataset", "format", "size", "etag"]].sort_values("key").reset_index(drop=True)


def hash_unit(key: str) -> float:
    return int.from_bytes(hashlib.sha1(key.encode()).digest()[:8], "big") / 2**64


def probe(
    storage: Storage, spec: Spec, targets: pd.DataFrame, options: ProbeOptions | None = None, *, as_of=None
) -> ProbeResult:
    """Check ``targets`` (from :func:`probe_targets`) against their datasets' content rules, as
    ``options`` say (default: every target, no budget, no cache)."""
    options = options or ProbeOptions()
    own_cache = options.cache is not None and not isinstance(options.cache, ContentCache)
    cache = ContentCache(options.cache) if own_cache else options.cache
    try:
        return _probe(
            storage,
            spec,
            targets,
            replace(options, cache=cache),
            None if as_of is None else str(pd.Timestamp(as_of).date()),
        )
    finally:
        if own_cache:
            cache.close()


def _probe(storage, spec, targets, options: ProbeOptions, as_of):
    started = time.perf_counter()
    sample, max_objects, max_bytes = options.sample, options.max_objects, options.max_bytes
    workers, cache = options.workers, options.cache
    rules = {d.name: d.content for d in spec.datasets if d.content is not None}
    t = targets.copy().reset_index(drop=True)
    t["unit"] = t["key"].map(hash_unit)
    t["rule_id"] = t["dataset"].map({n: ContentCache.rule_id(r.fingerprint()) for n, r in rules.items()})
    outcomes: dict[int, Outcome] = {}
    source = pd.Series("none", index=t.index, dtype=object)

    # 2. sample: hash under the fraction, and at least one target per dataset
    in_sample = pd.Series(True, index=t.index)
    if sample is not None and sample < 1:
        in_sample = t["unit"] < sample
        for _, group in t.groupby("dataset"):
            if not in_sample[group.index].any():
                in_sample[group["unit"].idxmin()] = True
    for i in t.index[~in_sample]:
        outcomes[i] = Outcome("unprobed", None, False, None, "not in the sample")

    # 3. cache
    chosen = t[in_sample]
    hits: dict = {}
    if cache is not None:
        wanted = {(r.key, r.rule_id): r.etag for r in chosen.itertuples() if r.etag}
        hits = cache.lookup(wanted)
        for r in chosen.itertuples():
            o = hits.get((r.key, r.rule_id)) if r.etag else None
            if o is not None:
                outcomes[r.Index] = Outcome(o.verdict, o.n_items, o.exact, o.path_found, o.detail, 0)
                source[r.Index] = "cache"

    # 4. budget, in hash order
    todo = chosen[~chosen.index.isin(list(outcomes))].sort_values(["unit", "key"])
    cost = [planned_bytes(rules[d], s) for d, s in zip(todo["dataset"], todo["size"])]
    todo = todo.assign(cost=cost)
    planned, spent = [], 0
    cut_reason = None
    for r in todo.itertuples():
        if max_objects is not None and len(planned) >= max_objects:
            cut_reason = f"over the budget of {max_objects} objects"
            break
        if max_bytes is not None and spent + r.cost > max_bytes:
            cut_reason = f"over the budget of {max_bytes} bytes"
            break
        planned.append(r)
        spent += r.cost
    planned_ids = {r.Index for r in planned}
    for i in todo.index:
        if i not in planned_ids:
            outcomes[i] = Outcome("unprobed", None, False, None, cut_reason or "over the budget")

    # 5. parallel reads, committed to the cache as they complete
    read_started = time.perf_counter()
    n_read, bytes_read = 0, 0
    pending_rows: list = []
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="probe") as pool:
        queue = iter(planned)
        in_flight: dict = {}

        def submit_next() -> bool:
            r = next(queue, None)
            if r is None:
                return False
            fut = pool.submit(check_object, storage, r.key, int(r.size), rules[r.dataset])
            in_flight[fut] = r
            return True

        for _ in range(2 * workers):
            if not submit_next():
                break
        try:
            while in_flight:
                done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
                for fut in done:
                    r = in_flight.pop(fut)
                    o = fut.result()  # AccessDenied propagates: every read would fail alike
                    outcomes[r.Index] = o
                    source[r.Index] = "read"
                    n_read += 1
                    bytes_read += o.bytes_read
                    pending_rows.append((r.key, r.rule_id, r.etag, o))
                    submit_next()
                if cache is not None and len(pending_rows) >= COMMIT_EVERY:
                    cache.store(pending_rows, as_of)
                    pending_rows = []
        except BaseException:
            for fut in in_flight:
                fut.cancel()
            raise
        finally:
            if cache is not None and pending_rows:
                cache.store(pending_rows, as_of)
    read_seconds = time.perf_counter() - read_started

    table = _table(t, outcomes, source)
    datasets = dataset_counts(table)
    warnings = list(cache.warnings) if cache is not None else []
    warnings += path_warnings(table, rules)
    errors = table[table["verdict"] == "error"]
    if len(errors):
        warnings.append(
            f"{len(errors)} object(s) could not be read and were not judged "
            f"(first: {errors['key'].iloc[0]}: {errors['detail'].iloc[0]})"
        )
    info = {
        "targets": int(len(t)),
        "sample": sample,
        "max_objects": max_objects,
        "max_bytes": max_bytes,
        "workers": workers,
        "read": n_read,
        "cached": int((source == "cache").sum()),
        "unprobed": int((table["verdict"] == "unprobed").sum()),
        "bytes_read": int(bytes_read),
        "read_seconds": round(read_seconds, 3),
        "objects_per_s": round(n_read / read_seconds, 1) if read_seconds > 0 and n_read else None,
        "mb_per_s": round(bytes_read / 1e6 / read_seconds, 2) if read_seconds > 0 and n_read else None,
        "seconds": round(time.perf_counter() - started, 3),
    }
    log.info(
        "probed %d objects (%d cached, %d unprobed), %.1f MB in %.1fs",
        n_read,
        info["cached"],
        info["unprobed"],
        bytes_read / 1e6,
        read_seconds,
    )
    return ProbeResult(table, datasets, info, warnings)


def _table(t: pd.DataFrame, outcomes: dict[int, Outcome], source: pd.Series) -> pd.DataFrame:
    o = [outcomes[i] for i in t.index]
    out = pd.DataFrame(
        {
            "key": t["key"],
            "dataset": t["dataset"],
            "format": t["format"],
            "etag": t["etag"],
            "size": t["size"].astype("int64"),
            "verdict": [x.verdict for x in o],
            "n_items": pd.array([x.n_items for x in o], dtype="Int64"),
            "exact": [bool(x.exact) for x in o],
            "path_found": pd.array([x.path_found for x in o], dtype="boolean"),
            "detail": [x.detail for x in o],
            "bytes_read": pd.array([x.bytes_read for x in o], dtype="int64"),
            "source": source.to_numpy(),
        }
    )
    return out[CONTENT_COLUMNS].sort_values("key", kind="mergesort").reset_index(drop=True)


def apply_content(coverage: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Coverage with ``empty`` for items whose best object failed its content rule (``invalid``
    when it could not be parsed within bounded depth, size and time), and a
    ``content`` column: the verdict of the item's object (NA: not a probe target)."""
    verdict = table.drop_duplicates("key").set_index("key")["verdict"]
    out = coverage.copy()
    content = out["key"].astype(object).map(verdict)
    targets = out["status"].isin(PROBE_STATUSES) & content.notna()
    out["content"] = pd.Series([c if t else None for c, t in zip(content, targets)], index=out.index, dtype=object)
    out.loc[targets & (content == "empty"), "status"] = "empty"
    out.loc[targets & (content == "invalid"), "status"] = "invalid"  # cannot be parsed: a reason in content.parquet
    return out


def probe_lake(
    spec: Spec,
    lake: str | Storage,
    coverage: pd.DataFrame,
    inventory: pd.DataFrame,
    options: ProbeOptions | None = None,
    *,
    as_of=None,
) -> ProbeResult:
    """Probe the best objects of ``coverage`` in the lake (a URI or an open Storage), as
    ``options`` say (at most the storage's own limit of parallel reads)."""
    options = options or ProbeOptions()
    storage = open_storage(lake) if isinstance(lake, str) else lake
    targets = probe_targets(spec, coverage, inventory)
    if storage.max_workers:
        options = replace(options, workers=min(options.workers, storage.max_workers))
    try:
        return probe(storage, spec, targets, options, as_of=as_of)
    finally:
        if isinstance(lake, str):
            storage.close()
