"""The compute target's DuckDB file: where it is, and read-only access for Python assets and sensors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from floe_core.artifacts import CompiledArtifacts
from floe_core.errors import Problem, RuntimeFailure

if TYPE_CHECKING:
    import pyarrow as pa

# Phrases DuckDB uses when another process holds the file's write lock. DuckDB allows one writing process
# per file; a reader in another process is refused while a writer holds it.
LOCK_PHRASES = ("Could not set lock on file", "Conflicting lock is held")


def duckdb_path(artifacts: CompiledArtifacts) -> Path:
    """The absolute path of the DuckDB file dbt writes (`plugins.compute.path`, relative to the project)."""
    return artifacts.in_project(artifacts.plugins.compute.path)


def require_duckdb(artifacts: CompiledArtifacts, reader: str) -> None:
    """Python assets and SQL sensors read the warehouse through DuckDB only; on another adapter, say so."""
    kind = artifacts.plugins.compute.kind
    if kind != "duckdb":
        raise RuntimeFailure(
            Problem(
                f"{reader} reads the warehouse through DuckDB, and this product's warehouse is {kind}",
                field="plugins.compute.kind",
                found=kind,
                fix="read the table from the Iceberg catalog instead, or run this product on a DuckDB target",
            )
        )


def is_lock_error(exc: BaseException | str) -> bool:
    text = str(exc)
    return any(phrase in text for phrase in LOCK_PHRASES)


@contextmanager
def read_only_connection(artifacts: CompiledArtifacts) -> Iterator[Any]:
    """A read-only DuckDB connection to the compute file; raises RuntimeFailure when it cannot be opened."""
    require_duckdb(artifacts, "a Python asset")
    duckdb = import_duckdb()
    path = duckdb_path(artifacts)
    if not path.is_file():
        raise RuntimeFailure(
            Problem(
                "the DuckDB file does not exist",
                file=str(path),
                field="plugins.compute.path",
                fix="run the dbt assets that create it first, or point plugins.compute.path at dbt's file",
            )
        )
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        fix = (
            "another process is writing the file (DuckDB allows one writer and no other readers meanwhile); "
            "retry when that run has finished"
            if is_lock_error(exc)
            else "check that the file is a DuckDB database written by a compatible DuckDB version"
        )
        raise RuntimeFailure(
            Problem(f"cannot open the DuckDB file read-only ({exc})", file=str(path), fix=fix)
        ) from None
    try:
        yield con
    finally:
        con.close()


def read_relation(artifacts: CompiledArtifacts, relation: str) -> pa.Table:
    """All rows of a table or view in the compute file, as a pyarrow Table."""
    duckdb = import_duckdb()
    with read_only_connection(artifacts) as con:
        try:
            return to_arrow(con.sql(f"select * from {relation}"))
        except duckdb.Error as exc:
            raise RuntimeFailure(
                Problem(
                    f"cannot read relation {relation} ({exc})",
                    file=str(duckdb_path(artifacts)),
                    fix="materialize the upstream dbt asset first (run its job), then run this asset again",
                )
            ) from None


def to_arrow(relation: Any) -> pa.Table:
    # DuckDB 1.4 renamed fetch_arrow_table to to_arrow_table and deprecated the old name.
    method = getattr(relation, "to_arrow_table", None) or relation.fetch_arrow_table
    table: pa.Table = method()
    return table


def import_duckdb() -> Any:
    try:
        import duckdb
    except ImportError:
        raise RuntimeFailure(
            Problem(
                "the duckdb package is not installed",
                fix="install the runtime extra: pip install 'floe-core[runtime]'",
            )
        ) from None
    return duckdb
