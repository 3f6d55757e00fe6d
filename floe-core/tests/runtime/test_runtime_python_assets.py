"""Python assets: what their functions receive, and what lands in their Iceberg tables."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from floe_core.artifacts import CompiledArtifacts
from floe_core.errors import RuntimeFailure
from floe_core.runtime import AssetContext, read_table, run_python_asset, write_asset_rows
from runtime_fixtures import make_artifacts


@pytest.fixture
def warehouse(built: Any, project_dir: Path, artifacts: CompiledArtifacts, tmp_path: Path) -> CompiledArtifacts:
    """The built dbt project, with an Iceberg warehouse of this test's own."""
    return make_artifacts(project_dir, artifacts.orchestration.checks, warehouse=str(tmp_path / "warehouse"))


def test_a_daily_partition_writes_the_rows_of_its_window(warehouse: CompiledArtifacts) -> None:
    result = run_python_asset(warehouse, "order_facts", "2024-01-01")

    assert result.rows_written == 2
    rows = read_table(warehouse, "analytics.order_facts").to_pylist()
    assert sorted(r["order_id"] for r in rows) == [1, 2]
    assert {r["floe_partition_start"] for r in rows} == {date(2024, 1, 1)}


def test_re_running_a_partition_replaces_its_rows_and_keeps_the_others(warehouse: CompiledArtifacts) -> None:
    for key in ("2024-01-01", "2024-01-02", "2024-01-01", "2024-01-01"):
        run_python_asset(warehouse, "order_facts", key)

    rows = read_table(warehouse, "analytics.order_facts").to_pylist()
    assert sorted((r["floe_partition_start"].isoformat(), r["order_id"]) for r in rows) == [
        ("2024-01-01", 1),
        ("2024-01-01", 2),
        ("2024-01-02", 3),
    ]


def test_a_ranged_run_needs_rows_that_say_their_partition(warehouse: CompiledArtifacts) -> None:
    with pytest.raises(RuntimeFailure, match=r"ranged run .* covers several partitions") as info:
        run_python_asset(warehouse, "order_facts", "2024-01-01", "2024-01-03")
    assert info.value.field == "floe_partition_start"


def test_the_context_carries_the_partition_vars_and_window(warehouse: CompiledArtifacts) -> None:
    from floe_core.runtime.python_assets import build_context

    asset = warehouse.assets_by_key["order_facts"]
    context = build_context(warehouse, asset, warehouse.asset_partitions("order_facts"), "2024-01-02", "2024-01-03")

    assert context.partition_vars == {
        "floe_partition_key": "2024-01-02",
        "floe_partition_start": "2024-01-02",
        "floe_partition_end": "2024-01-04",
    }
    assert context.window is not None
    assert [w.replace(tzinfo=None) for w in context.window] == [datetime(2024, 1, 2), datetime(2024, 1, 4)]


def test_an_unpartitioned_asset_reads_dbt_and_iceberg_upstreams(warehouse: CompiledArtifacts) -> None:
    run_python_asset(warehouse, "order_facts", "2024-01-02")

    result = run_python_asset(warehouse, "customer_report")

    assert result.partition_key is None
    assert read_table(warehouse, "analytics.customer_report").to_pylist() == [{"customers": 3, "facts": 1}]


def test_a_static_partition_replaces_only_its_key(warehouse: CompiledArtifacts) -> None:
    for key in ("eu", "us", "eu"):
        run_python_asset(warehouse, "region_sales", key)

    rows = read_table(warehouse, "analytics.region_sales").to_pylist()
    assert sorted((r["floe_partition_key"], r["amount"]) for r in rows) == [
        ("eu", 1),
        ("eu", 2),
        ("us", 1),
        ("us", 2),
    ]


def test_a_multi_partition_scopes_by_window_and_static_key(warehouse: CompiledArtifacts) -> None:
    for key in ("2024-01-01|eu", "2024-01-01|us", "2024-01-02|eu", "2024-01-01|eu"):
        run_python_asset(warehouse, "daily_region_sales", key)

    rows = read_table(warehouse, "analytics.daily_region_sales").to_pylist()
    assert sorted({(r["floe_partition_start"].day, r["floe_partition_region"]) for r in rows}) == [
        (1, "eu"),
        (1, "us"),
        (2, "eu"),
    ]
    assert len(rows) == 6


def test_an_hourly_partition_records_its_start_as_an_instant(warehouse: CompiledArtifacts) -> None:
    # 03:00 in Berlin on the day clocks move forward is 01:00 UTC.
    run_python_asset(warehouse, "hourly_pings", "2024-03-31-03:00")
    run_python_asset(warehouse, "hourly_pings", "2024-03-31-03:00")

    table = read_table(warehouse, "analytics.hourly_pings")
    assert table.num_rows == 3
    starts = {r["floe_partition_start"].astimezone(timezone.utc) for r in table.to_pylist()}
    assert starts == {datetime(2024, 3, 31, 1, tzinfo=timezone.utc)}


def test_an_engine_can_write_returned_rows_for_a_context_it_built(warehouse: CompiledArtifacts) -> None:
    from floe_core.runtime.python_assets import build_context

    parts = warehouse.asset_partitions("region_sales")
    context = build_context(warehouse, warehouse.assets_by_key["region_sales"], parts, "us", None)
    for _ in range(2):
        written = write_asset_rows(warehouse, context, [{"region": "us", "amount": 5}])
        assert written is not None

    rows = read_table(warehouse, "analytics.region_sales").to_pylist()
    assert rows == [{"region": "us", "amount": 5, "floe_partition_key": "us"}]


def test_returning_none_writes_nothing(warehouse: CompiledArtifacts) -> None:
    result = run_python_asset(warehouse, "nothing")
    assert (result.rows_written, result.snapshot_id) == (0, None)


def test_returning_something_that_is_not_rows_is_an_error(warehouse: CompiledArtifacts) -> None:
    with pytest.raises(RuntimeFailure, match="returned a str, which floe cannot write"):
        run_python_asset(warehouse, "not_rows")


def test_reading_an_undeclared_upstream_is_an_error(warehouse: CompiledArtifacts) -> None:
    with pytest.raises(RuntimeFailure, match="reads 'customers', which is not one of its dependencies") as info:
        run_python_asset(warehouse, "reads_undeclared")
    assert "deps" in (info.value.fix or "")


def test_a_missing_module_says_where_floe_looked(warehouse: CompiledArtifacts) -> None:
    with pytest.raises(
        RuntimeFailure, match="module 'no_such_module' of Python asset 'missing_module' was not found"
    ) as info:
        run_python_asset(warehouse, "missing_module")
    assert str(warehouse.project_dir) in (info.value.problems[0].expected or "")


def test_a_missing_function_names_the_module(warehouse: CompiledArtifacts) -> None:
    with pytest.raises(RuntimeFailure, match="module 'rt_assets' has no function 'nope'"):
        run_python_asset(warehouse, "missing_function")


def test_a_partitioned_asset_needs_a_partition_key(warehouse: CompiledArtifacts) -> None:
    with pytest.raises(RuntimeFailure, match="partitioned by 'daily' but no partition was given"):
        run_python_asset(warehouse, "order_facts")


def test_an_unknown_partition_key_is_an_error(warehouse: CompiledArtifacts) -> None:
    with pytest.raises(RuntimeFailure, match="not a key of partitions 'daily'"):
        run_python_asset(warehouse, "order_facts", "January 1st")


def test_a_dbt_asset_is_not_run_as_python(warehouse: CompiledArtifacts) -> None:
    with pytest.raises(RuntimeFailure, match="'orders' is not a Python asset"):
        run_python_asset(warehouse, "orders")


def test_arrow_stream_objects_are_accepted(warehouse: CompiledArtifacts) -> None:
    from floe_core.runtime.python_assets import rows_as_arrow

    class Stream:
        def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
            return pa.table({"a": [1, 2]}).__arrow_c_stream__(requested_schema)

    asset = warehouse.assets_by_key["customer_report"]
    for returned, rows in ((Stream(), 2), (pa.record_batch({"a": [1]}), 1), ({"a": [1, 2, 3]}, 3)):
        table = rows_as_arrow(warehouse, asset, returned)
        assert table is not None
        assert table.num_rows == rows


def test_a_context_without_artifacts_cannot_read_upstreams() -> None:
    with pytest.raises(RuntimeFailure, match="built without artifacts"):
        AssetContext(key="x").read_upstream("y")
