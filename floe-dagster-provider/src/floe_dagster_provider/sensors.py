"""floe sensors as Dagster sensors, each evaluating its condition through floe-core's runtime.

- file: one run per new file in the folder; the cursor is floe-core's `new_files` cursor;
- asset: `@asset_sensor` for one asset, `@multi_asset_sensor` for several (fires on any new
  materialization);
- run status: `@run_status_sensor` on the watched job, requesting the target job;
- SQL: fires on every tick while the query is true (like a SQL sensor task); make the query turn false
  once the run has done its work (e.g. compare against what the run writes) so it fires once per need;
- custom: fires whenever the callable returns something truthy (a dict becomes run tags).
"""

from typing import Any

import dagster as dg
from floe_core.artifacts import (
    AssetSensor,
    CompiledArtifacts,
    CustomSensor,
    FileSensor,
    RunStatusSensor,
    Sensor,
    SqlSensor,
)
from floe_core.runtime import custom_condition, new_files, sql_condition

from floe_dagster_provider import _compat
from floe_dagster_provider.resources import FloeComputeResource
from floe_dagster_provider.translator import DagsterTranslator

FILE_TAG = "floe/file"
WATCHED_RUN_TAG = "floe/watched_run"
SENSOR_TAG = "floe/sensor"


def build_sensors(
    artifacts: CompiledArtifacts, jobs: dict[str, Any], translator: DagsterTranslator
) -> list[dg.SensorDefinition]:
    return [sensor_definition(s, artifacts, jobs, translator) for s in artifacts.orchestration.sensors]


def default_sensor_status(enabled: bool) -> dg.DefaultSensorStatus:
    return dg.DefaultSensorStatus.RUNNING if enabled else dg.DefaultSensorStatus.STOPPED


def sensor_definition(
    spec: Sensor, artifacts: CompiledArtifacts, jobs: dict[str, Any], translator: DagsterTranslator
) -> dg.SensorDefinition:
    common: dict[str, Any] = {
        "name": spec.name,
        "minimum_interval_seconds": spec.interval_seconds,
        "default_status": default_sensor_status(spec.enabled),
        "description": spec.description or None,
    }
    if isinstance(spec, FileSensor):
        return file_sensor(spec, artifacts, jobs[spec.job], common)
    if isinstance(spec, AssetSensor):
        return asset_sensor(spec, jobs[spec.job], translator, common)
    if isinstance(spec, RunStatusSensor):
        return run_status_sensor(spec, jobs, common)
    if isinstance(spec, SqlSensor):
        return sql_sensor(spec, artifacts, jobs[spec.job], common)
    return custom_sensor(spec, artifacts, jobs[spec.job], common)


def file_sensor(
    spec: FileSensor, artifacts: CompiledArtifacts, job: Any, common: dict[str, Any]
) -> dg.SensorDefinition:
    @dg.sensor(job=job, **common)
    def _file_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        files, cursor = new_files(spec, artifacts.project_dir, context.cursor)
        if not files:
            return dg.SensorResult(skip_reason=f"no new file matching {spec.pattern!r} in {spec.path}", cursor=cursor)
        return dg.SensorResult(
            run_requests=[dg.RunRequest(run_key=f"{path}@{cursor}", tags={FILE_TAG: path}) for path in files],
            cursor=cursor,
        )

    return _file_sensor


def asset_sensor(
    spec: AssetSensor, job: Any, translator: DagsterTranslator, common: dict[str, Any]
) -> dg.SensorDefinition:
    keys = [translator.get_asset_key(k) for k in spec.assets]
    if len(keys) == 1:

        @dg.asset_sensor(asset_key=keys[0], job=job, **common)
        def _asset_sensor(context: dg.SensorEvaluationContext, asset_event: Any) -> dg.RunRequest:
            return dg.RunRequest(run_key=str(context.cursor), tags={SENSOR_TAG: spec.name})

        return _asset_sensor

    @dg.multi_asset_sensor(monitored_assets=keys, job=job, **common)
    def _assets_sensor(context: dg.MultiAssetSensorEvaluationContext) -> Any:
        latest = {k: r for k, r in context.latest_materialization_records_by_key().items() if r is not None}
        if not latest:
            return dg.SkipReason(f"no new materialization of {', '.join(spec.assets)}")
        context.advance_all_cursors()  # type: ignore[no-untyped-call, unused-ignore]
        run_key = ",".join(sorted(str(r.storage_id) for r in latest.values()))
        return dg.RunRequest(run_key=run_key, tags={SENSOR_TAG: spec.name})

    return _assets_sensor


def run_status_sensor(spec: RunStatusSensor, jobs: dict[str, Any], common: dict[str, Any]) -> dg.SensorDefinition:
    @dg.run_status_sensor(
        run_status=_compat.run_status("SUCCESS" if spec.status == "success" else "FAILURE"),
        monitored_jobs=[jobs[spec.watched_job]],
        request_job=jobs[spec.job],
        **common,
    )
    def _run_status_sensor(context: dg.RunStatusSensorContext) -> dg.RunRequest:
        run_id = context.dagster_run.run_id
        return dg.RunRequest(run_key=run_id, tags={WATCHED_RUN_TAG: run_id, SENSOR_TAG: spec.name})

    return _run_status_sensor


def sql_sensor(
    spec: SqlSensor, artifacts: CompiledArtifacts, job: Any, common: dict[str, Any]
) -> dg.SensorDefinition:
    @dg.sensor(job=job, **common)
    def _sql_sensor(context: dg.SensorEvaluationContext, floe_compute: FloeComputeResource) -> Any:
        if sql_condition(floe_compute.apply(artifacts), spec):
            return dg.RunRequest(tags={SENSOR_TAG: spec.name})
        return dg.SkipReason("the condition is false")

    return _sql_sensor


def custom_sensor(
    spec: CustomSensor, artifacts: CompiledArtifacts, job: Any, common: dict[str, Any]
) -> dg.SensorDefinition:
    @dg.sensor(job=job, **common)
    def _custom_sensor(context: dg.SensorEvaluationContext) -> Any:
        answer = custom_condition(spec, artifacts)
        if isinstance(answer, dict):
            return dg.RunRequest(tags={**answer, SENSOR_TAG: spec.name})
        if answer:
            return dg.RunRequest(tags={SENSOR_TAG: spec.name})
        return dg.SkipReason(f"{spec.callable} returned a falsy value")

    return _custom_sensor
