"""Deployment mode: floe's run, rerun, backfill and history on a running Airflow, through its REST API only.

floe writes the product into the DAGs folder the dag-processor reads, then asks the api-server; Airflow's
scheduler and executor run the work. So a rerun clears the failed task instances of the same DagRun (the UI
shows the clear and the second try), and a backfill of daily windows is Airflow's own backfill (it shows in
Airflow's backfill list). Run records are read back from Airflow's answers: DagRuns, task instances and
each task's summary XCom.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

from floe_core.artifacts import CompiledArtifacts, TimeWindowPartitions
from floe_core.errors import Problem, RuntimeFailure
from floe_core.partitioning import partition_keys, time_window
from floe_core.plugin import BackfillRequest, BackfillResult, RunFilter, RunRecord

from floe_airflow_provider import loading
from floe_airflow_provider.backfill import FLOE_BACKFILL_CONF, airflow_backfill_fits
from floe_airflow_provider.deploy import deployed_artifacts_files
from floe_airflow_provider.naming import DagNaming
from floe_airflow_provider.partitions import PARAM_PARTITION, PARAM_PARTITION_END
from floe_airflow_provider.rest_api import AirflowApi, ApiError
from floe_airflow_provider.runs import SUMMARY_XCOM_KEYS, is_summary, record_from

_ENDED = ("success", "failed")


@dataclass(frozen=True)
class _DagRun:
    """A DagRun as the REST API answers it, with the attribute names of Airflow's model."""

    dag_id: str
    run_id: str
    state: str
    conf: dict[str, Any]
    start_date: datetime | None
    end_date: datetime | None
    backfill_id: str | None = None


@dataclass(frozen=True)
class _TaskInstance:
    task_id: str
    map_index: int
    state: str | None
    try_number: int


class DeployedAirflow:
    def __init__(self, api: AirflowApi, dags_folder: Path) -> None:
        self.api = api
        self.dags_folder = dags_folder

    # -- runs -----------------------------------------------------------------------------------------------

    def run_job(self, artifacts: CompiledArtifacts, artifacts_file: Path, job: str, conf: dict[str, Any]) -> RunRecord:
        """Trigger one DagRun of `job` and wait until Airflow's scheduler has ended it."""
        dag_id = DagNaming.of(artifacts).dag_id(job)
        self.ready_dag(artifacts, artifacts_file, dag_id)
        run = self.api.call("POST", f"/dags/{dag_id}/dagRuns", {"logical_date": None, "conf": conf})
        return self.record(artifacts, self.wait_run(dag_id, run["dag_run_id"]))

    def rerun_failed(self, artifacts: CompiledArtifacts, artifacts_file: Path, job: str, run_id: str) -> RunRecord:
        """Clear the failed (and upstream-failed) task instances of run `run_id`; Airflow runs them again."""
        dag_id = DagNaming.of(artifacts).dag_id(job)
        self.ready_dag(artifacts, artifacts_file, dag_id)
        try:
            self.api.call("GET", f"/dags/{dag_id}/dagRuns/{run_id}")
        except ApiError as exc:
            if exc.status != 404:
                raise
            raise RuntimeFailure(Problem(
                f"there is no run {run_id!r} of DAG {dag_id!r} to re-run", field="rerun_of", found=run_id,
                fix="pass the run_id of an earlier run of this job (see run_history)")) from None
        cleared = self.api.call("POST", f"/dags/{dag_id}/clearTaskInstances",
                                {"dag_run_id": run_id, "only_failed": True, "reset_dag_runs": True, "dry_run": False})
        # The rerun's record holds what ran again; the tasks that had succeeded are not part of it.
        again = {t["task_id"] for t in cleared["task_instances"]}
        return self.record(artifacts, self.wait_run(dag_id, run_id), only_tasks=again)

    def wait_run(self, dag_id: str, run_id: str) -> _DagRun:
        def ended() -> _DagRun | None:
            run = _dag_run(self.api.call("GET", f"/dags/{dag_id}/dagRuns/{run_id}"))
            return run if run.state in _ENDED else None

        return self.api.wait(f"run {run_id!r} of DAG {dag_id!r} ending", ended)

    def ready_dag(self, artifacts: CompiledArtifacts, artifacts_file: Path, dag_id: str) -> None:
        """Wait until the dag-processor has parsed the deployed artifacts into `dag_id`; refuse a paused DAG."""
        deployed_at = datetime.fromtimestamp(artifacts_file.stat().st_mtime, timezone.utc)
        factory = f"floe_{artifacts.identity.product}.py"

        def parsed() -> dict[str, Any] | None:
            for error in self.api.pages("/importErrors", "import_errors"):
                if Path(error["filename"]).name == factory:
                    raise RuntimeFailure(Problem(f"Airflow cannot import {factory}: {error['stack_trace']}",
                                                 file=error["filename"],
                                                 fix="`floe validate <artifacts> --engine airflow` names the problem"))
            try:
                dag = self.api.call("GET", f"/dags/{dag_id}")
            except ApiError as exc:
                if exc.status == 404:
                    return None
                raise
            last = _time(dag.get("last_parsed_time"))
            return dag if last is not None and last >= deployed_at else None

        dag = self.api.wait(f"the dag-processor parsing DAG {dag_id!r} from {artifacts_file}", parsed)
        if dag["is_paused"]:
            raise RuntimeFailure(Problem(f"DAG {dag_id!r} is paused in Airflow, so its runs never start",
                                         found=dag_id, fix=f"unpause it (the UI's toggle, or `airflow dags unpause "
                                                           f"{dag_id}`) and run again"))

    # -- backfills ------------------------------------------------------------------------------------------

    def launch_backfill(self, artifacts: CompiledArtifacts, artifacts_file: Path, request: BackfillRequest
                        ) -> BackfillResult:
        """Daily-window style chunks of one partition on a data-interval DAG go to Airflow's own backfill
        (`POST /backfills`); ranged chunks and static keys are DagRuns floe triggers with the range in conf."""
        from floe_core.planning import neighbour_stretches, plan_backfill

        naming = DagNaming.of(artifacts)
        dag_id = naming.dag_id(request.job)
        self.ready_dag(artifacts, artifacts_file, dag_id)
        plan = plan_backfill(artifacts, request, self.history(RunFilter(job=request.job, limit=10_000)))
        parts = artifacts.partitions_by_name[artifacts.jobs_by_name[request.job].partitions or ""]
        records: list[RunRecord] = []
        if isinstance(parts, TimeWindowPartitions) and airflow_backfill_fits(artifacts, plan):
            backfill_ids: list[str] = []
            for stretch in neighbour_stretches(partition_keys(parts), set(plan.partitions)):
                first_start, _ = time_window(parts, stretch[0])
                _, last_end = time_window(parts, stretch[-1])
                backfill = self.api.call("POST", "/backfills", {
                    "dag_id": dag_id, "from_date": first_start.isoformat(),
                    "to_date": (last_end - timedelta(microseconds=1)).isoformat(),
                    "reprocess_behavior": "completed", "max_active_runs": 1, "run_backwards": False})
                backfill_id = str(backfill["id"])
                backfill_ids.append(backfill_id)
                done = self.api.wait(f"backfill {backfill_id} of DAG {dag_id!r} completing",
                                     partial(self._completed_backfill, backfill_id))
                # A window that had a run gets that run cleared and run again, so a backfill's runs are the
                # ones in its range that ran while it was open, whatever their run type.
                for raw in self.api.pages(f"/dags/{dag_id}/dagRuns", "dag_runs", {
                        "logical_date_gte": first_start.isoformat(), "logical_date_lte": last_end.isoformat(),
                        "order_by": "logical_date"}):
                    if _backfill_of(raw, [done]) == backfill_id:
                        records.append(self.record(artifacts, _dag_run(raw, backfill_id)))
            backfill_id = ",".join(backfill_ids)
        else:
            backfill_id = f"floe-{secrets.token_hex(6)}"
            for chunk in plan.chunks:
                conf: dict[str, Any] = {PARAM_PARTITION: chunk[0], FLOE_BACKFILL_CONF: backfill_id}
                if len(chunk) > 1:
                    conf[PARAM_PARTITION_END] = chunk[-1]
                run = self.api.call("POST", f"/dags/{dag_id}/dagRuns", {"logical_date": None, "conf": conf})
                records.append(self.record(artifacts, self.wait_run(dag_id, run["dag_run_id"])))
        return BackfillResult(backfill_id=backfill_id or f"floe-{secrets.token_hex(6)}", job=plan.job,
                              partitions=tuple(r.partition for r in records if r.partition), runs=tuple(records))

    def _completed_backfill(self, backfill_id: str) -> dict[str, Any] | None:
        backfill: dict[str, Any] = self.api.call("GET", f"/backfills/{backfill_id}")
        return backfill if backfill["completed_at"] else None

    # -- history --------------------------------------------------------------------------------------------

    def history(self, run_filter: RunFilter) -> list[RunRecord]:
        records: list[RunRecord] = []
        for artifacts_file in deployed_artifacts_files(self.dags_folder):
            artifacts = loading.load(artifacts_file)
            naming = DagNaming.of(artifacts)
            for job in artifacts.orchestration.jobs:
                if run_filter.job not in (None, job.name):
                    continue
                dag_id = naming.dag_id(job.name)
                # Read more than `limit`: filters on partition or status apply after the records are built.
                pages = self.api.pages(f"/dags/{dag_id}/dagRuns", "dag_runs", {"order_by": "-start_date"})
                try:
                    raw_runs = list(islice(pages, max(run_filter.limit * 4, 200)))
                except ApiError as exc:
                    if exc.status == 404:  # not parsed yet: no runs
                        continue
                    raise
                backfills = list(self.api.pages("/backfills", "backfills", {"dag_id": dag_id}))
                for raw in raw_runs:
                    record = self.record(artifacts, _dag_run(raw, _backfill_of(raw, backfills)))
                    if run_filter.matches(record):
                        records.append(record)
        records.sort(key=lambda r: (r.started_at is not None, r.started_at), reverse=True)
        return records[: run_filter.limit]

    # -- records ------------------------------------------------------------------------------------------

    def record(self, artifacts: CompiledArtifacts, run: _DagRun, only_tasks: set[str] | None = None) -> RunRecord:
        base = f"/dags/{run.dag_id}/dagRuns/{run.run_id}/taskInstances"
        tis = [_TaskInstance(t["task_id"], t["map_index"], t["state"], t["try_number"])
               for t in self.api.pages(base, "task_instances")]
        left_out = {t.task_id for t in tis if only_tasks is not None and t.task_id not in only_tasks}
        summaries: dict[tuple[str, int], Any] = {}
        for entry in self.api.pages(f"{base}/~/xcomEntries", "xcom_entries"):
            if entry["key"] in SUMMARY_XCOM_KEYS:
                found = self.api.call("GET", f"{base}/{entry['task_id']}/xcomEntries/{entry['key']}",
                                      query={"map_index": entry["map_index"]})
                if is_summary(found["value"]):
                    summaries[(entry["task_id"], entry["map_index"])] = found["value"]
        return record_from(artifacts, DagNaming.of(artifacts), run, tis, summaries, left_out)


def _dag_run(raw: dict[str, Any], backfill_id: str | None = None) -> _DagRun:
    return _DagRun(dag_id=raw["dag_id"], run_id=raw["dag_run_id"], state=raw["state"], conf=raw.get("conf") or {},
                   start_date=_time(raw.get("start_date")), end_date=_time(raw.get("end_date")),
                   backfill_id=backfill_id)


def _backfill_of(raw: dict[str, Any], backfills: list[dict[str, Any]]) -> str | None:
    """The backfill a run ran under: one whose range holds the run's logical date and that was open when the
    run started (the REST API's DagRun does not carry its backfill's id)."""
    logical, started = _time(raw.get("logical_date")), _time(raw.get("start_date"))
    if logical is None or started is None:
        return None
    for backfill in sorted(backfills, key=lambda b: b["created_at"], reverse=True):
        opened, closed = _time(backfill["created_at"]), _time(backfill.get("completed_at"))
        in_range = _time(backfill["from_date"]) <= logical <= _time(backfill["to_date"])  # type: ignore[operator]
        if in_range and opened <= started and (closed is None or started <= closed):  # type: ignore[operator]
            return str(backfill["id"])
    return None


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
