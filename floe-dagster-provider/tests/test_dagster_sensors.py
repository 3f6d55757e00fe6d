"""Sensors evaluated with real inputs: a file dropped in a folder, a run that succeeded, a SQL condition
that becomes true, an asset that was materialized, a callable that says yes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest
from floe_core import CompiledArtifacts, RunRecord
from floe_dagster_provider import FloeComputeResource
from floe_dagster_provider.definitions import COMPUTE_KEY, definitions_from_artifacts


def _jobs(tick: Any) -> list[str]:
    return [r.job for r in tick.run_requests]


def test_each_sensor_targets_the_job_the_artifacts_name(demo_harness: Any, demo_artifacts: CompiledArtifacts) -> None:
    assert demo_harness.sensor_jobs() == {s.name: s.job for s in demo_artifacts.orchestration.sensors}


def test_a_file_dropped_in_the_folder_starts_one_nightly_run(
    demo_harness: Any, demo_artifacts: CompiledArtifacts
) -> None:
    folder = demo_artifacts.in_project("incoming")
    folder.mkdir(exist_ok=True)
    empty = demo_harness.tick_sensor("new_order_files")
    assert _jobs(empty) == []
    dropped = folder / "orders_2024_02_01.csv"
    dropped.write_text("id,customer_id,order_date,status\n101,1,2024-02-01,placed\n")
    (folder / "notes.txt").write_text("not a csv\n")
    fired = demo_harness.tick_sensor("new_order_files", empty.cursor)
    assert _jobs(fired) == ["nightly"]
    assert fired.run_requests[0].tags["floe/file"] == str(dropped.resolve())
    assert _jobs(demo_harness.tick_sensor("new_order_files", fired.cursor)) == [], "each file fires once"


def test_a_sql_sensor_fires_once_its_condition_becomes_true(demo_artifacts: CompiledArtifacts, tmp_path: Path) -> None:
    database = tmp_path / "warehouse.duckdb"
    defs = definitions_from_artifacts(
        demo_artifacts, resources={COMPUTE_KEY: FloeComputeResource(duckdb_path=str(database), dbt_target="dev")})
    sensor = defs.get_repository_def().get_sensor_def("returned_orders")

    def tick() -> Any:
        with dg.build_sensor_context(definitions=defs, resources=defs.resources) as context:
            return sensor.evaluate_tick(context)

    assert tick().run_requests == [], "no database yet"
    with duckdb.connect(str(database)) as con:
        con.execute("create table main.stg_orders as select 1 as order_id, 'placed' as status")
    assert tick().run_requests == []
    with duckdb.connect(str(database)) as con:
        con.execute("insert into main.stg_orders values (2, 'returned')")
    fired = tick()
    assert [r.job_name or sensor.job_name for r in fired.run_requests] == ["nightly"]


def test_an_asset_sensor_fires_after_the_nightly_run_materializes_its_asset(
    demo_harness: Any, nightly_run: RunRecord
) -> None:
    assert nightly_run.assets["customer_lifetime_value"].status == "materialized"
    fired = demo_harness.tick_sensor("clv_updated")
    assert _jobs(fired) == ["segments"]
    assert _jobs(demo_harness.tick_sensor("clv_updated", fired.cursor)) == [], "nothing new since"


def test_a_run_status_sensor_fires_after_the_watched_job_succeeds(
    demo_harness: Any, demo_artifacts: CompiledArtifacts, nightly_run: RunRecord
) -> None:
    baseline = demo_harness.tick_sensor("after_daily_orders")
    assert _jobs(demo_harness.tick_sensor("after_daily_orders", baseline.cursor)) == []
    run = demo_harness.run_job("daily_orders", "2024-01-10")
    assert run.status == "success"
    fired = demo_harness.tick_sensor("after_daily_orders", baseline.cursor)
    assert _jobs(fired) == ["segments"]
    assert fired.run_requests[0].tags["floe/watched_run"] == run.run_id


def test_a_custom_sensor_fires_while_its_callable_returns_true(
    demo_harness: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flag = tmp_path / "export.flag"
    monkeypatch.setenv("JAFFLE_EXPORT_FLAG", str(flag))
    assert _jobs(demo_harness.tick_sensor("export_requested")) == []
    flag.touch()
    assert _jobs(demo_harness.tick_sensor("export_requested")) == ["segments"]
