"""End to end with Airflow's own services: api-server, scheduler and dag-processor on loopback.

Slow (the services start in 30-60 s and every task is a process of its own), so it carries the `services`
marker: tox runs it in one Airflow environment and deselects it (`-m "not services"`) in the others.
"""

from __future__ import annotations

import time
import urllib.error
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from floe_airflow_provider.local_ui import LocalUi, serve
from floe_contract_tests.probes import free_port
from floe_core import CompiledArtifacts

pytestmark = pytest.mark.services
DAG_ID = "jaffle_floe.nightly"


def _wait_for(what: str, probe: Callable[[], Any], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def services(tmp_path: Path, demo_artifacts_path: Path) -> Iterator[LocalUi]:
    with serve(demo_artifacts_path, tmp_path / "home", free_port(), mode="build") as ui:
        yield ui


def test_airflow_services_load_the_dags_run_a_job_and_report_it_through_the_rest_api(
        services: LocalUi, demo_artifacts: CompiledArtifacts) -> None:
    api = services
    dag = _wait_for("the nightly DAG", lambda: _dag_or_none(api), 240)
    assert dag["dag_id"] == DAG_ID
    api.call("PATCH", f"/api/v2/dags/{DAG_ID}", {"is_paused": False})
    run = api.call("POST", f"/api/v2/dags/{DAG_ID}/dagRuns", {"logical_date": None, "conf": {}})
    run_id = run["dag_run_id"]
    done = _wait_for(
        "the run to finish",
        lambda: (
            (r := api.call("GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}"))["state"] in ("success", "failed") and r
        ),
        600,
    )
    tis = api.call("GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances")["task_instances"]
    assert done["state"] == "success", {t["task_id"]: t["state"] for t in tis}
    assert {t["task_id"]: t["state"] for t in tis} == {
        "dbt_build": "success",
        "dbt_build_status": "success",
        "job_succeeded": "success",
    }
    # The UI's asset view: every model the run materialized is an Asset with an event from this DAG.
    events = _wait_for("the asset events", lambda: _asset_events_or_none(api), 120)
    produced = {e["name"] for e in events if e["source_run_id"] == run_id and e["name"] in demo_artifacts.assets_by_key}
    assert produced == set(demo_artifacts.jobs_by_name["nightly"].assets)


def _dag_or_none(api: LocalUi) -> Any:
    try:
        return api.call("GET", f"/api/v2/dags/{DAG_ID}")
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise


def _asset_events_or_none(api: LocalUi) -> Any:
    # Airflow 3.1's API answers 500 while an event's triggered DagRun has not started (its response model
    # requires the run's start_date); the DAGs those events trigger are unpaused, so it starts within seconds.
    try:
        return api.call("GET", f"/api/v2/assets/events?source_dag_id={DAG_ID}&limit=1000")["asset_events"]
    except urllib.error.HTTPError as exc:
        if exc.code == 500:
            return None
        raise
