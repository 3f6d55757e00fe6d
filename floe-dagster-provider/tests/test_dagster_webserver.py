"""End to end: the Dagster webserver serves the demo, and its GraphQL API shows the artifacts' graph."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from floe_core import AssetGraph, CompiledArtifacts

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def webserver(demo_artifacts_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("webserver")
    module = folder / "definitions.py"
    module.write_text("from floe_dagster_provider import build_definitions\n"
                      f"defs = build_definitions({str(demo_artifacts_path)!r})\n")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = folder / "webserver.log"
    with open(log, "w") as output:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("dagster-webserver")), "-f", str(module), "-h", "127.0.0.1",
             "-p", str(port)],
            cwd=folder, env={**os.environ, "DAGSTER_HOME": str(folder)}, stdout=output, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/server_info", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the webserver did not come up: {log.read_text()}") from None
                time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _graphql(url: str) -> dict[str, Any]:
    request = urllib.request.Request(f"{url}/graphql", data=json.dumps({"query": QUERY}).encode(),
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
