"""Iceberg writes on a real SQLite catalog: what ends up in the table, re-runs, races and crashes."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from floe_core.artifacts import CatalogSettings, CompiledArtifacts, StorageSettings
from floe_core.errors import RuntimeFailure
from floe_core.runtime import current_snapshot_id, open_catalog, read_table, write_table
from runtime_fixtures import make_artifacts

TABLE = "analytics.events"


def day_rows(day: int, values: list[int]) -> pa.Table:
    return pa.table({"day": [date(2024, 1, day)] * len(values), "value": values})


def window(day: int) -> tuple[str, datetime, datetime]:
    return ("day", datetime(2024, 1, day), datetime(2024, 1, day + 1))


def rows_by_day(artifacts: CompiledArtifacts) -> dict[str, list[int]]:
    grouped: dict[str, list[int]] = {}
    for row in read_table(artifacts, TABLE).to_pylist():
        grouped.setdefault(row["day"].isoformat(), []).append(row["value"])
    return {day: sorted(values) for day, values in sorted(grouped.items())}


def test_the_first_write_creates_the_namespace_and_table(fresh_warehouse: CompiledArtifacts) -> None:
    result = write_table(fresh_warehouse, TABLE, pa.table({"x": [1, 2, 3]}))

    assert result.created
    assert result.rows_written == 3
    assert result.snapshot_id == current_snapshot_id(fresh_warehouse, TABLE)
    assert read_table(fresh_warehouse, TABLE).to_pylist() == [{"x": 1}, {"x": 2}, {"x": 3}]
    assert Path(fresh_warehouse.plugins.catalog.warehouse, "catalog.db").is_file()


def test_an_unpartitioned_write_replaces_the_whole_table(fresh_warehouse: CompiledArtifacts) -> None:
    first = write_table(fresh_warehouse, TABLE, pa.table({"x": [1, 2, 3]}))
    second = write_table(fresh_warehouse, TABLE, pa.table({"x": [7]}))

    assert not second.created
    assert second.snapshot_id != first.snapshot_id
    assert read_table(fresh_warehouse, TABLE).to_pylist() == [{"x": 7}]


def test_rewriting_a_window_replaces_only_that_window_and_never_duplicates(
    fresh_warehouse: CompiledArtifacts,
) -> None:
    write_table(fresh_warehouse, TABLE, day_rows(1, [1, 2, 3]), overwrite_window=window(1))
    write_table(fresh_warehouse, TABLE, day_rows(2, [10, 20]), overwrite_window=window(2))
    write_table(fresh_warehouse, TABLE, day_rows(1, [4, 5]), overwrite_window=window(1))
    write_table(fresh_warehouse, TABLE, day_rows(1, [4, 5]), overwrite_window=window(1))

    assert rows_by_day(fresh_warehouse) == {"2024-01-01": [4, 5], "2024-01-02": [10, 20]}


def test_rewriting_a_partition_value_replaces_only_its_rows(fresh_warehouse: CompiledArtifacts) -> None:
    for region, values in (("eu", [1, 2]), ("us", [3]), ("eu", [9])):
        rows = pa.table({"region": [region] * len(values), "value": values})
        write_table(fresh_warehouse, TABLE, rows, overwrite_values={"region": region})

    rows = read_table(fresh_warehouse, TABLE).sort_by("region").to_pylist()
    assert rows == [{"region": "eu", "value": 9}, {"region": "us", "value": 3}]


def test_a_window_and_a_value_together_scope_a_multi_partition(fresh_warehouse: CompiledArtifacts) -> None:
    def rows(day: int, region: str, value: int) -> pa.Table:
        return pa.table({"day": [date(2024, 1, day)], "region": [region], "value": [value]})

    for day, region, value in ((1, "eu", 1), (1, "us", 2), (2, "eu", 3), (1, "eu", 4)):
        write_table(
            fresh_warehouse,
            TABLE,
            rows(day, region, value),
            overwrite_window=window(day),
            overwrite_values={"region": region},
        )

    got = sorted((r["day"].day, r["region"], r["value"]) for r in read_table(fresh_warehouse, TABLE).to_pylist())
    assert got == [(1, "eu", 4), (1, "us", 2), (2, "eu", 3)]


def test_rows_outside_the_window_are_refused_and_the_table_is_unchanged(
    fresh_warehouse: CompiledArtifacts,
) -> None:
    write_table(fresh_warehouse, TABLE, day_rows(1, [1]), overwrite_window=window(1))
    before = current_snapshot_id(fresh_warehouse, TABLE)

    with pytest.raises(RuntimeFailure, match=r"1 of 2 rows .* outside the partition") as info:
        write_table(
            fresh_warehouse,
            TABLE,
            pa.concat_tables([day_rows(1, [2]), day_rows(3, [3])]),
            overwrite_window=window(1),
        )

    assert info.value.field == "day"
    assert current_snapshot_id(fresh_warehouse, TABLE) == before


def test_a_missing_window_column_is_named(fresh_warehouse: CompiledArtifacts) -> None:
    with pytest.raises(RuntimeFailure, match="no partition column 'day'"):
        write_table(fresh_warehouse, TABLE, pa.table({"value": [1]}), overwrite_window=window(1))


def test_timestamp_windows_compare_wall_clock_or_instants_by_column_type(
    fresh_warehouse: CompiledArtifacts,
) -> None:
    rows = pa.table({"at": pa.array([datetime(2024, 1, 1, 5, 30)], pa.timestamp("ns")), "value": [1]})
    hour = ("at", datetime(2024, 1, 1, 5), datetime(2024, 1, 1, 6))
    write_table(fresh_warehouse, TABLE, rows, overwrite_window=hour)
    write_table(fresh_warehouse, TABLE, rows, overwrite_window=hour)

    table = read_table(fresh_warehouse, TABLE)
    assert table.num_rows == 1
    assert table.schema.field("at").type == pa.timestamp("us")


def test_a_new_column_is_added_to_the_table(fresh_warehouse: CompiledArtifacts) -> None:
    write_table(fresh_warehouse, TABLE, pa.table({"x": [1]}))
    write_table(fresh_warehouse, TABLE, pa.table({"x": [2], "note": ["new"]}))

    assert read_table(fresh_warehouse, TABLE).to_pylist() == [{"x": 2, "note": "new"}]


def test_a_changed_column_type_is_an_error_that_says_what_to_do(fresh_warehouse: CompiledArtifacts) -> None:
    write_table(fresh_warehouse, TABLE, pa.table({"x": [1]}))
    with pytest.raises(RuntimeFailure, match=r"do not fit Iceberg table analytics\.events") as info:
        write_table(fresh_warehouse, TABLE, pa.table({"x": ["one"]}))
    assert "same types" in (info.value.fix or "")


def test_reading_a_table_never_written_says_to_materialize_it(fresh_warehouse: CompiledArtifacts) -> None:
    with pytest.raises(RuntimeFailure, match="does not exist") as info:
        read_table(fresh_warehouse, "analytics.never_written")
    assert "materialize" in (info.value.fix or "")
    assert current_snapshot_id(fresh_warehouse, "analytics.never_written") is None


def test_a_rest_catalog_token_comes_from_the_named_variable(project_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RT_CATALOG_TOKEN", raising=False)
    catalog = CatalogSettings(kind="rest", uri="http://127.0.0.1:9", token_env="RT_CATALOG_TOKEN")
    with pytest.raises(RuntimeFailure, match="RT_CATALOG_TOKEN is not set") as info:
        open_catalog(make_artifacts(project_dir, catalog=catalog))
    assert info.value.field == "plugins.catalog.token_env"


def test_s3_keys_come_from_the_named_variables(project_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from floe_core.artifacts import Plugins

    monkeypatch.delenv("RT_S3_SECRET", raising=False)
    monkeypatch.setenv("RT_S3_KEY", "key")
    base = make_artifacts(project_dir)
    storage = StorageSettings(
        kind="s3",
        endpoint="http://127.0.0.1:9000",
        access_key_id_env="RT_S3_KEY",
        secret_access_key_env="RT_S3_SECRET",
    )
    artifacts = base.model_copy(update={"plugins": Plugins(catalog=base.plugins.catalog, storage=storage)})
    with pytest.raises(RuntimeFailure, match="RT_S3_SECRET is not set"):
        open_catalog(artifacts)


_WRITER = """
import sys
from datetime import date, datetime
import pyarrow as pa
import pyarrow.compute as pc
sys.path.insert(0, sys.argv[1])
from runtime_fixtures import make_artifacts
from floe_core.runtime import write_table
from pathlib import Path
artifacts = make_artifacts(Path(sys.argv[2]), warehouse=sys.argv[3])
mode = sys.argv[4]
if mode == "days":
    for day in [int(d) for d in sys.argv[5].split(",")]:
        rows = pa.table({"day": [date(2024, 1, day)] * 100, "value": list(range(100))})
        scope = ("day", datetime(2024, 1, day), datetime(2024, 1, day + 1))
        write_table(artifacts, "analytics.events", rows, overwrite_window=scope)
else:
    n = 4_000_000
    x = pa.array(range(n), pa.int64())
    rows = pa.table({"x": x, "y": pc.cast(x, pa.string())})
    print("writing", flush=True)
    write_table(artifacts, "analytics.events", rows)
    print("committed", flush=True)
"""


def run_writer(project_dir: Path, warehouse: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(Path(__file__).parent), str(project_dir), str(warehouse), *args],
        stdout=subprocess.PIPE,
        text=True,
    )


def test_concurrent_writers_of_different_windows_keep_every_row_once(project_dir: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse"
    artifacts = make_artifacts(project_dir, warehouse=str(warehouse))
    write_table(artifacts, TABLE, day_rows(1, [0]), overwrite_window=window(1))

    writers = [run_writer(project_dir, warehouse, "days", days) for days in ("1,3,5,7", "2,4,6,8")]
    for writer in writers:
        writer.communicate(timeout=180)
        assert writer.returncode == 0

    counts = {day: len(values) for day, values in rows_by_day(artifacts).items()}
    assert counts == {f"2024-01-0{d}": 100 for d in range(1, 9)}


def test_a_writer_killed_mid_write_leaves_the_previous_snapshot(project_dir: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse"
    artifacts = make_artifacts(project_dir, warehouse=str(warehouse))
    write_table(artifacts, TABLE, pa.table({"x": pa.array([1, 2], pa.int64()), "y": ["a", "b"]}))
    before = current_snapshot_id(artifacts, TABLE)
    data_dir = next(warehouse.rglob("data"))
    files_before = set(data_dir.rglob("*.parquet"))

    writer = run_writer(project_dir, warehouse, "big")
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "writing"
    # Kill as soon as the writer has started putting data files down, well before it can commit.
    deadline = time.monotonic() + 120
    while not set(data_dir.rglob("*.parquet")) - files_before:
        assert writer.poll() is None, "the writer ended before it wrote a data file"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    writer.send_signal(signal.SIGKILL)
    remaining, _ = writer.communicate()

    assert "committed" not in remaining
    assert current_snapshot_id(artifacts, TABLE) == before
    assert read_table(artifacts, TABLE).to_pylist() == [{"x": 1, "y": "a"}, {"x": 2, "y": "b"}]
    after = write_table(artifacts, TABLE, pa.table({"x": pa.array([3], pa.int64()), "y": ["c"]}))
    assert after.snapshot_id != before
    assert read_table(artifacts, TABLE).to_pylist() == [{"x": 3, "y": "c"}]
