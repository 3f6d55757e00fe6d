"""Sensor conditions: files seen once each, SQL on the DuckDB file, custom callables."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from floe_core.artifacts import CompiledArtifacts, CustomSensor, FileSensor, SqlSensor
from floe_core.errors import RuntimeFailure
from floe_core.runtime import custom_condition, new_files, sql_condition
from runtime_fixtures import make_artifacts, write_lock_held_elsewhere

SENSOR = FileSensor(name="landing", job="everything", path="landing", pattern="*.csv")


def drop(folder: Path, name: str, mtime_ns: int) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text("a,b\n")
    os.utime(path, ns=(mtime_ns, mtime_ns))
    return path


def names(paths: list[str]) -> list[str]:
    return [Path(p).name for p in paths]


def test_each_file_is_reported_once_oldest_first(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    drop(landing, "b.csv", 2_000)
    drop(landing, "a.csv", 1_000)
    drop(landing, "ignored.txt", 1_500)

    first, cursor = new_files(SENSOR, tmp_path, None)
    again, cursor = new_files(SENSOR, tmp_path, cursor)
    drop(landing, "c.csv", 3_000)
    third, _ = new_files(SENSOR, tmp_path, cursor)

    assert names(first) == ["a.csv", "b.csv"]
    assert again == []
    assert names(third) == ["c.csv"]
    assert first[0] == str((landing / "a.csv").resolve())


def test_files_sharing_a_timestamp_each_fire_once_even_across_ticks(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    drop(landing, "m.csv", 5_000)
    first, cursor = new_files(SENSOR, tmp_path, None)
    drop(landing, "a.csv", 5_000)
    drop(landing, "z.csv", 5_000)
    second, cursor = new_files(SENSOR, tmp_path, cursor)
    third, _ = new_files(SENSOR, tmp_path, cursor)

    assert names(first) == ["m.csv"]
    assert names(second) == ["a.csv", "z.csv"]
    assert third == []


def test_the_cursor_stays_small(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    for i in range(200):
        drop(landing, f"f{i:03}.csv", 1_000 + i)
    found, cursor = new_files(SENSOR, tmp_path, None)

    assert len(found) == 200
    assert json.loads(cursor) == {"v": 1, "mtime_ns": 1_199, "names": ["f199.csv"]}


def test_a_folder_that_does_not_exist_yet_has_no_new_files(tmp_path: Path) -> None:
    found, cursor = new_files(SENSOR, tmp_path, None)
    assert found == []
    assert new_files(SENSOR, tmp_path, cursor)[0] == []


def test_a_cursor_floe_did_not_write_is_an_error_that_says_to_reset_it(tmp_path: Path) -> None:
    with pytest.raises(RuntimeFailure, match="not one floe wrote") as info:
        new_files(SENSOR, tmp_path, "2024-01-01")
    assert "reset" in (info.value.fix or "")


@pytest.fixture
def duckdb_artifacts(project_dir: Path, tmp_path: Path) -> CompiledArtifacts:
    return make_artifacts(project_dir, duckdb_file=str(tmp_path / "sensor.duckdb"))


def write_db(artifacts: CompiledArtifacts, *statements: str) -> None:
    import duckdb

    con = duckdb.connect(str(artifacts.in_project(artifacts.plugins.compute.path)))
    for statement in statements:
        con.execute(statement)
    con.close()


def sql_sensor(sql: str, connection: str = "duckdb") -> SqlSensor:
    return SqlSensor(name="ready", job="everything", sql=sql, connection=connection)


def test_a_sql_condition_follows_the_first_value_of_the_query(duckdb_artifacts: CompiledArtifacts) -> None:
    write_db(duckdb_artifacts, "create table loads (day date)")
    ready = sql_sensor("select count(*) > 0 from loads")
    assert sql_condition(duckdb_artifacts, ready) is False

    write_db(duckdb_artifacts, "insert into loads values ('2024-01-01')")
    assert sql_condition(duckdb_artifacts, ready) is True
    assert sql_condition(duckdb_artifacts, sql_sensor("select 1 where false")) is False


def test_a_sql_condition_is_false_until_the_duckdb_file_exists(duckdb_artifacts: CompiledArtifacts) -> None:
    assert sql_condition(duckdb_artifacts, sql_sensor("select true")) is False


def test_a_sql_condition_is_false_while_another_process_writes(duckdb_artifacts: CompiledArtifacts) -> None:
    write_db(duckdb_artifacts, "create table t (x int)")
    with write_lock_held_elsewhere(duckdb_artifacts.in_project(duckdb_artifacts.plugins.compute.path)):
        assert sql_condition(duckdb_artifacts, sql_sensor("select true")) is False


def test_a_failing_query_is_an_error_naming_the_sensor(duckdb_artifacts: CompiledArtifacts) -> None:
    write_db(duckdb_artifacts, "create table t (x int)")
    with pytest.raises(RuntimeFailure, match="the query of sensor 'ready' failed") as info:
        sql_condition(duckdb_artifacts, sql_sensor("select nope from t"))
    assert info.value.field == "orchestration.sensors[ready].sql"


def test_an_engine_side_connection_is_left_to_the_engine(duckdb_artifacts: CompiledArtifacts) -> None:
    with pytest.raises(RuntimeFailure, match="uses connection 'warehouse_pg'"):
        sql_condition(duckdb_artifacts, sql_sensor("select 1", connection="warehouse_pg"))


def test_a_custom_condition_can_fire_with_run_tags(project_dir: Path) -> None:
    artifacts = make_artifacts(project_dir)
    fires = CustomSensor(name="custom", job="everything", callable="rt_assets:always_fires")
    quiet = CustomSensor(name="custom", job="everything", callable="rt_assets:never_fires")

    assert custom_condition(fires, artifacts) == {"reason": "ready"}
    assert custom_condition(quiet, artifacts) is False


def test_a_custom_condition_outside_any_search_path_says_where_it_looked() -> None:
    sensor = CustomSensor(name="custom", job="everything", callable="rt_assets_elsewhere:check")
    with pytest.raises(RuntimeFailure, match="module 'rt_assets_elsewhere' of sensor 'custom' was not found"):
        custom_condition(sensor)
