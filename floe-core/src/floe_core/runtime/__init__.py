"""The engine-neutral runtime: what a Dagster op or an Airflow task calls while a job runs.

Both providers run the same data path through these functions, so the engines differ only in
orchestration. Each name loads its module on first use, and no module imports dbt, pyiceberg, pyarrow or
duckdb until a function needs them: a definitions module or a DAG file that touches one helper (the DuckDB
file's path) loads that helper alone, not the dbt runner and its graph library.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from floe_core.runtime.dbt import clear_manifest_cache, dbt_manifest, run_dbt, run_dbt_checks, selection_keys
    from floe_core.runtime.dbt_results import DbtRunResult, NodeResult
    from floe_core.runtime.iceberg import WriteResult, current_snapshot_id, open_catalog, read_table, write_table
    from floe_core.runtime.python_assets import AssetContext, AssetRunResult, run_python_asset, write_asset_rows
    from floe_core.runtime.sensors import custom_condition, new_files, sql_condition
    from floe_core.runtime.warehouse import duckdb_path, read_relation

_HOMES = {
    "clear_manifest_cache": "dbt", "dbt_manifest": "dbt", "run_dbt": "dbt", "run_dbt_checks": "dbt",
    "selection_keys": "dbt",
    "DbtRunResult": "dbt_results", "NodeResult": "dbt_results",
    "WriteResult": "iceberg", "current_snapshot_id": "iceberg", "open_catalog": "iceberg", "read_table": "iceberg",
    "write_table": "iceberg",
    "AssetContext": "python_assets", "AssetRunResult": "python_assets", "run_python_asset": "python_assets",
    "write_asset_rows": "python_assets",
    "custom_condition": "sensors", "new_files": "sensors", "sql_condition": "sensors",
    "duckdb_path": "warehouse", "read_relation": "warehouse",
}

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


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'floe_core.runtime' has no attribute {name!r}")
    return getattr(importlib.import_module(f"floe_core.runtime.{home}"), name)
