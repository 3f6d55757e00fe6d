"""Deployment mode end to end: the plugin drives a running Airflow (api-server, scheduler with LocalExecutor,
dag-processor, on a PostgreSQL metadata DB) through its REST API only, and Airflow's scheduler runs the work.

What a platform team sees in Airflow afterwards is what is asserted: the DagRuns the API lists, the task
instances' tries (a rerun is a clear of the same DagRun, so the cleared tasks are on try 2), and the backfill in
Airflow's backfill list with one run per daily window.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from floe_airflow_provider import AirflowOrchestratorPlugin
from floe_airflow_provider.local_ui import LocalUi, serve
from floe_contract_tests.probes import compile_to_file, copy_project, free_port
from floe_core import CompiledArtifacts, load_artifacts
from floe_core.errors import RuntimeFailure
from floe_core.plugin import BackfillRequest, RunFilter
from floe_core.postgres_server import postgres_server

pytestmark = pytest.mark.deployment
NIGHTLY = "jaffle_floe.nightly"
DAILY = "jaffle_floe.daily_orders"
SWITCH = "main.deployment_switch"
DEMO = Path(__file__).resolve().parents[2] / "examples" / "jaffle_floe"


@pytest.fixture(scope="module")
def product(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo, with one model that fails until a switch table exists, and backfills of a run per day."""
    project = copy_project(DEMO, tmp_path_factory.mktemp("deployment") / "jaffle_floe")
    model = project / "models" / "marts" / "customers.sql"
    model.write_text(model.read_text() + f"where (select count(*) from {SWITCH}) > 0\n")
    spec = project / "floe.yaml"
    spec.write_text(spec.read_text().replace("maxPartitionsPerRun: 7", "maxPartitionsPerRun: 1"))
    return compile_to_file(project)


@pytest.fixture(scope="module")
def airflow(product: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalUi]:
    """Airflow's services on a PostgreSQL metadata DB, as a platform runs them."""
    with postgres_server(free_port()) as url:
        metadata_db = url.replace("postgresql://", "postgresql+psycopg2://")
        with serve(product, tmp_path_factory.mktemp("deployed_airflow"), free_port(), metadata_db=metadata_db) as ui:
            yield ui


@pytest.fixture(scope="module")
def plugin(airflow: LocalUi) -> AirflowOrchestratorPlugin:
    return AirflowOrchestratorPlugin({"dags_folder": airflow.home / "dags", "api": {"url": airflow.url,
                                                                                   "wait_seconds": 600}})


def _manual_runs(airflow: LocalUi, dag_id: str) -> list[tuple[str, str]]:
    runs = airflow.call("GET", f"/api/v2/dags/{dag_id}/dagRuns?run_type=manual")["dag_runs"]
    return [(r["dag_run_id"], r["state"]) for r in runs]


def _switch_on(artifacts: CompiledArtifacts) -> None:
    warehouse = artifacts.project_dir / "target" / "jaffle_floe.duckdb"
    for _ in range(30):  # a sensor's read-only poke may hold the file for a moment
        try:
            with duckdb.connect(str(warehouse)) as connection:
                connection.execute(f"create table if not exists {SWITCH} as select 1 as on_")
            return
        except duckdb.IOException:
            time.sleep(1)
    raise AssertionError(f"could not open {warehouse} for writing")


def test_a_failed_run_is_rerun_by_clearing_its_failed_tasks_in_the_same_dag_run(
        airflow: LocalUi, plugin: AirflowOrchestratorPlugin, product: Path) -> None:
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

    _switch_on(artifacts)
    rerun = plugin.run_job(artifacts, "nightly", rerun_of=failed.run_id)
    assert rerun.status == "success"
    assert rerun.run_id == failed.run_id
    # Only the cleared tasks ran: the failed model (its second try) and the model downstream of it.
    assert {k: (a.status, a.attempts) for k, a in rerun.assets.items()} == {
        "customers": ("materialized", 2), "customer_lifetime_value": ("materialized", 1)}

    tis = airflow.call("GET", f"/api/v2/dags/{NIGHTLY}/dagRuns/{failed.run_id}/taskInstances?limit=100")
    tries = {t["task_id"].rsplit(".", 1)[-1]: (t["state"], t["try_number"]) for t in tis["task_instances"]}
    assert tries["customers"] == ("success", 2)
    assert tries["customer_lifetime_value"] == ("success", 1)
    assert tries["orders"] == ("success", 1)
    assert _manual_runs(airflow, NIGHTLY) == [(failed.run_id, "success")]
    history = plugin.run_history(RunFilter(job="nightly"))
    assert (failed.run_id, "success") in [(r.run_id, r.status) for r in history]


def test_a_backfill_of_five_days_is_airflows_own_backfill_with_a_run_per_day(
        airflow: LocalUi, plugin: AirflowOrchestratorPlugin, product: Path) -> None:
    artifacts = load_artifacts(product)
    _switch_on(artifacts)
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
    warehouse = artifacts.project_dir / "target" / "jaffle_floe.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        days = connection.execute("select distinct order_date from fct_daily_orders order by 1").fetchall()
    assert [str(d) for (d,) in days] == list(result.partitions)
