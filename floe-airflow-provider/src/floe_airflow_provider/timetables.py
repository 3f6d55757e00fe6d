"""floe schedules as Airflow schedules.

- a cron schedule: `CronTriggerTimetable(cron, timezone=...)`, firing at the cron's wall-clock times
  (DST-correct, as floe_core.cron defines them);
- a partitioned schedule: `CronDataIntervalTimetable(cron, timezone)`, so each run has a data interval that
  ends at its fire time, and the run's partition is the last window that closed by then (equal to the
  data interval when the cron ticks on the partition boundaries, e.g. `0 0 * * *` for daily windows);
- `after_jobs`: Asset-aware scheduling on the upstream jobs' "succeeded" Assets, combined with `&`;
- a job with no schedule but time-window partitions: the partition cadence as a data-interval timetable,
  created paused, so Airflow knows its windows (the grid, backfills) but never runs it on its own;
- several schedules for one job: one timetable that fires on all of them.
A schedule's `enabled: false` creates the DAG paused (`is_paused_upon_creation`).

Why not Airflow 3.2's `CronPartitionTimetable`: its key is the previous cron tick formatted, which equals
floe's window key only when the cron ticks on window boundaries, 3.2 formats it in UTC whatever the
timezone, and its runs have no data interval. Airflow's partition keys are still honoured when a run has
one (see partitions.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any

from airflow.sdk import Asset

from floe_core.artifacts import CompiledArtifacts, Job, Schedule
from floe_core.errors import InputError, Problem
from floe_core.partitioning import CADENCE_CRON

from floe_airflow_provider import _compat
from floe_airflow_provider.naming import DagNaming
from floe_airflow_provider.partitions import time_partitions_of


@dataclass(frozen=True)
class DagSchedule:
    """What a job's DAG is given: its `schedule` argument and whether it starts paused."""

    schedule: Any
    paused: bool


def schedule_timetable(schedule: Schedule, naming: DagNaming) -> Any:
    """The Airflow schedule of one floe schedule, on its own."""
    if schedule.after_jobs:
        assets = [naming.job_succeeded_asset(job) for job in sorted(schedule.after_jobs)]
        return reduce(lambda a, b: a & b, assets) if len(assets) > 1 else assets[0]
    assert schedule.cron is not None
    if schedule.partitioned:
        return _compat.CronDataIntervalTimetable(schedule.cron, schedule.timezone)
    return _compat.CronTriggerTimetable(schedule.cron, timezone=schedule.timezone)


def job_schedule(artifacts: CompiledArtifacts, job: Job, naming: DagNaming) -> DagSchedule:
    schedules = sorted((s for s in artifacts.orchestration.schedules if s.job == job.name), key=lambda s: s.name)
    if not schedules:
        parts = time_partitions_of(artifacts.partitions_by_name.get(job.partitions or ""))
        if parts is None:
            return DagSchedule(None, paused=False)
        return DagSchedule(_compat.CronDataIntervalTimetable(CADENCE_CRON[parts.cadence], parts.timezone), True)
    enabled = [s for s in schedules if s.enabled] or schedules
    paused = not any(s.enabled for s in schedules)
    if len(enabled) == 1:
        return DagSchedule(schedule_timetable(enabled[0], naming), paused)
    return DagSchedule(_combine(job, enabled, naming), paused)


def _combine(job: Job, schedules: Sequence[Schedule], naming: DagNaming) -> Any:
    crons = [s for s in schedules if s.cron is not None]
    assets: list[Asset] = [a for s in schedules if s.after_jobs for a in _as_list(schedule_timetable(s, naming))]
    if any(s.partitioned for s in crons) and len(crons) > 1:
        raise _cannot_combine(job, schedules, "a partitioned schedule must be the job's only cron schedule")
    if len({s.timezone for s in crons}) > 1:
        raise _cannot_combine(job, schedules, "cron schedules of one job must share a timezone")
    timetable = None
    if len(crons) == 1:
        timetable = schedule_timetable(crons[0], naming)
    elif crons:
        timetable = _compat.MultipleCronTriggerTimetable(
            *sorted(s.cron for s in crons if s.cron), timezone=crons[0].timezone
        )
    condition = None
    if assets:
        after = [s for s in schedules if s.after_jobs]
        conditions = [schedule_timetable(s, naming) for s in after]
        condition = reduce(lambda a, b: a | b, conditions)
    if timetable is not None and condition is not None:
        return _compat.AssetOrTimeSchedule(timetable=timetable, assets=condition)
    return timetable if timetable is not None else condition


def _as_list(value: Any) -> list[Asset]:
    return [value] if isinstance(value, Asset) else []


def _cannot_combine(job: Job, schedules: Sequence[Schedule], why: str) -> InputError:
    return InputError(
        Problem(
            f"job {job.name!r} has schedules Airflow cannot combine into one DAG timetable: {why}",
            field="orchestration.schedules",
            found=[s.name for s in schedules],
            fix="give the job one schedule, or split it into jobs with one schedule each",
        )
    )
