"""Airflow's own UI on one compiled product, on this machine: api-server, scheduler, dag-processor, triggerer.

All four run on one AIRFLOW_HOME (a SQLite metadata DB unless told another, LocalExecutor, every user an
admin so the UI opens without a login) and stop together. Used by the demo (`python dev.py demo --ui
airflow`) and by the tests that check Airflow's services serve the product.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from floe_core.artifacts import load_artifacts
from floe_core.errors import Problem, RuntimeFailure
from floe_core.local_services import Services, running, wait_for

from floe_airflow_provider.deploy import deploy

# Services that are still running get this long to answer (a service that ends fails at once): on a loaded
# machine (CI runs four test envs on two cores) the first answer has taken over three minutes.
_START_SECONDS = 600.0


@dataclass(frozen=True)
class LocalUi:
    url: str
    home: Path
    logs: Path
    token: str
    services: Services

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Airflow's REST API (`/api/v2/...`) with this UI's token."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")


def _environment(home: Path, url: str, port: int, metadata_db: str | None, env: Mapping[str, str] | None
                 ) -> dict[str, str]:
    database = {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_db} if metadata_db else {}
    return {
        **database,
        **os.environ,
        **(env or {}),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{url}/execution/",
        "AIRFLOW__API__BASE_URL": url,
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "5",
    }


@contextmanager
def serve(artifacts_file: Path, home: Path, port: int, *, mode: str = "per_model",
          metadata_db: str | None = None, env: Mapping[str, str] | None = None) -> Iterator[LocalUi]:
    """Deploy the product into `home`/dags, migrate the metadata DB, start the services; stop them on exit.

    The metadata DB is a SQLite file in `home` unless `metadata_db` names another (a SQLAlchemy URL, such as
    `postgresql+psycopg2://...`): on SQLite the services wait on each other's writes, and a write that waits
    too long fails, so production-like runs use PostgreSQL. `env` adds variables for the services and the
    tasks they run (a dbt target's address, say).
    """
    deploy(load_artifacts(artifacts_file), home / "dags", mode)
    url, logs = f"http://127.0.0.1:{port}", home / "service_logs"
    environment = _environment(home, url, port, metadata_db, env)
    logs.mkdir(parents=True, exist_ok=True)
    airflow = [sys.executable, "-m", "airflow"]
    with open(logs / "db-migrate.log", "wb") as log:
        migrated = subprocess.run([*airflow, "db", "migrate"], env=environment, stdout=log, stderr=subprocess.STDOUT)
        if migrated.returncode:
            raise RuntimeFailure(Problem("`airflow db migrate` failed", file=str(logs / "db-migrate.log"),
                                         fix="read that log; AIRFLOW_HOME must be writable"))
    commands = {
        "api-server": [*airflow, "api-server", "--port", str(port), "--host", "127.0.0.1"],
        "scheduler": [*airflow, "scheduler"],
        "dag-processor": [*airflow, "dag-processor"],
        "triggerer": [*airflow, "triggerer"],
    }
    with running(commands, environment, logs) as services:
        token = wait_for("Airflow's UI", lambda: _token(url), services, logs, _START_SECONDS)
        yield LocalUi(url, home, logs, token, services)


def _token(url: str) -> str:
    with urllib.request.urlopen(f"{url}/auth/token", timeout=5) as response:
        return str(json.loads(response.read())["access_token"])
