"""The demo on a PostgreSQL warehouse, run by floe on Airflow (the shared `PostgresDemoSuite`), and the Asset
events Airflow records for its runs, on the tables' `postgres://` URIs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from floe_airflow_provider import AirflowOrchestratorPlugin
from floe_contract_tests.postgres_demo import PostgresDemoSuite
from floe_core import CompiledArtifacts, RunRecord
from floe_core.plugin import OrchestratorPlugin
from harness import AirflowHarness


def _plugin(home: Path) -> OrchestratorPlugin:
    return AirflowOrchestratorPlugin()  # the session's AIRFLOW_HOME (conftest.py)


class TestAirflowPostgresDemo(PostgresDemoSuite):
    plugin_factory = staticmethod(_plugin)
    harness_class = AirflowHarness

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

    def test_the_sql_sensor_is_common_sqls_on_a_connection_derived_where_it_pokes(
        self, pg_demo: CompiledArtifacts, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """`connection: compute` on PostgreSQL: common-sql's SqlSensor with the Postgres provider's hook, on the
        dbt target's settings as the worker reads them when it pokes; the password is in no stored DAG."""
        from airflow.models.serialized_dag import SerializedDagModel
        from airflow.providers.common.sql.sensors.sql import SqlSensor
        from airflow.providers.postgres.hooks.postgres import PostgresHook
        from floe_airflow_provider.sensors import WAIT_TASK_ID

        monkeypatch.setenv("FLOE_PG_PASSWORD", "s3cret-for-the-sensor")
        harness = AirflowHarness()
        harness.setup(pg_demo, tmp_path_factory.mktemp("sql-sensor-hook"))
        dag_id = next(harness.naming.sensor_dag_id(s.name) for s in pg_demo.orchestration.sensors if s.kind == "sql")
        wait = harness.loaded[dag_id].task_dict[WAIT_TASK_ID]
        assert isinstance(wait, SqlSensor)
        hook = wait._get_hook()
        assert isinstance(hook, PostgresHook)
        connection = hook.connection
        assert (connection.host, connection.port, connection.schema, connection.password) == (
            "127.0.0.1", pg_demo.plugins.compute.port, "postgres", "s3cret-for-the-sensor")
        stored = SerializedDagModel.get(dag_id)
        assert stored is not None and "s3cret" not in json.dumps(stored.data)
