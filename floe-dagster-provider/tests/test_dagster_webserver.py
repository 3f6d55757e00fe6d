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


def _graphql(url: str, query: str = QUERY) -> dict[str, Any]:
    request = urllib.request.Request(f"{url}/graphql", data=json.dumps({"query": query}).encode(),
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


def test_a_code_location_that_fails_to_load_stops_the_ui_with_dagsters_error(tmp_path: Path) -> None:
    artifacts = tmp_path / "compiled_artifacts.json"
    artifacts.write_text('{"version": "1.2.0"}', encoding="utf-8")
    with pytest.raises(RuntimeFailure) as failure, serve(artifacts, tmp_path / "home", free_port()):
        pass
    problem = failure.value.problems[0]
    assert "could not load code location" in problem.message
    assert "compiled_artifacts.json" in problem.message
    assert problem.file == str(tmp_path / "home" / "floe_definitions.py")
