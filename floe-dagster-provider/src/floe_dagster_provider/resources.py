"""Compute, catalog and storage settings as Dagster `ConfigurableResource`s.

Defaults come from the artifacts; a deployment overrides any field the usual Dagster way (resources passed
to `build_definitions`, or run config). Secrets are never in the artifacts: a setting that needs one names
an environment variable, and the resource reads it through `dg.EnvVar`, so the value is resolved only in the
process that runs the step and never shows in the UI or in run config.
"""

from __future__ import annotations

from typing import Any

import dagster as dg
from floe_core.artifacts import CompiledArtifacts
from floe_core.runtime.warehouse import duckdb_path
from pydantic import Field


class FloeComputeResource(dg.ConfigurableResource):  # type: ignore[type-arg, unused-ignore]
    """Where dbt runs: the DuckDB file, dbt's thread count, and the dbt target of the project's profile."""

    duckdb_path: str
    threads: int = 4
    dbt_target: str | None = None

    def apply(self, artifacts: CompiledArtifacts) -> CompiledArtifacts:
        """The artifacts with this resource's settings, as floe-core's runtime reads them."""
        compute = artifacts.plugins.compute.model_copy(update={"path": self.duckdb_path, "threads": self.threads})
        plugins = artifacts.plugins.model_copy(update={"compute": compute})
        profiles = artifacts.dbt_profiles.model_copy(update={"target": self.dbt_target})
        return artifacts.model_copy(update={"plugins": plugins, "dbt_profiles": profiles})


class FloeStorageResource(dg.ConfigurableResource):  # type: ignore[type-arg, unused-ignore]
    """Object storage under the Iceberg warehouse; the keys come from environment variables."""

    kind: str = "local"
    endpoint: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None

    def catalog_properties(self) -> dict[str, str]:
        if self.kind != "s3":
            return {}
        props = {
            "s3.endpoint": self.endpoint,
            "s3.region": self.region,
            "s3.access-key-id": self.access_key_id,
            "s3.secret-access-key": self.secret_access_key,
        }
        return {k: v for k, v in props.items() if v}


class FloeCatalogResource(dg.ConfigurableResource):  # type: ignore[type-arg, unused-ignore]
    """The Iceberg catalog: a SQLite SQL catalog with a local warehouse by default, or a REST catalog."""

    kind: str = "sql"
    name: str = "floe"
    uri: str | None = None
    warehouse: str = "target/iceberg"
    token: str | None = None
    properties: dict[str, str] = Field(default_factory=dict)

    def apply(self, artifacts: CompiledArtifacts, storage: FloeStorageResource | None = None) -> CompiledArtifacts:
        """The artifacts with this catalog (and storage) in effect.

        Resolved secrets go into the in-memory catalog properties only; the `*_env` names are cleared so
        floe-core does not look the variables up a second time.
        """
        props = dict(self.properties)
        if self.token:
            props["token"] = self.token
        plugins_update: dict[str, Any] = {}
        if storage is not None:
            props.update(storage.catalog_properties())
            plugins_update["storage"] = artifacts.plugins.storage.model_copy(
                update={
                    "kind": storage.kind,
                    "endpoint": storage.endpoint,
                    "region": storage.region,
                    "access_key_id_env": None,
                    "secret_access_key_env": None,
                }
            )
        plugins_update["catalog"] = artifacts.plugins.catalog.model_copy(
            update={
                "kind": self.kind,
                "name": self.name,
                "uri": self.uri,
                "warehouse": self.warehouse,
                "token_env": None,
                "properties": props,
            }
        )
        plugins = artifacts.plugins.model_copy(update=plugins_update)
        return artifacts.model_copy(update={"plugins": plugins})


def compute_resource(artifacts: CompiledArtifacts) -> FloeComputeResource:
    return FloeComputeResource(
        duckdb_path=str(duckdb_path(artifacts)),
        threads=artifacts.plugins.compute.threads,
        dbt_target=artifacts.dbt_profiles.target,
    )


def storage_resource(artifacts: CompiledArtifacts) -> FloeStorageResource:
    settings = artifacts.plugins.storage
    return FloeStorageResource(
        kind=settings.kind,
        endpoint=settings.endpoint,
        region=settings.region,
        access_key_id=_env(settings.access_key_id_env),
        secret_access_key=_env(settings.secret_access_key_env),
    )


def catalog_resource(artifacts: CompiledArtifacts) -> FloeCatalogResource:
    settings = artifacts.plugins.catalog
    return FloeCatalogResource(
        kind=settings.kind,
        name=settings.name,
        uri=settings.uri,
        # A relative local warehouse is relative to the dbt project; make it absolute so steps started in
        # any working directory write to the same place.
        warehouse=settings.warehouse
        if "://" in settings.warehouse or settings.kind == "rest"
        else str(artifacts.in_project(settings.warehouse)),
        token=_env(settings.token_env),
        properties=dict(settings.properties),
    )


def _env(name: str | None) -> Any:
    return None if name is None else dg.EnvVar(name)
