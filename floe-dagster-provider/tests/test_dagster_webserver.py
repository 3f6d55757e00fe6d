"""End to end: the Dagster webserver serves the demo, and its GraphQL API shows the artifacts' graph."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from floe_contract_tests.probes import free_port
from floe_core import AssetGraph, CompiledArtifacts
from floe_core.errors import RuntimeFailure
from floe_dagster_provider.local_ui import serve

QUERY = """
{
  assetNodes { assetKey { path } dependencyKeys { path } }
  repositoriesOrError {
    ... on RepositoryConnection {
      nodes {
        schedules { name cronSchedule executionTimezone pipelineName }
        sensors { name targets { pipelineName } }
      }
    }
  }
}
"""


@pytest.fixture(scope="module")
def webserver(demo_artifacts_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve(demo_artifacts_path, tmp_path_factory.mktemp("dagster_ui"), free_port()) as ui:
        yield ui.url


LAUNCH = """
mutation($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}
"""
RUN = """
query($runId: ID!) {
  runOrError(runId: $runId) { ... on Run { status assetMaterializations { assetKey { path } } } }
}
"""

EVENTS = """
query($runId: ID!) { logsForRun(runId: $runId) { ... on EventConnection { events { __typename } } } }
"""


def _graphql(url: str, query: str = QUERY, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    payload = {"query": query, "variables": variables or {}}
    request = urllib.request.Request(f"{url}/graphql", data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        body: dict[str, Any] = json.loads(response.read())
    assert "errors" not in body, body["errors"]
    return body["data"]


def test_the_webserver_shows_the_artifacts_assets_schedules_and_sensors(
    webserver: str, demo_artifacts: CompiledArtifacts
) -> None:
    data = _graphql(webserver)
    nodes = {"/".join(n["assetKey"]["path"]): n for n in data["assetNodes"]}
    assert set(nodes) == {a.key for a in demo_artifacts.orchestration.assets}
    edges = {("/".join(d["path"]), key) for key, n in nodes.items() for d in n["dependencyKeys"]}
    assert edges == set(AssetGraph(demo_artifacts.orchestration.assets).edges)
    (repository,) = data["repositoriesOrError"]["nodes"]
    schedules = {s["name"]: (s["cronSchedule"], s["executionTimezone"], s["pipelineName"])
                 for s in repository["schedules"]}
    assert schedules == {s.name: (s.cron, s.timezone, s.job) for s in demo_artifacts.orchestration.schedules
                         if s.cron is not None}
    sensors = {s["name"]: {t["pipelineName"] for t in s["targets"]} for s in repository["sensors"]}
    expected = {s.name: {s.job} for s in demo_artifacts.orchestration.sensors}
    expected.update({s.name: {s.job} for s in demo_artifacts.orchestration.schedules if s.after_jobs})
    assert sensors == expected


def test_the_daemon_runs_beside_the_webserver_so_schedules_and_sensors_tick(webserver: str) -> None:
    query = "{ instance { daemonHealth { allDaemonStatuses { daemonType healthy } } } }"
    deadline = time.monotonic() + 120
    while True:
        statuses = {d["daemonType"]: d["healthy"]
                    for d in _graphql(webserver, query)["instance"]["daemonHealth"]["allDaemonStatuses"]}
        if statuses.get("SCHEDULER") and statuses.get("SENSOR"):
            break
        assert time.monotonic() < deadline, f"the scheduler and sensor daemons report {statuses}"
        time.sleep(2)


@pytest.mark.processes  # a whole job in a run worker process: one env per engine runs it
def test_a_run_launched_through_graphql_runs_in_its_own_run_worker_and_materializes_the_jobs_assets(
    webserver: str, demo_artifacts: CompiledArtifacts
) -> None:
    """The path a deployment takes: the webserver queues the run, the daemon's run coordinator dequeues it and
    the run launcher starts a run worker process that loads the code location and runs the job's steps."""
    selector = {"repositoryLocationName": "floe_definitions.py", "repositoryName": "__repository__",
                "jobName": "nightly"}
    launched = _graphql(webserver, LAUNCH, {"params": {"selector": selector, "runConfigData": {}}})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]
    deadline = time.monotonic() + 300
    while (run := _graphql(webserver, RUN, {"runId": run_id})["runOrError"])["status"] not in (
            "SUCCESS", "FAILURE", "CANCELED"):
        assert time.monotonic() < deadline, f"run {run_id} is still {run['status']}"
        time.sleep(2)
    assert run["status"] == "SUCCESS"
    # Queued first: with a run queue only the daemon starts queued runs, so this one went through it.
    events = _graphql(webserver, EVENTS, {"runId": run_id})["logsForRun"]["events"]
    assert "RunEnqueuedEvent" in {e["__typename"] for e in events}
    materialized = {"/".join(m["assetKey"]["path"]) for m in run["assetMaterializations"]}
    assert materialized == set(demo_artifacts.jobs_by_name["nightly"].assets)


def test_a_code_location_that_fails_to_load_stops_the_ui_with_dagsters_error(tmp_path: Path) -> None:
    artifacts = tmp_path / "compiled_artifacts.json"
    artifacts.write_text('{"version": "1.3.0"}', encoding="utf-8")
    with pytest.raises(RuntimeFailure) as failure, serve(artifacts, tmp_path / "home", free_port()):
        pass
    problem = failure.value.problems[0]
    assert "could not load code location" in problem.message
    assert "compiled_artifacts.json" in problem.message
    assert problem.file == str(tmp_path / "home" / "floe_definitions.py")
