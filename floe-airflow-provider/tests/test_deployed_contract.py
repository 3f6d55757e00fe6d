"""The contract's execution and history clauses in deployment mode: the same clauses the embedded binding
passes, with every run triggered through a running Airflow's REST API (api-server, scheduler with
LocalExecutor, dag-processor, on a PostgreSQL metadata DB) and read back from it. A rerun is a clear of the
failed task instances of the same DagRun; a retry is the scheduler's own.

The backfill clauses are left to the embedded binding, as on Dagster (each backfill window is a DagRun the
scheduler queues, and their runs would double this env's time); `test_deployment_mode.py` runs Airflow's own
backfill in deployment mode.
"""

from __future__ import annotations

import os
import urllib.parse
from contextlib import ExitStack
from pathlib import Path

import pytest
from floe_airflow_provider import AirflowOrchestratorPlugin
from floe_airflow_provider.local_ui import LocalUi, serve
from floe_contract_tests.postgres_demo import new_databases
from floe_contract_tests.probes import free_port
from floe_contract_tests.suite import ExecutionContract, HistoryContract
from floe_core import CompiledArtifacts
from floe_core.errors import Problem
from floe_core.polling import poll
from harness import AirflowHarness

# No run the scheduler makes on its own (cron, Asset events): the runs Airflow holds are the ones the clauses
# triggered, so every DAG can be unpaused.
_ONLY_TRIGGERED_RUNS = {"AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False"}


class DeployedAirflowHarness(AirflowHarness):
    """The structural answers are the embedded harness's; runs go through the running Airflow."""

    def setup(self, artifacts: CompiledArtifacts, home: Path) -> None:
        super().setup(artifacts, home)
        self._services = ExitStack()
        (metadata_db,) = new_databases(int(os.environ["FLOE_PG_PORT"]), "contract_airflow")
        ui = self._services.enter_context(serve(self.artifacts_file, home / "deployed_airflow", free_port(),
                                                metadata_db=metadata_db, env=_ONLY_TRIGGERED_RUNS))
        self._plugin = AirflowOrchestratorPlugin({"dags_folder": ui.home / "dags",
                                                  "api": {"url": ui.url, "wait_seconds": 600}})
        _unpause_once_parsed(ui, self.naming.dag_id(""), len(self.dags))

    def teardown(self) -> None:
        self._services.close()


def _unpause_once_parsed(ui: LocalUi, prefix: str, count: int) -> None:
    """What an operator does before running a product's jobs: unpause its DAGs (a job DAG with partitions and
    no schedule is created paused, so that Airflow never runs it on its own)."""
    pattern = urllib.parse.quote(f"{prefix}%")

    def parsed() -> bool | None:
        return ui.call("GET", f"/api/v2/dags?dag_id_pattern={pattern}&limit=1")["total_entries"] == count or None

    poll(parsed, 600, 1.0, lambda: Problem(f"the dag-processor did not parse the {count} DAGs of {prefix!r}"))
    ui.call("PATCH", f"/api/v2/dags?dag_id_pattern={pattern}", {"is_paused": False})


@pytest.mark.deployment
@pytest.mark.postgres  # the metadata DB: the env with a PostgreSQL server runs it
@pytest.mark.usefixtures("postgres_port")
class TestDeployedAirflowContract(ExecutionContract, HistoryContract):
    harness_class = DeployedAirflowHarness
