"""Running a Python asset: call its function, write what it returns to its Iceberg table.

The function takes one `AssetContext` and returns rows: a pyarrow Table, RecordBatch or RecordBatchReader,
a list of dicts, a dict of columns, or anything exposing the Arrow stream protocol (a pandas >= 2.2 or
polars DataFrame, a DuckDB relation). None writes nothing.

Partition columns. A partitioned asset's table carries its partition in columns named like the dbt vars
a partitioned run receives:
- `floe_partition_start`: the time window the row belongs to (a date for daily, weekly and monthly
  partitions; for hourly ones a timestamp with time zone, which Iceberg stores in UTC);
- `floe_partition_key`: the key of a static partition set;
- `floe_partition_<dimension>`: the key of a static dimension of a multi-partitioned asset.
floe adds a missing column with the run's partition; rows that carry it must lie inside the run's
partition (a ranged run over several windows must carry `floe_partition_start` itself). Re-running a
partition replaces exactly its rows.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from floe_core.artifacts import (
    Asset,
    CompiledArtifacts,
    MultiPartitions,
    Partitions,
    StaticPartitions,
    TimeWindowPartitions,
)
from floe_core.errors import Problem, RuntimeFailure
from floe_core.partitioning import VAR_KEY, VAR_START, partition_vars, split_multi_key, time_window
from floe_core.runtime.imports import load_callable, search_paths

if TYPE_CHECKING:
    import pyarrow as pa

    from floe_core.runtime.iceberg import WriteResult

PARTITION_START_COLUMN = VAR_START
PARTITION_KEY_COLUMN = VAR_KEY


@dataclass(frozen=True)
class AssetContext:
    """What a Python asset's function receives. `window` is [start, end) for time partitions, else None."""

    key: str
    partition_key: str | None = None
    last_partition_key: str | None = None
    partition_vars: Mapping[str, str] = field(default_factory=dict)
    window: tuple[datetime, datetime] | None = None
    artifacts: CompiledArtifacts | None = field(default=None, repr=False, compare=False)

    def read_upstream(self, key: str) -> pa.Table:
        """All rows of an upstream asset: a dbt model's DuckDB relation, or a Python asset's Iceberg table."""
        from floe_core.runtime.iceberg import read_table
        from floe_core.runtime.warehouse import read_relation

        artifacts = self._require_artifacts()
        asset = artifacts.assets_by_key[self.key]
        if key not in {dep.key for dep in asset.deps}:
            raise RuntimeFailure(
                Problem(
                    f"asset {self.key!r} reads {key!r}, which is not one of its dependencies",
                    field=f"orchestration.assets[{self.key}].deps",
                    found=sorted(dep.key for dep in asset.deps),
                    fix=f"add {key!r} to the asset's deps in floe.yaml so every engine runs it first",
                )
            )
        upstream = artifacts.assets_by_key[key]
        if upstream.iceberg_table is not None and (upstream.dbt is None or upstream.dbt.relation is None):
            return read_table(artifacts, upstream.iceberg_table)
        if upstream.dbt is not None and upstream.dbt.relation is not None:
            return read_relation(artifacts, upstream.dbt.relation)
        raise RuntimeFailure(
            Problem(
                f"upstream asset {key!r} has no table to read (no dbt relation, no Iceberg table)",
                field=f"orchestration.assets[{key}]",
                found=upstream.materialization or upstream.kind,
                fix="materialize it as a table or view (ephemeral models cannot be read), or read its upstream instead",
            )
        )

    def _require_artifacts(self) -> CompiledArtifacts:
        if self.artifacts is None:
            raise RuntimeFailure(
                Problem(
                    f"this context of {self.key!r} was built without artifacts, so it cannot read upstreams",
                    fix="build contexts with run_python_asset, or pass artifacts=",
                )
            )
        return self.artifacts


@dataclass(frozen=True)
class AssetRunResult:
    key: str
    iceberg_table: str | None
    rows_written: int
    snapshot_id: int | None
    partition_key: str | None = None
    elapsed: float = 0.0


def run_python_asset(
    artifacts: CompiledArtifacts,
    key: str,
    partition_key: str | None = None,
    last_partition_key: str | None = None,
) -> AssetRunResult:
    """Run one Python asset for one partition (or the range `partition_key`..`last_partition_key`)."""
    started = time.perf_counter()
    asset = _python_asset(artifacts, key)
    parts = artifacts.asset_partitions(key)
    context = build_context(artifacts, asset, parts, partition_key, last_partition_key)
    assert asset.python is not None
    function = load_callable(
        asset.python.callable,
        search_paths(artifacts),
        what=f"Python asset {key!r}",
        field=f"orchestration.assets[{key}].python.callable",
    )
    returned = function(context)
    if asset.iceberg_table is None:
        return AssetRunResult(key, None, 0, None, partition_key, time.perf_counter() - started)
    written = write_asset_rows(artifacts, context, returned)
    return AssetRunResult(
        key,
        asset.iceberg_table,
        0 if written is None else written.rows_written,
        None if written is None else written.snapshot_id,
        partition_key,
        time.perf_counter() - started,
    )


def write_asset_rows(
    artifacts: CompiledArtifacts,
    context: AssetContext,
    returned: Any,
    *,
    snapshot_properties: Mapping[str, str] | None = None,
) -> WriteResult | None:
    """Write what an asset's function returned to its Iceberg table, scoped to the context's partition.

    Adds the missing partition columns and replaces exactly the partition's rows. None when there was
    nothing to write (the function returned None, or no rows before the table existed).
    """
    from floe_core.runtime.iceberg import write_table

    asset = artifacts.assets_by_key[context.key]
    if asset.iceberg_table is None:
        raise RuntimeFailure(
            Problem(
                f"asset {asset.key!r} returned rows but has no Iceberg table to write them to",
                field=f"orchestration.assets[{asset.key}].iceberg_table",
                fix="set the asset's Iceberg table in floe.yaml and re-compile, or return None",
            )
        )
    data = rows_as_arrow(artifacts, asset, returned)
    if data is None:
        return None
    parts = artifacts.asset_partitions(asset.key)
    window, values = partition_scope(parts, context)
    data = with_partition_columns(data, parts, context, window, values)
    properties = {"floe.asset": asset.key, "floe.partition": context.partition_key or ""}
    properties.update(snapshot_properties or {})
    return write_table(
        artifacts,
        asset.iceberg_table,
        data,
        overwrite_window=window,
        overwrite_values=values,
        snapshot_properties=properties,
    )


def build_context(
    artifacts: CompiledArtifacts,
    asset: Asset,
    parts: Partitions | None,
    partition_key: str | None,
    last_partition_key: str | None,
) -> AssetContext:
    where = f"orchestration.assets[{asset.key}].partitions"
    if parts is None:
        if partition_key is not None:
            raise RuntimeFailure(
                Problem(
                    f"asset {asset.key!r} is not partitioned but a partition was given",
                    field=where,
                    found=partition_key,
                    fix="run it without a partition key",
                )
            )
        return AssetContext(key=asset.key, artifacts=artifacts)
    if partition_key is None:
        raise RuntimeFailure(
            Problem(
                f"asset {asset.key!r} is partitioned by {parts.name!r} but no partition was given",
                field=where,
                fix="run it for one partition key (or a range of time-window keys)",
            )
        )
    if last_partition_key not in (None, partition_key) and not isinstance(parts, TimeWindowPartitions):
        raise RuntimeFailure(
            Problem(
                f"a ranged run of {asset.key!r} needs time-window partitions",
                field=where,
                found=f"{partition_key}...{last_partition_key}",
                fix="run each partition on its own",
            )
        )
    try:
        variables = partition_vars(parts, partition_key, last_partition_key)
        window = _window(parts, partition_key, last_partition_key)
    except KeyError as exc:
        raise RuntimeFailure(
            Problem(
                f"{exc.args[0]}",
                field=where,
                found=partition_key,
                fix="pass a key listed by the engine for this partition set",
            )
        ) from None
    return AssetContext(
        key=asset.key,
        partition_key=partition_key,
        last_partition_key=last_partition_key,
        partition_vars=variables,
        window=window,
        artifacts=artifacts,
    )


def rows_as_arrow(artifacts: CompiledArtifacts, asset: Asset, returned: Any) -> pa.Table | None:
    """What the function returned, as a pyarrow Table (None when there is nothing to write)."""
    import pyarrow as pa

    from floe_core.runtime.iceberg import table_schema

    if returned is None:
        return None
    if isinstance(returned, pa.Table):
        return returned
    if isinstance(returned, pa.RecordBatch):
        return pa.Table.from_batches([returned])
    if isinstance(returned, pa.RecordBatchReader):
        return returned.read_all()
    if hasattr(returned, "__arrow_c_stream__"):
        return pa.table(returned)
    if isinstance(returned, list) and not returned:
        # No rows and no schema to build a table from: an empty partition clears the existing one's rows.
        assert asset.iceberg_table is not None
        schema = table_schema(artifacts, asset.iceberg_table)
        return None if schema is None else schema.empty_table()
    if isinstance(returned, list) and all(isinstance(row, Mapping) for row in returned):
        return pa.Table.from_pylist(returned)
    if isinstance(returned, Mapping):
        return pa.table(dict(returned))
    raise RuntimeFailure(
        Problem(
            f"Python asset {asset.key!r} returned a {type(returned).__name__}, which floe cannot write",
            field=f"orchestration.assets[{asset.key}].python.callable",
            expected="a pyarrow Table, a list of dicts, a dict of columns, or an Arrow-stream object",
            fix="return the rows in one of the expected forms (or None to write nothing)",
        )
    )


def with_partition_columns(
    data: pa.Table,
    parts: Partitions | None,
    context: AssetContext,
    window: tuple[str, datetime, datetime] | None,
    values: Mapping[str, str] | None,
) -> pa.Table:
    """Add each missing partition column, filled with the run's partition."""
    import pyarrow as pa

    if window is not None and window[0] not in data.column_names:
        if context.last_partition_key not in (None, context.partition_key):
            raise RuntimeFailure(
                Problem(
                    f"a ranged run of {context.key!r} covers several partitions, but the rows have no "
                    f"{window[0]!r} column saying which one each row belongs to",
                    field=window[0],
                    fix=f"return a {window[0]!r} column (a date or timestamp inside the row's partition)",
                )
            )
        time_parts = _time_dimension(parts)
        assert time_parts is not None
        start = window[1]
        value: date | datetime = start if time_parts.cadence == "hourly" else start.date()
        arrow_type = pa.timestamp("us", tz="UTC") if isinstance(value, datetime) else pa.date32()
        column = pa.array([value] * data.num_rows, arrow_type)
        data = data.append_column(pa.field(window[0], arrow_type), column)
    for column, key in (values or {}).items():
        if column not in data.column_names:
            data = data.append_column(column, pa.array([key] * data.num_rows, pa.string()))
    return data


def partition_scope(
    parts: Partitions | None, context: AssetContext
) -> tuple[tuple[str, datetime, datetime] | None, dict[str, str] | None]:
    """The rows a partitioned write replaces: a window on `floe_partition_start`, and/or static keys."""
    if parts is None or context.partition_key is None:
        return None, None
    window = None if context.window is None else (PARTITION_START_COLUMN, *context.window)
    if isinstance(parts, StaticPartitions):
        return None, {PARTITION_KEY_COLUMN: context.partition_key}
    if isinstance(parts, MultiPartitions):
        keys = split_multi_key(parts, context.partition_key)
        values = {
            f"floe_partition_{d.name}": keys[d.name]
            for d in parts.dimensions
            if isinstance(d.partitions, StaticPartitions)
        }
        return window, values
    return window, None



def _window(parts: Partitions, key: str, last_key: str | None) -> tuple[datetime, datetime] | None:
    if isinstance(parts, TimeWindowPartitions):
        return time_window(parts, key)[0], time_window(parts, last_key or key)[1]
    if isinstance(parts, MultiPartitions):
        for dim in parts.dimensions:
            if isinstance(dim.partitions, TimeWindowPartitions):
                return time_window(dim.partitions, split_multi_key(parts, key)[dim.name])
    return None


def _time_dimension(parts: Partitions | None) -> TimeWindowPartitions | None:
    if isinstance(parts, TimeWindowPartitions):
        return parts
    if isinstance(parts, MultiPartitions):
        for dim in parts.dimensions:
            if isinstance(dim.partitions, TimeWindowPartitions):
                return dim.partitions
    return None


def _python_asset(artifacts: CompiledArtifacts, key: str) -> Asset:
    asset = artifacts.assets_by_key.get(key)
    if asset is None or asset.kind != "python" or asset.python is None:
        raise RuntimeFailure(
            Problem(
                f"{key!r} is not a Python asset of these artifacts",
                field="orchestration.assets",
                found=None if asset is None else asset.kind,
                fix="pass the key of an asset with kind python (dbt assets run through run_dbt)",
            )
        )
    return asset
