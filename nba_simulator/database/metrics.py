"""Headline metrics of a run (stored in ``run_metrics``) and optional CloudWatch publishing.

Metric names: ``complete_pct``, ``have_pct``, ``expected``, ``present``, ``missing``,
``undersized``, ``empty``, ``premature``, ``stale``, ``unmapped``, ``orphans``, ``unparsed``,
``gaps_total``, ``gaps_<PRIORITY>``, ``tasks_total``, ``tasks_<PRIORITY>``, and from the history:
``new_items``, ``fixed_items``, ``open_tasks``, ``resolved_tasks``.

CloudWatch is off unless asked for (``database.history.cloudwatch`` in the spec, or
``publish_cloudwatch`` called directly): one ``PutMetricData`` call per 20 metrics, each with the
dimension ``Lake`` (redacted) when given. Credentials come from boto3's usual chain.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import boto3

from ..spec.model import PRIORITIES

log = logging.getLogger(__name__)

TOTALS = (
    "complete_pct",
    "have_pct",
    "expected",
    "present",
    "missing",
    "undersized",
    "invalid",
    "empty",
    "premature",
    "stale",
    "unmapped",
)
PERCENT = {"complete_pct", "have_pct"}
BATCH = 20  # metrics per PutMetricData call (the historical API limit; always accepted)


def headline_metrics(summary: Mapping) -> dict[str, float]:
    """The numbers of ``summary.json`` worth a time series."""
    out: dict[str, float] = {}
    totals = summary.get("totals") or {}
    for k in TOTALS:
        if totals.get(k) is not None:
            out[k] = float(totals[k])
    for k in ("orphans", "unparsed"):
        if summary.get(k) is not None:
            out[k] = float(summary[k])
    for group in ("gaps", "tasks"):
        counts = summary.get(group) or {}
        if counts:
            out[f"{group}_total"] = float(sum(counts.values()))
            for p in PRIORITIES:
                out[f"{group}_{p}"] = float(counts.get(p, 0))
    return out


def publish_cloudwatch(
    metrics: Mapping[str, float],
    namespace: str = "NBARecon",
    *,
    dimensions: Mapping[str, str] | None = None,
    region: str | None = None,
    client=None,
    timestamp=None,
) -> int:
    """Send ``metrics`` with ``PutMetricData``; returns how many were sent."""
    if client is None:
        client = boto3.client("cloudwatch", region_name=region)
    dims = [{"Name": k, "Value": str(v)[:255]} for k, v in (dimensions or {}).items() if v]
    data = []
    for name, value in metrics.items():
        if value is None:
            continue
        item = {"MetricName": name, "Value": float(value), "Unit": "Percent" if name in PERCENT else "Count"}
        if dims:
            item["Dimensions"] = dims
        if timestamp is not None:
            item["Timestamp"] = timestamp
        data.append(item)
    for start in range(0, len(data), BATCH):
        client.put_metric_data(Namespace=namespace, MetricData=data[start : start + BATCH])
    log.info("published %d metrics to CloudWatch namespace %s", len(data), namespace)
    return len(data)
