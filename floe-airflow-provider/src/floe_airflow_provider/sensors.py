"""floe sensors as small Airflow DAGs that trigger their job's DAG.

Why a DAG per sensor rather than a sensor task at the head of the job's DAG: the job's DAG keeps its own
schedule (a sensor at its head would make every scheduled run wait for the condition), one job can have
several sensors, and a sensor that is `enabled: false` is simply a paused DAG. Each sensor DAG ends in
`TriggerDagRunOperator`, so the triggered runs show up in the job's history like any other run.

- file: `@continuous` DAG; a reschedule-mode sensor task polls floe-core's `new_files` every
  `interval_seconds` (the worker slot is free between pokes), keeps its cursor in its XCom, and the
  trigger task is mapped over the new files: one job run per file, the file in the run's conf.
- asset updated: Asset-aware schedule on the watched assets (any of them), no polling at all.
- run status: Asset-aware schedule on the watched job's "succeeded" (or "failed") Asset.
- SQL: `@continuous` DAG with common-sql's `SqlSensor` in reschedule mode. `connection: compute` (the
  default) runs on the warehouse dbt writes, with no Airflow connection to define: the DuckDB file read-only
  through apache-airflow-providers-duckdb's hook, or the Postgres database through
  apache-airflow-providers-postgres's hook, given a connection floe derives from the dbt target where the
  sensor runs (so its password never enters the DAG). Where that provider is not installed (DuckDB's needs
  Python 3.11+) a PythonSensor calls floe-core's `sql_condition` on the same warehouse. Any other name is an
  Airflow connection id.
- custom: `@continuous` DAG with a reschedule-mode PythonSensor calling floe-core's `custom_condition`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from functools import reduce
from typing import TYPE_CHECKING, Any

from airflow.sdk import DAG, PokeReturnValue, get_current_context, task
from floe_core.artifacts import (
    COMPUTE_CONNECTION,
    AssetSensor,
    CustomSensor,
    FileSensor,
    RunStatusSensor,
    Sensor,
    SqlSensor,
)

from floe_airflow_provider import _compat, loading
from floe_airflow_provider.taskflow import task_operator

if TYPE_CHECKING:
    from airflow.sdk.definitions.asset import BaseAsset
    from airflow.sdk.definitions.xcom_arg import XComArg

    from floe_airflow_provider.dags import DagFactory

WAIT_TASK_ID = "wait"
TRIGGER_TASK_ID = "trigger"
CURSOR_XCOM_KEY = "cursor"
# A polling sensor run that finds nothing for a day ends skipped and the next run starts fresh, so no run
# stays open forever and the grid shows one run per firing or per quiet day.
_POLL_TIMEOUT = timedelta(days=1)


class SensorDagBuilder:
    def __init__(self, factory: DagFactory) -> None:
        self.factory = factory
        self.artifacts = factory.artifacts
        self.naming = factory.naming

    def build(self, sensor: Sensor) -> DAG:
        polling = isinstance(sensor, (FileSensor, SqlSensor, CustomSensor))
        with DAG(
            dag_id=self.naming.sensor_dag_id(sensor.name),
            description=sensor.description or f"floe {sensor.kind} sensor: triggers job {sensor.job}",
            schedule="@continuous" if polling else self.asset_condition(sensor),
            start_date=None,
            catchup=False,
            max_active_runs=1,
            is_paused_upon_creation=not sensor.enabled,
            tags=sorted({"floe", "floe-sensor", self.artifacts.identity.product}),
            default_args={"owner": ", ".join(self.artifacts.metadata.owners) or "floe", "retries": 0},
        ) as dag:
            target = self.naming.dag_id(sensor.job)
            if isinstance(sensor, FileSensor):
                files = self._poke_task(sensor, poke_new_files)
                self._trigger(target).expand(conf=files)
            else:
                if isinstance(sensor, SqlSensor):
                    wait = self._sql_sensor(sensor)
                elif isinstance(sensor, CustomSensor):
                    wait = task_operator(self._poke_task(sensor, poke_custom))
                else:
                    wait = None
                trigger = self._trigger(target, conf={"floe_sensor": sensor.name})
                if wait is not None:
                    trigger.set_upstream(wait)
        return dag

    def asset_condition(self, sensor: Sensor) -> Any:
        """The Asset condition an asset or run-status sensor's DAG is scheduled on."""
        if isinstance(sensor, AssetSensor):
            assets: list[BaseAsset] = [self.factory.asset(k) for k in sorted(set(sensor.assets))]
            return reduce(lambda a, b: a | b, assets)
        assert isinstance(sensor, RunStatusSensor)
        if sensor.status == "failure":
            return self.naming.job_failed_asset(sensor.watched_job)
        return self.naming.job_succeeded_asset(sensor.watched_job)

    def _poke_task(self, sensor: FileSensor | CustomSensor, function: Callable[..., PokeReturnValue]) -> XComArg:
        return task.sensor(
            task_id=WAIT_TASK_ID,
            poke_interval=sensor.interval_seconds,
            mode="reschedule",
            # In seconds, as Airflow's `task.sensor` annotation asks; the sensor turns a timedelta into them too.
            timeout=_POLL_TIMEOUT.total_seconds(),
            soft_fail=True,
        )(function)(artifacts_file=self.factory.artifacts_file, sensor=sensor.name)

    def _sql_sensor(self, sensor: SqlSensor) -> Any:
        from floe_core.runtime.warehouse import duckdb_path

        from floe_airflow_provider.sql_sensor import FloeSqlSensor

        common: dict[str, Any] = {
            "task_id": WAIT_TASK_ID,
            "poke_interval": sensor.interval_seconds,
            "mode": "reschedule",
            "timeout": _POLL_TIMEOUT,
            "soft_fail": True,
        }
        if sensor.connection not in (COMPUTE_CONNECTION, "duckdb"):
            return FloeSqlSensor(conn_id=sensor.connection, sql=sensor.sql, floe_sensor=sensor.name, **common)
        # The warehouse's own connection, through the Airflow provider of its database where it is installed;
        # elsewhere floe-core evaluates the query, and refuses `connection: duckdb` on another warehouse,
        # naming the field (a DuckDB hook would wait for a file that never comes).
        kind = self.artifacts.plugins.compute.kind
        if kind == "duckdb" and _compat.has_sql_provider("duckdb"):
            return FloeSqlSensor(conn_id=sensor.connection, sql=sensor.sql, floe_sensor=sensor.name,
                                 duckdb_path=str(duckdb_path(self.artifacts)), **common)
        if kind == "postgres" and sensor.connection == COMPUTE_CONNECTION and _compat.has_sql_provider("postgres"):
            return FloeSqlSensor(conn_id=sensor.connection, sql=sensor.sql, floe_sensor=sensor.name,
                                 postgres_artifacts=str(self.factory.artifacts_file), **common)
        return self._poke_task_sql(sensor, common)

    def _poke_task_sql(self, sensor: SqlSensor, common: dict[str, Any]) -> Any:
        return task_operator(
            task.sensor(**common)(poke_sql)(artifacts_file=self.factory.artifacts_file, sensor=sensor.name)
        )

    def _trigger(self, target: str, conf: Mapping[str, Any] | None = None) -> Any:
        from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator

        if conf is None:
            return TriggerDagRunOperator.partial(task_id=TRIGGER_TASK_ID, trigger_dag_id=target)
        return TriggerDagRunOperator(task_id=TRIGGER_TASK_ID, trigger_dag_id=target, conf=dict(conf))


# -- what the sensor tasks run ---------------------------------------------------------------------------------


def _sensor(artifacts_file: str, name: str) -> tuple[Any, Sensor]:
    artifacts = loading.load(artifacts_file)
    matches = [s for s in artifacts.orchestration.sensors if s.name == name]
    return artifacts, matches[0]


def file_tick(artifacts_file: str, sensor: str, cursor: str | None) -> tuple[list[dict[str, str]], str]:
    """One evaluation of a file sensor: a trigger conf per new file, and the cursor to keep."""
    from floe_core.runtime import new_files

    artifacts, spec = _sensor(artifacts_file, sensor)
    assert isinstance(spec, FileSensor)
    files, new_cursor = new_files(spec, artifacts.project_dir, cursor)
    return [{"floe_sensor": spec.name, "floe_file": f} for f in files], new_cursor


def poke_new_files(artifacts_file: str, sensor: str) -> PokeReturnValue:
    context = get_current_context()
    ti = context["ti"]
    # One value, the newest: without `map_indexes` the Task SDK returns every earlier run's cursor as a list.
    cursor = ti.xcom_pull(task_ids=WAIT_TASK_ID, key=CURSOR_XCOM_KEY, include_prior_dates=True, map_indexes=-1)
    confs, new_cursor = file_tick(artifacts_file, sensor, cursor)
    if confs:
        ti.xcom_push(key=CURSOR_XCOM_KEY, value=new_cursor)
    return PokeReturnValue(is_done=bool(confs), xcom_value=confs)


def custom_tick(artifacts_file: str, sensor: str) -> dict[str, str] | None:
    """One evaluation of a custom sensor: run tags when it fires, None when it does not."""
    from floe_core.runtime import custom_condition

    artifacts, spec = _sensor(artifacts_file, sensor)
    assert isinstance(spec, CustomSensor)
    result = custom_condition(spec, artifacts)
    if result is False:
        return None
    return result if isinstance(result, dict) else {}


def poke_custom(artifacts_file: str, sensor: str) -> PokeReturnValue:
    tags = custom_tick(artifacts_file, sensor)
    return PokeReturnValue(is_done=tags is not None, xcom_value=tags)


def sql_tick(artifacts_file: str, sensor: str) -> bool:
    from floe_core.runtime import sql_condition

    artifacts, spec = _sensor(artifacts_file, sensor)
    assert isinstance(spec, SqlSensor)
    return sql_condition(artifacts, spec)


def poke_sql(artifacts_file: str, sensor: str) -> bool:
    return sql_tick(artifacts_file, sensor)
