"""The demo on a PostgreSQL warehouse, run by floe on Airflow: every job succeeds, its dbt tables hold the rows
plain `dbt build` writes on PostgreSQL, its Python assets read their upstream tables from PostgreSQL, and
Airflow records Asset events on the tables' `postgres://` URIs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from floe_airflow_provider import AirflowOrchestratorPlugin
from floe_contract_tests.probes import copy_project
from floe_core import CompiledArtifacts, RunRecord

pytestmark = pytest.mark.postgres

PLAIN_DATABASE = "plain_dbt_build"
RUNS = (("nightly", None), ("daily_orders", "2024-01-05"), ("regional", "eu"), ("regional", "us"),
        ("segments", None))


@contextmanager
def _database(port: int, name: str) -> Iterator[Any]:
    import psycopg2

    con = psycopg2.connect(host="127.0.0.1", port=port, user="floe", dbname=name)
    con.autocommit = True
    try:
        yield con
    finally:
        con.close()


def _rows(port: int, database: str, relation: str, where: str = "") -> list[tuple[Any, ...]]:
    with _database(port, database) as con, con.cursor() as cursor:
        cursor.execute(f"select * from {relation} {where}")
        return sorted(cursor.fetchall(), key=repr)


@pytest.fixture(scope="module")
def plain_build(pg_demo: CompiledArtifacts, postgres_port: int, tmp_path_factory: pytest.TempPathFactory) -> str:
    """`dbt build` of the same project, by dbt alone, into a database of its own; that database's name."""
    from dbt.cli.main import dbtRunner

    with _database(postgres_port, "postgres") as con, con.cursor() as cursor:
        cursor.execute(f"create database {PLAIN_DATABASE}")
    project = copy_project(pg_demo.project_dir, tmp_path_factory.mktemp("plain") / "jaffle_floe")
    os.environ["FLOE_PG_DATABASE"] = PLAIN_DATABASE
    try:
        result = dbtRunner().invoke(["build", "--project-dir", str(project), "--profiles-dir", str(project),
                                     "--target", "pg", "--log-path", str(project / "logs")])
    finally:
        os.environ.pop("FLOE_PG_DATABASE", None)
    assert result.success, result.exception
    return PLAIN_DATABASE


@pytest.fixture(scope="module")
def floe_runs(pg_demo: CompiledArtifacts, postgres_port: int) -> list[RunRecord]:
    # The incremental model starts empty, so afterwards it holds exactly the partition floe ran.
    with _database(postgres_port, "postgres") as con, con.cursor() as cursor:
        cursor.execute("drop table if exists public.fct_daily_orders")
    plugin = AirflowOrchestratorPlugin()
    return [plugin.run_job(pg_demo, job, partition) for job, partition in RUNS]


def test_every_job_of_the_demo_runs_on_postgres(pg_demo: CompiledArtifacts, floe_runs: list[RunRecord]) -> None:
    for (job, partition), record in zip(RUNS, floe_runs, strict=True):
        assert record.status == "success", (job, partition, {k: o.status for k, o in record.assets.items()})
        materialized = {k for k, o in record.assets.items() if o.status == "materialized"}
        assert materialized == set(pg_demo.jobs_by_name[job].assets), (job, partition)


def test_airflow_records_the_runs_on_the_tables_postgres_uris(
    pg_demo: CompiledArtifacts, floe_runs: list[RunRecord]
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


def test_floes_tables_hold_the_rows_plain_dbt_build_writes(
    pg_demo: CompiledArtifacts, floe_runs: list[RunRecord], plain_build: str, postgres_port: int
) -> None:
    nightly = pg_demo.jobs_by_name["nightly"].assets
    compared = 0
    for key in nightly:
        asset = pg_demo.assets_by_key[key]
        if asset.kind not in ("dbt_model", "dbt_seed") or asset.dbt is None or asset.dbt.relation is None:
            continue  # a snapshot's rows carry the time they were taken
        relation = asset.dbt.relation.split(".", 1)[1]  # schema.table: a connection reads its own database
        floe = _rows(postgres_port, "postgres", relation)
        assert floe, key
        assert floe == _rows(postgres_port, plain_build, relation), key
        compared += 1
    assert compared >= 10
    # The incremental model holds the one partition floe ran: exactly that day, as plain dbt wrote it.
    day = "where order_date = date '2024-01-05'"
    floe_day = _rows(postgres_port, "postgres", "public.fct_daily_orders")
    assert floe_day and floe_day == _rows(postgres_port, plain_build, "public.fct_daily_orders", day)


def test_python_assets_read_their_upstream_tables_from_postgres(
    pg_demo: CompiledArtifacts, floe_runs: list[RunRecord], plain_build: str, postgres_port: int
) -> None:
    from floe_core.runtime.iceberg import read_table

    segments = read_table(pg_demo, "analytics.customer_segments").to_pylist()
    customers = _rows(postgres_port, plain_build, "public.customer_lifetime_value")
    assert sorted(r["customer_id"] for r in segments) == sorted(int(row[0]) for row in customers)
    regional = read_table(pg_demo, "analytics.regional_orders").to_pylist()
    assert len(regional) == len(_rows(postgres_port, plain_build, "public.orders"))


def test_a_duckdb_sql_sensor_on_a_postgres_warehouse_is_refused_naming_the_field(pg_demo: CompiledArtifacts) -> None:
    from floe_core.errors import RuntimeFailure
    from floe_core.runtime.sensors import sql_condition

    sensor = next(s for s in pg_demo.orchestration.sensors if s.kind == "sql")
    with pytest.raises(RuntimeFailure) as refused:
        sql_condition(pg_demo, sensor)
    assert refused.value.problems[0].field == "plugins.compute.kind"
