"""floe schedules as Airflow schedules.

- a cron schedule: `FloeCronTriggerTimetable(cron, timezone)`, firing at the cron's wall-clock times in
  that timezone as floe_core.cron computes them, DST changes included (see cron_timetables.py);
- a partitioned schedule: `FloeCronDataIntervalTimetable(cron, timezone, until)`, so each run has a data
  interval that ends at its fire time, and the run's partition is the last window that closed by then (equal
  to the data interval when the cron ticks on the partition boundaries, e.g. `0 0 * * *` for daily windows);
  `until`, the partitions' end, stops it there;
- `after_jobs`: Asset-aware scheduling on the upstream jobs' "succeeded" Assets, combined with `&`;
- a job with no schedule but time-window partitions: the partition cadence as a data-interval timetable,
  created paused, so Airflow knows its windows (the grid, backfills) but never runs it on its own;
- several schedules for one job: its DAG carries the `after_jobs` ones and one cron schedule (as an
  `AssetOrTimeSchedule` when both); each further cron schedule is a small DAG of its own on that cron that
  triggers the job (a DAG has a single timetable, and crons in different timezones cannot share one).
A schedule's `enabled: false` creates the DAG paused (`is_paused_upon_creation`).

Why not Airflow 3.2's `CronPartitionTimetable`: its key is the previous cron tick formatted, which equals
floe's window key only when the cron ticks on window boundaries, 3.2 formats it in UTC whatever the
timezone, and its runs have no data interval. Airflow's partition keys are still honoured when a run has
one (see partitions.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from typing import TYPE_CHECKING, Any

from floe_core.artifacts import CompiledArtifacts, Job, Schedule
from floe_core.partitioning import CADENCE_CRON

from floe_airflow_provider import _compat
from floe_airflow_provider.cron_timetables import FloeCronDataIntervalTimetable, FloeCronTriggerTimetable
from floe_airflow_provider.naming import DagNaming
from floe_airflow_provider.partitions import partitions_end, time_partitions_of

if TYPE_CHECKING:
    from airflow.sdk.definitions.asset import BaseAsset


@dataclass(frozen=True)
class DagSchedule:
    """What a job's DAG is given: its `schedule` argument and whether it starts paused."""

    schedule: Any
    paused: bool


def schedule_timetable(schedule: Schedule, artifacts: CompiledArtifacts, naming: DagNaming) -> Any:
    """The Airflow schedule of one floe schedule, on its own."""
    if schedule.after_jobs:
        assets: list[BaseAsset] = [naming.job_succeeded_asset(job) for job in sorted(schedule.after_jobs)]
        return reduce(lambda a, b: a & b, assets) if len(assets) > 1 else assets[0]
    assert schedule.cron is not None
    if schedule.partitioned:
        job = artifacts.jobs_by_name[schedule.job]
        parts = time_partitions_of(artifacts.partitions_by_name.get(job.partitions or ""))
        return FloeCronDataIntervalTimetable(schedule.cron, schedule.timezone, partitions_end(parts))
    return FloeCronTriggerTimetable(schedule.cron, schedule.timezone)


def job_schedule(artifacts: CompiledArtifacts, job: Job, naming: DagNaming) -> DagSchedule:
    schedules = on_job_dag(artifacts, job)
    if not schedules:
        parts = time_partitions_of(artifacts.partitions_by_name.get(job.partitions or ""))
        if parts is None or own_schedule_dags(artifacts, job):
            return DagSchedule(None, paused=False)
        timetable = FloeCronDataIntervalTimetable(CADENCE_CRON[parts.cadence], parts.timezone, partitions_end(parts))
        return DagSchedule(timetable, True)
    paused = not any(s.enabled for s in schedules)
    crons = [s for s in schedules if s.cron is not None]
    after = [s for s in schedules if s.after_jobs]
    condition = reduce(lambda a, b: a | b, [schedule_timetable(s, artifacts, naming) for s in after]) if after else None
    if not crons:
        return DagSchedule(condition, paused)
    timetable = schedule_timetable(crons[0], artifacts, naming)
    if condition is None:
        return DagSchedule(timetable, paused)
    return DagSchedule(_compat.AssetOrTimeSchedule(timetable=timetable, assets=condition), paused)


def on_job_dag(artifacts: CompiledArtifacts, job: Job) -> list[Schedule]:
    """The schedules a job's own DAG carries: every `after_jobs` one and its first cron schedule
    (a partitioned one first). A DAG has one timetable, so further cron schedules get their own DAG."""
    schedules = sorted((s for s in artifacts.orchestration.schedules if s.job == job.name), key=lambda s: s.name)
    crons = sorted((s for s in schedules if s.cron is not None), key=lambda s: (not s.partitioned, s.name))
    return [s for s in schedules if s.after_jobs] + crons[:1]


def own_schedule_dags(artifacts: CompiledArtifacts, job: Job) -> list[Schedule]:
    """A job's cron schedules that need a DAG of their own (see `on_job_dag`)."""
    carried = {s.name for s in on_job_dag(artifacts, job)}
    return sorted(
        (s for s in artifacts.orchestration.schedules if s.job == job.name and s.name not in carried),
        key=lambda s: s.name,
    )
