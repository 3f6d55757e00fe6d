"""Assets, their dependencies, and the checks attached to them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from floe_core.artifacts.base import AssetKey, FloeModel, Name
from floe_core.artifacts.partitions import PartitionMapping

AssetKind = Literal["dbt_model", "dbt_seed", "dbt_snapshot", "source", "external", "python"]
# Kinds an engine materializes by running dbt; the rest are either read only (source, external) or run a
# Python callable (python).
DBT_KINDS: frozenset[str] = frozenset({"dbt_model", "dbt_seed", "dbt_snapshot"})
OBSERVABLE_KINDS: frozenset[str] = frozenset({"source", "external"})

DepOrigin = Literal["ref", "source", "explicit"]


class RetryPolicy(FloeModel):
    """How often a failed step is tried again, and how long to wait between tries."""

    max_retries: int = Field(default=0, ge=0, le=20)
    delay_seconds: float = Field(default=0.0, ge=0, le=86_400)
    backoff: Literal["constant", "exponential"] = "constant"


class AssetDep(FloeModel):
    """An edge upstream -> this asset, with where it came from (for error messages and lineage)."""

    key: AssetKey
    origin: DepOrigin
    partition_mapping: PartitionMapping | None = None


class DbtNodeRef(FloeModel):
    """Where a dbt-backed asset comes from, enough to select it in dbt and to read its relation.

    Since 1.2.0 it also carries the node's own dbt settings, as dbt wrote them, so an engine can follow the
    conventions of its dbt integration without reading the manifest: a source's `source_name`, `alias`, the
    schema configured on the node (`configured_schema`, before dbt's generate_schema_name), its dbt `group`
    and that group's `group_owner`, and its `meta` (`config_meta` only where dbt kept a different
    `config.meta`).
    """

    unique_id: str
    name: str
    package: str
    selector: str
    path: str
    relation: str | None = None
    version: str | None = None
    source_name: str | None = None
    alias: str | None = None
    configured_schema: str | None = None
    group: str | None = None
    group_owner: dict[str, Any] | None = None
    meta: dict[str, Any] = Field(default_factory=dict)
    config_meta: dict[str, Any] | None = None


class PythonCallable(FloeModel):
    """A Python asset's body: `module:function` returning a pyarrow Table (or something convertible)."""

    callable: str = Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


class Asset(FloeModel):
    key: AssetKey
    kind: AssetKind
    description: str = ""
    group: Name = "default"
    owners: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    deps: tuple[AssetDep, ...] = ()
    materialization: str | None = None
    partitions: Name | None = None
    retry: RetryPolicy | None = None
    iceberg_table: str | None = Field(default=None, pattern=r"^[A-Za-z_][\w]*\.[A-Za-z_][\w]*$")
    dbt: DbtNodeRef | None = None
    python: PythonCallable | None = None

    @property
    def is_dbt(self) -> bool:
        return self.kind in DBT_KINDS

    @property
    def is_executable(self) -> bool:
        return self.kind not in OBSERVABLE_KINDS


CheckSeverity = Literal["error", "warn"]
CheckKind = Literal["generic", "singular", "unit"]


class Check(FloeModel):
    """A dbt test attached to one asset. Severity `error` blocks downstream assets; `warn` only reports.

    `reads` lists every asset the test reads: a `relationships` test must run only after all of them.
    """

    name: str
    asset: AssetKey
    kind: CheckKind
    severity: CheckSeverity
    unique_id: str
    selector: str
    test_name: str | None = None
    column: str | None = None
    reads: tuple[AssetKey, ...] = ()
    description: str = ""

    @property
    def blocking(self) -> bool:
        return self.severity == "error"


class Exposure(FloeModel):
    """A downstream consumer declared in dbt (a dashboard, an app): shown as lineage, never run."""

    name: str
    type: str
    owner: str = ""
    url: str | None = None
    depends_on: tuple[AssetKey, ...] = ()
