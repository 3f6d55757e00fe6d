"""The engine-neutral runtime: what a Dagster op or an Airflow task calls while a job runs.

Both providers run the same data path through these functions, so the engines differ only in
orchestration. Nothing here imports dbt, pyiceberg, pyarrow or duckdb until a function needs them, so
importing this package from a definitions module or a DAG file costs nothing.
"""

from floe_core.runtime.dbt import (
    clear_manifest_cache,
    dbt_manifest,
    run_dbt,
    run_dbt_checks,
    selection_keys,
)
from floe_core.runtime.dbt_results import DbtRunResult, NodeResult
from floe_core.runtime.iceberg import WriteResult, current_snapshot_id, open_catalog, read_table, write_table
from floe_core.runtime.python_assets import AssetContext, AssetRunResult, run_python_asset, write_asset_rows
from floe_core.runtime.sensors import custom_condition, new_files, sql_condition
from floe_core.runtime.warehouse import duckdb_path, read_relation

__all__ = [
    "AssetContext",
    "AssetRunResult",
    "DbtRunResult",
    "NodeResult",
    "WriteResult",
    "clear_manifest_cache",
    "current_snapshot_id",
    "custom_condition",
    "dbt_manifest",
    "duckdb_path",
    "new_files",
    "open_catalog",
    "read_relation",
    "read_table",
    "run_dbt",
    "run_dbt_checks",
    "run_python_asset",
    "selection_keys",
    "sql_condition",
    "write_asset_rows",
    "write_table",
]
