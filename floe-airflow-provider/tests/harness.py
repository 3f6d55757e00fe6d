"""AirflowHarness: the contract suite's view of Airflow, read back from what Airflow stores and records.

Structure comes from the serialized DAGs in the metadata DB, as the scheduler and the UI load them (tasks,
their upstreams, their Asset outlets and inlets, the arguments each task runs with, each DAG's timetable,
start date and params); fire times and partition windows from each DAG's scheduler-side timetable; partition
mappings (3.2+) from the partition mapper each stored mapping DAG's timetable holds, as the scheduler calls it;
runs from `dag.test()`; file sensor ticks from the sensor DAG run through Airflow (its task keeps its cursor in
XCom) and the DagRuns its trigger task created; SQL and custom sensor ticks from one poke of the sensor task
as the DAG file defines it; Asset-scheduled sensors and "after jobs" schedules from the scheduler's own
readiness query over the Asset events Airflow queued.
"""

from __future__ import annotations

from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

from floe_airflow_provider import _compat, partitions, sensors
from floe_airflow_provider.naming import DagNaming
from floe_airflow_provider.partitions import PARAM_PARTITION
from floe_airflow_provider.plugin import AirflowOrchestratorPlugin
from floe_airflow_provider.runs import DagsFolder
from floe_contract_tests.harness import CheckView, ProviderHarness, RunRequestView, SensorTick
from floe_core import CompiledArtifacts
from floe_core.artifacts import AssetSensor, CustomSensor, FileSensor, RunStatusSensor, SqlSensor

# More windows than any contract partition set has: a DAG that never refuses one fails the clause.
_MOST_WINDOWS = 10_000


class AirflowHarness(ProviderHarness):
    engine = "airflow"

    def setup(self, artifacts: CompiledArtifacts, home: Path) -> None:
        from airflow.models.serialized_dag import SerializedDagModel

        # Airflow's home is per process (set by conftest before Airflow was imported); `home` is unused.
        self._artifacts = artifacts
        self._plugin = AirflowOrchestratorPlugin()
        self.artifacts_file = self._plugin.deploy(artifacts)
        self.folder = DagsFolder(self._plugin.dags_folder())
        self.folder.sync()
        self.naming = DagNaming.of(artifacts)
        prefix = self.naming.dag_id("")
        self.dags = {i: dag for i, dag in SerializedDagModel.read_all_dags().items() if i.startswith(prefix)}
        # Tasks run from the DAG file, as a worker loads it (a stored DAG holds no Python callables).
        self.loaded = _compat.make_dagbag(self.folder.path).dags

    def plugin(self) -> AirflowOrchestratorPlugin:
        return self._plugin

    @property
    def artifacts(self) -> CompiledArtifacts:
        return self._artifacts

    # -- structure -------------------------------------------------------------------------------------------

    def _key(self, asset: Any) -> str | None:
        return self.naming.key_of_asset_uri(_uri(asset))

    def _job_dags(self) -> dict[str, Any]:
        prefix = self.naming.dag_id("")
        helpers = (self.naming.sensor_dag_id(""), self.naming.schedule_dag_id(""), self.naming.mapping_dag_id(""))
        return {i[len(prefix) :]: dag for i, dag in self.dags.items() if not i.startswith(helpers)}

    def _task_keys(self, task: Any) -> set[str]:
        return {k for k in (self._key(o) for o in _task_attr(task, "outlets")) if k is not None}

    def asset_keys(self) -> set[str]:
        keys: set[str] = set()
        for dag in self.dags.values():
            for task in dag.tasks:
                assets = [*_task_attr(task, "outlets"), *_task_attr(task, "inlets")]
                keys |= {k for k in (self._key(a) for a in assets) if k}
            keys |= {k for k in (self._key(a) for a in _schedule_assets(dag)) if k}
        return keys

    def edges(self) -> set[tuple[str, str]]:
        found: set[tuple[str, str]] = set()
        for dag in self._job_dags().values():
            # An asset this DAG builds is an edge only through the task order Airflow runs; an inlet stands for
            # the edge only when the asset it names is built elsewhere (a source, another job).
            built_here = {k for task in dag.tasks for k in self._task_keys(task)}
            for task in dag.tasks:
                for key in self._task_keys(task):
                    for upstream_id in task.upstream_task_ids:
                        found |= {(u, key) for u in self._task_keys(dag.task_dict[upstream_id])}
                    inlets = (self._key(a) for a in _task_attr(task, "inlets"))
                    found |= {(k, key) for k in inlets if k and k not in built_here}
        return found

    def checks(self) -> dict[str, CheckView]:
        """The dbt tests each stored task runs: a model's own tests belong to the asset its task produces;
        a test reading several models runs in a task of its own, which names the asset it reports on."""
        found: dict[str, CheckView] = {}
        for dag in self._job_dags().values():
            for task in dag.tasks:
                produced = self._task_keys(task)
                for name, spec in (_op_kwargs(task).get("checks") or {}).items():
                    asset = next(iter(produced)) if len(produced) == 1 else spec["asset"]
                    found[name] = CheckView(asset=asset, blocking=spec["severity"] == "error")
        return found

    def job_assets(self) -> dict[str, set[str]]:
        return {job: {k for task in dag.tasks for k in self._task_keys(task)} for job, dag in self._job_dags().items()}

    # -- schedules -----------------------------------------------------------------------------------------

    def _schedule(self, name: str) -> Any:
        return next(s for s in self._artifacts.orchestration.schedules if s.name == name)

    def schedule_fire_times(self, schedule: str, after: datetime, count: int) -> list[datetime]:
        own = self.dags.get(self.naming.schedule_dag_id(schedule))
        dag = own or self.dags[self.naming.dag_id(self._schedule(schedule).job)]
        return list(islice(_compat.iter_fire_times(dag.timetable, after), count))

    def scheduled_runs(self, schedule: str, after: datetime, until: datetime) -> list[tuple[datetime, list[str]]]:
        """The DagRuns the scheduler makes from the stored DAG's timetable, catching up from its start date as
        for a new DAG, each with the partitions a run of that data interval resolves."""
        job = self._schedule(schedule).job
        dag = self.dags.get(self.naming.schedule_dag_id(schedule)) or self.dags[self.naming.dag_id(job)]
        runs: list[tuple[datetime, list[str]]] = []
        for info in _compat.iter_dagrun_infos(dag.timetable, dag.start_date or after):
            if info.run_after > until:
                break
            if info.run_after > after:
                context = {"data_interval_end": info.data_interval.end, "params": {}}
                resolved = partitions.resolve(self._artifacts, self._artifacts.jobs_by_name[job], context)
                runs.append((info.run_after, [p.key for p in resolved]))
        return runs

    def tick_schedule(self, schedule: str, cursor: str | None = None) -> SensorTick:
        from asset_triggers import tick_asset_scheduled

        # Airflow keeps what a tick consumed in its Asset queue; the cursor passed in has no say.
        job = self._schedule(schedule).job
        fired = tick_asset_scheduled(self.naming.dag_id(job))
        return SensorTick((RunRequestView(job=job),) if fired else ())

    # -- partitions -------------------------------------------------------------------------------------------

    def partition_keys(self, asset: str) -> list[str]:
        """Keys as the DAGs that run the asset take them; every such DAG must agree."""
        per_job = {job: self._dag_partition_keys(job, dag) for job, dag in sorted(self._job_dags().items())
                   if any(asset in self._task_keys(t) for t in dag.tasks)}
        answers = {tuple(keys) for keys in per_job.values()}
        assert len(answers) <= 1, f"the DAGs running {asset!r} disagree on its partitions: {per_job}"
        return list(answers.pop()) if answers else []

    def _dag_partition_keys(self, job: str, dag: Any) -> list[str]:
        """A static DAG's keys are its `partition` param's choices. A time-partitioned DAG has one key per data
        interval its timetable makes from its start date, as a run of that interval resolves it; the timetable
        ends with the partition set (a run it made past the end would refuse its window, and fail C7)."""
        if PARAM_PARTITION not in dag.params:
            return []
        choices = [k for k in (dag.params.get_param(PARAM_PARTITION).schema.get("enum") or []) if k is not None]
        if choices:
            return choices
        keys: list[str] = []
        for info in islice(_compat.iter_dagrun_infos(dag.timetable, dag.start_date), _MOST_WINDOWS):
            context = {"data_interval_end": info.data_interval.end, "params": {}}
            keys += [p.key for p in partitions.resolve(self._artifacts, self._artifacts.jobs_by_name[job], context)]
        return keys

    def upstream_partition_keys(self, asset: str, partition: str, upstream: str) -> list[str]:
        """The upstream partitions whose Asset events Airflow routes to `partition`'s run: the mapper the stored
        mapping DAG's timetable holds for the upstream Asset (what the scheduler calls on each event), asked
        for each upstream partition the engine has."""
        if not _compat.HAS_PARTITION_MAPPERS:
            return super().upstream_partition_keys(asset, partition, upstream)
        timetable = self.dags[self.naming.mapping_dag_id(asset)].timetable
        asset = self.naming.asset(upstream)
        mapper = timetable.get_partition_mapper(name=asset.name, uri=asset.uri)
        return [u for u in self.partition_keys(upstream) if partition in _as_keys(mapper.to_downstream(u))]

    # -- sensors -------------------------------------------------------------------------------------------

    def _sensor(self, name: str) -> Any:
        return next(s for s in self._artifacts.orchestration.sensors if s.name == name)

    def sensor_jobs(self) -> dict[str, str]:
        found = {}
        prefix = self.naming.sensor_dag_id("")
        for dag_id, dag in self.dags.items():
            if dag_id.startswith(prefix):
                target = _task_attr(dag.task_dict[sensors.TRIGGER_TASK_ID], "trigger_dag_id")
                found[dag_id[len(prefix) :]] = target[len(self.naming.dag_id("")) :]
        return found

    def tick_sensor(self, sensor: str, cursor: str | None = None) -> SensorTick:
        spec = self._sensor(sensor)
        dag = self.dags[self.naming.sensor_dag_id(sensor)]
        request = RunRequestView(job=spec.job)
        if isinstance(spec, FileSensor):
            from sensor_ticks import tick_file_sensor

            # Airflow keeps the cursor in the sensor task's XCom; the one passed in has no say.
            confs, stored = tick_file_sensor(self.folder, dag.dag_id, self.naming.dag_id(spec.job))
            return SensorTick(tuple(RunRequestView(spec.job, tags=c) for c in confs), stored)
        if isinstance(spec, (SqlSensor, CustomSensor)):
            wait = self.loaded[dag.dag_id].task_dict[sensors.WAIT_TASK_ID]
            return SensorTick((request,) if _poke(wait) else ())
        assert isinstance(spec, (AssetSensor, RunStatusSensor))
        from asset_triggers import tick_asset_scheduled

        return SensorTick((request,) if tick_asset_scheduled(dag.dag_id) else ())


def _poke(wait: Any) -> bool:
    """One poke of a sensor task, the way the task would run it."""
    callable_ = getattr(wait, "python_callable", None)
    if callable_ is None:
        return bool(wait.poke({}))
    result = callable_(**_op_kwargs(wait))
    return bool(getattr(result, "is_done", result))


def _as_keys(mapped: str | Any) -> list[str]:
    # A mapper names one downstream key or several; Airflow's scheduler accepts both.
    return [mapped] if isinstance(mapped, str) else list(mapped)


def _schedule_assets(dag: Any) -> list[Any]:
    condition = getattr(dag.timetable, "asset_condition", None)
    return [] if condition is None else [asset for _, asset in condition.iter_assets()]


def _uri(asset: Any) -> str:
    # A stored mapped task keeps its Assets in their serialized form.
    if isinstance(asset, dict):
        return str(asset.get("__var", {}).get("uri", ""))
    return str(getattr(asset, "uri", ""))


def _op_kwargs(task: Any) -> dict[str, Any]:
    return dict(_task_attr(task, "op_kwargs") or {})


def _task_attr(task: Any, name: str) -> Any:
    """An argument of a task, also of a mapped one (which keeps what it was given in `partial_kwargs`)."""
    partial = getattr(task, "partial_kwargs", None)
    if partial is not None and name in partial:
        return partial[name]
    return getattr(task, name, None) or ([] if name in ("outlets", "inlets") else None)
