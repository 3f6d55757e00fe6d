"""The demo run for real in-process: dbt on DuckDB, a Python asset on Iceberg, partitions, backfills."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest
from floe_core import BackfillRequest, CompiledArtifacts, InputError, RunFilter, RunRecord
from floe_core.runtime import duckdb_path, read_table


def _rows(artifacts: CompiledArtifacts, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(duckdb_path(artifacts)), read_only=True) as con:
        return con.execute(sql).fetchall()


def _seed(artifacts: CompiledArtifacts, name: str) -> list[dict[str, str]]:
    with open(artifacts.project_dir / "seeds" / f"{name}.csv", newline="") as f:
        return list(csv.DictReader(f))


def _error_text(error: Any) -> str:
    """An error and everything it was raised from, as Dagster stores them."""
    if error is None:
        return ""
    return "\n".join((error.message, _error_text(error.cause), _error_text(error.context)))


def _materialized(record: RunRecord) -> set[str]:
    return {k for k, o in record.assets.items() if o.status == "materialized"}


def test_the_nightly_job_materializes_every_asset_and_the_tables_hold_the_rows(
    nightly_run: RunRecord, demo_artifacts: CompiledArtifacts
) -> None:
    assert nightly_run.status == "success"
    assert _materialized(nightly_run) == set(demo_artifacts.jobs_by_name["nightly"].assets)
    assert _rows(demo_artifacts, "select count(*) from customers") == [(len(_seed(demo_artifacts, "raw_customers")),)]
    assert _rows(demo_artifacts, "select count(*) from orders") == [(len(_seed(demo_artifacts, "raw_orders")),)]
    statuses = Counter(r["status"] for r in _seed(demo_artifacts, "raw_orders"))
    assert dict(_rows(demo_artifacts, "select status, order_count from order_status_summary")) == statuses


def test_each_materialization_reports_rows_affected_and_execution_time(plugin: Any, nightly_run: RunRecord) -> None:
    event = plugin.instance.get_latest_materialization_event(dg.AssetKey("raw_orders"))
    metadata = event.asset_materialization.metadata
    assert metadata["rows_affected"].value == 100
    assert metadata["execution_time"].value > 0


@pytest.mark.parametrize(
    ("check", "status"),
    [
        pytest.param("not_null_stg_customers_email", "warned", id="failing-warn-test-warns"),
        pytest.param("unique_orders_order_id", "passed", id="error-test-passes"),
        pytest.param("relationships_orders_customer_id__customer_id__ref_customers_", "passed",
                     id="test-reading-two-models-runs-after-both"),
        pytest.param("assert_payments_match_orders", "passed", id="singular-test"),
    ],
)
def test_dbt_tests_report_as_asset_checks_with_their_severity(nightly_run: RunRecord, check: str, status: str) -> None:
    assert nightly_run.checks[check] == status


def test_a_warning_check_is_reported_with_warn_severity_and_blocks_nothing(plugin: Any, nightly_run: RunRecord) -> None:
    (evaluation,) = [
        e.dagster_event.event_specific_data
        for e in plugin.instance.all_logs(nightly_run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
        if e.dagster_event.event_specific_data.check_name == "not_null_stg_customers_email"
    ]
    assert (evaluation.passed, evaluation.severity) == (False, dg.AssetCheckSeverity.WARN)
    assert nightly_run.assets["customers"].status == "materialized", "downstream of the warning still ran"


def test_the_python_asset_writes_its_rows_to_iceberg(
    plugin: Any, demo_artifacts: CompiledArtifacts, nightly_run: RunRecord
) -> None:
    record = plugin.run_job(demo_artifacts, "segments")
    assert record.status == "success"
    assert _materialized(record) == {"customer_segments"}
    table = read_table(demo_artifacts, "analytics.customer_segments").to_pylist()
    values = dict(_rows(demo_artifacts, "select customer_id, lifetime_value from customer_lifetime_value"))
    assert {r["customer_id"]: r["lifetime_value"] for r in table} == {k: float(v or 0) for k, v in values.items()}
    assert {r["segment"] for r in table} <= {"gold", "silver", "bronze"}


def test_a_static_partition_run_replaces_only_its_partition_in_iceberg(
    plugin: Any, demo_artifacts: CompiledArtifacts, nightly_run: RunRecord
) -> None:
    for region in ("eu", "us", "eu"):
        record = plugin.run_job(demo_artifacts, "regional", region)
        assert (record.status, record.partition) == ("success", region)
    rows = read_table(demo_artifacts, "analytics.regional_orders").to_pylist()
    orders = _seed(demo_artifacts, "raw_orders")
    assert len(rows) == len(orders), "running eu twice did not duplicate its rows"
    expected = Counter("eu" if int(o["customer_id"]) % 2 == 0 else "us" for o in orders)
    assert Counter(r["floe_partition_key"] for r in rows) == expected


def test_a_daily_partition_run_hands_its_window_to_dbt(
    plugin: Any, demo_artifacts: CompiledArtifacts, nightly_run: RunRecord
) -> None:
    record = plugin.run_job(demo_artifacts, "daily_orders", "2024-01-05")
    assert (record.status, record.partition) == ("success", "2024-01-05")
    expected = sum(1 for o in _seed(demo_artifacts, "raw_orders") if o["order_date"] == "2024-01-05")
    got = _rows(demo_artifacts, "select sum(order_count) from fct_daily_orders where order_date = '2024-01-05'")
    assert got == [(expected,)]
    event = plugin.instance.get_latest_materialization_event(dg.AssetKey("fct_daily_orders"))
    assert event.asset_materialization.partition == "2024-01-05"
    assert event.asset_materialization.metadata["dbt_vars"].value == {
        "floe_partition_key": "2024-01-05", "floe_partition_start": "2024-01-05", "floe_partition_end": "2024-01-06"}


def test_a_ranged_backfill_runs_at_most_seven_days_per_run(
    plugin: Any, demo_artifacts: CompiledArtifacts, nightly_run: RunRecord
) -> None:
    request = BackfillRequest(job="daily_orders", start="2024-01-01", end="2024-01-10", reprocess="all")
    result = plugin.launch_backfill(demo_artifacts, request)
    assert result.succeeded
    assert [r.partition for r in result.runs] == ["2024-01-01...2024-01-07", "2024-01-08...2024-01-10"]
    days = _rows(demo_artifacts, "select distinct cast(order_date as varchar) from fct_daily_orders "
                                 "where order_date <= '2024-01-10' order by 1")
    ordered = sorted({o["order_date"] for o in _seed(demo_artifacts, "raw_orders") if o["order_date"] <= "2024-01-10"})
    assert [d for (d,) in days] == ordered
    history = plugin.run_history(RunFilter(backfill_id=result.backfill_id))
    assert {r.run_id for r in history} == {r.run_id for r in result.runs}
    assert plugin.run_history(RunFilter(job="daily_orders", partition="2024-01-05...2024-01-07")) == []
    covering = plugin.run_history(RunFilter(job="daily_orders", partition="2024-01-01...2024-01-07"))
    assert [r.run_id for r in covering] == [result.runs[0].run_id]


def test_a_step_that_keeps_failing_is_retried_by_its_policy_and_says_where_it_looked(
    plugin: Any, demo_artifacts: CompiledArtifacts, tmp_path: Path, nightly_run: RunRecord
) -> None:
    missing = tmp_path / "no-such-folder" / "warehouse.duckdb"
    compute = demo_artifacts.plugins.compute.model_copy(update={"path": str(missing)})
    broken = demo_artifacts.model_copy(
        update={"plugins": demo_artifacts.plugins.model_copy(update={"compute": compute})})
    record = plugin.run_job(broken, "daily_orders", "2024-01-02")
    assert record.status == "failure"
    assert record.assets["fct_daily_orders"].status == "failed"
    assert record.assets["fct_daily_orders"].attempts == 3, "fct_daily_orders retries twice"
    retried = plugin.instance.all_logs(record.run_id, of_type=dg.DagsterEventType.STEP_UP_FOR_RETRY)
    assert len(retried) == 2
    message = _error_text(retried[0].dagster_event.event_specific_data.error)
    assert str(missing.parent) in message and "Fix:" in message


@pytest.mark.parametrize(
    ("job", "partition", "message"),
    [
        pytest.param("nope", None, "no job named 'nope'", id="unknown-job"),
        pytest.param("daily_orders", None, "needs a partition key", id="partitioned-job-without-partition"),
        pytest.param("nightly", "2024-01-01", "is not partitioned", id="unpartitioned-job-with-partition"),
    ],
)
def test_a_run_request_that_cannot_run_is_a_clear_error(
    plugin: Any, demo_artifacts: CompiledArtifacts, job: str, partition: str | None, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        plugin.run_job(demo_artifacts, job, partition)


READ_HISTORY = (
    "from floe_core import RunFilter\n"
    "from floe_dagster_provider import DagsterOrchestratorPlugin\n"
    "for r in DagsterOrchestratorPlugin().run_history(RunFilter(job='nightly')):\n"
    "    print(r.run_id, r.status, r.assets['orders'].status)\n"
)


def test_run_history_persists_across_processes_through_dagster_home(
    demo_harness: Any, nightly_run: RunRecord
) -> None:
    home = demo_harness.plugin().config.instance_dir
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    out = subprocess.run([sys.executable, "-c", READ_HISTORY], env=env, capture_output=True, text=True, check=True)
    assert f"{nightly_run.run_id} success materialized" in out.stdout.splitlines()


def test_the_demo_dbt_project_without_floe_yaml_compiles_and_runs_as_one_job(tmp_path: Path) -> None:
    from conftest import DEMO
    from floe_contract_tests.probes import copy_project
    from floe_core import compile_project, load_artifacts, write_artifacts
    from floe_dagster_provider import DagsterOrchestratorPlugin

    result = compile_project(copy_project(DEMO, tmp_path / "jaffle_floe", "floe.yaml"))
    assert result.spec_inferred
    write_artifacts(result.artifacts, result.output)
    artifacts = load_artifacts(result.output)
    (job,) = artifacts.orchestration.jobs
    record = DagsterOrchestratorPlugin({"instance_dir": tmp_path / "dagster_home"}).run_job(artifacts, job.name)
    assert record.status == "success"
    assert _materialized(record) == set(job.assets)
    assert {a.dbt.name for a in artifacts.orchestration.assets if a.key in job.assets and a.dbt} >= {
        "raw_orders", "stg_orders", "orders", "customers", "customers_snapshot"}
    assert _rows(artifacts, "select count(*) from orders") == [(len(_seed(artifacts, "raw_orders")),)]
