"""floe.yaml: what a data engineer writes. camelCase keys, dbt-style selectors, nothing resolved yet."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AliasGenerator, ConfigDict, Field
from pydantic.alias_generators import to_camel

from floe_core.artifacts import COMPUTE_CONNECTION, FloeModel
from floe_core.artifacts.base import AssetKey, Name

SPEC_API_VERSION = "floe.dev/v1"


class SpecModel(FloeModel):
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        populate_by_name=True,
        alias_generator=AliasGenerator(validation_alias=to_camel, serialization_alias=to_camel),
    )


class SpecMetadata(SpecModel):
    name: Name
    description: str = ""
    owners: tuple[str, ...] = ()
    domain: str | None = None


class SpecDbt(SpecModel):
    project_dir: str = "."
    profiles_dir: str | None = None
    target: str | None = None


class SpecTransforms(SpecModel):
    dbt: SpecDbt = SpecDbt()


class SpecCompute(SpecModel):
    """The warehouse. `kind` follows the dbt target's adapter when left out; `path` is DuckDB's file, `host`
    and `port` name a Postgres server (read from the dbt profile when left out)."""

    kind: Literal["duckdb", "postgres"] | None = None
    path: str | None = None
    host: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    threads: int = Field(default=4, ge=1, le=64)
    lock_timeout_seconds: int = Field(default=600, ge=0, le=86400)


class SpecCatalog(SpecModel):
    kind: Literal["sql", "rest"] = "sql"
    name: str = "floe"
    uri: str | None = None
    warehouse: str = "target/iceberg"
    token_env: str | None = None
    properties: dict[str, str] = Field(default_factory=dict)


class SpecStorage(SpecModel):
    kind: Literal["local", "s3"] = "local"
    endpoint: str | None = None
    region: str | None = None
    access_key_id_env: str | None = None
    secret_access_key_env: str | None = None


class SpecPlugins(SpecModel):
    orchestrator: str | None = None
    compute: SpecCompute = SpecCompute()
    catalog: SpecCatalog = SpecCatalog()
    storage: SpecStorage = SpecStorage()


class SpecRetry(SpecModel):
    max_retries: int = Field(default=0, ge=0, le=20)
    delay_seconds: float = Field(default=0.0, ge=0, le=86_400)
    backoff: Literal["constant", "exponential"] = "constant"


class SpecTimeWindow(SpecModel):
    kind: Literal["timeWindow"]
    name: Name
    cadence: Literal["hourly", "daily", "weekly", "monthly"]
    start: datetime
    end: datetime | None = None
    timezone: str = "UTC"
    fmt: str | None = None


class SpecStatic(SpecModel):
    kind: Literal["static"]
    name: Name
    keys: tuple[str, ...]


class SpecDimension(SpecModel):
    name: Name
    partitions: Name


class SpecMulti(SpecModel):
    """Two dimensions, each naming another partition set declared in the same list."""

    kind: Literal["multi"]
    name: Name
    dimensions: tuple[SpecDimension, ...]


SpecPartitions = Annotated[SpecTimeWindow | SpecStatic | SpecMulti, Field(discriminator="kind")]


class SpecMapping(SpecModel):
    kind: Literal["identity", "timeWindow", "all", "static", "multiToSingle"]
    start_offset: int = 0
    end_offset: int = 0
    mapping: dict[str, tuple[str, ...]] | None = None
    dimension: Name | None = None


class SpecDep(SpecModel):
    asset: str
    mapping: SpecMapping | None = None


class SpecAssetOverride(SpecModel):
    """Settings applied to every dbt asset the selector picks; later entries win field by field."""

    select: str
    partitions: Name | None = None
    retry: SpecRetry | None = None
    group: Name | None = None
    owners: tuple[str, ...] | None = None
    tags: tuple[str, ...] | None = None
    deps: tuple[SpecDep, ...] = ()
    iceberg_table: str | None = None


class SpecPythonAsset(SpecModel):
    key: AssetKey
    callable: str
    description: str = ""
    deps: tuple[SpecDep, ...] = ()
    partitions: Name | None = None
    iceberg_table: str
    group: Name = "python"
    owners: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    retry: SpecRetry | None = None


class SpecExternalAsset(SpecModel):
    key: AssetKey
    description: str = ""
    group: Name = "external"


class SpecJob(SpecModel):
    name: Name
    select: str
    exclude: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    retry: SpecRetry | None = None


class SpecSchedule(SpecModel):
    name: Name
    job: Name
    cron: str | None = None
    timezone: str = "UTC"
    enabled: bool = True
    partitioned: bool = False
    after_jobs: tuple[Name, ...] = ()
    description: str = ""


class _SpecSensor(SpecModel):
    name: Name
    job: Name
    interval_seconds: int = Field(default=30, ge=1, le=86_400)
    enabled: bool = True
    description: str = ""


class SpecFileSensor(_SpecSensor):
    kind: Literal["file"]
    path: str
    pattern: str = "*"


class SpecAssetSensor(_SpecSensor):
    kind: Literal["asset"]
    assets: tuple[str, ...] = Field(min_length=1)


class SpecRunStatusSensor(_SpecSensor):
    kind: Literal["runStatus"]
    watched_job: Name
    status: Literal["success", "failure"] = "success"


class SpecSqlSensor(_SpecSensor):
    kind: Literal["sql"]
    sql: str = Field(min_length=1)
    connection: str = COMPUTE_CONNECTION


class SpecCustomSensor(_SpecSensor):
    kind: Literal["custom"]
    callable: str


SpecSensor = Annotated[
    SpecFileSensor | SpecAssetSensor | SpecRunStatusSensor | SpecSqlSensor | SpecCustomSensor,
    Field(discriminator="kind"),
]


class SpecBackfill(SpecModel):
    job: Name
    policy: Literal["singleRun", "multiRun"] = "multiRun"
    max_partitions_per_run: int = Field(default=1, ge=1, le=10_000)
    reprocess: Literal["missing", "failed", "all"] = "missing"


class SpecDefaults(SpecModel):
    retry: SpecRetry = SpecRetry()


class SpecOrchestration(SpecModel):
    defaults: SpecDefaults = SpecDefaults()
    partitions: tuple[SpecPartitions, ...] = ()
    assets: tuple[SpecAssetOverride, ...] = ()
    python_assets: tuple[SpecPythonAsset, ...] = ()
    external_assets: tuple[SpecExternalAsset, ...] = ()
    jobs: tuple[SpecJob, ...] = ()
    schedules: tuple[SpecSchedule, ...] = ()
    sensors: tuple[SpecSensor, ...] = ()
    backfills: tuple[SpecBackfill, ...] = ()


class FloeSpec(SpecModel):
    api_version: Literal["floe.dev/v1"] = "floe.dev/v1"
    kind: Literal["FloeSpec"] = "FloeSpec"
    metadata: SpecMetadata
    transforms: SpecTransforms = SpecTransforms()
    plugins: SpecPlugins = SpecPlugins()
    orchestration: SpecOrchestration = SpecOrchestration()
