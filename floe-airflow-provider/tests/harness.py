"""AirflowHarness: the contract suite's view of Airflow, read back through Airflow's own objects.

Structure comes from a DagBag of the DAGs folder the plugin deployed into (tasks, their upstreams, their
Asset outlets and inlets, the arguments each task runs with); fire times from each DAG's scheduler-side
timetable (`next_dagrun_info`); runs from `dag.test()`; sensor ticks from the sensor DAG's own wait task or,
for Asset-scheduled sensors, from the Asset events Airflow recorded.
"""

from __future__ import annotations

from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

from floe_airflow_provider import _compat, sensors
from floe_airflow_provider.dags import FAILED_TASK_ID, SUCCEEDED_TASK_ID
from floe_airflow_provider.naming import JOB_URI_SCHEME, DagNaming
from floe_airflow_provider.partitions import PARAM_PARTITION, last_closed_window, time_partitions_of
from floe_airflow_provider.plugin import AirflowOrchestratorPlugin
from floe_airflow_provider.runs import DagsFolder
from floe_contract_tests.harness import CheckView, ProviderHarness, RunRequestView, SensorTick
from floe_core import CompiledArtifacts
from floe_core.artifacts import AssetSensor, CustomSensor, FileSensor, RunStatusSensor, SqlSensor
from floe_core.partitioning import partition_keys as floe_partition_keys

_END_TASKS = {SUCCEEDED_TASK_ID, FAILED_TASK_ID}


class AirflowHarness(ProviderHarness):
    engine = "airflow"

    def setup(self, artifacts: CompiledArtifacts, home: Path) -> None:
        # Airflow's home is per process (set by conftest before Airflow was imported); `home` is unused.
        self._artifacts = artifacts
        self._plugin = AirflowOrchestratorPlugin()
        self.artifacts_file = self._plugin.deploy(artifacts)
        self.folder = DagsFolder(self._plugin.dags_folder())
        self.folder.sync()
        bag = _compat.make_dagbag(self.folder.path)
        assert not bag.import_errors, bag.import_errors
        self.naming = DagNaming(artifacts.identity.product)
        prefix = self.naming.dag_id("")
        self.dags = {dag_id: dag for dag_id, dag in bag.dags.items() if dag_id.startswith(prefix)}

    def plugin(self) -> AirflowOrchestratorPlugin:
        return self._plugin

    @property
    def artifacts(self) -> CompiledArtifacts:
        return self._artifacts

    # -- structure -------------------------------------------------------------------------------------------

    def _key(self, asset: Any) -> str | None:
        return self.naming.key_of_asset_uri(getattr(asset, "uri", ""))

    def _job_dags(self) -> dict[str, Any]:
        return {job.name: self.dags[self.naming.dag_id(job.name)] for job in self._artifacts.orchestration.jobs}

    def _task_keys(self, task: Any) -> set[str]:
        return {k for k in (self._key(o) for o in task.outlets) if k is not None}

    def asset_keys(self) -> set[str]:
        keys: set[str] = set()
        for dag in self.dags.values():
            for task in dag.tasks:
                keys |= {k for k in (self._key(a) for a in [*task.outlets, *task.inlets]) if k}
            keys |= {k for k in (self._key(a) for a in _schedule_assets(dag)) if k}
        return keys

    def edges(self) -> set[tuple[str, str]]:
        found: set[tuple[str, str]] = set()
        for dag in self._job_dags().values():
            for task in dag.tasks:
                for key in self._task_keys(task):
                    for upstream_id in task.upstream_task_ids:
                        found |= {(u, key) for u in self._task_keys(dag.task_dict[upstream_id])}
                    found |= {(k, key) for k in (self._key(a) for a in task.inlets) if k}
        return found

    def checks(self) -> dict[str, CheckView]:
        found: dict[str, CheckView] = {}
        for dag in self._job_dags().values():
            for task in dag.tasks:
                for name, spec in (_op_kwargs(task).get("checks") or {}).items():
                    found[name] = CheckView(asset=spec["asset"], blocking=spec["severity"] == "error")
        return found

    def job_assets(self) -> dict[str, set[str]]:
        return {job: {k for task in dag.tasks for k in self._task_keys(task)} for job, dag in self._job_dags().items()}

    # -- schedules -----------------------------------------------------------------------------------------

    def _schedule(self, name: str) -> Any:
        return next(s for s in self._artifacts.orchestration.schedules if s.name == name)

    def _timetable_of(self, name: str) -> Any:
        own = self.dags.get(self.naming.schedule_dag_id(name))
        return _compat.core_timetable(own or self.dags[self.naming.dag_id(self._schedule(name).job)])

    def schedule_fire_times(self, schedule: str, after: datetime, count: int) -> list[datetime]:
        return list(islice(_compat.iter_fire_times(self._timetable_of(schedule), after), count))

    def schedule_after_jobs(self, schedule: str) -> set[str]:
        dag = self.dags[self.naming.dag_id(self._schedule(schedule).job)]
        prefix = f"{JOB_URI_SCHEME}://{self._artifacts.identity.product}/"
        return {a.uri[len(prefix) :].split("/")[0] for a in _schedule_assets(dag) if a.uri.startswith(prefix)}

    # -- partitions -------------------------------------------------------------------------------------------

    def partition_keys(self, asset: str) -> list[str]:
        """Keys as the asset's DAG takes them: its `partition` param's choices for static keys, and one key
        per data interval of its timetable for time windows."""
        for job, dag in self._job_dags().items():
            tasks = [t for t in dag.tasks if asset in self._task_keys(t)]
            if not tasks:
                continue
            if not _is_partitioned_task(tasks[0], dag):
                return []
            param = dag.params.get_param(PARAM_PARTITION)
            parts = self._artifacts.partitions_by_name[self._artifacts.jobs_by_name[job].partitions or ""]
            time_parts = time_partitions_of(parts)
            static_keys = [k for k in (param.schema.get("enum") or []) if k is not None]
            if time_parts is None:
                return static_keys
            windows = self._window_keys(dag, time_parts)
            if parts.kind == "multi":
                static = next(d for d in parts.dimensions if d.partitions.kind == "static").partitions.keys
                time_first = parts.dimensions[0].partitions.kind == "time_window"
                return [f"{w}|{s}" if time_first else f"{s}|{w}" for w in windows for s in static]
            return windows
        parts = self._artifacts.asset_partitions(asset)
        return [] if parts is None else floe_partition_keys(parts)

    def _window_keys(self, dag: Any, parts: Any) -> list[str]:
        from airflow.sdk import DAG
        from floe_airflow_provider.partitions import window_start
        from floe_core.partitioning import CADENCE_CRON

        # The partition set's own cadence timetable, from its first window to its end: Airflow's intervals.
        probe = DAG(
            dag_id="probe",
            schedule=_compat.CronDataIntervalTimetable(CADENCE_CRON[parts.cadence], parts.timezone),
            start_date=window_start(parts),
        )
        timetable = _compat.core_timetable(probe)
        end = parts.end.replace(tzinfo=window_start(parts).tzinfo) if parts.end else None
        keys = []
        for info in _compat.iter_dagrun_infos(timetable, window_start(parts)):
            if end is not None and info.data_interval.end > end:
                break
            keys.append(last_closed_window(parts, info.data_interval.end))
            if end is None and len(keys) > 5000:
                break
        return keys

    # -- sensors -------------------------------------------------------------------------------------------

    def _sensor(self, name: str) -> Any:
        return next(s for s in self._artifacts.orchestration.sensors if s.name == name)

    def sensor_jobs(self) -> dict[str, str]:
        found = {}
        for sensor in self._artifacts.orchestration.sensors:
            dag = self.dags[self.naming.sensor_dag_id(sensor.name)]
            trigger = dag.task_dict[sensors.TRIGGER_TASK_ID]
            target = _op_attr(trigger, "trigger_dag_id")
            found[sensor.name] = target[len(self.naming.dag_id("")) :]
        return found

    def tick_sensor(self, sensor: str, cursor: str | None = None) -> SensorTick:
        spec = self._sensor(sensor)
        dag = self.dags[self.naming.sensor_dag_id(sensor)]
        request = RunRequestView(job=spec.job)
        if isinstance(spec, FileSensor):
            confs, new_cursor = sensors.file_tick(str(self.artifacts_file), sensor, cursor)
            return SensorTick(tuple(RunRequestView(spec.job, tags=c) for c in confs), new_cursor)
        if isinstance(spec, (SqlSensor, CustomSensor)):
            wait = dag.task_dict[sensors.WAIT_TASK_ID]
            return SensorTick((request,) if _poke(wait) else ())
        assert isinstance(spec, (AssetSensor, RunStatusSensor))
        newest = _newest_event_id([a.uri for a in _schedule_assets(dag)])
        fired = cursor is not None and newest > int(cursor)
        return SensorTick((request,) if fired else (), str(newest))


def _poke(wait: Any) -> bool:
    """One poke of a sensor task, the way the task would run it."""
    callable_ = getattr(wait, "python_callable", None)
    if callable_ is None:
        return bool(wait.poke({}))
    result = callable_(**_op_kwargs(wait))
    return bool(getattr(result, "is_done", result))


def _newest_event_id(uris: list[str]) -> int:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import func, select

    with create_session() as session:
        newest = session.scalar(
            select(func.max(AssetEvent.id))
            .join(AssetModel, AssetModel.id == AssetEvent.asset_id)
            .where(AssetModel.uri.in_(uris))
        )
    return int(newest or 0)


def _schedule_assets(dag: Any) -> list[Any]:
    return _compat.schedule_assets(dag)


def _op_kwargs(task: Any) -> dict[str, Any]:
    if hasattr(task, "partial_kwargs"):  # a mapped task
        return dict(task.partial_kwargs.get("op_kwargs") or {})
    return dict(getattr(task, "op_kwargs", None) or {})


def _op_attr(task: Any, name: str) -> Any:
    if hasattr(task, "partial_kwargs"):
        return task.partial_kwargs[name]
    return getattr(task, name)


def _is_partitioned_task(task: Any, dag: Any) -> bool:
    return hasattr(task, "partial_kwargs") or PARAM_PARTITION in dag.params
