"""Backfills: run a job over a range of partitions, skipping what the reprocess rule says is done.

Which partitions run, and in which chunks, is floe-core's `plan_backfill`, decided on Airflow's own DagRuns
of the job (read back as run records), so `missing`, `failed` and `all` mean the same on every engine.
- One run per time window on a DAG with a data-interval timetable: Airflow 3's own backfill
  (`airflow backfill create`'s model function), one per stretch of neighbouring windows to run, reprocessing
  whatever runs those windows already have; Airflow records the backfill and its runs carry its id; here
  they run in-process, in order.
- Ranged runs (a backfill policy of up to N partitions per run, or one run for the whole range), static
  keys and DAGs without a time timetable: Airflow's backfill makes exactly one run per data interval and
  knows nothing of static keys, so floe makes one run per chunk with the range in the run's conf
  (`partition`, `partition_end`).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from floe_core.artifacts import CompiledArtifacts, TimeWindowPartitions
from floe_core.partitioning import partition_keys, time_window
from floe_core.plugin import BackfillRequest, BackfillResult, RunRecord

from floe_airflow_provider import _compat, runs
from floe_airflow_provider.cron_timetables import FloeCronDataIntervalTimetable
from floe_airflow_provider.naming import DagNaming
from floe_airflow_provider.partitions import PARAM_PARTITION, PARAM_PARTITION_END
from floe_airflow_provider.runs import DagsFolder
from floe_airflow_provider.timetables import job_schedule

if TYPE_CHECKING:
    from floe_core.planning import BackfillPlan

# Every window Airflow's backfill is given is one floe decided to run, so it reprocesses whatever run it has.
_REPROCESS_ALL = "completed"
FLOE_BACKFILL_CONF = "floe_backfill_id"


def launch(artifacts: CompiledArtifacts, folder: DagsFolder, request: BackfillRequest) -> BackfillResult:
    from floe_core.planning import plan_backfill

    naming = DagNaming.of(artifacts)
    earlier = [runs.record_of(artifacts, r) for r in runs.dag_runs([naming.dag_id(request.job)], limit=10_000)]
    plan = plan_backfill(artifacts, request, earlier)
    job = artifacts.jobs_by_name[request.job]
    parts = artifacts.partitions_by_name[job.partitions or ""]
    folder.sync()
    dag = folder.dag(naming.dag_id(request.job))
    if isinstance(parts, TimeWindowPartitions) and airflow_backfill_fits(artifacts, plan):
        return _airflow_backfill(artifacts, dag, plan, parts)
    backfill_id = f"floe-{secrets.token_hex(6)}"
    records: list[RunRecord] = []
    for chunk in plan.chunks:
        conf: dict[str, Any] = {PARAM_PARTITION: chunk[0], FLOE_BACKFILL_CONF: backfill_id}
        if len(chunk) > 1:
            conf[PARAM_PARTITION_END] = chunk[-1]
        records.append(runs.record_of(artifacts, runs.run_once(folder, dag.dag_id, conf)))
    return BackfillResult(backfill_id=backfill_id, job=plan.job, partitions=plan.partitions, runs=tuple(records))


def airflow_backfill_fits(artifacts: CompiledArtifacts, plan: BackfillPlan) -> bool:
    """Whether Airflow's own backfill can run the plan: a run per partition, on a DAG whose timetable gives
    each run one partition's data interval."""

    job = artifacts.jobs_by_name[plan.job]
    schedule = job_schedule(artifacts, job, DagNaming.of(artifacts)).schedule
    return all(len(chunk) == 1 for chunk in plan.chunks) and isinstance(schedule, FloeCronDataIntervalTimetable)


def _airflow_backfill(
    artifacts: CompiledArtifacts, dag: Any, plan: BackfillPlan, parts: TimeWindowPartitions
) -> BackfillResult:
    from floe_core.planning import neighbour_stretches

    records: list[RunRecord] = []
    backfill_ids: list[str] = []
    for stretch in neighbour_stretches(partition_keys(parts), set(plan.partitions)):
        first_start, _ = time_window(parts, stretch[0])
        _, last_end = time_window(parts, stretch[-1])
        backfill = _compat.create_backfill(
            dag.dag_id, first_start, last_end - timedelta(microseconds=1), _REPROCESS_ALL, None
        )
        backfill_ids.append(str(backfill.id))
        with _compat.in_process_api():
            for run_id in _compat.backfill_run_ids(backfill.id):
                records.append(runs.record_of(artifacts, _compat.run_dagrun_in_process(dag, run_id)))
        _compat.complete_backfill(backfill.id)
    return BackfillResult(
        backfill_id=",".join(backfill_ids) or f"floe-{secrets.token_hex(6)}",
        job=plan.job,
        partitions=tuple(r.partition for r in records if r.partition),
        runs=tuple(records),
    )

