"""Iceberg reads and writes through the catalog the artifacts name (pyiceberg).

Every write is one Iceberg commit: data files are written first and the catalog pointer moves last, so a
writer killed part-way leaves the table at its previous snapshot (plus unreferenced files that
orphan-file maintenance removes). A write replaces exactly the rows it is responsible for: the whole table
when unpartitioned, or the rows inside a time window and/or with given partition values. Running the same
partition twice therefore never duplicates rows. When two writers race on one table, the loser re-reads
the table and tries again.
"""

from __future__ import annotations

import os
import random
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from floe_core.artifacts import CompiledArtifacts
from floe_core.errors import Problem, RuntimeFailure

if TYPE_CHECKING:
    import pyarrow as pa

Moment = datetime | date
OverwriteWindow = tuple[str, Moment, Moment]

COMMIT_ATTEMPTS = 6
_DEFAULT_WAREHOUSE = "target/iceberg"
_UTC_NAMES = (None, "UTC", "+00:00", "Etc/UTC", "utc")
_INSTALL_FIX = "install the runtime extra: pip install 'floe-core[runtime]' (pyiceberg, pyarrow, SQLite)"


@dataclass(frozen=True)
class WriteResult:
    identifier: str
    snapshot_id: int | None
    rows_written: int
    created: bool = False


def open_catalog(artifacts: CompiledArtifacts) -> Any:
    """The pyiceberg catalog of `plugins.catalog`, with storage settings and credentials from the env."""
    load_catalog = _pyiceberg().catalog.load_catalog
    settings = artifacts.plugins.catalog
    props: dict[str, str] = {}
    if settings.kind == "sql":
        props["type"] = "sql"
        warehouse = settings.warehouse
        if "://" in warehouse:
            props["warehouse"] = warehouse
            if settings.uri is None:
                raise RuntimeFailure(
                    Problem(
                        "a SQL catalog over remote storage needs a database URI",
                        field="plugins.catalog.uri",
                        found=warehouse,
                        fix="set plugins.catalog.uri (e.g. postgresql+psycopg://...) or use a local folder",
                    )
                )
        else:
            folder = artifacts.in_project(warehouse)
            folder.mkdir(parents=True, exist_ok=True)
            props["warehouse"] = folder.as_uri()
        props["uri"] = settings.uri or f"sqlite:///{artifacts.in_project(warehouse) / 'catalog.db'}"
    else:
        props["type"] = "rest"
        if settings.uri is None:
            raise RuntimeFailure(
                Problem(
                    "a REST catalog needs its URI",
                    field="plugins.catalog.uri",
                    fix="set plugins.catalog.uri to the catalog's base URL (e.g. http://localhost:8181)",
                )
            )
        props["uri"] = settings.uri
        # For a REST catalog `warehouse` is the server's name for it; floe's local default means "not set".
        if settings.warehouse != _DEFAULT_WAREHOUSE:
            props["warehouse"] = settings.warehouse
        if settings.token_env:
            props["token"] = _env(settings.token_env, "plugins.catalog.token_env")
    props.update(_storage_props(artifacts))
    props.update(settings.properties)
    try:
        return load_catalog(settings.name, **props)
    except Exception as exc:
        raise RuntimeFailure(
            Problem(
                f"cannot open the {settings.kind} Iceberg catalog {settings.name!r} ({exc})",
                field="plugins.catalog",
                found=settings.uri or props.get("uri"),
                fix="check plugins.catalog in floe.yaml and that the catalog is reachable",
            )
        ) from None


def write_table(
    artifacts: CompiledArtifacts,
    identifier: str,
    data: pa.Table,
    *,
    overwrite_window: OverwriteWindow | None = None,
    overwrite_values: Mapping[str, str] | None = None,
    snapshot_properties: Mapping[str, str] | None = None,
) -> WriteResult:
    """Replace rows of `identifier` with `data` in one commit, creating the namespace and table if needed.

    Without a window or values the whole table is replaced. With `overwrite_window=(column, start, end)`
    only rows with start <= column < end are replaced; with `overwrite_values={column: value}` only rows
    with those values. Every row of `data` must lie inside that scope, otherwise a re-run would duplicate
    it. A table created by a scoped write is partitioned by its value columns and a date window column.
    """
    from floe_core.runtime.iceberg_filters import check_rows_in_scope, overwrite_filter, partition_fields

    data = normalize_arrow(data)
    check_rows_in_scope(identifier, data, overwrite_window, overwrite_values)
    exceptions = _pyiceberg().exceptions
    catalog = open_catalog(artifacts)
    namespace = identifier.split(".")[0]
    props = dict(snapshot_properties or {})
    row_filter = overwrite_filter(data.schema, identifier, overwrite_window, overwrite_values)
    for attempt in range(COMMIT_ATTEMPTS):
        try:
            table = _load(catalog, identifier, exceptions)
            if table is None:
                catalog.create_namespace_if_not_exists(namespace)
                with catalog.create_table_transaction(identifier, schema=data.schema) as txn:
                    fields = partition_fields(data.schema, overwrite_window, overwrite_values)
                    if fields:
                        with txn.update_spec() as spec:
                            for column, transform, name in fields:
                                spec.add_field(column, transform, name)
                    txn.append(data, snapshot_properties=props)
                table = catalog.load_table(identifier)
                return _result(identifier, table, data, created=True)
            with table.transaction() as txn, warnings.catch_warnings():
                # The first write of a partition replaces nothing; pyiceberg warns about that.
                warnings.filterwarnings("ignore", message="Delete operation did not match any records")
                if _adds_columns(table.schema(), data.schema):
                    with txn.update_schema() as update:
                        update.union_by_name(data.schema)
                txn.overwrite(data, overwrite_filter=row_filter, snapshot_properties=props)
            return _result(identifier, table, data, created=False)
        except (exceptions.CommitFailedException, exceptions.TableAlreadyExistsError):
            # Another writer committed first; our data files are orphans now, so write them again on top.
            time.sleep(min(2.0, 0.05 * 2**attempt) * (0.5 + random.random()))
        except (ValueError, exceptions.ValidationError) as exc:
            raise RuntimeFailure(
                Problem(
                    f"the rows do not fit Iceberg table {identifier} ({exc})",
                    field="columns",
                    fix="return the table's columns with the same types (new columns are added "
                    "automatically), or drop the table so the next write recreates it",
                )
            ) from None
    raise RuntimeFailure(
        Problem(
            f"could not commit to Iceberg table {identifier}: other writers kept committing first",
            found=f"{COMMIT_ATTEMPTS} attempts",
            fix="run fewer concurrent writes to this table (a lower backfill concurrency), then retry",
        )
    )


def read_table(artifacts: CompiledArtifacts, identifier: str, row_filter: str | None = None) -> pa.Table:
    """All rows of an Iceberg table (or those matching `row_filter`, e.g. "region = 'eu'") as pyarrow."""
    table = _load(open_catalog(artifacts), identifier, _pyiceberg().exceptions)
    if table is None:
        raise _missing_table(artifacts, identifier)
    scan = table.scan(row_filter=row_filter) if row_filter else table.scan()
    result: pa.Table = scan.to_arrow()
    return result


def current_snapshot_id(artifacts: CompiledArtifacts, identifier: str) -> int | None:
    """The table's current snapshot, or None when the table does not exist or was never written."""
    table = _load(open_catalog(artifacts), identifier, _pyiceberg().exceptions)
    snapshot = None if table is None else table.current_snapshot()
    return None if snapshot is None else int(snapshot.snapshot_id)


def table_schema(artifacts: CompiledArtifacts, identifier: str) -> pa.Schema | None:
    """The table's schema as pyarrow, or None when the table does not exist yet."""
    table = _load(open_catalog(artifacts), identifier, _pyiceberg().exceptions)
    if table is None:
        return None
    schema: pa.Schema = table.schema().as_arrow()
    return schema


def normalize_arrow(data: pa.Table) -> pa.Table:
    """Timestamps as Iceberg stores them: microseconds, and instants in UTC.

    Iceberg v2 has no nanosecond timestamps and only UTC for timestamps with a time zone. Arrow keeps
    instants in UTC whatever the zone label, so relabelling loses nothing.
    """
    import pyarrow as pa

    fields = []
    for f in data.schema:
        if pa.types.is_timestamp(f.type) and (f.type.unit == "ns" or f.type.tz not in _UTC_NAMES):
            unit = "us" if f.type.unit == "ns" else f.type.unit
            f = f.with_type(pa.timestamp(unit, tz=None if f.type.tz is None else "UTC"))
        fields.append(f)
    schema = pa.schema(fields, metadata=data.schema.metadata)
    # safe=False: sub-microsecond digits are dropped rather than failing the whole write.
    return data if schema == data.schema else data.cast(schema, safe=False)


def _load(catalog: Any, identifier: str, exceptions: Any) -> Any:
    try:
        return catalog.load_table(identifier)
    except (exceptions.NoSuchTableError, exceptions.NoSuchNamespaceError):
        return None


def _adds_columns(table_schema: Any, arrow_schema: pa.Schema) -> bool:
    existing = {f.name for f in table_schema.fields}
    return any(name not in existing for name in arrow_schema.names)


def _result(identifier: str, table: Any, data: pa.Table, *, created: bool) -> WriteResult:
    snapshot = table.current_snapshot()
    return WriteResult(
        identifier=identifier,
        snapshot_id=None if snapshot is None else int(snapshot.snapshot_id),
        rows_written=data.num_rows,
        created=created,
    )


def _missing_table(artifacts: CompiledArtifacts, identifier: str) -> RuntimeFailure:
    return RuntimeFailure(
        Problem(
            f"Iceberg table {identifier} does not exist in catalog {artifacts.plugins.catalog.name!r}",
            field="iceberg_table",
            fix="materialize the asset that writes it first (run its job), then read it again",
        )
    )


def _storage_props(artifacts: CompiledArtifacts) -> dict[str, str]:
    storage = artifacts.plugins.storage
    if storage.kind != "s3":
        return {}
    props: dict[str, str] = {}
    if storage.endpoint:
        props["s3.endpoint"] = storage.endpoint
    if storage.region:
        props["s3.region"] = storage.region
    if storage.access_key_id_env:
        props["s3.access-key-id"] = _env(storage.access_key_id_env, "plugins.storage.access_key_id_env")
    if storage.secret_access_key_env:
        props["s3.secret-access-key"] = _env(storage.secret_access_key_env, "plugins.storage.secret_access_key_env")
    return props


def _env(name: str, field: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeFailure(
            Problem(
                f"the environment variable {name} is not set in the process running this task",
                field=field,
                fix=f"set {name} in the engine's worker environment (floe never stores the value)",
            )
        )
    return value


def _pyiceberg() -> Any:
    try:
        import pyiceberg.catalog
        import pyiceberg.exceptions
    except ImportError:
        raise RuntimeFailure(Problem("pyiceberg is not installed", fix=_INSTALL_FIX)) from None
    return pyiceberg
