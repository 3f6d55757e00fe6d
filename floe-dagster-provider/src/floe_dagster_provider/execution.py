"""Running a job in this process on Dagster's own executor, and re-running what a failed run left undone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import dagster as dg
from floe_core.artifacts import CompiledArtifacts
from floe_core.errors import InputError, Problem
from floe_core.plugin import RunRecord

from floe_dagster_provider import _compat
from floe_dagster_provider.jobs import JOB_TAG
from floe_dagster_provider.keys import AssetKeys
from floe_dagster_provider.run_history import RANGE_SEPARATOR


def job_definition(defs: dg.Definitions, job: str) -> dg.JobDefinition:
    return _compat.resolve_job(defs, job)


def check_job(artifacts: CompiledArtifacts, job: str, partition: str | None) -> None:
    """A clear error for an unknown job, or a partition that does not fit the job."""
    found = artifacts.jobs_by_name.get(job)
    if found is None:
        raise InputError(
            Problem(f"no job named {job!r}", field="job", found=job,
                    expected=", ".join(sorted(artifacts.jobs_by_name)), fix="run a job the artifacts define")
        )
    if found.partitions is not None and partition is None:
        raise InputError(
            Problem(f"job {job!r} is partitioned by {found.partitions!r}; a run needs a partition key",
                    field="partition", fix="pass a partition key (or `first...last` for a ranged run)")
        )
    if found.partitions is None and partition is not None:
        raise InputError(
            Problem(f"job {job!r} is not partitioned", field="partition", found=partition,
                    fix="run it without a partition")
        )


def rerun_keys(artifacts: CompiledArtifacts, job: str, parent: RunRecord, asset_keys: AssetKeys) -> list[dg.AssetKey]:
    from floe_core.planning import rerun_selection  # imports networkx: only a rerun pays for it

    selected = rerun_selection(artifacts, job, parent)
    if not selected:
        raise InputError(
            Problem(
                f"run {parent.run_id} of job {parent.job!r} left nothing undone to re-run",
                field="rerun_of",
                found=parent.status,
                fix="run the job again without rerun_of",
            )
        )
    return asset_keys.dagster(selected)


def execute(
    job_def: dg.JobDefinition,
    instance: dg.DagsterInstance,
    partition: str | None,
    *,
    tags: Mapping[str, str] | None = None,
    selection: Sequence[dg.AssetKey] | None = None,
    log_level: str = "info",
) -> str:
    """Run `job_def` in-process on `instance` and return the run id; failures are recorded, not raised.

    `partition` is a key, or `first...last` for a ranged run (Dagster's range tags, as its backfills set).
    `log_level` is the artifacts' `observability.log_level`: Dagster's console logger otherwise prints every
    engine event at DEBUG, which buries a run's own messages.
    """
    run_tags = {JOB_TAG: job_def.name, **(tags or {}), **partition_tags(partition)}
    partition_key = run_tags.pop(_compat.PARTITION_TAG, None)
    result = job_def.execute_in_process(
        run_config={"loggers": {"console": {"config": {"log_level": log_level.upper()}}}},
        instance=instance,
        partition_key=partition_key,
        tags=run_tags,
        raise_on_error=False,
        asset_selection=list(selection) if selection is not None else None,
    )
    return str(result.run_id)


def partition_tags(partition: str | None) -> dict[str, str]:
    """Dagster's tags of a partition run: one key, or `first...last` as a ranged run with Dagster's range tags."""
    if partition is None:
        return {}
    first, _, last = partition.partition(RANGE_SEPARATOR)
    if not last or last == first:
        return {_compat.PARTITION_TAG: first}
    return {_compat.RANGE_START_TAG: first, _compat.RANGE_END_TAG: last}
