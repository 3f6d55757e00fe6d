"""Deployment mode end to end: the plugin drives a running Airflow (api-server, scheduler with LocalExecutor,
dag-processor, on a PostgreSQL metadata DB) through its REST API only, and Airflow's scheduler runs the work, on
the demo's PostgreSQL warehouse.

What a platform team sees in Airflow afterwards is what is asserted: the DagRuns the API lists, the task
instances' times (independent models run at the same time) and tries (a rerun is a clear of the same DagRun,
so the cleared tasks are on try 2), a run that completes although its scheduler's machine died halfway (the
scheduler and every process it started killed, another scheduler started), and the backfill in Airflow's
backfill list with one run per daily window. The tables are compared with plain `dbt build`'s.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from floe_airflow_provider import AirflowOrchestratorPlugin
from floe_airflow_provider.local_ui import LocalUi, serve
from floe_contract_tests.postgres_demo import assert_nightly_tables_equal, database, new_databases, rows
from floe_contract_tests.probes import DEMO, compile_for_target, copy_project, free_port
from floe_core import load_artifacts
from floe_core.errors import RuntimeFailure
from floe_core.plugin import BackfillRequest, RunFilter

pytestmark = [pytest.mark.deployment, pytest.mark.postgres]
NIGHTLY = "jaffle_floe.nightly"
DAILY = "jaffle_floe.daily_orders"
SWITCH = "public.deployment_switch"
METADATA, WAREHOUSE = "deployed_airflow", "deployed_warehouse"


@pytest.fixture(scope="module")
def product(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo on its `pg` target, with one model that fails until a switch table exists, and backfills of a
    run per day."""
    source = copy_project(DEMO, tmp_path_factory.mktemp("source") / "jaffle_floe")
    model = source / "models" / "marts" / "customers.sql"
    model.write_text(model.read_text() + f"where (select count(*) from {SWITCH}) > 0\n")
    spec = source / "floe.yaml"
    spec.write_text(spec.read_text().replace("maxPartitionsPerRun: 7", "maxPartitionsPerRun: 1"))
    return compile_for_target(source, tmp_path_factory.mktemp("deployment") / "jaffle_floe", "pg")


@pytest.fixture(scope="module")
def airflow(product: Path, postgres_port: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalUi]:
    """Airflow's services on a PostgreSQL metadata DB, as a platform runs them; the warehouse a database of the
    same server."""
    metadata_db, _ = new_databases(postgres_port, METADATA, WAREHOUSE)
    # A scheduler resets the task instances of a scheduler whose heartbeat stopped (after
    # scheduler_health_check_threshold, 30 s) when it next checks for orphans: every 15 s here, not Airflow's
    # 5 minutes, so that a killed scheduler's run goes on within a minute of the next scheduler's start.
    env = {"FLOE_PG_DATABASE": WAREHOUSE, "AIRFLOW__SCHEDULER__ORPHANED_TASKS_CHECK_INTERVAL": "15"}
    with serve(product, tmp_path_factory.mktemp("deployed_airflow"), free_port(), metadata_db=metadata_db,
               env=env) as ui:
        yield ui


@pytest.fixture(scope="module")
def plugin(airflow: LocalUi) -> AirflowOrchestratorPlugin:
    return AirflowOrchestratorPlugin({"dags_folder": airflow.home / "dags", "api": {"url": airflow.url,
                                                                                   "wait_seconds": 900}})


def _manual_runs(airflow: LocalUi, dag_id: str) -> list[tuple[str, str]]:
    runs = airflow.call("GET", f"/api/v2/dags/{dag_id}/dagRuns?run_type=manual&order_by=start_date")["dag_runs"]
    return [(r["dag_run_id"], r["state"]) for r in runs]


def _switch_on(postgres_port: int) -> None:
    with database(postgres_port, WAREHOUSE) as con, con.cursor() as cursor:
        cursor.execute(f"create table if not exists {SWITCH} as select 1 as on_")


def _task_instances(airflow: LocalUi, run_id: str) -> list[dict[str, Any]]:
    found = airflow.call("GET", f"/api/v2/dags/{NIGHTLY}/dagRuns/{run_id}/taskInstances?limit=100")
    return list(found["task_instances"])


def test_a_failed_run_is_rerun_by_clearing_its_failed_tasks_in_the_same_dag_run(
        airflow: LocalUi, plugin: AirflowOrchestratorPlugin, product: Path, postgres_port: int,
        plain_dbt_build: str) -> None:
    artifacts = load_artifacts(product)
    airflow.call("PATCH", f"/api/v2/dags/{NIGHTLY}", {"is_paused": True})
    with pytest.raises(RuntimeFailure, match="is paused in Airflow"):
        plugin.run_job(artifacts, "nightly")
    airflow.call("PATCH", f"/api/v2/dags/{NIGHTLY}", {"is_paused": False})
    failed = plugin.run_job(artifacts, "nightly")
    assert failed.status == "failure"
    assert failed.assets["customers"].status == "failed"
    assert failed.assets["customer_lifetime_value"].status == "skipped"
    assert failed.assets["orders"].status == "materialized"
    # Independent models ran at the same time: LocalExecutor's workers took their tasks side by side.
    spans = [(t["task_id"], _time(t["start_date"]), _time(t["end_date"]))
             for t in _task_instances(airflow, failed.run_id) if t["start_date"] and t["end_date"]]
    assert any(a < b and a_start < b_end and b_start < a_end
               for a, a_start, a_end in spans for b, b_start, b_end in spans), spans

    _switch_on(postgres_port)
    rerun = plugin.run_job(artifacts, "nightly", rerun_of=failed.run_id)
    assert rerun.status == "success"
    assert rerun.run_id == failed.run_id
    # Only the cleared tasks ran: the failed model (its second try) and the model downstream of it.
    assert {k: (a.status, a.attempts) for k, a in rerun.assets.items()} == {
        "customers": ("materialized", 2), "customer_lifetime_value": ("materialized", 1)}

    tries = {t["task_id"].rsplit(".", 1)[-1]: (t["state"], t["try_number"])
             for t in _task_instances(airflow, failed.run_id)}
    assert tries["customers"] == ("success", 2)
    assert tries["customer_lifetime_value"] == ("success", 1)
    assert tries["orders"] == ("success", 1)
    assert _manual_runs(airflow, NIGHTLY) == [(failed.run_id, "success")]
    history = plugin.run_history(RunFilter(job="nightly"))
    assert (failed.run_id, "success") in [(r.run_id, r.status) for r in history]
    assert_nightly_tables_equal(artifacts, postgres_port, WAREHOUSE, plain_dbt_build)


def test_a_run_whose_schedulers_machine_dies_halfway_completes_on_a_new_scheduler_with_every_row_once(
        airflow: LocalUi, plugin: AirflowOrchestratorPlugin, product: Path, postgres_port: int,
        plain_dbt_build: str) -> None:
    artifacts = load_artifacts(product)
    _switch_on(postgres_port)
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(plugin.run_job, artifacts, "nightly")
        run_id = _wait_for_a_running_task(airflow, running)
        # The scheduler with its LocalExecutor's workers and their tasks: what dies with the scheduler's machine.
        airflow.services.kill("scheduler")
        airflow.services.start("scheduler")
        record = running.result(timeout=900)
    assert record.run_id == run_id
    assert record.status == "success", {k: a.status for k, a in record.assets.items()}
    assert {k for k, a in record.assets.items() if a.status == "materialized"} == set(
        artifacts.jobs_by_name["nightly"].assets)
    # The new scheduler reset the tasks that were running when the old one died and ran them again.
    tries = {t["task_id"]: (t["state"], t["try_number"]) for t in _task_instances(airflow, run_id)}
    assert {state for state, _ in tries.values()} == {"success"}, tries
    assert any(try_number == 2 for _, try_number in tries.values()), tries
    assert_nightly_tables_equal(artifacts, postgres_port, WAREHOUSE, plain_dbt_build)


def test_a_backfill_of_five_days_is_airflows_own_backfill_with_a_run_per_day(
        airflow: LocalUi, plugin: AirflowOrchestratorPlugin, product: Path, postgres_port: int) -> None:
    artifacts = load_artifacts(product)
    _switch_on(postgres_port)
    if not plugin.run_history(RunFilter(job="nightly", statuses=("success",), limit=1)):
        assert plugin.run_job(artifacts, "nightly").status == "success"  # daily_orders reads the nightly tables
    airflow.call("PATCH", f"/api/v2/dags/{DAILY}", {"is_paused": False})
    result = plugin.launch_backfill(artifacts, BackfillRequest(job="daily_orders", start="2024-01-03",
                                                               end="2024-01-07"))
    assert result.succeeded
    assert result.partitions == ("2024-01-03", "2024-01-04", "2024-01-05", "2024-01-06", "2024-01-07")

    (backfill,) = airflow.call("GET", f"/api/v2/backfills?dag_id={DAILY}")["backfills"]
    assert str(backfill["id"]) == result.backfill_id
    assert backfill["completed_at"] is not None
    runs = airflow.call("GET", f"/api/v2/dags/{DAILY}/dagRuns?run_type=backfill&order_by=logical_date")
    assert [(r["logical_date"][:10], r["state"]) for r in runs["dag_runs"]] == [
        (day, "success") for day in result.partitions]

    history = plugin.run_history(RunFilter(backfill_id=result.backfill_id))
    assert sorted(r.partition or "" for r in history) == list(result.partitions)
    days = sorted({str(row[0]) for row in rows(postgres_port, WAREHOUSE, "public.fct_daily_orders")})
    assert days == list(result.partitions)


def _wait_for_a_running_task(airflow: LocalUi, running: Future[Any]) -> str:
    """The newest nightly DagRun's id, once a task of it runs with at least half of its tasks still to run."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and not running.done():
        runs = airflow.call("GET", f"/api/v2/dags/{NIGHTLY}/dagRuns?order_by=-start_date&limit=1")["dag_runs"]
        if runs and runs[0]["state"] == "running":
            states = [t["state"] for t in _task_instances(airflow, runs[0]["dag_run_id"])]
            if "running" in states and states.count("success") < len(states) // 2:
                return str(runs[0]["dag_run_id"])
        time.sleep(0.5)
    raise AssertionError(f"no task of a nightly run was seen running (run done: {running.done()})")


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
