"""The coverage computation on Dask: inventory Parquet partitions on a ``distributed`` cluster.

The expensive part of coverage grows with the inventory (10M+ objects), not with the schedule
(a few hundred thousand expected keys): joining every object's key to the expected keys, and
classifying the objects that match nothing (one pattern pass per layout). Both are row-wise, so
they run per partition on the cluster:

1. each partition keeps the objects whose key is an expected key (the expected keys, small, are
   shipped to every worker once) -> a small frame of matched objects, gathered;
2. each partition classifies its other objects with :func:`~.match.classify_unmatched` (orphans
   and unparsed keys; its detail for a key depends only on the spec, schedule and expected
   items, never on other keys) -> gathered and sorted by key.

Statuses, best object, duplicates and completeness then run in pandas on the matched objects
with the very code of the pandas engine (:func:`~.match.match`), so the results are identical to
it on the same input, row for row.

Point it at a cluster with ``scheduler="tcp://host:8786"`` (``--scheduler``); the workers must be
able to read the inventory Parquet path (a shared folder or ``s3://``) and have this package
installed. ``scheduler=None`` starts a local in-process cluster (for tests).
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

import pandas as pd

from ..asof import parse_as_of
from ..compat import empty_like_dask
from ..errors import BadInput
from ..spec.model import Spec
from . import judged
from .expected import expected_items
from .match import ORPHAN_COLUMNS, classify_unmatched, drop_excluded, match

INVENTORY_COLUMNS = ["key", "size", "last_modified", "etag"]


def _require():
    try:
        import dask.dataframe as dd  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:  # pragma: no cover - depends on the install
        raise BadInput(
            "--engine dask needs dask[dataframe] and distributed: pip install 'nba_simulator[dask]'"
        ) from None


@contextmanager
def dask_client(scheduler: str | None = None):
    """A ``distributed.Client`` on ``scheduler`` (an address), or on a small in-process cluster."""
    _require()
    from distributed import Client, LocalCluster

    if not logging.getLogger("nba_simulator").isEnabledFor(logging.INFO):  # quiet unless -v
        logging.getLogger("distributed").setLevel(logging.WARNING)

    if scheduler:
        try:
            client = Client(scheduler, timeout="30s")
        except (OSError, TimeoutError) as exc:
            raise BadInput(f"cannot reach the Dask scheduler {scheduler}: {exc}") from None
        try:
            yield client
        finally:
            client.close()
    else:
        with (
            LocalCluster(
                n_workers=1,
                threads_per_worker=2,
                processes=False,
                dashboard_address=None,
                scheduler_kwargs={"dashboard": False},
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client


def _as_pandas_engine(part: pd.DataFrame) -> pd.DataFrame:
    """The dtypes the pandas engine's inventory has (``str`` keys and etags, ns UTC times)."""
    return part.astype({"key": "str", "size": "int64", "last_modified": "datetime64[ns, UTC]", "etag": "str"})


def _matched_part(part: pd.DataFrame, keys: pd.Index, exclude) -> pd.DataFrame:
    part = drop_excluded(_as_pandas_engine(part), exclude)
    return part[part["key"].isin(keys)]


def _orphans_part(part: pd.DataFrame, keys: pd.Index, spec, expected, schedule, as_of, exclude) -> pd.DataFrame:
    part = drop_excluded(_as_pandas_engine(part), exclude)
    unmatched = part[~part["key"].isin(keys)]
    if unmatched.empty:
        return _empty_orphans()
    return classify_unmatched(spec, unmatched, expected, schedule, as_of)


def _empty_orphans() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "key": pd.Series(dtype=object),
            "dataset": pd.Series(dtype=object),
            "reason": pd.Series(dtype=object),
            "detail": pd.Series(dtype=object),
            "size": pd.Series(dtype="int64"),
            "last_modified": pd.Series(dtype="datetime64[ns, UTC]"),
        }
    )[ORPHAN_COLUMNS]


def _read(inventory, client):
    import dask.dataframe as dd

    if isinstance(inventory, pd.DataFrame):
        nparts = max(1, min(64, len(inventory) // 250_000 + 1))
        return dd.from_pandas(inventory[INVENTORY_COLUMNS], npartitions=nparts)
    return dd.read_parquet(str(inventory), columns=INVENTORY_COLUMNS, split_row_groups="adaptive")


def dask_coverage(spec: Spec, schedule: pd.DataFrame, inventory, as_of, *, scheduler: str | None = None):
    """Coverage like :func:`~nba_simulator.coverage.build_coverage`, with the per-object work on Dask.

    ``inventory``: the inventory Parquet path (as written by a scan or an inventory report) or a
    DataFrame. Returns a :class:`~nba_simulator.coverage.CoverageResult`.
    """

    as_of = parse_as_of(as_of)
    spec = spec.at(as_of)
    expected = expected_items(spec, schedule, as_of)
    keys = pd.Index(expected.keys["key"].unique())
    exclude = tuple(spec.exclude)
    with dask_client(scheduler) as client:
        ddf = _read(inventory, client)
        matched = ddf.map_partitions(_matched_part, keys, exclude, meta=empty_like_dask(ddf, _as_pandas_engine))
        orphans = ddf.map_partitions(
            _orphans_part, keys, spec, expected, schedule, as_of, exclude, meta=_empty_orphans()
        )
        matched_df, orphans_df = client.compute([matched, orphans], sync=True)
    matched_df = _as_pandas_engine(matched_df).reset_index(drop=True)
    cov, none, dups = match(spec, expected, matched_df, as_of, schedule)
    orphans_df = orphans_df[ORPHAN_COLUMNS].astype({"key": "str"})
    orphans_df = orphans_df.sort_values("key", kind="mergesort").reset_index(drop=True)
    return judged(spec, schedule, expected, cov, orphans_df, dups, as_of)
