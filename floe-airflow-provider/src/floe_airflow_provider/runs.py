"""Running floe DAGs in this process, and reading Airflow DAG runs back as floe RunRecords.

This is for the floe CLI, the quick start and tests, which drive a local Airflow home directly: it reads
and writes the metadata DB through Airflow's own modules (all in `_compat`) and runs tasks with Airflow's
in-process executor (`dag.test()`). DAG code and tasks never come here: tasks talk to Airflow only through
the Task SDK.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from floe_core.artifacts import CompiledArtifacts
from floe_core.errors import Problem, RuntimeFailure
from floe_core.plugin import AssetOutcome, RunRecord, RunStatus

from floe_airflow_provider import _compat
from floe_airflow_provider.naming import DagNaming
from floe_airflow_provider.partitions import PARAM_PARTITION, PARAM_PARTITION_END
from floe_airflow_provider.tasks import SUMMARY_ASSETS, SUMMARY_CHECKS, SUMMARY_PARTITION

_RUN_STATUS: dict[str, RunStatus] = {
    "success": "success",
    "failed": "failure",
    "running": "running",
    "queued": "queued",
}
_ASSET_STATUS = {"success": "materialized", "failed": "failed"}
SUMMARY_XCOM_KEYS = ("return_value", "floe_summary")

_sync_lock = threading.Lock()
_synced: dict[str, tuple[float, ...]] = {}


class DagsFolder:
    """A DAGs folder holding floe DAG files, as this process's Airflow sees it."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = str(Path(path).resolve())

    def _fingerprint(self) -> tuple[float, ...]:
        files = sorted(Path(self.path).rglob("*"))
        return tuple(f.stat().st_mtime for f in files if f.is_file())

    def sync(self) -> None:
        """Write the folder's DAGs to the metadata DB once per change, as a DAG processor would."""
        with _sync_lock:
            fingerprint = self._fingerprint()
            if _synced.get(self.path) == fingerprint:
                return
            errors = _compat.sync_dags_folder(self.path)
            if errors:
                raise RuntimeFailure(
                    Problem(
                        "the DAGs folder has import errors",
                        file=self.path,
                        found=errors,
                        fix="fix the DAG files named here (the message says what is wrong)",
                    )
                )
            _synced[self.path] = fingerprint

    def dag(self, dag_id: str) -> Any:
        bag = _compat.make_dagbag(self.path)
        if dag_id not in bag.dags:
            raise RuntimeFailure(
                Problem(
                    f"DAG {dag_id!r} is not in the DAGs folder",
                    file=self.path,
                    found=sorted(bag.dags),
                    fix="check the job name, and that the folder's factory file reads these artifacts",
                )
            )
        return bag.dags[dag_id]


def run_once(folder: DagsFolder, dag_id: str, conf: Mapping[str, Any] | None) -> Any:
    """Run a DAG once with `dag.test()` and return Airflow's DagRun (which records failures, never raises)."""
    folder.sync()
    dag = folder.dag(dag_id)
    with _compat.in_process_api():
        return dag.test(run_conf=dict(conf) if conf else None)


def rerun_failed(folder: DagsFolder, dag_id: str, run_id: str) -> tuple[Any, set[str]]:
    """Clear the failed and upstream-failed task instances of run `run_id` and run them again in this
    process, as Airflow's "clear failed tasks" does; returns the DagRun and the task ids that ran again."""
    folder.sync()
    dag = folder.dag(dag_id)
    cleared = _compat.clear_failed_task_instances(dag_id, run_id)
    if cleared is None:
        raise RuntimeFailure(Problem(f"there is no run {run_id!r} of DAG {dag_id!r} to re-run", field="rerun_of",
                                     found=run_id, fix="pass the run_id of an earlier run of this job (see "
                                                       "run_history)"))
    if not cleared:
        raise RuntimeFailure(Problem(f"run {run_id!r} of DAG {dag_id!r} has no failed task to re-run",
                                     field="rerun_of", found=run_id, fix="run the job again without rerun_of"))
    with _compat.in_process_api():
        return _compat.run_dagrun_in_process(dag, run_id), cleared


def task_ids_of(dag_run: Any) -> set[str]:
    return {ti.task_id for ti in _compat.task_instances(dag_run)}


def record_of(artifacts: CompiledArtifacts, dag_run: Any, skipped_tasks: Iterable[str] = ()) -> RunRecord:
    """A DagRun as floe's engine-neutral RunRecord (asset and check outcomes from its task instances)."""
    values = _compat.xcom_values(dag_run.dag_id, dag_run.run_id, SUMMARY_XCOM_KEYS)
    # A task with a summary under both keys keeps one, the same whatever order the DB returns rows in.
    summaries = {(task_id, map_index): value for (task_id, map_index, _), value in sorted(values.items())
                 if is_summary(value)}
    return record_from(artifacts, DagNaming.of(artifacts), dag_run, _compat.task_instances(dag_run), summaries,
                       set(skipped_tasks))


def record_from(
    artifacts: CompiledArtifacts,
    naming: DagNaming,
    dag_run: Any,
    tis: list[Any],
    summaries: Mapping[tuple[str, int], Mapping[str, Any]],
    skipped_tasks: set[str],
) -> RunRecord:
    """The record of a DagRun and its task instances (Airflow's models, or the REST API's answers read into
    objects with the models' attribute names) and each task's summary XCom."""
    job = _job_of(naming, dag_run.dag_id)
    assets: dict[str, AssetOutcome] = {}
    checks: dict[str, str] = {}
    partition_keys: list[str] = []
    for ti in sorted(tis, key=lambda t: (t.task_id, t.map_index)):
        if ti.task_id in skipped_tasks:
            continue
        summary = summaries.get((ti.task_id, ti.map_index)) or {}
        state = str(getattr(ti.state, "value", ti.state) or "none")
        for key, status in (summary.get(SUMMARY_ASSETS) or {}).items():
            _merge(assets, key, status, ti.try_number)
        for name, status in (summary.get(SUMMARY_CHECKS) or {}).items():
            checks[name] = _worse_check(checks.get(name), status)
        if summary.get(SUMMARY_PARTITION):
            partition_keys.append(summary[SUMMARY_PARTITION])
        key = _asset_of_task(artifacts, naming, ti.task_id)
        if key is not None and key not in (summary.get(SUMMARY_ASSETS) or {}):
            _merge(assets, key, _ASSET_STATUS.get(state, "skipped"), ti.try_number)
    conf = dag_run.conf or {}
    partition = conf.get(PARAM_PARTITION)
    if partition and conf.get(PARAM_PARTITION_END):
        partition = f"{partition}...{conf[PARAM_PARTITION_END]}"
    elif not partition and partition_keys:
        unique = sorted(set(partition_keys))
        partition = unique[0] if len(unique) == 1 else f"{unique[0]}...{unique[-1]}"
    state = str(getattr(dag_run.state, "value", dag_run.state))
    return RunRecord(
        run_id=dag_run.run_id,
        engine="airflow",
        job=job,
        status=_RUN_STATUS.get(state, "running"),
        started_at=dag_run.start_date,
        ended_at=dag_run.end_date,
        partition=partition,
        assets=assets,
        checks=checks,  # type: ignore[arg-type]
        backfill_id=_backfill_id(dag_run),
    )


def _backfill_id(dag_run: Any) -> str | None:
    if getattr(dag_run, "backfill_id", None):
        return str(dag_run.backfill_id)
    # Ranged and static-key backfills are floe-made runs; the id travels in their conf.
    value = (dag_run.conf or {}).get("floe_backfill_id")
    return str(value) if value else None


def _merge(assets: dict[str, AssetOutcome], key: str, status: str, attempts: int) -> None:
    # A mapped task reports once per partition: the asset failed if any partition failed.
    order = {"failed": 2, "skipped": 1, "materialized": 0}
    previous = assets.get(key)
    if previous is not None and order[previous.status] >= order.get(status, 1):
        return
    assets[key] = AssetOutcome(status=status, attempts=max(attempts, 1))  # type: ignore[arg-type]


def _worse_check(previous: str | None, status: str) -> str:
    order = {"failed": 3, "warned": 2, "skipped": 1, "passed": 0}
    if previous is None or order.get(status, 1) > order.get(previous, 1):
        return status
    return previous


def _job_of(naming: DagNaming, dag_id: str) -> str:
    prefix = naming.dag_id("")
    return dag_id[len(prefix) :] if dag_id.startswith(prefix) else dag_id


def _asset_of_task(artifacts: CompiledArtifacts, naming: DagNaming, task_id: str) -> str | None:
    return _task_assets(artifacts, naming).get(task_id)


def _task_assets(artifacts: CompiledArtifacts, naming: DagNaming) -> dict[str, str]:
    # Per-model tasks sit in a TaskGroup named after the asset's group; build-mode Python tasks do not.
    found: dict[str, str] = {}
    for asset in artifacts.orchestration.assets:
        task_id = naming.task_id(asset.key)
        found[task_id] = asset.key
        found[f"{asset.group}.{task_id}"] = asset.key
    return found


def is_summary(value: Any) -> bool:
    """Whether an XCom value is a floe task's summary (a Python asset's task may return something else)."""
    return isinstance(value, Mapping) and (SUMMARY_ASSETS in value or SUMMARY_CHECKS in value)


def dag_runs(dag_ids: Iterable[str], limit: int) -> list[Any]:
    """The latest DagRuns of these DAGs, newest first."""
    return _compat.latest_dag_runs(sorted(set(dag_ids)), limit)
