"""The scope of a partition write: which rows it replaces, and the check that its rows stay inside.

Window bounds are compared in the column's own terms: a date column takes dates (a window must start and
end at midnight), a timestamp column without a time zone takes wall-clock times in the window's time zone,
and a timestamp column with a time zone takes instants (a naive bound there is read as UTC).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timezone
from typing import TYPE_CHECKING, Any

from floe_core.errors import Problem, RuntimeFailure

if TYPE_CHECKING:
    import pyarrow as pa

    from floe_core.runtime.iceberg import OverwriteWindow


def overwrite_filter(
    schema: pa.Schema,
    identifier: str,
    window: OverwriteWindow | None,
    values: Mapping[str, str] | None,
) -> Any:
    """The pyiceberg expression selecting the rows a write replaces (everything when unscoped)."""
    import pyiceberg.expressions

    # pyiceberg's expression classes are pydantic models whose constructors mypy reads as keyword-only.
    ex: Any = pyiceberg.expressions
    terms: list[Any] = []
    if window is not None:
        column, start, end = window
        low, high = window_bounds(schema, identifier, column, start, end)
        terms += [ex.GreaterThanOrEqual(column, low), ex.LessThan(column, high)]
    for column, value in (values or {}).items():
        terms.append(ex.EqualTo(column, typed_value(schema, identifier, column, value)))
    if not terms:
        return ex.AlwaysTrue()
    expression = terms[0]
    for term in terms[1:]:
        expression = ex.And(expression, term)
    return expression


def check_rows_in_scope(
    identifier: str, data: pa.Table, window: OverwriteWindow | None, values: Mapping[str, str] | None
) -> None:
    """Raise when a row lies outside the scope it is written into: a re-run would not replace it."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if window is not None:
        column, start, end = window
        low, high = window_bounds(data.schema, identifier, column, start, end)
        field_type = data.schema.field(column).type
        col = data.column(column)
        inside = pc.and_(
            pc.greater_equal(col, pa.scalar(low, type=field_type)),
            pc.less(col, pa.scalar(high, type=field_type)),
        )
        _raise_if_outside(identifier, data, column, inside, f"in [{low}, {high})")
    for column, value in (values or {}).items():
        typed = typed_value(data.schema, identifier, column, value)
        col = data.column(column)
        inside = pc.equal(col, pa.scalar(typed, type=data.schema.field(column).type))
        _raise_if_outside(identifier, data, column, inside, f"equal to {value!r}")


def partition_fields(
    schema: pa.Schema, window: OverwriteWindow | None, values: Mapping[str, str] | None
) -> list[tuple[str, Any, str]]:
    """Iceberg partition fields for a table first written by a scoped write: (column, transform, name).

    Only identity partitions: pyiceberg needs the optional Rust `pyiceberg-core` to write day or hour
    transforms. A date window column is partitioned by identity (one partition per day, week or month
    start); a timestamp window column is left unpartitioned, where per-file min/max statistics still let a
    window overwrite drop whole files.
    """
    import pyarrow as pa
    from pyiceberg.transforms import IdentityTransform

    fields: list[tuple[str, Any, str]] = []
    if window is not None and pa.types.is_date(schema.field(window[0]).type):
        fields.append((window[0], IdentityTransform(), window[0]))
    for column in values or {}:
        fields.append((column, IdentityTransform(), column))
    return fields


def window_bounds(
    schema: pa.Schema, identifier: str, column: str, start: date | datetime, end: date | datetime
) -> tuple[Any, Any]:
    import pyarrow as pa

    field_type = _field(schema, identifier, column).type
    if pa.types.is_date(field_type):
        return _as_date(start, identifier, column), _as_date(end, identifier, column)
    if pa.types.is_timestamp(field_type):
        aware = field_type.tz is not None
        return _as_timestamp(start, aware), _as_timestamp(end, aware)
    raise RuntimeFailure(
        Problem(
            f"the window column {column!r} of {identifier} is not a date or timestamp",
            field=column,
            found=str(field_type),
            expected="date or timestamp",
            fix="return the column as a date or timestamp",
        )
    )


def typed_value(schema: pa.Schema, identifier: str, column: str, value: str) -> Any:
    """The partition value as the column's type (a static key is text; the column may be an integer)."""
    import pyarrow as pa

    field_type = _field(schema, identifier, column).type
    if pa.types.is_string(field_type) or pa.types.is_large_string(field_type):
        return value
    try:
        return pa.scalar(value).cast(field_type).as_py()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise RuntimeFailure(
            Problem(
                f"the partition value {value!r} cannot be stored in column {column!r} of {identifier}",
                field=column,
                found=str(field_type),
                fix="return the partition column as text, or use keys that convert to its type",
            )
        ) from None


def _field(schema: pa.Schema, identifier: str, column: str) -> pa.Field:
    index = schema.get_field_index(column)
    if index < 0:
        raise RuntimeFailure(
            Problem(
                f"the rows written to {identifier} have no partition column {column!r}",
                field=column,
                found=schema.names,
                fix=f"add a {column!r} column to the returned rows",
            )
        )
    return schema.field(index)


def _as_date(moment: date | datetime, identifier: str, column: str) -> date:
    if not isinstance(moment, datetime):
        return moment
    if moment.time() != time(0):
        raise RuntimeFailure(
            Problem(
                f"a window bound {moment.isoformat()} is not midnight, but column {column!r} of {identifier} "
                "holds dates",
                field=column,
                fix="store the column as a timestamp for hourly partitions",
            )
        )
    return moment.date()


def _as_timestamp(moment: date | datetime, aware: bool) -> datetime:
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(0))
    if aware:
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
    return moment.replace(tzinfo=None)


def _raise_if_outside(identifier: str, data: pa.Table, column: str, inside: Any, scope: str) -> None:
    import pyarrow.compute as pc

    if not data.num_rows:
        return
    outside = data.num_rows - pc.sum(pc.fill_null(inside, False).cast("int64")).as_py()
    if outside:
        stats = pc.min_max(data.column(column))
        raise RuntimeFailure(
            Problem(
                f"{outside} of {data.num_rows} rows written to {identifier} have {column!r} outside the "
                f"partition being written (expected {scope})",
                field=column,
                found=f"values from {stats['min']} to {stats['max']}",
                fix="return only rows of the partition being run; rows outside it would be duplicated by every re-run",
            )
        )
