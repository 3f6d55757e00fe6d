"""The demo on a PostgreSQL warehouse, for any provider: every job runs, the dbt tables hold the rows plain
`dbt build` writes on PostgreSQL, and the Python assets read their upstream tables from PostgreSQL.

A provider binds it by subclassing `PostgresDemoSuite` with `plugin_factory` (a home folder -> its plugin) and
`harness_class` (its contract harness, which evaluates a sensor the engine's way). The session's PostgreSQL
server, the demo compiled for its `pg` target and the plain build are fixtures of the contract-tests pytest
plugin (`plugin.py`). Needs dbt-postgres, so it carries the `postgres` marker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

import pytest
from floe_core import CompiledArtifacts, RunRecord
from floe_core.artifacts import COMPUTE_CONNECTION, SqlSensor
from floe_core.plugin import OrchestratorPlugin

from floe_contract_tests.harness import ProviderHarness

# The demo's jobs, with a partition where the job is partitioned.
RUNS = (("nightly", None), ("daily_orders", "2024-01-05"), ("regional", "eu"), ("regional", "us"),
        ("segments", None))
FLOE_DATABASE = "postgres"
PLAIN_DATABASE = "plain_dbt_build"


@contextmanager
def database(port: int, name: str) -> Iterator[Any]:
    """An autocommit connection to one database of the session's server, as its `floe` user."""
    import psycopg2

    con = psycopg2.connect(host="127.0.0.1", port=port, user="floe", dbname=name)
    con.autocommit = True
    try:
        yield con
    finally:
        con.close()


def new_databases(port: int, *names: str) -> list[str]:
    """Create databases on the session's server; their SQLAlchemy URLs (psycopg2), for an engine's storage."""
    with database(port, "postgres") as con, con.cursor() as cursor:
        for name in names:
            cursor.execute(f"create database {name}")
    return [f"postgresql+psycopg2://floe@127.0.0.1:{port}/{name}" for name in names]


def rows(port: int, name: str, relation: str, where: str = "") -> list[tuple[Any, ...]]:
    with database(port, name) as con, con.cursor() as cursor:
        cursor.execute(f"select * from {relation} {where}")
        return sorted(cursor.fetchall(), key=repr)


def assert_nightly_tables_equal(artifacts: CompiledArtifacts, port: int, name: str, plain: str) -> None:
    """Each dbt table of the demo's nightly job in database `name` holds the rows plain `dbt build` wrote into
    database `plain` (snapshots aside: their rows carry the time they were taken)."""
    compared = 0
    for key in artifacts.jobs_by_name["nightly"].assets:
        asset = artifacts.assets_by_key[key]
        if asset.kind not in ("dbt_model", "dbt_seed") or asset.dbt is None or asset.dbt.relation is None:
            continue
        relation = asset.dbt.relation.split(".", 1)[1]  # schema.table: a connection reads its own database
        found = rows(port, name, relation)
        assert found, key
        assert found == rows(port, plain, relation), key
        compared += 1
    assert compared >= 10


@pytest.mark.postgres
class PostgresDemoSuite:
    plugin_factory: ClassVar[Callable[[Path], OrchestratorPlugin]]
    harness_class: ClassVar[type[ProviderHarness]]

    @pytest.fixture(scope="class")
    @classmethod
    def floe_runs(cls, pg_demo: CompiledArtifacts, postgres_port: int,
                  tmp_path_factory: pytest.TempPathFactory) -> list[RunRecord]:
        # The incremental model starts empty, so afterwards it holds exactly the partition floe ran.
        with database(postgres_port, FLOE_DATABASE) as con, con.cursor() as cursor:
            cursor.execute("drop table if exists public.fct_daily_orders")
        plugin = cls.plugin_factory(tmp_path_factory.mktemp("postgres-demo-home"))
        return [plugin.run_job(pg_demo, job, partition) for job, partition in RUNS]

    def test_every_job_of_the_demo_runs_on_postgres(self, pg_demo: CompiledArtifacts,
                                                    floe_runs: list[RunRecord]) -> None:
        for (job, partition), record in zip(RUNS, floe_runs, strict=True):
            assert record.status == "success", (job, partition, {k: o.status for k, o in record.assets.items()})
            materialized = {k for k, o in record.assets.items() if o.status == "materialized"}
            assert materialized == set(pg_demo.jobs_by_name[job].assets), (job, partition)

    def test_floes_tables_hold_the_rows_plain_dbt_build_writes(
        self, pg_demo: CompiledArtifacts, floe_runs: list[RunRecord], plain_dbt_build: str, postgres_port: int
    ) -> None:
        assert_nightly_tables_equal(pg_demo, postgres_port, FLOE_DATABASE, plain_dbt_build)
        # The incremental model holds the one partition floe ran: exactly that day, as plain dbt wrote it.
        day = rows(postgres_port, plain_dbt_build, "public.fct_daily_orders", "where order_date = date '2024-01-05'")
        assert day and rows(postgres_port, FLOE_DATABASE, "public.fct_daily_orders") == day

    def test_python_assets_read_their_upstream_tables_from_postgres(
        self, pg_demo: CompiledArtifacts, floe_runs: list[RunRecord], plain_dbt_build: str, postgres_port: int
    ) -> None:
        from floe_core.runtime.iceberg import read_table

        segments = read_table(pg_demo, "analytics.customer_segments").to_pylist()
        customers = rows(postgres_port, plain_dbt_build, "public.customer_lifetime_value")
        assert sorted(r["customer_id"] for r in segments) == sorted(int(row[0]) for row in customers)
        regional = read_table(pg_demo, "analytics.regional_orders").to_pylist()
        assert len(regional) == len(rows(postgres_port, plain_dbt_build, "public.orders"))

    def test_a_sql_sensor_asks_the_postgres_warehouse_on_its_own_connection(
        self, pg_demo: CompiledArtifacts, floe_runs: list[RunRecord], tmp_path_factory: pytest.TempPathFactory
    ) -> None:
        """The demo's SQL sensor keeps `connection: compute` (the default) and gets a query for PostgreSQL: the
        engine's own evaluation fires it once the rows it asks for are in the warehouse, and not while none
        are. No connection is defined anywhere: the warehouse's is the dbt target's."""
        sensor = next(s for s in pg_demo.orchestration.sensors if s.kind == "sql")
        assert sensor.connection == COMPUTE_CONNECTION
        for status, fires in (("returned", True), ("never seen", False)):
            sql = f"select count(*) > 0 from public.stg_orders where status = '{status}'"
            harness = self.harness_class()
            harness.setup(with_sensor(pg_demo, sensor.name, sql=sql), tmp_path_factory.mktemp("sql-sensor"))
            try:
                tick = harness.tick_sensor(sensor.name)
            finally:
                harness.teardown()
            assert [r.job for r in tick.run_requests] == ([sensor.job] if fires else []), status

    def test_a_duckdb_sql_sensor_on_a_postgres_warehouse_is_refused_naming_the_field(
        self, pg_demo: CompiledArtifacts
    ) -> None:
        from floe_core.errors import RuntimeFailure
        from floe_core.runtime.sensors import sql_condition

        name = next(s.name for s in pg_demo.orchestration.sensors if s.kind == "sql")
        pinned = with_sensor(pg_demo, name, connection="duckdb")
        sensor = next(s for s in pinned.orchestration.sensors if isinstance(s, SqlSensor) and s.name == name)
        with pytest.raises(RuntimeFailure) as refused:
            sql_condition(pg_demo, sensor)
        problem = refused.value.problems[0]
        assert (problem.field, problem.found) == (f"orchestration.sensors[{name}].connection", "duckdb")
        assert "connection: compute" in (problem.fix or "")


def with_sensor(artifacts: CompiledArtifacts, name: str, **changes: Any) -> CompiledArtifacts:
    """The artifacts with sensor `name`'s fields changed (the same project, so the same warehouse)."""
    orchestration = artifacts.orchestration
    sensors = tuple(s.model_copy(update=changes) if s.name == name else s for s in orchestration.sensors)
    return artifacts.model_copy(update={"orchestration": orchestration.model_copy(update={"sensors": sensors})})
