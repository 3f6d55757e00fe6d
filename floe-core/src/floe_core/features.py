"""Which engine features a compiled product uses, named as `Capabilities` flags name them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from floe_core.artifacts import CompiledArtifacts

FEATURES: tuple[str, ...] = (
    "asset_checks",
    "blocking_checks",
    "python_assets",
    "external_assets",
    "time_window_partitions",
    "static_partitions",
    "multi_partitions",
    "partition_mappings",
    "cron_schedules",
    "partitioned_schedules",
    "schedule_dependencies",
    "file_sensors",
    "asset_sensors",
    "run_status_sensors",
    "sql_sensors",
    "custom_sensors",
    "backfills",
    "ranged_backfills",
    "retries",
    "run_history",
)

_PARTITION_FEATURE = {"time_window": "time_window_partitions", "static": "static_partitions",
                      "multi": "multi_partitions"}
_SENSOR_FEATURE = {"file": "file_sensors", "asset": "asset_sensors", "run_status": "run_status_sensors",
                   "sql": "sql_sensors", "custom": "custom_sensors"}


def features_used(artifacts: CompiledArtifacts) -> list[tuple[str, str]]:
    """(feature, field path of its first use), one entry per feature, in FEATURES order."""
    first: dict[str, str] = {}
    for feature, where in _uses(artifacts):
        first.setdefault(feature, where)
    return [(f, first[f]) for f in FEATURES if f in first]


def _uses(artifacts: CompiledArtifacts) -> Iterator[tuple[str, str]]:
    orch = artifacts.orchestration
    for i, check in enumerate(orch.checks):
        yield "asset_checks", f"orchestration.checks[{i}]"
        if check.blocking:
            yield "blocking_checks", f"orchestration.checks[{i}].severity"
    for i, asset in enumerate(orch.assets):
        where = f"orchestration.assets[{i}]"
        if asset.kind == "python":
            yield "python_assets", f"{where}.kind"
        if asset.kind in ("source", "external"):
            yield "external_assets", f"{where}.kind"
        if asset.retry is not None and asset.retry.max_retries:
            yield "retries", f"{where}.retry"
        for j, dep in enumerate(asset.deps):
            if dep.partition_mapping is not None and dep.partition_mapping.kind != "identity":
                yield "partition_mappings", f"{where}.deps[{j}].partition_mapping"
    for i, parts in enumerate(orch.partitions):
        yield _PARTITION_FEATURE[parts.kind], f"orchestration.partitions[{i}]"
    for i, sched in enumerate(orch.schedules):
        where = f"orchestration.schedules[{i}]"
        if sched.cron is not None:
            yield "cron_schedules", f"{where}.cron"
        if sched.partitioned:
            yield "partitioned_schedules", f"{where}.partitioned"
        if sched.after_jobs:
            yield "schedule_dependencies", f"{where}.after_jobs"
    for i, sensor in enumerate(orch.sensors):
        yield _SENSOR_FEATURE[sensor.kind], f"orchestration.sensors[{i}]"
    for i, policy in enumerate(orch.backfills):
        yield "backfills", f"orchestration.backfills[{i}]"
        if policy.policy.kind == "multi_run" and policy.policy.max_partitions_per_run > 1:
            yield "ranged_backfills", f"orchestration.backfills[{i}].policy"
    for i, job in enumerate(orch.jobs):
        if job.retry is not None and job.retry.max_retries:
            yield "retries", f"orchestration.jobs[{i}].retry"
    if orch.default_retry.max_retries:
        yield "retries", "orchestration.default_retry"
