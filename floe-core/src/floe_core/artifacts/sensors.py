"""Sensors: conditions outside a schedule that trigger a job."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from floe_core.artifacts.base import AssetKey, FloeModel, Name

RunStatus = Literal["success", "failure"]


class _Sensor(FloeModel):
    name: Name
    job: Name
    interval_seconds: int = Field(default=30, ge=1, le=86_400)
    enabled: bool = True
    description: str = ""


class FileSensor(_Sensor):
    """Fires once per new file matching `pattern` in `path` (relative paths resolve against the project)."""

    kind: Literal["file"] = "file"
    path: str
    pattern: str = "*"


class AssetSensor(_Sensor):
    """Fires when any of `assets` gets a new materialization."""

    kind: Literal["asset"] = "asset"
    assets: tuple[AssetKey, ...] = Field(min_length=1)


class RunStatusSensor(_Sensor):
    """Fires when a run of `watched_job` ends with `status`."""

    kind: Literal["run_status"] = "run_status"
    watched_job: Name
    status: RunStatus = "success"


# The SQL sensor connection that means "the warehouse dbt writes", whatever its adapter.
COMPUTE_CONNECTION = "compute"


class SqlSensor(_Sensor):
    """Fires when `sql` returns a first row whose first column is truthy.

    `connection` names where to run it: `compute` (the default) is the warehouse dbt writes, reached the way
    dbt reaches it (the DuckDB file, or the Postgres target's settings, password included, read where the
    sensor runs); `duckdb` is the DuckDB file only (refused on another warehouse); anything else is an
    engine-side connection id (an Airflow connection) defined outside the artifacts, so credentials never
    enter them.
    """

    kind: Literal["sql"] = "sql"
    sql: str = Field(min_length=1)
    connection: str = COMPUTE_CONNECTION


class CustomSensor(_Sensor):
    """Fires when `module:function` returns a truthy value (optionally a dict of run tags)."""

    kind: Literal["custom"] = "custom"
    callable: str = Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


Sensor = Annotated[
    FileSensor | AssetSensor | RunStatusSensor | SqlSensor | CustomSensor, Field(discriminator="kind")
]
