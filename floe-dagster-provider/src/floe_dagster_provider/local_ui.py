"""Dagster's own UI on one compiled product, on this machine: `dagster-webserver` plus `dagster-daemon`.

The daemon ticks schedules and sensors and launches queued runs, so both start, on one instance folder, and
stop together. Used by the demo (`python dev.py demo --ui dagster`) and by the tests that check the UI serves
the product.
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

from floe_core.errors import Problem, RuntimeFailure
from floe_core.local_services import running, wait_for

# Services that are still running get this long to answer (a service that ends fails at once): on a loaded
# machine (CI runs four test envs on two cores) the first answer has taken over three minutes.
_START_SECONDS = 600.0
_WORKSPACE = """
{ workspaceOrError { ... on Workspace { locationEntries {
    name loadStatus
    locationOrLoadError { __typename ... on PythonError { message errorChain { error { message } } } }
} } } }
"""


@dataclass(frozen=True)
class LocalUi:
    url: str
    home: Path
    logs: Path


@contextmanager
def serve(artifacts_file: Path, home: Path, port: int, *, storage_url: str | None = None,
          env: Mapping[str, str] | None = None) -> Iterator[LocalUi]:
    """Start the webserver and the daemon on `artifacts_file` with `home` as DAGSTER_HOME; stop both on exit.

    `storage_url` (a SQLAlchemy PostgreSQL URL) puts the instance's runs, event logs and schedules on PostgreSQL
    through dagster-postgres, as a deployment keeps them; without it they are SQLite files in `home`. `env`
    adds variables for the services and the runs they launch (a dbt target's address, say).
    """
    home.mkdir(parents=True, exist_ok=True)
    # Runs queue, as in a deployment: the daemon's run coordinator starts them, each in a run worker process of
    # its own (which runs the steps itself on DuckDB, and in processes of their own on a server warehouse). The
    # daemon looks at the queue every second rather than Dagster's default five: someone waits for each run.
    instance = "run_queue:\n  max_concurrent_runs: 4\n  dequeue_interval_seconds: 1\n"
    if storage_url is not None:
        instance += f"storage:\n  postgres:\n    postgres_url: {json.dumps(storage_url)}\n"
    (home / "dagster.yaml").write_text(instance, encoding="utf-8")
    module = home / "floe_definitions.py"
    module.write_text("from floe_dagster_provider import build_definitions\n\n"
                      f"defs = build_definitions({str(artifacts_file.resolve())!r})\n", encoding="utf-8")
    bin_dir = Path(sys.executable).parent
    commands = {
        "webserver": [str(bin_dir / "dagster-webserver"), "-f", str(module), "-h", "127.0.0.1", "-p", str(port)],
        "daemon": [str(bin_dir / "dagster-daemon"), "run", "-f", str(module)],
    }
    url, logs = f"http://127.0.0.1:{port}", home / "logs"
    environment = {**os.environ, **(env or {}), "DAGSTER_HOME": str(home)}
    # The storage's tables first: a webserver and a daemon that start together on a new instance both create
    # them, and the one that loses the race ends ("table ... already exists").
    migrate = subprocess.run([str(bin_dir / "dagster"), "instance", "migrate"], env=environment,
                             capture_output=True, text=True)
    if migrate.returncode:
        raise RuntimeFailure(Problem(f"`dagster instance migrate` failed: {(migrate.stderr or migrate.stdout).strip()}",
                                     file=str(home / "dagster.yaml"), fix="Dagster's message says what is wrong"))
    with running(commands, environment, logs) as services:
        # The webserver answers before its code location has loaded; until then it serves an empty workspace.
        wait_for("Dagster's UI", lambda: _code_location_loaded(url, module), services, logs, _START_SECONDS)
        yield LocalUi(url, home, logs)


def _code_location_loaded(url: str, module: Path) -> None:
    """Return once the webserver has loaded every code location; ValueError while one is still loading."""
    request = urllib.request.Request(f"{url}/graphql", data=json.dumps({"query": _WORKSPACE}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        entries = json.loads(response.read())["data"]["workspaceOrError"]["locationEntries"]
    if not entries or any(e["loadStatus"] != "LOADED" for e in entries):
        raise ValueError("code location still loading")
    for entry in entries:
        loaded = entry["locationOrLoadError"] or {}
        if loaded.get("__typename") == "PythonError":
            # The top message is Dagster's wrapper ("Error occurred during the loading..."); the next link in
            # the chain is the exception the definitions module raised.
            messages = [loaded["message"], *(link["error"]["message"] for link in loaded["errorChain"])]
            raise RuntimeFailure(Problem(f"Dagster could not load code location {entry['name']!r}: "
                                         f"{messages[min(1, len(messages) - 1)].strip()}", file=str(module),
                                         fix="`floe validate <artifacts> --engine dagster` names what is wrong"))
