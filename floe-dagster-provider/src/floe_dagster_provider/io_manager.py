"""The Iceberg IO manager: a Python asset's returned rows become its Iceberg table, one commit per write.

Writes go through floe-core's runtime (the same writer the Airflow provider calls), so a partitioned asset
replaces exactly its partition's rows: a static key replaces the rows carrying that key, a time window the
rows inside that window, and running a partition twice never duplicates rows.
"""

from __future__ import annotations

from typing import Any

import dagster as dg
from floe_core.artifacts import CompiledArtifacts
from floe_core.errors import Problem, RuntimeFailure
from floe_core.partitioning import VAR_KEY, split_multi_key
from floe_core.runtime import iceberg as floe_iceberg
from floe_core.runtime import python_assets as floe_python

from floe_dagster_provider import artifacts_registry
from floe_dagster_provider.keys import floe_key_of
from floe_dagster_provider.resources import FloeCatalogResource, FloeStorageResource

IO_MANAGER_KEY = "floe_iceberg_io_manager"


class IcebergIOManager(dg.ConfigurableIOManager):
    """Writes a Python asset's rows to the Iceberg table its artifacts name; loads them back as pyarrow."""

    artifacts_ref: str
    catalog: FloeCatalogResource
    storage: FloeStorageResource

    def _artifacts(self) -> CompiledArtifacts:
        return self.catalog.apply(artifacts_registry.resolve(self.artifacts_ref), self.storage)

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        if obj is None:
            context.log.info("the asset returned no rows; its Iceberg table is left as it was")
            return
        artifacts = self._artifacts()
        key = floe_key_of(context.asset_key, context.definition_metadata)
        first, last = _partition_range(context)
        run_context = floe_python.build_context(
            artifacts, artifacts.assets_by_key[key], artifacts.asset_partitions(key), first,
            None if last == first else last,
        )
        written = floe_python.write_asset_rows(
            artifacts, run_context, obj, snapshot_properties={"floe.engine": "dagster"}
        )
        if written is not None:
            context.add_output_metadata(
                {
                    "iceberg_table": written.identifier,
                    "rows_written": written.rows_written,
                    "snapshot_id": str(written.snapshot_id),
                }
            )

    def load_input(self, context: dg.InputContext) -> Any:
        artifacts = self._artifacts()
        # The upstream output is the stored asset's own definition, which names its floe key.
        upstream = context.upstream_output
        key = floe_key_of(context.asset_key, upstream.definition_metadata if upstream else None)
        asset = artifacts.assets_by_key[key]
        if asset.iceberg_table is None:
            raise RuntimeFailure(
                Problem(f"asset {key!r} has no Iceberg table to load", field=f"orchestration.assets[{key}]",
                        fix="read it from where it is stored instead (a dbt model's DuckDB relation)")
            )
        row_filter = None
        parts = artifacts.asset_partitions(key)
        if parts is not None and context.has_asset_partitions and parts.kind != "time_window":
            row_filter = _static_filter(parts, list(context.asset_partition_keys))
        return floe_iceberg.read_table(artifacts, asset.iceberg_table, row_filter)


def _partition_range(context: dg.OutputContext) -> tuple[str | None, str | None]:
    if not context.has_asset_partitions:
        return None, None
    key_range = context.asset_partition_key_range
    return key_range.start, key_range.end


def _static_filter(parts: Any, keys: list[str]) -> str | None:
    if parts.kind == "static":
        quoted = ", ".join(f"'{k}'" for k in keys)
        return f"{VAR_KEY} in ({quoted})"
    terms = []
    for key in keys:
        values = split_multi_key(parts, key)
        static = [d.name for d in parts.dimensions if d.partitions.kind == "static"]
        terms.append(" and ".join(f"floe_partition_{d} = '{values[d]}'" for d in static))
    return " or ".join(f"({t})" for t in terms) if terms else None
