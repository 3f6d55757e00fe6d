"""The contract's execution and history clauses in deployment mode: the same clauses the embedded binding
passes, with every run launched through a running Dagster's GraphQL API (webserver plus daemon, runs queued for
the daemon's run coordinator) and read back from it.

The backfill clauses pass too (17 clauses, 14.5 min when tried) but are left to the embedded binding: their
runs, each a run worker process, would double this env's time. `test_dagster_deployment_mode.py` runs
Dagster's own backfill in deployment mode."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest
from floe_contract_tests.probes import free_port
from floe_contract_tests.suite import ExecutionContract, HistoryContract
from floe_core import CompiledArtifacts
from floe_dagster_harness import DagsterHarness
from floe_dagster_provider import DagsterOrchestratorPlugin
from floe_dagster_provider.local_ui import serve


class DeployedDagsterHarness(DagsterHarness):
    """The structural answers are the embedded harness's; runs go through the running Dagster."""

    def setup(self, artifacts: CompiledArtifacts, home: Path) -> None:
        super().setup(artifacts, home)
        self._services = ExitStack()
        artifacts_file = artifacts.project_dir / "target" / "compiled_artifacts.json"
        ui = self._services.enter_context(serve(artifacts_file, home / "deployed_dagster", free_port()))
        self._plugin = DagsterOrchestratorPlugin({"graphql": {"url": ui.url, "wait_seconds": 600}})

    def teardown(self) -> None:
        self._services.close()  # the deployed plugin holds no instance of its own to dispose


@pytest.mark.processes  # every run is a run worker process of its own: one env runs it
class TestDeployedDagsterContract(ExecutionContract, HistoryContract):
    harness_class = DeployedDagsterHarness
