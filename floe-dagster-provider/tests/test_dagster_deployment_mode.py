"""Deployment mode end to end: the plugin drives a running Dagster (`dagster-webserver` plus `dagster-daemon`,
runs queued for the daemon's run coordinator, instance storage on PostgreSQL through dagster-postgres) through
its GraphQL API only, and Dagster's run workers do the work with the multiprocess executor, on the demo's
PostgreSQL warehouse.

What a platform team sees in Dagster afterwards is what is asserted, read back through GraphQL: the steps'
times, a killed run worker's run marked failed, its re-execution from failure, and the backfill on the
Backfills list with a run per daily partition. The tables are compared with plain `dbt build`'s.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
import yaml
from floe_contract_tests.postgres_demo import assert_nightly_tables_equal, database, new_databases, rows
from floe_contract_tests.probes import DEMO, compile_for_target, copy_project, free_port
from floe_core import load_artifacts
from floe_core.errors import RuntimeFailure
from floe_core.plugin import BackfillRequest, RunFilter, RunRecord
from floe_dagster_provider import DagsterOrchestratorPlugin
from floe_dagster_provider.local_ui import LocalUi, serve

pytestmark = pytest.mark.postgres
STORAGE, WAREHOUSE = "deployed_dagster", "deployed_warehouse"

_STEPS = "query($runId: ID!) { runOrError(runId: $runId) { ... on Run { stepStats { stepKey startTime endTime } } } }"
_ENGINE_EVENTS = """
query($runId: ID!) { logsForRun(runId: $runId) { ... on EventConnection { events {
    __typename ... on EngineEvent { message } ... on ExecutionStepStartEvent { stepKey } } } } }
"""
_ORDER_AMOUNTS = """

def order_amounts(context):
    import time
    from pathlib import Path

    # Long enough that the two steps of its job surely overlap; while a `slow` file lies beside this module,
    # long enough to kill the run worker in the middle of it.
    time.sleep(60 if (Path(__file__).parent / "slow").exists() else 2)
    return [{"order_id": int(r["order_id"]), "amount": float(r["amount"] or 0)}
            for r in context.read_upstream("orders").to_pylist()]
"""
_BACKFILLS = "{ partitionBackfillsOrError { ... on PartitionBackfills { results { id status partitionNames } } } }"


@pytest.fixture(scope="module")
def product(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo on its `pg` target, with one daily partition per run so a backfill is Dagster's own, and a
    second Python asset in the `segments` job that does not depend on the first: two steps free to overlap."""
    source = copy_project(DEMO, tmp_path_factory.mktemp("source") / "jaffle_floe")
    with (source / "jaffle_assets.py").open("a", encoding="utf-8") as module:
        module.write(_ORDER_AMOUNTS)
    spec_file = source / "floe.yaml"
    spec = yaml.safe_load(spec_file.read_text().replace("maxPartitionsPerRun: 7", "maxPartitionsPerRun: 1"))
    spec["orchestration"]["pythonAssets"].append({
        "key": "order_amounts", "callable": "jaffle_assets:order_amounts", "deps": [{"asset": "orders"}],
        "icebergTable": "analytics.order_amounts"})
    (segments,) = [job for job in spec["orchestration"]["jobs"] if job["name"] == "segments"]
    segments["select"] = "customer_segments order_amounts"
    spec_file.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return compile_for_target(source, tmp_path_factory.mktemp("deployed") / "jaffle_floe", "pg")


@pytest.fixture(scope="module")
def dagster(product: Path, postgres_port: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalUi]:
    storage, _ = new_databases(postgres_port, STORAGE, WAREHOUSE)
    with serve(product, tmp_path_factory.mktemp("dagster_home"), free_port(), storage_url=storage,
               env={"FLOE_PG_DATABASE": WAREHOUSE}) as ui:
        yield ui


@pytest.fixture(scope="module")
def plugin(dagster: LocalUi) -> DagsterOrchestratorPlugin:
    return DagsterOrchestratorPlugin({"graphql": {"url": dagster.url, "wait_seconds": 600}})


def _graphql(ui: LocalUi, query: str, variables: dict[str, Any] | None = None) -> Any:
    request = urllib.request.Request(f"{ui.url}/graphql", headers={"Content-Type": "application/json"},
                                     data=json.dumps({"query": query, "variables": variables or {}}).encode())
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.loads(response.read())
    assert "errors" not in answer, answer["errors"]
    return answer["data"]


def test_the_instance_keeps_its_runs_on_postgresql(dagster: LocalUi, postgres_port: int) -> None:
    with database(postgres_port, STORAGE) as con, con.cursor() as cursor:
        cursor.execute("select table_name from information_schema.tables where table_schema = 'public'")
        tables = {name for (name,) in cursor.fetchall()}
    assert {"runs", "event_logs", "bulk_actions"} <= tables


def test_runs_launched_through_graphql_run_independent_steps_at_the_same_time(
        dagster: LocalUi, plugin: DagsterOrchestratorPlugin, product: Path, postgres_port: int,
        plain_dbt_build: str) -> None:
    artifacts = load_artifacts(product)
    for job in ("nightly", "segments"):
        record = plugin.run_job(artifacts, job)
        assert record.status == "success", _not_done(record)
        assert {k for k, a in record.assets.items() if a.status == "materialized"} == set(
            artifacts.jobs_by_name[job].assets)
    steps = _graphql(dagster, _STEPS, {"runId": record.run_id})["runOrError"]["stepStats"]
    assert len(steps) == 2
    overlapping = [(a["stepKey"], b["stepKey"]) for a in steps for b in steps
                   if a["stepKey"] < b["stepKey"] and a["startTime"] < b["endTime"] and b["startTime"] < a["endTime"]]
    assert overlapping, [(s["stepKey"], s["startTime"], s["endTime"]) for s in steps]
    assert (record.run_id, "success") in [(r.run_id, r.status) for r in plugin.run_history(RunFilter(job="segments"))]
    assert_nightly_tables_equal(artifacts, postgres_port, WAREHOUSE, plain_dbt_build)


def test_a_killed_run_worker_fails_its_run_and_the_re_execution_from_failure_completes_with_every_row_once(
        dagster: LocalUi, plugin: DagsterOrchestratorPlugin, product: Path, postgres_port: int) -> None:
    artifacts = load_artifacts(product)
    if not plugin.run_history(RunFilter(job="nightly", statuses=("success",), limit=1)):
        assert plugin.run_job(artifacts, "nightly").status == "success"  # the segments job reads its tables
    slow = artifacts.project_dir / "slow"
    slow.touch()
    try:
        with ThreadPoolExecutor(1) as pool:
            running = pool.submit(plugin.run_job, artifacts, "segments")
            _kill_with_descendants(_run_worker_once_step_runs(dagster, running, "order_amounts"))
            failed = running.result(timeout=600)
    finally:
        slow.unlink()
    assert failed.status == "failure"
    assert failed.assets["order_amounts"].status != "materialized"

    rerun = plugin.run_job(artifacts, "segments", rerun_of=failed.run_id)
    assert rerun.status == "success", _not_done(rerun)
    assert rerun.run_id != failed.run_id
    # Dagster's re-execution: a run of its own in the parent's run group, with what had not completed.
    group = _graphql(dagster, "query($id: ID!) { runOrError(runId: $id) { ... on Run { parentRunId rootRunId } } }",
                     {"id": rerun.run_id})["runOrError"]
    assert group == {"parentRunId": failed.run_id, "rootRunId": failed.run_id}
    done_before = {k for k, a in failed.assets.items() if a.status == "materialized"}
    done_now = {k for k, a in rerun.assets.items() if a.status == "materialized"}
    assert set(artifacts.jobs_by_name["segments"].assets) - done_before <= done_now
    # Nothing lost or doubled: a row per order and a row per customer, once.
    from floe_core.runtime.iceberg import read_table

    order_ids = [r["order_id"] for r in read_table(artifacts, "analytics.order_amounts").to_pylist()]
    assert sorted(order_ids) == sorted(int(r[0]) for r in rows(postgres_port, WAREHOUSE, "public.orders"))
    customers = [r["customer_id"] for r in read_table(artifacts, "analytics.customer_segments").to_pylist()]
    assert sorted(customers) == sorted(
        int(r[0]) for r in rows(postgres_port, WAREHOUSE, "public.customer_lifetime_value"))


def test_a_backfill_of_five_days_is_dagsters_own_backfill_with_a_run_per_day(
        dagster: LocalUi, plugin: DagsterOrchestratorPlugin, product: Path, postgres_port: int) -> None:
    artifacts = load_artifacts(product)
    if not plugin.run_history(RunFilter(job="nightly", statuses=("success",), limit=1)):
        assert plugin.run_job(artifacts, "nightly").status == "success"  # daily_orders reads the nightly tables
    days = ("2024-01-03", "2024-01-04", "2024-01-05", "2024-01-06", "2024-01-07")
    result = plugin.launch_backfill(artifacts, BackfillRequest(job="daily_orders", start=days[0], end=days[-1]))
    assert result.succeeded
    assert sorted(r.partition or "" for r in result.runs) == list(days)

    backfills = _graphql(dagster, _BACKFILLS)["partitionBackfillsOrError"]["results"]
    assert [(b["id"], sorted(b["partitionNames"])) for b in backfills] == [(result.backfill_id, list(days))]
    history = plugin.run_history(RunFilter(backfill_id=result.backfill_id))
    assert sorted((r.partition, r.status) for r in history) == [(day, "success") for day in days]
    loaded = rows(postgres_port, WAREHOUSE, "public.fct_daily_orders")
    assert sorted({str(row[0]) for row in loaded}) == list(days)


def test_a_job_no_code_location_defines_is_refused_naming_the_setting(plugin: DagsterOrchestratorPlugin,
                                                                      product: Path) -> None:
    other = DagsterOrchestratorPlugin({"graphql": {**plugin.config.graphql.model_dump(),  # type: ignore[union-attr]
                                                   "location": "somewhere_else.py"}})
    with pytest.raises(RuntimeFailure) as refused:
        other.run_job(load_artifacts(product), "nightly")
    problem = refused.value.problems[0]
    assert (problem.field, problem.found) == ("plugin_config.graphql.location", "somewhere_else.py")


def _not_done(record: RunRecord) -> dict[str, str]:
    """What a run left undone: the assets not materialized and the checks that did not pass."""
    return {**{k: a.status for k, a in record.assets.items() if a.status != "materialized"},
            **{k: c for k, c in record.checks.items() if c != "passed"}}


def _run_worker_once_step_runs(ui: LocalUi, running: Any, step: str) -> int:
    """The pid of the newest run's run worker, read from its engine event, once `step` of it has started."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not running.done():
        runs = _graphql(ui, "{ runsOrError(limit: 1) { ... on Runs { results { runId status } } } }")
        (newest,) = runs["runsOrError"]["results"] or [{"runId": None, "status": None}]
        if newest["status"] == "STARTED":
            events = _graphql(ui, _ENGINE_EVENTS, {"runId": newest["runId"]})["logsForRun"]["events"]
            pids = [int(m.group(1)) for e in events if e["__typename"] == "EngineEvent"
                    for m in [re.search(r"Started process for run \(pid: (\d+)\)", e["message"])] if m]
            started = {e.get("stepKey") for e in events if e["__typename"] == "ExecutionStepStartEvent"}
            if pids and step in started:
                return pids[0]
        time.sleep(0.5)
    raise AssertionError(f"step {step!r} of a run was never seen running (run done: {running.done()})")


def _kill_with_descendants(pid: int) -> None:
    """SIGKILL a process and every process under it, as the kernel's OOM killer takes a container."""
    found, frontier = [pid], [pid]
    while frontier:
        parent = frontier.pop()
        for task in Path(f"/proc/{parent}/task").glob("*/children"):
            children = [int(c) for c in task.read_text().split()]
            found += children
            frontier += children
    for victim in found:
        with suppress(ProcessLookupError):
            os.kill(victim, signal.SIGKILL)
