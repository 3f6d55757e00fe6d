"""floe schedules as Dagster schedules, and "run after these jobs" as a run-status sensor.

A cron schedule fires in its IANA timezone (Dagster handles DST). A partitioned schedule asks, at each tick,
for the partition whose window has just closed (for static keys: every key; for two dimensions: every
static key of the window that just closed), with the partition key as run key so a tick evaluated twice
never launches twice. A schedule with `after_jobs` has no clock: Dagster models it as a run-status sensor
that requests the job once every job it waits for has succeeded since the job last ran.
"""

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import dagster as dg
from floe_core.artifacts import CompiledArtifacts, MultiPartitions, Schedule, StaticPartitions

from floe_dagster_provider import _compat
from floe_dagster_provider.partitions import PartitionsDefs

AFTER_JOBS_METADATA_KEY = "floe/after_jobs"


def build_schedules(
    artifacts: CompiledArtifacts, jobs: dict[str, Any], partitions: PartitionsDefs
) -> tuple[list[dg.ScheduleDefinition], list[dg.SensorDefinition]]:
    """(schedules, sensors standing in for schedules that wait on other jobs)."""
    schedules: list[dg.ScheduleDefinition] = []
    sensors: list[dg.SensorDefinition] = []
    for schedule in artifacts.orchestration.schedules:
        if schedule.after_jobs:
            sensors.append(after_jobs_sensor(schedule, jobs))
        elif schedule.partitioned:
            job_def = artifacts.jobs_by_name[schedule.job]
            schedules.append(
                partitioned_schedule(schedule, jobs[schedule.job], artifacts, partitions.get(job_def.partitions))
            )
        else:
            schedules.append(cron_schedule(schedule, jobs[schedule.job]))
    return schedules, sensors


def default_schedule_status(enabled: bool) -> dg.DefaultScheduleStatus:
    return dg.DefaultScheduleStatus.RUNNING if enabled else dg.DefaultScheduleStatus.STOPPED


def cron_schedule(schedule: Schedule, job: Any, execution_fn: Any = None) -> dg.ScheduleDefinition:
    assert schedule.cron is not None
    extra = {} if execution_fn is None else {"execution_fn": execution_fn}
    return dg.ScheduleDefinition(
        name=schedule.name,
        cron_schedule=schedule.cron,
        job=job,
        execution_timezone=schedule.timezone,
        default_status=default_schedule_status(schedule.enabled),
        description=schedule.description or None,
        **extra,
    )


def partitioned_schedule(
    schedule: Schedule, job: Any, artifacts: CompiledArtifacts, partitions_def: dg.PartitionsDefinition | None
) -> dg.ScheduleDefinition:
    assert schedule.cron is not None
    job_partitions = artifacts.partitions_by_name.get(artifacts.jobs_by_name[schedule.job].partitions or "")

    def _requests(context: dg.ScheduleEvaluationContext) -> Iterator[dg.RunRequest | dg.SkipReason]:
        moment = context.scheduled_execution_time or datetime.now(timezone.utc)
        if partitions_def is None or job_partitions is None:
            yield dg.SkipReason(f"job {schedule.job!r} is not partitioned")
            return
        keys = closed_partition_keys(job_partitions, partitions_def, moment)
        if not keys:
            yield dg.SkipReason(f"no partition of {job_partitions.name!r} has closed by {moment.isoformat()}")
            return
        # A window runs once ever; static keys come back every tick, so their run key names the tick too.
        repeats = isinstance(job_partitions, (MultiPartitions, StaticPartitions))
        for key in keys:
            yield dg.RunRequest(run_key=f"{key}@{moment.isoformat()}" if repeats else key, partition_key=key)

    return cron_schedule(schedule, job, execution_fn=_requests)


def closed_partition_keys(parts: Any, partitions_def: dg.PartitionsDefinition, moment: datetime) -> list[str]:
    """The partition keys a tick at `moment` runs (see the module docstring)."""
    if isinstance(parts, StaticPartitions):
        return list(partitions_def.get_partition_keys())
    if isinstance(parts, MultiPartitions):
        assert isinstance(partitions_def, dg.MultiPartitionsDefinition)
        per_dim: dict[str, list[str]] = {}
        for dim in partitions_def.partitions_defs:
            keys = list(dim.partitions_def.get_partition_keys(current_time=moment))
            is_time = isinstance(dim.partitions_def, dg.TimeWindowPartitionsDefinition)
            per_dim[dim.name] = keys[-1:] if is_time else keys
        names = sorted(per_dim)
        first, second = per_dim[names[0]], per_dim[names[1]]
        return [str(dg.MultiPartitionKey({names[0]: a, names[1]: b})) for a in first for b in second]
    return list(partitions_def.get_partition_keys(current_time=moment))[-1:]


def after_jobs_sensor(schedule: Schedule, jobs: dict[str, Any]) -> dg.SensorDefinition:
    waits_for = tuple(schedule.after_jobs)

    @dg.run_status_sensor(
        run_status=_compat.run_status("SUCCESS"),
        name=schedule.name,
        monitored_jobs=[jobs[name] for name in waits_for],
        request_job=jobs[schedule.job],
        default_status=dg.DefaultSensorStatus.RUNNING if schedule.enabled else dg.DefaultSensorStatus.STOPPED,
        description=schedule.description or f"Runs {schedule.job} after {', '.join(waits_for)} succeeded.",
        metadata={AFTER_JOBS_METADATA_KEY: list(waits_for)},
    )
    def _after_jobs(context: dg.RunStatusSensorContext) -> Any:
        return after_jobs_request(context.instance, schedule.job, waits_for)

    return _after_jobs


def after_jobs_request(instance: dg.DagsterInstance, job: str, waits_for: tuple[str, ...]) -> Any:
    """A run request once each of `waits_for` has a success newer than the last run of `job`."""
    last = instance.get_run_records(dg.RunsFilter(job_name=job), limit=1)
    # Dagster 1.9 stores creation times to the second; a start time is exact, so prefer it.
    since = (last[0].start_time or last[0].create_timestamp.timestamp()) if last else float("-inf")
    successes = []
    for name in waits_for:
        found = instance.get_run_records(
            dg.RunsFilter(job_name=name, statuses=[_compat.run_status("SUCCESS")]), limit=1
        )
        end = found[0].end_time if found else None
        if end is None or end < since:
            return dg.SkipReason(f"waiting for {name!r} to succeed after the last run of {job!r}")
        successes.append(found[0].dagster_run.run_id)
    return dg.RunRequest(run_key=",".join(successes), tags={AFTER_JOBS_METADATA_KEY: ",".join(waits_for)})
