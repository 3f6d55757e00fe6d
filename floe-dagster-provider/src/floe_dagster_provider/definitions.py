"""`build_definitions`: compiled artifacts in, one Dagster `Definitions` out.

The whole code location is two lines:

    from floe_dagster_provider import build_definitions
    defs = build_definitions("path/to/compiled_artifacts.json")

Loading reads one JSON file and builds plain specs: no dbt import, no manifest, no database access.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
from floe_core.artifacts import CompiledArtifacts, load_artifacts
from floe_core.artifacts.io import beside_caller
from floe_core.errors import InputError, Problem

from floe_dagster_provider import artifacts_registry
from floe_dagster_provider.assets import build_assets, build_source_checks
from floe_dagster_provider.dbt_translator_adapter import DagsterDbtTranslatorAdapter
from floe_dagster_provider.io_manager import IO_MANAGER_KEY, IcebergIOManager
from floe_dagster_provider.jobs import build_jobs
from floe_dagster_provider.keys import AssetKeys
from floe_dagster_provider.partitions import PartitionsDefs
from floe_dagster_provider.resources import catalog_resource, compute_resource, storage_resource
from floe_dagster_provider.schedules import build_schedules
from floe_dagster_provider.sensors import build_sensors
from floe_dagster_provider.translator import DagsterTranslator

COMPUTE_KEY = "floe_compute"
CATALOG_KEY = "floe_catalog"
STORAGE_KEY = "floe_storage"


@dataclass
class DagsterObjects:
    """Every native object built from one artifacts file, before they are bundled into Definitions."""

    assets: list[Any]
    asset_checks: list[dg.AssetChecksDefinition]
    jobs: dict[str, Any]
    schedules: list[dg.ScheduleDefinition]
    schedule_sensors: list[dg.SensorDefinition]
    sensors: list[dg.SensorDefinition]
    resources: dict[str, Any]
    keys: AssetKeys
    # The executor a run worker uses unless `build_definitions(executor=...)` names another.
    executor: Any


def build_objects(
    artifacts: CompiledArtifacts,
    *,
    translator: DagsterTranslator | None = None,
    artifacts_ref: str | None = None,
) -> DagsterObjects:
    translator = (translator or DagsterTranslator()).for_artifacts(artifacts)
    # First, so a translator that gives two assets one key fails naming both, not on Dagster's duplicate.
    keys = AssetKeys.build(artifacts, translator.get_asset_key)
    partitions = PartitionsDefs(artifacts)
    jobs = build_jobs(artifacts, translator)
    schedules, schedule_sensors = build_schedules(artifacts, jobs, partitions)
    return DagsterObjects(
        assets=build_assets(artifacts, translator, partitions),
        asset_checks=build_source_checks(artifacts, translator),
        jobs=jobs,
        schedules=schedules,
        schedule_sensors=schedule_sensors,
        sensors=build_sensors(artifacts, jobs, translator),
        resources=default_resources(artifacts, artifacts_ref or artifacts_registry.register(artifacts)),
        keys=keys,
        # On DuckDB one process per run: the steps never contend for its single-writer lock, and dbt is imported
        # and the project parsed once per run rather than once per step. On a server warehouse the steps run in
        # processes of their own, so independent ones run at the same time.
        executor=dg.in_process_executor if artifacts.plugins.compute.kind == "duckdb" else dg.multiprocess_executor,
    )


def default_resources(artifacts: CompiledArtifacts, artifacts_ref: str) -> dict[str, Any]:
    catalog = catalog_resource(artifacts)
    storage = storage_resource(artifacts)
    return {
        COMPUTE_KEY: compute_resource(artifacts),
        CATALOG_KEY: catalog,
        STORAGE_KEY: storage,
        IO_MANAGER_KEY: IcebergIOManager(artifacts_ref=artifacts_ref, catalog=catalog, storage=storage),
    }


def definitions_from_artifacts(
    artifacts: CompiledArtifacts,
    *,
    translator: DagsterTranslator | None = None,
    resources: Mapping[str, Any] | None = None,
    executor: Any = None,
    artifacts_ref: str | None = None,
) -> dg.Definitions:
    from floe_dagster_provider.plugin import DagsterOrchestratorPlugin

    DagsterOrchestratorPlugin().check_supported(artifacts)
    objects = build_objects(artifacts, translator=translator, artifacts_ref=artifacts_ref)
    return definitions_of(objects, resources=resources, executor=executor)


def definitions_of(
    objects: DagsterObjects, *, resources: Mapping[str, Any] | None = None, executor: Any = None
) -> dg.Definitions:
    """Built objects bundled as Definitions, `resources` replacing any default resource."""
    return dg.Definitions(
        assets=objects.assets,
        asset_checks=objects.asset_checks,
        jobs=list(objects.jobs.values()),
        schedules=objects.schedules,
        sensors=[*objects.schedule_sensors, *objects.sensors],
        resources={**objects.resources, **(resources or {})},
        executor=executor or objects.executor,
    )


def build_definitions(
    path: str | Path,
    *,
    translator: DagsterTranslator | None = None,
    dagster_dbt_translator: Any = None,
    resources: Mapping[str, Any] | None = None,
    executor: Any = None,
) -> dg.Definitions:
    """A `Definitions` with every asset, check, job, schedule and sensor of the compiled artifacts at `path`.

    A relative `path` is read against the folder of the file that calls this, wherever the process runs.

    `translator` customises asset keys, groups, owners, tags, metadata and descriptions; `resources`
    replaces any of the default resources (`floe_compute`, `floe_catalog`, `floe_storage`,
    `floe_iceberg_io_manager`). `dagster_dbt_translator`, a `dagster_dbt.DagsterDbtTranslator`, gives the
    dbt nodes its keys, groups, owners, tags, descriptions and metadata instead (see
    `DagsterDbtTranslatorAdapter`); pass one or the other. An invalid or incompatible artifacts file
    raises `ArtifactsError` naming the file, the field and the fix; features this Dagster version cannot
    run raise `CompatibilityError`.
    """
    if dagster_dbt_translator is not None:
        if translator is not None:
            raise InputError(
                Problem(
                    "build_definitions was given both a translator and a dagster_dbt_translator",
                    field="build_definitions(translator=..., dagster_dbt_translator=...)",
                    expected="at most one of the two",
                    fix="pass only one; subclass DagsterDbtTranslatorAdapter to change the hooks of other assets",
                )
            )
        translator = DagsterDbtTranslatorAdapter(dagster_dbt_translator)
    path = beside_caller(path)
    artifacts = load_artifacts(path)
    ref = artifacts_registry.register(artifacts, path)
    return definitions_from_artifacts(
        artifacts, translator=translator, resources=resources, executor=executor, artifacts_ref=ref
    )
