"""The compute warehouse, read-only, for Python assets and sensors: DuckDB's file, or a Postgres database
reached with the dbt target's own connection settings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from floe_core.artifacts import CompiledArtifacts
from floe_core.dbt_profile import DbtTarget, read_dbt_target
from floe_core.errors import Problem, RuntimeFailure

if TYPE_CHECKING:
    import pyarrow as pa

# Phrases DuckDB uses when another process holds the file's write lock. DuckDB allows one writing process
# per file; a reader in another process is refused while a writer holds it.
LOCK_PHRASES = ("Could not set lock on file", "Conflicting lock is held")


def duckdb_path(artifacts: CompiledArtifacts) -> Path:
    """The absolute path of the DuckDB file dbt writes (`plugins.compute.path`, relative to the project)."""
    return artifacts.in_project(artifacts.plugins.compute.path)


def is_lock_error(exc: BaseException | str) -> bool:
    text = str(exc)
    return any(phrase in text for phrase in LOCK_PHRASES)


@contextmanager
def read_only_connection(artifacts: CompiledArtifacts) -> Iterator[Any]:
    """A read-only DuckDB connection to the compute file; raises RuntimeFailure when it cannot be opened."""
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
    """All rows of a table or view in the compute warehouse, as a pyarrow Table."""
    if artifacts.plugins.compute.kind == "postgres":
        return _read_postgres_relation(artifacts, relation)
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


def postgres_target(artifacts: CompiledArtifacts) -> DbtTarget:
    """The dbt profile's Postgres target, rendered where the job runs (so its `env_var`s, the password among
    them, are this process's)."""
    target = read_dbt_target(artifacts.profiles_dir, artifacts.dbt_profiles.profile, artifacts.dbt_profiles.target)
    if target.adapter != "postgres":
        raise RuntimeFailure(
            Problem("the dbt target is not a Postgres target", file=str(artifacts.profiles_dir / "profiles.yml"),
                    field="transforms.dbt.target", found=target.adapter,
                    fix="point transforms.dbt.target at the Postgres target the artifacts were compiled for")
        )
    return target


@contextmanager
def postgres_connection(artifacts: CompiledArtifacts) -> Iterator[Any]:
    """A read-only connection to the Postgres warehouse, with the settings dbt uses (`postgres_target`)."""
    try:
        import psycopg2
    except ImportError:
        raise RuntimeFailure(
            Problem("the psycopg2 package is not installed", field="plugins.compute.kind", found="postgres",
                    fix="pip install dbt-postgres (it brings psycopg2) where the jobs run")
        ) from None
    target = postgres_target(artifacts)
    try:
        con = psycopg2.connect(host=target.host, port=target.port or 5432, user=target.user,
                               password=target.password or None, dbname=target.dbname)
    except psycopg2.Error as exc:
        raise RuntimeFailure(
            Problem(f"cannot connect to the Postgres warehouse ({str(exc).strip()})",
                    field="plugins.compute.host", found=f"{target.host}:{target.port}",
                    fix="check the server is up and the dbt profile's user and password")
        ) from None
    try:
        con.set_session(readonly=True, autocommit=True)
        yield con
    finally:
        con.close()


def _read_postgres_relation(artifacts: CompiledArtifacts, relation: str) -> pa.Table:
    import psycopg2
    import pyarrow as pa

    # The manifest's relation names the database of the target at compile time; the job reads the database the
    # target names where it runs (dbt wrote there), and Postgres refuses a reference to another database.
    parts = re.findall(r'"(?:[^"]|"")*"|[^.]+', relation)
    local = ".".join(parts[-2:])
    with postgres_connection(artifacts) as con, con.cursor() as cursor:
        try:
            cursor.execute(f"select * from {local}")
        except psycopg2.Error as exc:
            raise RuntimeFailure(
                Problem(f"cannot read relation {relation} ({str(exc).strip()})",
                        fix="materialize the upstream dbt asset first (run its job), then run this asset again")
            ) from None
        names = [column.name for column in cursor.description]
        rows = cursor.fetchall()
    return pa.table({name: [row[i] for row in rows] for i, name in enumerate(names)})
