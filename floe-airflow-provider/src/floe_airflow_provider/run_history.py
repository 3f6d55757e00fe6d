"""Run history: the runs of every floe product deployed in a DAGs folder, as engine-neutral RunRecords.

Read in the calling process from Airflow's metadata DB through Airflow's models (DagRun, TaskInstance,
XCom), never from a task. Asset and check outcomes come from each task's summary XCom, and from task states
for tasks that ended before writing one.
"""

from __future__ import annotations

from pathlib import Path

from floe_core.plugin import RunFilter, RunRecord

from floe_airflow_provider import loading, runs
from floe_airflow_provider.deploy import deployed_artifacts_files
from floe_airflow_provider.naming import DagNaming


def history(dags_folder: Path, run_filter: RunFilter) -> list[RunRecord]:
    records: list[RunRecord] = []
    for artifacts_file in deployed_artifacts_files(dags_folder):
        artifacts = loading.load(artifacts_file)
        naming = DagNaming.of(artifacts)
        jobs = [j.name for j in artifacts.orchestration.jobs if run_filter.job in (None, j.name)]
        if not jobs:
            continue
        # Read more than `limit`: filters on partition or status apply after the records are built.
        for dag_run in runs.dag_runs([naming.dag_id(j) for j in jobs], limit=max(run_filter.limit * 4, 200)):
            record = runs.record_of(artifacts, dag_run)
            if run_filter.matches(record):
                records.append(record)
    records.sort(key=lambda r: (r.started_at is not None, r.started_at), reverse=True)
    return records[: run_filter.limit]
