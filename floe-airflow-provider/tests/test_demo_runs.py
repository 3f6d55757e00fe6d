"""The demo product run for real on Airflow: `dag.test()` with dbt on DuckDB and Iceberg on SQLite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from floe_airflow_provider import runs
from floe_airflow_provider.plugin import AirflowOrchestratorPlugin
from floe_airflow_provider.runs import DagsFolder, record_of
from floe_contract_tests.capabilities import run_or_refused
from floe_core import BackfillRequest, CompiledArtifacts, RunFilter, RunRecord, load_artifacts


def _query(artifacts: CompiledArtifacts, sql: str) -> list[tuple]:  # type: ignore[type-arg]
    import duckdb
    from floe_core.runtime import duckdb_path

    with duckdb.connect(str(duckdb_path(artifacts)), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def plugin() -> AirflowOrchestratorPlugin:
    return AirflowOrchestratorPlugin()


@pytest.fixture(scope="module")
def nightly(plugin: AirflowOrchestratorPlugin, demo_artifacts: CompiledArtifacts) -> RunRecord:
    return plugin.run_job(demo_artifacts, "nightly")


def test_the_nightly_job_materializes_every_model_with_real_dbt(
    nightly: RunRecord, demo_artifacts: CompiledArtifacts
) -> None:
    assert nightly.status == "success"
    assert {k for k, o in nightly.assets.items() if o.status == "materialized"} == set(
        demo_artifacts.jobs_by_name["nightly"].assets
    )
    ((customers,),) = _query(demo_artifacts, "select count(*) from main.customers")
    seeds = (demo_artifacts.project_dir / "seeds" / "raw_customers.csv").read_text().strip().splitlines()
    assert customers == len(seeds) - 1


def test_every_test_of_the_nightly_job_ran_including_those_reading_several_models(
    nightly: RunRecord, demo_artifacts: CompiledArtifacts
) -> None:
    in_job = set(demo_artifacts.jobs_by_name["nightly"].assets)
    expected = {c.name for c in demo_artifacts.orchestration.checks if set(c.reads) <= in_job}
    assert set(nightly.checks) == expected
    assert nightly.checks["relationships_orders_customer_id__customer_id__ref_customers_"] == "passed"
    assert set(nightly.checks.values()) <= {"passed", "warned"}


def test_the_run_is_in_the_run_history(plugin: AirflowOrchestratorPlugin, nightly: RunRecord) -> None:
    history = plugin.run_history(RunFilter(job="nightly"))
    assert [r.run_id for r in history if r.run_id == nightly.run_id] == [nightly.run_id]


def test_a_daily_partition_run_writes_exactly_that_day(
    plugin: AirflowOrchestratorPlugin, nightly: RunRecord, demo_artifacts: CompiledArtifacts
) -> None:
    record = plugin.run_job(demo_artifacts, "daily_orders", "2024-01-05")
    assert record.status == "success" and record.partition == "2024-01-05"
    days = _query(demo_artifacts, "select distinct cast(order_date as varchar) from main.fct_daily_orders")
    assert days == [("2024-01-05",)]


def test_the_python_asset_writes_its_iceberg_table(
    plugin: AirflowOrchestratorPlugin, nightly: RunRecord, demo_artifacts: CompiledArtifacts
) -> None:
    from floe_core.runtime import read_table

    record = run_or_refused(plugin, "python_assets", lambda: plugin.run_job(demo_artifacts, "segments"))
    assert record.status == "success"
    rows = read_table(demo_artifacts, "analytics.customer_segments").to_pylist()
    ((customers,),) = _query(demo_artifacts, "select count(*) from main.customer_lifetime_value")
    assert len(rows) == customers
    assert {r["segment"] for r in rows} <= {"gold", "silver", "bronze"}


def test_build_mode_runs_one_dbt_build_and_emits_an_asset_event_per_model(
    nightly: RunRecord, demo_artifacts_path: Path, demo_artifacts: CompiledArtifacts, dags_folder: Path
) -> None:
    (dags_folder / "floe_demo_build.py").write_text(BUILD_MODE_DAG_FILE.format(path=str(demo_artifacts_path)))
    DagsFolder(dags_folder).sync()
    # Airflow's own CLI, in a process of its own: the way an operator runs a DAG by hand.
    done = subprocess.run(
        [sys.executable, "-m", "airflow", "dags", "test", "jaffle_build.nightly"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    dag_run = runs.dag_runs(["jaffle_build.nightly"], limit=1)[0]
    record = record_of(demo_artifacts, dag_run)
    assert record.status == "success"
    models = set(demo_artifacts.jobs_by_name["nightly"].assets)
    assert {k for k, o in record.assets.items() if o.status == "materialized"} == models
    assert _asset_event_names("build/") == {f"build/{k}" for k in models}


BUILD_MODE_DAG_FILE = """
from airflow.sdk import Asset

from floe_airflow_provider import DagFactory, DagNaming
from floe_airflow_provider.loading import load


class BuildNaming(DagNaming):
    def asset(self, key, group="asset"):
        return Asset(name=f"build/{{key}}", uri=f"floe://{{self.product}}/{{key}}", group=group)


globals().update(DagFactory(load({path!r}), {path!r}, mode="build", naming=BuildNaming("jaffle_build")).build_dags())
"""


def _asset_event_names(prefix: str) -> set[str]:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        names = session.scalars(select(AssetModel.name).join(AssetEvent, AssetEvent.asset_id == AssetModel.id)).all()
    return {n for n in names if n.startswith(prefix)}


def test_a_one_run_per_day_backfill_is_airflows_own_and_skips_days_that_succeeded(
    plugin: AirflowOrchestratorPlugin, nightly: RunRecord, demo_artifacts_path: Path
) -> None:
    data = json.loads(demo_artifacts_path.read_text())
    data["orchestration"]["backfills"] = [
        {"job": "daily_orders", "policy": {"kind": "multi_run", "max_partitions_per_run": 1}, "reprocess": "missing"}
    ]
    variant = demo_artifacts_path.with_name("one_day_backfills.json")
    variant.write_text(json.dumps(data))
    artifacts = load_artifacts(variant)
    request = BackfillRequest(job="daily_orders", start="2024-01-08", end="2024-01-09")
    first = plugin.launch_backfill(artifacts, request)
    assert first.succeeded and first.backfill_id.isdigit(), "an Airflow Backfill's id"
    assert list(first.partitions) == ["2024-01-08", "2024-01-09"]
    assert {r.backfill_id for r in first.runs} == {first.backfill_id}
    again = plugin.launch_backfill(artifacts, request)
    assert again.runs == (), "`missing` skips the days that succeeded"
    days = _query(artifacts, "select distinct cast(order_date as varchar) from main.fct_daily_orders order by 1")
    assert ("2024-01-08",) in days and ("2024-01-09",) in days


FRESH_PROCESS_RUN = """
import json, sys
from floe_airflow_provider.plugin import AirflowOrchestratorPlugin
from floe_core import RunFilter, load_artifacts

plugin = AirflowOrchestratorPlugin({{"instance_dir": {home!r}}})
before = plugin.run_history(RunFilter(job="daily_orders"))
record = plugin.run_job(load_artifacts({path!r}), "daily_orders", "2024-01-03")
after = plugin.run_history(RunFilter(job="daily_orders"))
print(json.dumps([len(before), record.status, [r.run_id for r in after], record.run_id]))
"""


@pytest.mark.processes  # a run in a fresh process of its own: one env runs it
def test_a_new_process_given_only_an_instance_dir_runs_jobs_there(
    nightly: RunRecord, demo_artifacts_path: Path, tmp_path: Path
) -> None:
    home = tmp_path / "airflow_home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    code = FRESH_PROCESS_RUN.format(home=str(home), path=str(demo_artifacts_path))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    before, status, after, run_id = json.loads(done.stdout.strip().splitlines()[-1])
    assert (before, status, after) == (0, "success", [run_id])
    assert (home / "airflow.db").exists(), "the run is recorded in the instance_dir's own metadata DB"
