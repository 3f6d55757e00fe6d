"""Reading and steering the scenario warehouse (the DuckDB file) from tests."""

from __future__ import annotations

from typing import Any

from floe_core import CompiledArtifacts
from floe_core.runtime import duckdb_path


def query(artifacts: CompiledArtifacts, sql: str) -> list[tuple[Any, ...]]:
    import duckdb

    with duckdb.connect(str(duckdb_path(artifacts))) as con:
        rows: list[tuple[Any, ...]] = con.execute(sql).fetchall()
        return rows


def execute(artifacts: CompiledArtifacts, sql: str) -> None:
    import duckdb

    with duckdb.connect(str(duckdb_path(artifacts))) as con:
        con.execute(sql)


def table_exists(artifacts: CompiledArtifacts, name: str) -> bool:
    rows = query(artifacts, f"select count(*) from information_schema.tables where table_name = '{name}'")
    return bool(rows[0][0])
