"""Where work runs: the compute target, the Iceberg catalog, storage, and the dbt project.

Secrets never live here. A setting that needs a credential names the environment variable that holds it
(`*_env`); the value is read only at run time, in the process that needs it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from floe_core.artifacts.base import FloeModel

EnvVarName = str


class ComputeSettings(FloeModel):
    """The dbt target's warehouse, of the target's adapter.

    DuckDB: `path` is the file, relative to the dbt project unless absolute. Postgres: `host` and `port` are
    the server's address, which names the tables (Airflow Asset URIs); credentials stay in the dbt profile.
    """

    kind: Literal["duckdb", "postgres"] = "duckdb"
    path: str = "target/floe.duckdb"
    host: str | None = None
    port: int | None = None
    threads: int = Field(default=4, ge=1, le=64)
    # How long a dbt invocation waits for another floe process to finish writing the DuckDB file.
    lock_timeout_seconds: int = Field(default=600, ge=0, le=86400)


class CatalogSettings(FloeModel):
    """The Iceberg catalog. The embedded default is a SQLite catalog beside a local warehouse folder."""

    kind: Literal["sql", "rest"] = "sql"
    name: str = "floe"
    uri: str | None = None
    warehouse: str = "target/iceberg"
    token_env: EnvVarName | None = None
    properties: dict[str, str] = Field(default_factory=dict)


class StorageSettings(FloeModel):
    """Object storage under the warehouse. Credentials come from the named environment variables."""

    kind: Literal["local", "s3"] = "local"
    endpoint: str | None = None
    region: str | None = None
    access_key_id_env: EnvVarName | None = None
    secret_access_key_env: EnvVarName | None = None


class Plugins(FloeModel):
    orchestrator: str | None = None
    compute: ComputeSettings = ComputeSettings()
    catalog: CatalogSettings = CatalogSettings()
    storage: StorageSettings = StorageSettings()


class DbtProject(FloeModel):
    """Paths are relative to the folder holding the artifacts file, so the project can move as a whole.

    `profiles_dir` is set only when floe.yaml names one; otherwise it is found where the job runs (see
    `CompiledArtifacts.profiles_dir`), because the compiling machine's profiles are not the runner's.
    """

    project_name: str
    project_dir: str
    profiles_dir: str | None = None
    dbt_version: str
    manifest_schema_version: int


class Transforms(FloeModel):
    dbt: DbtProject


class DbtProfiles(FloeModel):
    """The dbt profile (from dbt_project.yml) and target (from floe.yaml); None leaves the choice to dbt at run time."""

    profile: str | None = None
    target: str | None = None


class Observability(FloeModel):
    log_level: Literal["debug", "info", "warning", "error"] = "info"
