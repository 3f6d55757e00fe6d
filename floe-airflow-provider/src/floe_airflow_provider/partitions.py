"""Partitions in Airflow terms: which partition a DAG run is for, and the `partition` DAG param.

A run's partition comes from, in order:
1. the `partition` param (and `partition_end` for a ranged run), set by a manual trigger, `dag.test()`
   or a backfill run's conf;
2. the run's own partition key (Airflow 3.2+), set by Airflow's partition-aware runs;
3. for time windows, the run's data interval: the last window that closed at or before the interval's end
   (a scheduled or backfill run), or before the run's `run_after` when it has no data interval (an
   asset-triggered run);
4. for static keys, every key (the partitioned tasks are mapped over them).
Keys are validated against the artifacts, and a wrong one fails the run with the keys it accepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from airflow.sdk import Param
from floe_core.artifacts import (
    CompiledArtifacts,
    Job,
    MultiPartitions,
    Partitions,
    StaticPartitions,
    TimeWindowPartitions,
)
from floe_core.cron import iter_fire_times
from floe_core.errors import Problem, RuntimeFailure
from floe_core.partitioning import (
    CADENCE_CRON,
    MULTI_KEY_SEPARATOR,
    partition_vars,
    split_multi_key,
    time_window,
)

from floe_airflow_provider import _compat

PARAM_PARTITION = "partition"
PARAM_PARTITION_END = "partition_end"
_LONGEST_WINDOW = timedelta(days=32)


@dataclass(frozen=True)
class RunPartition:
    """One partition (or a range of time windows `key`..`last`) a task runs for."""

    key: str
    last: str | None = None

    def dbt_vars(self, parts: Partitions) -> dict[str, str]:
        return partition_vars(parts, self.key, self.last)

    def as_xcom(self) -> dict[str, str]:
        return {"key": self.key, **({"last": self.last} if self.last else {})}

    @classmethod
    def from_xcom(cls, value: Mapping[str, str]) -> RunPartition:
        return cls(key=value["key"], last=value.get("last"))


def dag_params(parts: Partitions | None) -> dict[str, Param]:
    """The DAG params a partitioned job's DAG takes (none for an unpartitioned job)."""
    if parts is None:
        return {}
    if isinstance(parts, StaticPartitions):
        return {
            PARAM_PARTITION: Param(
                None,
                type=["null", "string"],
                enum=[None, *parts.keys],
                description=f"One key of partitions {parts.name!r}; leave empty to run every key.",
            )
        }
    time_parts = parts if isinstance(parts, TimeWindowPartitions) else _time_dimension(parts)
    fmt = time_parts.fmt if time_parts is not None else ""
    params = {
        PARAM_PARTITION: Param(
            None,
            type=["null", "string"],
            description=(
                f"A key of partitions {parts.name!r} (format {fmt!r}); leave empty to take the partition "
                "from the run's data interval."
            ),
        )
    }
    if isinstance(parts, TimeWindowPartitions):
        params[PARAM_PARTITION_END] = Param(
            None,
            type=["null", "string"],
            description="The last key of a ranged run (inclusive); leave empty for one partition.",
        )
    return params


def is_mapped(parts: Partitions | None) -> bool:
    """Whether a job's partitioned tasks are mapped over keys: static keys fan out, time windows don't."""
    return isinstance(parts, (StaticPartitions, MultiPartitions))


def resolve(artifacts: CompiledArtifacts, job: Job, context: Mapping[str, Any]) -> list[RunPartition]:
    """The partitions one run of `job` covers, from the run's context; [] for an unpartitioned job."""
    if job.partitions is None:
        return []
    parts = artifacts.partitions_by_name[job.partitions]
    params = context.get("params") or {}
    requested = params.get(PARAM_PARTITION) or _compat.run_partition_key(context)
    last = params.get(PARAM_PARTITION_END) or None
    if isinstance(parts, StaticPartitions):
        keys = [requested] if requested else list(parts.keys)
        for key in keys:
            _check_static(parts, key, job)
        return [RunPartition(key) for key in keys]
    if isinstance(parts, TimeWindowPartitions):
        key = requested or _window_key_for_run(parts, context)
        _check_window(parts, key, job)
        if last:
            _check_window(parts, last, job)
            if time_window(parts, last)[0] < time_window(parts, key)[0]:
                raise _bad_key(job, parts, last, f"comes before {key!r}; give partition_end after partition")
        return [RunPartition(key, last)]
    return _resolve_multi(parts, job, requested, context)


def _resolve_multi(
    parts: MultiPartitions, job: Job, requested: str | None, context: Mapping[str, Any]
) -> list[RunPartition]:
    if requested:
        try:
            values = split_multi_key(parts, requested)
        except KeyError as exc:
            raise _bad_key(job, parts, requested, str(exc.args[0])) from None
        for dim in parts.dimensions:
            _check_dimension(dim.partitions, values[dim.name], job)
        return [RunPartition(requested)]
    choices: list[list[str]] = []
    for dim in parts.dimensions:
        if isinstance(dim.partitions, StaticPartitions):
            choices.append(list(dim.partitions.keys))
        else:
            # A scheduled run past the partition set's end fails here, as a time-window job's run does.
            window = _window_key_for_run(dim.partitions, context)
            _check_window(dim.partitions, window, job)
            choices.append([window])
    return [RunPartition(f"{a}{MULTI_KEY_SEPARATOR}{b}") for a in choices[0] for b in choices[1]]


def _check_dimension(parts: TimeWindowPartitions | StaticPartitions, key: str, job: Job) -> None:
    if isinstance(parts, StaticPartitions):
        _check_static(parts, key, job)
    else:
        _check_window(parts, key, job)


def _window_key_for_run(parts: TimeWindowPartitions, context: Mapping[str, Any]) -> str:
    """The last window that closed at or before the run's data interval end (or its run_after)."""
    moment = context.get("data_interval_end")
    if moment is None:
        dag_run = context.get("dag_run")
        moment = getattr(dag_run, "run_after", None) or datetime.now(timezone.utc)
    return last_closed_window(parts, moment)


def last_closed_window(parts: TimeWindowPartitions, moment: datetime) -> str:
    """The key of the latest window of `parts` that ends at or before `moment`."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    # Two of the longest windows back always holds two ticks at or before `moment`.
    ticks = iter_fire_times(CADENCE_CRON[parts.cadence], parts.timezone, moment - 2 * _LONGEST_WINDOW)
    start, end = next(ticks), next(ticks)
    for tick in ticks:
        if tick > moment:
            break
        start, end = end, tick
    return start.strftime(parts.fmt)


def _check_static(parts: StaticPartitions, key: str, job: Job) -> None:
    if key not in parts.keys:
        raise _bad_key(job, parts, key, f"expected one of {list(parts.keys)}")


def _check_window(parts: TimeWindowPartitions, key: str, job: Job) -> None:
    try:
        start, end = time_window(parts, key)
    except KeyError:
        raise _bad_key(job, parts, key, f"expected a window start formatted as {parts.fmt!r}") from None
    if start.strftime(parts.fmt) != key or start.replace(tzinfo=None) < parts.start:
        raise _bad_key(job, parts, key, f"expected a {parts.cadence} window from {parts.start.isoformat()}")
    if parts.end is not None and end.replace(tzinfo=None) > parts.end:
        raise _bad_key(job, parts, key, f"the partitions end at {parts.end.isoformat()}")


def _bad_key(job: Job, parts: Partitions, key: str, expected: str) -> RuntimeFailure:
    return RuntimeFailure(
        Problem(
            f"job {job.name!r} was asked to run partition {key!r}, which is not a key of partitions {parts.name!r}",
            field=f"params.{PARAM_PARTITION}",
            found=key,
            expected=expected,
            fix="trigger the DAG again with a valid `partition` param, or leave it empty",
        )
    )


def _time_dimension(parts: MultiPartitions) -> TimeWindowPartitions | None:
    for dim in parts.dimensions:
        if isinstance(dim.partitions, TimeWindowPartitions):
            return dim.partitions
    return None


def time_partitions_of(parts: Partitions | None) -> TimeWindowPartitions | None:
    if isinstance(parts, TimeWindowPartitions):
        return parts
    if isinstance(parts, MultiPartitions):
        return _time_dimension(parts)
    return None


def partitions_end(parts: TimeWindowPartitions | None) -> datetime | None:
    """Where the last window ends, as an aware datetime; None for windows without end (or no windows)."""
    from floe_core.cron import get_timezone

    if parts is None or parts.end is None:
        return None
    return parts.end.replace(tzinfo=get_timezone(parts.timezone))


def window_start(parts: TimeWindowPartitions) -> datetime:
    """The first window's start as an aware datetime: a partitioned DAG's fixed `start_date`."""
    from floe_core.cron import get_timezone

    return parts.start.replace(tzinfo=get_timezone(parts.timezone))
