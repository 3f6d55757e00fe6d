"""End to end with Airflow's own services: api-server, scheduler and dag-processor on loopback.

Slow (the services start in 30-60 s and every task is a process of its own), so it carries the `services`
marker: tox runs it in one Airflow environment and deselects it (`-m "not services"`) in the others.
"""

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
from floe_airflow_provider.deploy import factory_file_text

pytestmark = pytest.mark.services
DAG_ID = "jaffle_floe.nightly"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Api:
    def __init__(self, base: str) -> None:
        self.base = base
        self.token: str | None = None

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def wait_for(self, what: str, probe: Any, timeout: float) -> Any:
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            try:
                value = probe()
                if value:
                    return value
            except (urllib.error.URLError, ConnectionError, OSError) as exc:
                last = exc
            time.sleep(2)
        raise AssertionError(f"timed out waiting for {what} ({last})")


@pytest.fixture
def services(tmp_path: Path, demo_artifacts_path: Path) -> Iterator[Api]:
    home = tmp_path / "home"
    (home / "dags").mkdir(parents=True)
    (home / "dags" / "floe_demo.py").write_text(factory_file_text(demo_artifacts_path, "jaffle_floe", mode="build"))
    port = _free_port()
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "5",
    }
    airflow = [sys.executable, "-m", "airflow"]
    subprocess.run([*airflow, "db", "migrate"], env=env, check=True, capture_output=True)
    logs = tmp_path / "logs"
    logs.mkdir()
    procs = [
        subprocess.Popen(
            [*airflow, *command], env=env, stdout=(logs / f"{command[0]}.log").open("w"), stderr=subprocess.STDOUT
        )
        for command in (["api-server", "--port", str(port), "--host", "127.0.0.1"], ["scheduler"], ["dag-processor"])
    ]
    api = Api(f"http://127.0.0.1:{port}")
    try:
        api.token = api.wait_for("the API server", lambda: api.call("GET", "/auth/token")["access_token"], 180)
        yield api
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_airflow_services_load_the_dags_run_a_job_and_report_it_through_the_rest_api(services: Api) -> None:
    api = services
    dag = api.wait_for("the nightly DAG", lambda: _dag_or_none(api), 240)
    assert dag["dag_id"] == DAG_ID
    api.call("PATCH", f"/api/v2/dags/{DAG_ID}", {"is_paused": False})
    run = api.call("POST", f"/api/v2/dags/{DAG_ID}/dagRuns", {"logical_date": None, "conf": {}})
    run_id = run["dag_run_id"]
    done = api.wait_for(
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


def _dag_or_none(api: Api) -> Any:
    try:
        return api.call("GET", f"/api/v2/dags/{DAG_ID}")
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise
