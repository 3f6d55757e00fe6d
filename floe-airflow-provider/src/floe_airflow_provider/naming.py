"""How floe names become Airflow names: DAG ids, task ids and Assets.

The defaults live on `DagNaming` as small methods, so a deployment that needs other names overrides one
method instead of forking the factory. Names must be stable: Airflow keys history, Asset events and DAG
versions on them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import PurePath
from typing import TYPE_CHECKING
from urllib.parse import quote

from airflow.sdk import Asset

if TYPE_CHECKING:
    from floe_core.artifacts import CompiledArtifacts
    from floe_core.artifacts.settings import ComputeSettings

ASSET_URI_SCHEME = "floe"
# Job markers get their own scheme, so no floe asset key can ever collide with them.
JOB_URI_SCHEME = "floe-job"
JOB_MARKER_GROUP = "floe-job-marker"
# Floe keys never contain ":" or spaces, so these names cannot collide with a floe asset's name.
_JOB_NAME_SEPARATOR = ":"
_RELATION_PART = re.compile(r'"((?:[^"]|"")*)"|([^."]+)')


@dataclass(frozen=True)
class DagNaming:
    """The names of one data product's DAGs, tasks and Assets.

    A dbt asset's Asset is its warehouse table (`tables`, see `table_uris`), so any DAG that declares that
    table (Cosmos, a provider operator, a hand-written DAG) names the same Asset. Other assets (Python
    assets, external assets) are `floe://<product>/<key>`, named by their floe key.
    """

    product: str
    artifacts: CompiledArtifacts | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, artifacts: CompiledArtifacts) -> DagNaming:
        return cls(artifacts.identity.product, artifacts)

    @cached_property
    def tables(self) -> Mapping[str, str]:
        # Read on first use: a caller that needs only DAG ids (run, history, backfill) never walks the assets.
        return table_uris(self.artifacts) if self.artifacts is not None else {}

    def dag_id(self, job: str) -> str:
        return f"{self.product}.{job}"

    def sensor_dag_id(self, sensor: str) -> str:
        return f"{self.product}.sensors.{sensor}"

    def schedule_dag_id(self, schedule: str) -> str:
        return f"{self.product}.schedules.{schedule}"

    def mapping_dag_id(self, asset: str) -> str:
        """The DAG that holds the partition mappings of `asset`'s dependencies (Airflow 3.2+)."""
        return f"{self.product}.mappings.{self.task_id(asset)}"

    def task_id(self, key: str) -> str:
        # Task ids allow letters, digits, "_", "-" and "."; floe keys separate path segments with "/".
        return key.replace("/", "__")

    def check_task_id(self, check: str) -> str:
        return f"test__{check}"[:250]

    def asset(self, key: str, group: str = "asset") -> Asset:
        # A table's Asset is named by its URI, as `Asset(uri)` in any other DAG names it: Airflow keeps one
        # active Asset per name and one per URI, so another name for the same URI would be another Asset.
        uri = self.asset_uri(key)
        return Asset(name=uri if key in self.tables else key, uri=uri, group=group)

    def asset_uri(self, key: str) -> str:
        return self.tables.get(key) or f"{ASSET_URI_SCHEME}://{self.product}/{key}"

    def job_succeeded_asset(self, job: str) -> Asset:
        """A marker, not data: updated once per successful run of `job`; what `after_jobs` schedules and
        run-status sensors watch. Its name and group say so wherever Airflow lists Assets."""
        return self._job_marker(job, "succeeded")

    def job_failed_asset(self, job: str) -> Asset:
        """A marker, not data: updated once per failed run of `job`, only for jobs a failure sensor watches."""
        return self._job_marker(job, "failed")

    def _job_marker(self, job: str, outcome: str) -> Asset:
        return Asset(
            name=f"{self.dag_id(job)} {outcome} (floe job marker)",
            uri=f"{JOB_URI_SCHEME}://{self.product}/{job}/{outcome}",
            group=JOB_MARKER_GROUP,
            extra={"floe_marker": f"job {outcome}", "holds_data": False},
        )

    def build_alias_name(self, job: str) -> str:
        """The AssetAlias through which a job's single `dbt build` task reports the models it materialized."""
        return f"{self.product}{_JOB_NAME_SEPARATOR}{job}{_JOB_NAME_SEPARATOR}dbt_build"

    def key_of_asset_uri(self, uri: str) -> str | None:
        """The floe key of an Asset this product made, or None for any other Asset."""
        if uri in self._keys_by_table:
            return self._keys_by_table[uri]
        prefix = f"{ASSET_URI_SCHEME}://{self.product}/"
        return uri[len(prefix) :] if uri.startswith(prefix) else None

    @cached_property
    def _keys_by_table(self) -> dict[str, str]:
        return {uri: key for key, uri in self.tables.items()}


def table_uris(artifacts: CompiledArtifacts) -> dict[str, str]:
    """The Asset URI of each dbt asset's warehouse table, by floe key.

    Postgres follows Airflow's postgres provider and OpenLineage, as Cosmos writes it on Airflow 3:
    `postgres://host:port/database/schema/table`. DuckDB has no Airflow provider scheme; floe uses
    `duckdb://<file name>/database/schema/table`, OpenLineage's `duckdb://<path>` namespace with the file's
    name only, so the URI stays the same wherever the project folder sits.

    A source whose table a model, seed or snapshot of the product builds (the demo's raw tables) keeps its
    `floe://` URI: the table's Asset is the builder's, and each floe key keeps an Asset of its own.
    """
    authority = _authority(artifacts.plugins.compute)
    uris: dict[str, str] = {}
    sources: dict[str, str] = {}
    for asset in artifacts.orchestration.assets:
        parts = _relation_parts(asset.dbt.relation) if asset.dbt is not None and asset.dbt.relation else ()
        if len(parts) == 3:
            uri = f"{authority}/" + "/".join(quote(part) for part in parts)
            (sources if asset.dbt is not None and asset.dbt.source_name else uris)[asset.key] = uri
    built = set(uris.values())
    uris.update((key, uri) for key, uri in sources.items() if uri not in built)
    return uris


def _authority(compute: ComputeSettings) -> str:
    if compute.kind == "postgres":
        return f"postgres://{compute.host}:{compute.port}"
    return f"duckdb://{PurePath(compute.path).name}"


def _relation_parts(relation: str) -> tuple[str, ...]:
    """`"db"."schema"."table"` (or unquoted parts) as dbt writes a relation name, split into its parts."""
    return tuple(
        quoted.replace('""', '"') if quoted else bare for quoted, bare in _RELATION_PART.findall(relation)
    )
