"""The demo on a PostgreSQL warehouse, run by floe on Dagster (the shared `PostgresDemoSuite`), and the
materializations Dagster records for its dbt assets."""

from __future__ import annotations

from pathlib import Path

from floe_contract_tests.postgres_demo import PostgresDemoSuite
from floe_core.plugin import OrchestratorPlugin
from floe_dagster_harness import DagsterHarness
from floe_dagster_provider import DagsterOrchestratorPlugin


def _plugin(home: Path) -> OrchestratorPlugin:
    return DagsterOrchestratorPlugin({"instance_dir": home})


class TestDagsterPostgresDemo(PostgresDemoSuite):
    plugin_factory = staticmethod(_plugin)
    harness_class = DagsterHarness
