"""The demo on a PostgreSQL warehouse, run by floe on Airflow (the shared `PostgresDemoSuite`), and the Asset
events Airflow records for its runs, on the tables' `postgres://` URIs."""

from __future__ import annotations

from pathlib import Path

from floe_airflow_provider import AirflowOrchestratorPlugin
from floe_contract_tests.postgres_demo import PostgresDemoSuite
from floe_core import CompiledArtifacts, RunRecord
from floe_core.plugin import OrchestratorPlugin


def _plugin(home: Path) -> OrchestratorPlugin:
    return AirflowOrchestratorPlugin()  # the session's AIRFLOW_HOME (conftest.py)


class TestAirflowPostgresDemo(PostgresDemoSuite):
    plugin_factory = staticmethod(_plugin)

    def test_airflow_records_the_runs_on_the_tables_postgres_uris(
        self, pg_demo: CompiledArtifacts, floe_runs: list[RunRecord]
    ) -> None:
        from airflow.models.asset import AssetEvent, AssetModel
        from airflow.utils.session import create_session
        from sqlalchemy import select

        with create_session() as session:
            uris = set(session.scalars(
                select(AssetModel.uri).join(AssetEvent, AssetEvent.asset_id == AssetModel.id)
                .where(AssetEvent.source_dag_id.in_(["jaffle_floe.nightly", "jaffle_floe.daily_orders"]))
            ))
        port = pg_demo.plugins.compute.port
        for table in ("public/orders", "public/raw_orders", "snapshots/customers_snapshot", "public/fct_daily_orders"):
            assert f"postgres://127.0.0.1:{port}/postgres/{table}" in uris
