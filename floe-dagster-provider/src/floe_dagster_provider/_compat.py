"""Every Dagster-version branch of the provider, in one place (Dagster 1.9 to 1.13).

Everything else in the package imports only from top-level `dagster` and calls these helpers where the
engine's API moved. Each helper says which versions take which branch, so a branch can be deleted the day
its oldest version leaves the support window.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import dagster as dg

_MAJOR, _MINOR = (int(part) for part in dg.__version__.split(".")[:2])
DAGSTER_VERSION: tuple[int, int] = (_MAJOR, _MINOR)

# dagster's own run tags for a ranged run (one run over several partitions) and a single partition.
PARTITION_TAG = "dagster/partition"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
BACKFILL_TAG = "dagster/backfill"
PARENT_RUN_TAG = "dagster/parent_run_id"
ROOT_RUN_TAG = "dagster/root_run_id"


def repository(defs: dg.Definitions) -> Any:
    """The resolved repository behind a Definitions object.

    `get_repository_def` is the one accessor with the same meaning in every supported version: 1.11 split
    `get_job_def`/`get_schedule_def` into warn-and-resolve and `resolve_*`, which 1.9 does not have.
    """
    return defs.get_repository_def()


def job_asset_keys(defs: dg.Definitions, job: str) -> set[dg.AssetKey]:
    """The keys an asset job selects, resolved against the definitions' asset graph.

    floe's jobs come from `define_asset_job`, which Definitions keeps unresolved; that class is top-level
    `dagster` only from 1.10, while its public `selection` is the same on 1.9-1.13.
    """
    found = next(j for j in defs.jobs or [] if j.name == job)
    selection: dg.AssetSelection = found.selection  # type: ignore[union-attr]
    return set(selection.resolve(repository(defs).asset_graph))


def resolve_job(defs: dg.Definitions, name: str) -> dg.JobDefinition:
    job: dg.JobDefinition = repository(defs).get_job(name)
    return job


def check_spec(
    name: str,
    *,
    asset: dg.AssetKey,
    description: str | None,
    blocking: bool,
    additional_deps: list[dg.AssetKey],
    metadata: Mapping[str, Any],
) -> dg.AssetCheckSpec:
    # `blocking` exists from 1.6 on; every supported version has it, so no branch is needed today. Kept
    # here because 1.13 added `partitions_def` to check specs and a later version may require it.
    return dg.AssetCheckSpec(
        name,
        asset=asset,
        description=description or None,
        blocking=blocking,
        additional_deps=additional_deps or None,
        metadata=dict(metadata) or None,
    )


def supports_blocking_checks() -> bool:
    return True


def check_result_event(result: dg.AssetCheckResult, *, blocking: bool) -> Any:
    """What a step yields to report a check result.

    Dagster 1.10+ collects failed blocking checks and fails the step once it ends, so every result of a
    dbt build gets reported. 1.9 raises the moment a failed blocking check result is yielded, which would
    drop every result after it (and floe's own failure, which names the failed models); there the result
    goes out as the evaluation event 1.9 would derive from it, and floe's failure fails the step instead.
    """
    failed_blocking = blocking and not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    if DAGSTER_VERSION >= (1, 10) or not failed_blocking:
        return result
    from dagster._core.definitions.asset_check_evaluation import (  # type: ignore[import-not-found, unused-ignore]
        AssetCheckEvaluation,  # 1.9 only; top-level from 1.10
    )

    assert result.asset_key is not None and result.check_name is not None
    return AssetCheckEvaluation(
        asset_key=result.asset_key,
        check_name=result.check_name,
        passed=False,
        metadata=dict(result.metadata),
        severity=dg.AssetCheckSeverity.ERROR,
    )


def run_status(name: str) -> dg.DagsterRunStatus:
    status: dg.DagsterRunStatus = getattr(dg.DagsterRunStatus, name)
    return status


def event_types(*names: str) -> set[Any]:
    """The DagsterEventTypes of these names that this Dagster version has.

    ASSET_FAILED_TO_MATERIALIZE appeared in 1.10; on 1.9 it is simply not asked for.
    """
    return {getattr(dg.DagsterEventType, n) for n in names if hasattr(dg.DagsterEventType, n)}


def sensor_tick(sensor: dg.SensorDefinition, context: Any) -> Any:
    """Evaluate a sensor once the way the daemon does (cursor handling included)."""
    return sensor.evaluate_tick(context)


def cron_ticks(cron: str, timezone: str, after: datetime, count: int) -> list[datetime]:
    """The next `count` ticks of a cron schedule strictly after `after`, as Dagster's scheduler daemon computes
    them (DST included).

    Private on every supported version (1.9-1.13): the daemon iterates `dagster._utils.schedules.
    cron_string_iterator`, and no public API lists a schedule's future ticks (`build_schedule_context`
    evaluates one tick at a time you must already know). `test_dagster_schedules` fails when it moves.
    """
    from dagster._utils.schedules import cron_string_iterator

    ticks: list[datetime] = []
    for tick in cron_string_iterator(after.timestamp(), cron, timezone):
        if tick.timestamp() > after.timestamp():
            ticks.append(tick)
        if len(ticks) == count:
            break
    return ticks
