"""Sensor conditions, evaluated the same way from a Dagster sensor and an Airflow sensor task.

Each function answers one question on one tick and keeps no state of its own: the engine stores the cursor
a file sensor returns and passes it back on the next tick.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from floe_core.artifacts import COMPUTE_CONNECTION, CompiledArtifacts, CustomSensor, FileSensor, SqlSensor
from floe_core.errors import Problem, RuntimeFailure
from floe_core.runtime.imports import load_callable, search_paths
from floe_core.runtime.warehouse import duckdb_path, import_duckdb, is_lock_error, postgres_connection

CURSOR_VERSION = 1


def new_files(sensor: FileSensor, base_dir: Path, cursor: str | None) -> tuple[list[str], str]:
    """Files matching the sensor that are new since `cursor`, oldest first, and the cursor to store.

    Files are ordered by (modification time, name). The cursor keeps the newest modification time seen
    and the names seen at exactly that time, so every file is reported once, on the tick after it
    appears, however many files share a timestamp. A file that appears with an mtime older than one
    already reported (copied with `cp -p`, say) is not reported: move or write files into the folder.
    A folder that does not exist yet has no new files.
    """
    folder = Path(sensor.path)
    folder = folder if folder.is_absolute() else base_dir / folder
    seen_mtime, seen_names = _read_cursor(sensor, cursor)
    found: list[tuple[int, str, Path]] = []
    if folder.is_dir():
        for path in folder.glob(sensor.pattern):
            try:
                stat = path.stat()
            except OSError:  # removed between listing and stat
                continue
            if path.is_file():
                found.append((stat.st_mtime_ns, path.relative_to(folder).as_posix(), path))
    fresh = sorted(
        (mtime, name, path)
        for mtime, name, path in found
        if mtime > seen_mtime or (mtime == seen_mtime and name not in seen_names)
    )
    if fresh:
        newest = fresh[-1][0]
        names_at_newest = {name for mtime, name, _ in found if mtime == newest}
        if newest == seen_mtime:
            names_at_newest |= seen_names
        seen_mtime, seen_names = newest, names_at_newest
    new_cursor = json.dumps({"v": CURSOR_VERSION, "mtime_ns": seen_mtime, "names": sorted(seen_names)})
    return [str(path.resolve()) for _, _, path in fresh], new_cursor


def sql_condition(artifacts: CompiledArtifacts, sensor: SqlSensor) -> bool:
    """Whether the sensor's query returns a first row whose first value is truthy.

    `connection: compute` runs it on the warehouse dbt writes, read-only: the DuckDB file (until that file
    exists, or while another process holds its write lock, such as a dbt run, the condition is False and the
    next tick asks again), or the Postgres target's database with the dbt profile's settings.
    `connection: duckdb` is the DuckDB file only. A query that fails for any other reason is an error.
    """
    field = f"orchestration.sensors[{sensor.name}].connection"
    if sensor.connection not in (COMPUTE_CONNECTION, "duckdb"):
        raise RuntimeFailure(
            Problem(
                f"sensor {sensor.name!r} uses connection {sensor.connection!r}, which floe-core cannot open",
                field=field,
                found=sensor.connection,
                fix="evaluate it with the engine's SQL sensor and that connection, or use connection: compute",
            )
        )
    kind = artifacts.plugins.compute.kind
    if kind == "postgres" and sensor.connection == COMPUTE_CONNECTION:
        return _postgres_condition(artifacts, sensor)
    if kind != "duckdb":
        raise RuntimeFailure(
            Problem(
                f"sensor {sensor.name!r} uses connection 'duckdb', the DuckDB file, and this product's warehouse "
                f"is {kind}",
                field=field,
                found=sensor.connection,
                fix="use connection: compute (the warehouse's own connection, the default), or an Airflow "
                "connection id",
            )
        )
    duckdb = import_duckdb()
    path = duckdb_path(artifacts)
    if not path.is_file():
        return False
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        if is_lock_error(exc):
            return False
        raise RuntimeFailure(
            Problem(
                f"sensor {sensor.name!r} cannot open the DuckDB file ({exc})",
                file=str(path),
                field="plugins.compute.path",
                fix="check the file is a DuckDB database",
            )
        ) from None
    try:
        row = con.execute(sensor.sql).fetchone()
    except duckdb.Error as exc:
        raise RuntimeFailure(
            Problem(
                f"the query of sensor {sensor.name!r} failed: {exc}",
                file=str(path),
                field=f"orchestration.sensors[{sensor.name}].sql",
                found=sensor.sql,
                fix="fix the SQL; it runs on the compute DuckDB file, read-only",
            )
        ) from None
    finally:
        con.close()
    return bool(row and row[0])


def _postgres_condition(artifacts: CompiledArtifacts, sensor: SqlSensor) -> bool:
    import psycopg2

    with postgres_connection(artifacts) as con, con.cursor() as cursor:
        try:
            cursor.execute(sensor.sql)
            row = cursor.fetchone()
        except psycopg2.Error as exc:
            raise RuntimeFailure(
                Problem(
                    f"the query of sensor {sensor.name!r} failed: {str(exc).strip()}",
                    field=f"orchestration.sensors[{sensor.name}].sql",
                    found=sensor.sql,
                    fix="fix the SQL; it runs on the Postgres warehouse's database, read-only",
                )
            ) from None
    return bool(row and row[0])


def custom_condition(sensor: CustomSensor, artifacts: CompiledArtifacts | None = None) -> bool | dict[str, str]:
    """Call the sensor's `module:function` with no arguments.

    A non-empty mapping means "fire, with these run tags" and comes back as a dict of strings; any other
    value means fire (True) or not (False). With `artifacts`, modules in the dbt project folder and its
    parent are importable.
    """
    function = load_callable(
        sensor.callable,
        search_paths(artifacts),
        what=f"sensor {sensor.name!r}",
        field=f"orchestration.sensors[{sensor.name}].callable",
    )
    result: Any = function()
    if isinstance(result, Mapping):
        return {str(k): str(v) for k, v in result.items()} if result else False
    return bool(result)


def _read_cursor(sensor: FileSensor, cursor: str | None) -> tuple[int, set[str]]:
    if not cursor:
        return -1, set()
    try:
        data = json.loads(cursor)
        if data.get("v") != CURSOR_VERSION:
            raise ValueError(f"cursor version {data.get('v')!r}")
        return int(data["mtime_ns"]), {str(n) for n in data["names"]}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RuntimeFailure(
            Problem(
                f"the stored cursor of file sensor {sensor.name!r} is not one floe wrote ({exc})",
                field=f"orchestration.sensors[{sensor.name}]",
                found=cursor,
                fix="reset the sensor's cursor in the engine; it then reports every file in the folder once",
            )
        ) from None
