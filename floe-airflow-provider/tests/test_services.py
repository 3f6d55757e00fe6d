"""End to end with Airflow's own services: api-server, scheduler and dag-processor on loopback.

Slow (the services start in 30-60 s and every task is a process of its own), so it carries the `services`
marker: tox runs it in one Airflow environment and deselects it (`-m "not services"`) in the others.
"""

from __future__ import annotations

import json
import time
import urllib.error
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from floe_airflow_provider.local_ui import LocalUi, serve
from floe_airflow_provider.naming import DagNaming
from floe_contract_tests.probes import free_port
from floe_core import CompiledArtifacts
from floe_core.cron import fire_times

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


@pytest.fixture
def per_model_services(tmp_path: Path, demo_artifacts_path: Path) -> Iterator[LocalUi]:
    with serve(demo_artifacts_path, tmp_path / "home", free_port(), mode="per_model") as ui:
        yield ui


def test_airflow_services_load_the_dags_run_a_job_and_report_it_through_the_rest_api(
        services: LocalUi, demo_artifacts: CompiledArtifacts) -> None:
    """The DAG runs on floe's timetable, so the api-server (which works out a manual run's data interval) and
    the scheduler (which runs it) both load it from the provider's Airflow plugin, or this run never starts."""
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
    key_of = DagNaming.of(demo_artifacts).key_of_asset_uri
    produced = {key_of(e["uri"]) for e in events if e["source_run_id"] == run_id and key_of(e["uri"])}
    assert produced == set(demo_artifacts.jobs_by_name["nightly"].assets)


def test_airflow_asset_graph_has_every_dbt_dependency_edge_and_floes_timetable_drives_the_schedule(
        per_model_services: LocalUi, demo_artifacts_path: Path, demo_artifacts: CompiledArtifacts) -> None:
    api = per_model_services
    before = datetime.now(timezone.utc)
    _wait_for("the nightly DAG", lambda: _dag_or_none(api), 240)
    # The edges dbt itself recorded, named by the keys of the assets floe made of dbt's nodes; an ephemeral
    # model is no asset, so the models it reads are read by the models that select from it.
    manifest = json.loads((demo_artifacts_path.parent / "manifest.json").read_text())
    key_of = {a.dbt.unique_id: a.key for a in demo_artifacts.orchestration.assets if a.dbt is not None}

    def read_by(uid: str) -> set[str]:
        node = manifest["nodes"].get(uid) or manifest["sources"][uid]
        upstream = node.get("depends_on", {}).get("nodes", [])
        through = {k for u in upstream if u not in key_of for k in read_by(u)}
        return {key_of[u] for u in upstream if u in key_of} | through

    expected = {(upstream, key_of[uid]) for uid in manifest["nodes"] if uid in key_of for upstream in read_by(uid)}
    assert len(expected) > 10
    naming = DagNaming.of(demo_artifacts)
    graph = _wait_for("every DAG's assets", lambda: _asset_graph_or_none(api, naming, len(expected)), 180)
    assert {e for e in graph.edges if set(e) <= set(key_of.values())} == expected
    # Sources are Assets too: read by the models that select from them.
    assert {"raw/raw_customers", "raw/raw_payments"} <= graph.names
    # Job markers say what they are wherever Airflow lists Assets.
    markers = {a["name"] for a in graph.assets if a["uri"].startswith("floe-job://")}
    assert "jaffle_floe.nightly succeeded (floe job marker)" in markers
    assert all(m.endswith("(floe job marker)") for m in markers)

    # The api-server loaded floe's plugin, and the DAG processor scheduled the nightly DAG on floe's timetable
    # (its description says the timezone; Airflow's own says "At 02:30"): its next run is a floe-core fire time,
    # the last one if it was recent, else the next.
    plugins = {p["name"]: p for p in api.call("GET", "/api/v2/plugins")["plugins"]}
    assert "floe_airflow_provider.cron_timetables.FloeCronTriggerTimetable" in plugins["floe"]["timetables"]
    nightly = api.call("GET", f"/api/v2/dags/{DAG_ID}")
    assert nightly["timetable_summary"] == "30 2 * * *"
    assert nightly["timetable_description"] == "At 02:30 (Europe/Amsterdam)"
    run_after = _wait_for("the nightly DAG's next run", lambda: _next_run_after(api), 120)
    next_run = datetime.fromisoformat(run_after.replace("Z", "+00:00"))
    assert next_run in fire_times("30 2 * * *", "Europe/Amsterdam", before - timedelta(days=1), 2)


def _next_run_after(api: LocalUi) -> str | None:
    """When the nightly DAG runs next; or, when its last fire time was recent, when the run the scheduler made
    for it at once was due (an enabled schedule's DAG starts unpaused, and while that run is the one active
    run Airflow sets no next run)."""
    nightly = api.call("GET", f"/api/v2/dags/{DAG_ID}")
    if nightly["next_dagrun_run_after"]:
        return str(nightly["next_dagrun_run_after"])
    scheduled = api.call("GET", f"/api/v2/dags/{DAG_ID}/dagRuns?run_type=scheduled")["dag_runs"]
    return str(scheduled[0]["run_after"]) if scheduled else None


class _AssetGraph:
    """Airflow's Assets, each named by the floe key it stands for (a table's Asset is named by its URI)."""

    def __init__(self, assets: list[dict[str, Any]], naming: DagNaming) -> None:
        self.assets = assets
        key = {a["uri"]: naming.key_of_asset_uri(a["uri"]) or a["name"] for a in assets}
        self.names = set(key.values())
        produces = {(t["dag_id"], t["task_id"]): key[a["uri"]] for a in assets for t in a["producing_tasks"]}
        # An edge: a task reads one Asset (an inlet) and produces another (an outlet).
        self.edges = {
            (key[a["uri"]], produces[(t["dag_id"], t["task_id"])])
            for a in assets
            for t in a["consuming_tasks"]
            if (t["dag_id"], t["task_id"]) in produces
        }


def _asset_graph_or_none(api: LocalUi, naming: DagNaming, edges: int) -> _AssetGraph | None:
    graph = _AssetGraph(api.call("GET", "/api/v2/assets?limit=1000")["assets"], naming)
    # The DAG processor writes each DAG file's Asset references as it parses it.
    return graph if len(graph.edges) >= edges else None


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
