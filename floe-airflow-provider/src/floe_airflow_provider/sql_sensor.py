"""common-sql's SqlSensor, pointed at the warehouse dbt writes (the DuckDB file, the Postgres database) or at an
Airflow connection."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

# Public in every Airflow 3; 3.3 re-exports it from the Task SDK without marking it exported.
from airflow.exceptions import AirflowNotFoundException  # type: ignore[attr-defined]
from airflow.providers.common.sql.sensors.sql import SqlSensor
from floe_core.errors import Problem, RuntimeFailure
from floe_core.runtime.warehouse import is_lock_error

from floe_airflow_provider import _compat


class FloeSqlSensor(SqlSensor):
    """Fires when the floe sensor's query returns a first row whose first value is truthy.

    With `duckdb_path` it opens that file read-only through the DuckDB provider's hook (no Airflow connection
    is needed: the path is in the artifacts). While dbt holds the file's write lock the answer is "not yet".
    With `postgres_artifacts` (an artifacts file) it asks the Postgres provider's hook, on a connection made
    from the dbt target when it pokes, so the password is read in the worker and stored nowhere.
    """

    # floe's SQL is plain SQL, evaluated identically on every engine: not a Jinja template, not a file name.
    template_fields: Sequence[str] = ("conn_id",)
    template_ext: Sequence[str] = ()

    def __init__(self, *, duckdb_path: str | None = None, postgres_artifacts: str | None = None,
                 floe_sensor: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.duckdb_path = duckdb_path
        self.postgres_artifacts = postgres_artifacts
        self.floe_sensor = floe_sensor

    def _get_hook(self) -> Any:
        if self.duckdb_path is not None:
            hook_class = _compat.duckdb_sql_hook_class()
            return hook_class(database=self.duckdb_path, read_only=True)
        if self.postgres_artifacts is not None:
            return _postgres_hook(self.postgres_artifacts)
        try:
            # common-sql's stub (sql.pyi) leaves out `_get_hook`, which every SqlSensor has and `poke` calls.
            return super()._get_hook()  # type: ignore[misc]
        except AirflowNotFoundException:
            raise missing_connection(self.conn_id, self.floe_sensor) from None

    def poke(self, context: Any) -> bool:
        if self.duckdb_path is not None and not Path(self.duckdb_path).is_file():
            self.log.info("DuckDB file %s does not exist yet", self.duckdb_path)
            return False
        try:
            return bool(super().poke(context))
        except Exception as exc:
            if self.duckdb_path is not None and is_lock_error(exc):
                self.log.info("DuckDB file is being written (%s); asking again next poke", exc)
                return False
            raise


def _postgres_hook(artifacts_file: str) -> Any:
    from airflow.providers.postgres.hooks.postgres import PostgresHook
    from airflow.sdk import Connection
    from floe_core.runtime.warehouse import postgres_target

    from floe_airflow_provider.loading import load

    target = postgres_target(load(Path(artifacts_file)))
    connection = Connection(conn_id="floe_compute", conn_type="postgres", host=target.host,
                            port=target.port or 5432, login=target.user, password=target.password,
                            schema=target.dbname)
    return PostgresHook(connection=connection)


def missing_connection(conn_id: str, sensor: str) -> RuntimeFailure:
    env = "AIRFLOW_CONN_" + conn_id.upper()
    return RuntimeFailure(
        Problem(
            f"SQL sensor {sensor!r} uses Airflow connection {conn_id!r}, which is not defined",
            field=f"orchestration.sensors[{sensor}].connection",
            found=conn_id,
            fix=(
                f"define it, e.g. `export {env}='sqlite:////path/to/file.db'` (a URI or JSON) in the "
                f"environment of the workers, or `airflow connections add {conn_id} --conn-uri ...`; or "
                "use `connection: compute` for the warehouse dbt writes"
            ),
        )
    )
