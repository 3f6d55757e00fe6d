"""Python assets: an `@asset` per callable, whose returned rows the Iceberg IO manager writes.

The body calls the user's `module:function` with floe-core's `AssetContext` (the same object an Airflow
task passes), so one function runs unchanged on both engines; the module is imported only when the step
runs, never while definitions load.
"""

from typing import Any

import dagster as dg
from floe_core.artifacts import Asset, CompiledArtifacts
from floe_core.runtime import python_assets as floe_python
from floe_core.runtime.imports import load_callable, search_paths

from floe_dagster_provider.io_manager import IO_MANAGER_KEY
from floe_dagster_provider.partitions import context_partition_range


def python_asset(
    asset: Asset,
    artifacts: CompiledArtifacts,
    spec: dg.AssetSpec,
    *,
    partitions_def: dg.PartitionsDefinition | None,
    backfill_policy: dg.BackfillPolicy | None,
    retry_policy: dg.RetryPolicy | None,
) -> dg.AssetsDefinition:
    assert asset.python is not None
    callable_spec = asset.python.callable

    @dg.asset(
        key=spec.key,
        deps=list(spec.deps),
        description=spec.description,
        metadata=dict(spec.metadata),
        group_name=spec.group_name,
        owners=list(spec.owners),
        tags=dict(spec.tags),
        kinds=set(spec.kinds),
        partitions_def=partitions_def,
        backfill_policy=backfill_policy,
        retry_policy=retry_policy,
        io_manager_key=IO_MANAGER_KEY,
        op_tags={"floe/runner": "python"},
    )
    def _python_asset(context: dg.AssetExecutionContext) -> dg.Output[Any]:
        first, last = context_partition_range(context) or (None, None)
        parts = artifacts.asset_partitions(asset.key)
        run_context = floe_python.build_context(
            artifacts, asset, parts, first, None if last == first else last
        )
        function = load_callable(
            callable_spec,
            search_paths(artifacts),
            what=f"Python asset {asset.key!r}",
            field=f"orchestration.assets[{asset.key}].python.callable",
        )
        data = floe_python.rows_as_arrow(artifacts, asset, function(run_context))
        if data is None:
            return dg.Output(None, metadata={"rows": 0})
        return dg.Output(data, metadata={"rows": data.num_rows, "columns": ", ".join(data.column_names)})

    return _python_asset
