"""Reading and steering the scenario warehouse (the DuckDB file) from tests."""

from __future__ import annotations

from typing import Any

from floe_core import CompiledArtifacts
from floe_core.errors import Problem
from floe_core.polling import poll
from floe_core.runtime import duckdb_path
from floe_core.runtime.warehouse import is_lock_error


def query(artifacts: CompiledArtifacts, sql: str) -> list[tuple[Any, ...]]:
    with _connect(artifacts) as con:
        rows: list[tuple[Any, ...]] = con.execute(sql).fetchall()
        return rows


def execute(artifacts: CompiledArtifacts, sql: str) -> None:
    with _connect(artifacts) as con:
        con.execute(sql)


def _connect(artifacts: CompiledArtifacts) -> Any:
    """The scenario warehouse, opened as soon as no other process holds its file lock.

    A running engine's processes hold it for moments of their own: a SQL sensor's read-only poke in Dagster's
    daemon, a run worker closing dbt's connection after its run is recorded. A test waits its turn, as a user
    in a shell would.
    """
    import duckdb

    path = str(duckdb_path(artifacts))

    def attempt() -> Any:
        try:
            return duckdb.connect(path)
        except duckdb.IOException as exc:
            if is_lock_error(exc):
                return None
            raise

    return poll(attempt, 60.0, 0.2, lambda: Problem("another process held the scenario warehouse for 60 s",
                                                    file=path, fix="see the processes the test started"))


def table_exists(artifacts: CompiledArtifacts, name: str) -> bool:
    rows = query(artifacts, f"select count(*) from information_schema.tables where table_name = '{name}'")
    return bool(rows[0][0])
