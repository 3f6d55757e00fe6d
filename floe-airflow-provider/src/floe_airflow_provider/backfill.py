"""Backfills: run a job over a range of partitions, skipping what the reprocess rule says is done.

- One run per time window on a DAG with a data-interval timetable: Airflow 3's own backfill
  (`airflow backfill create`'s model function). Airflow picks the runs to create from the reprocess
  behaviour (floe `missing` -> Airflow `none`, `failed` -> `failed`, `all` -> `completed`), records the
  backfill, and the runs carry its id; here they run in-process, in order.
- Ranged runs (a backfill policy of up to N partitions per run, or one run for the whole range), static
  keys and DAGs without a time timetable: Airflow's backfill makes exactly one run per data interval and
  knows nothing of static keys, so floe makes one run per chunk with the range in the run's conf
  (`partition`, `partition_end`), and applies the reprocess rule to the job's earlier runs itself.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from floe_core.artifacts import (
    CompiledArtifacts,
    MultiRunBackfill,
    ReprocessMode,
    StaticPartitions,
    TimeWindowPartitions,
)
from floe_core.errors import InputError, Problem
from floe_core.partitioning import partition_keys, time_window
from floe_core.plugin import BackfillRequest, BackfillResult, RunRecord

from floe_airflow_provider import _compat, runs
from floe_airflow_provider.naming import DagNaming
from floe_airflow_provider.partitions import PARAM_PARTITION, PARAM_PARTITION_END
from floe_airflow_provider.runs import DagsFolder

AIRFLOW_REPROCESS: dict[str, str] = {"missing": "none", "failed": "failed", "all": "completed"}
FLOE_BACKFILL_CONF = "floe_backfill_id"


def requested_keys(artifacts: CompiledArtifacts, request: BackfillRequest) -> list[str]:
    job = artifacts.jobs_by_name.get(request.job)
    if job is None or job.partitions is None:
        raise InputError(
            Problem(
                f"job {request.job!r} is not partitioned, so it has nothing to backfill",
                field="job",
                found=request.job,
                expected=f"one of {sorted(j.name for j in artifacts.orchestration.jobs if j.partitions)}",
                fix="backfill a partitioned job, or run this one with `run_job`",
            )
        )
    parts = artifacts.partitions_by_name[job.partitions]
    known = partition_keys(parts)
    if request.keys:
        unknown = [k for k in request.keys if k not in known]
        if unknown:
            raise _unknown(request, unknown, known)
        return [k for k in known if k in set(request.keys)]
    if request.start not in known or request.end not in known:
        raise _unknown(request, [k for k in (request.start, request.end) if k not in known], known)
    first, last = known.index(str(request.start)), known.index(str(request.end))
    return known[first : last + 1]


def chunks(artifacts: CompiledArtifacts, job: str, keys: list[str]) -> list[list[str]]:
    policy = artifacts.backfill_by_job.get(job)
    if policy is None:
        size = 1
    elif isinstance(policy.policy, MultiRunBackfill):
        size = policy.policy.max_partitions_per_run
    else:
        size = max(len(keys), 1)
    return [keys[i : i + size] for i in range(0, len(keys), size)]


def launch(artifacts: CompiledArtifacts, folder: DagsFolder, request: BackfillRequest) -> BackfillResult:
    naming = DagNaming(artifacts.identity.product)
    keys = requested_keys(artifacts, request)
    policy = artifacts.backfill_by_job.get(request.job)
    reprocess: ReprocessMode = request.reprocess or (policy.reprocess if policy else "missing")
    job = artifacts.jobs_by_name[request.job]
    parts = artifacts.partitions_by_name[job.partitions or ""]
    groups = chunks(artifacts, request.job, keys)
    folder.sync()
    dag = folder.dag(naming.dag_id(request.job))
    timetable = _compat.core_timetable(dag)
    if (
        isinstance(parts, TimeWindowPartitions)
        and all(len(group) == 1 for group in groups)
        and type(timetable).__name__ == "CronDataIntervalTimetable"
    ):
        return _airflow_backfill(artifacts, dag, keys, parts, reprocess, request)
    return _floe_backfill(artifacts, folder, dag, groups, reprocess, request, naming)


def _airflow_backfill(
    artifacts: CompiledArtifacts,
    dag: Any,
    keys: list[str],
    parts: TimeWindowPartitions,
    reprocess: ReprocessMode,
    request: BackfillRequest,
) -> BackfillResult:
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    first_start, _ = time_window(parts, keys[0])
    _, last_end = time_window(parts, keys[-1])
    backfill = _compat.create_backfill(
        dag.dag_id, first_start, last_end - timedelta(microseconds=1), AIRFLOW_REPROCESS[reprocess], None
    )
    with create_session() as session:
        run_ids = session.scalars(
            select(DagRun.run_id).where(DagRun.backfill_id == backfill.id).order_by(DagRun.logical_date)
        ).all()
    records: list[RunRecord] = []
    with runs.in_process_api():
        for run_id in run_ids:
            dag_run = _compat.run_dagrun_in_process(dag, run_id)
            records.append(runs.record_of(artifacts, dag_run))
    _compat.complete_backfill(backfill.id)
    return BackfillResult(
        backfill_id=str(backfill.id),
        job=request.job,
        partitions=tuple(r.partition for r in records if r.partition),
        runs=tuple(records),
    )


def _floe_backfill(
    artifacts: CompiledArtifacts,
    folder: DagsFolder,
    dag: Any,
    groups: list[list[str]],
    reprocess: ReprocessMode,
    request: BackfillRequest,
    naming: DagNaming,
) -> BackfillResult:
    backfill_id = f"floe-{secrets.token_hex(6)}"
    latest = _latest_status_by_partition(artifacts, dag.dag_id)
    keys = [k for group in groups for k in group]
    records: list[RunRecord] = []
    ran: list[str] = []
    for group in (c for run in _consecutive(keys, latest, reprocess) for c in chunks(artifacts, request.job, run)):
        conf: dict[str, Any] = {PARAM_PARTITION: group[0], FLOE_BACKFILL_CONF: backfill_id}
        if len(group) > 1:
            conf[PARAM_PARTITION_END] = group[-1]
        dag_run = runs.run_once(folder, dag.dag_id, conf)
        record = runs.record_of(artifacts, dag_run)
        records.append(record)
        ran += group
    return BackfillResult(backfill_id=backfill_id, job=request.job, partitions=tuple(ran), runs=tuple(records))


def _latest_status_by_partition(artifacts: CompiledArtifacts, dag_id: str) -> dict[str, str]:
    """Each partition's status in its latest run (a ranged run counts for every partition it covered)."""
    status: dict[str, str] = {}
    for dag_run in reversed(runs.dag_runs([dag_id], limit=10_000)):
        record = runs.record_of(artifacts, dag_run)
        for key in _covered(artifacts, record):
            status[key] = record.status
    return status


def _covered(artifacts: CompiledArtifacts, record: RunRecord) -> list[str]:
    if not record.partition:
        return []
    first, _, last = record.partition.partition("...")
    if not last:
        return [first]
    parts = artifacts.partitions_by_name[artifacts.jobs_by_name[record.job].partitions or ""]
    known = partition_keys(parts) if not isinstance(parts, StaticPartitions) else list(parts.keys)
    if first in known and last in known:
        return known[known.index(first) : known.index(last) + 1]
    return [first, last]


def _consecutive(keys: list[str], latest: dict[str, str], reprocess: ReprocessMode) -> list[list[str]]:
    """The keys to run, as stretches of consecutive keys: a ranged run never spans a skipped key."""
    stretches: list[list[str]] = [[]]
    for key in keys:
        if _needs_run(key, latest, reprocess):
            stretches[-1].append(key)
        elif stretches[-1]:
            stretches.append([])
    return [s for s in stretches if s]


def _needs_run(key: str, latest: dict[str, str], reprocess: ReprocessMode) -> bool:
    # As Airflow's reprocess behaviours: `missing` runs partitions never run, `failed` also those whose
    # latest run did not succeed, `all` every partition.
    if reprocess == "all":
        return True
    if reprocess == "missing":
        return key not in latest
    return latest.get(key) != "success"


def _unknown(request: BackfillRequest, unknown: list[Any], known: list[str]) -> InputError:
    sample = known[:3] + (["..."] if len(known) > 4 else []) + known[-1:] if known else []
    return InputError(
        Problem(
            f"backfill of job {request.job!r} names partitions that do not exist",
            field="keys" if request.keys else "start/end",
            found=unknown,
            expected=f"keys like {sample}",
            fix="pick keys from the job's partition set (complete windows only)",
        )
    )
