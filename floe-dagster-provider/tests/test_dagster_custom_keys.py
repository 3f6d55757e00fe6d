"""A translator that renames every asset key, run end to end: runs, reruns, partitions, a backfill, Iceberg IO,
run history and an asset sensor all follow the renamed keys, and nothing lands under the default ones."""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg
import duckdb
import pytest
from conftest import DEMO
from floe_contract_tests.probes import compile_to_file, copy_project
from floe_core import BackfillRequest, BackfillResult, CompiledArtifacts, RunFilter, RunRecord, load_artifacts
from floe_core.runtime import iceberg as floe_iceberg
from floe_core.runtime.warehouse import duckdb_path
from floe_dagster_provider import DagsterOrchestratorPlugin, DagsterTranslator, build_definitions


class Renamed(DagsterTranslator):
    """Every key moves under `renamed` with its path reversed, so no default key survives by accident."""

    def get_asset_key(self, asset_key: str) -> dg.AssetKey:
        return dg.AssetKey(["renamed", *reversed(asset_key.split("/"))])


def _default_key(key: str) -> dg.AssetKey:
    return dg.AssetKey(key.split("/"))


@dataclass
class RenamedRuns:
    artifacts: CompiledArtifacts
    defs: dg.Definitions
    plugin: DagsterOrchestratorPlugin
    failed_regional: RunRecord
    rerun_regional: RunRecord
    nightly: RunRecord
    regional_us: RunRecord
    segments: RunRecord
    daily: RunRecord
    backfill: BackfillResult


@pytest.fixture(scope="module")
def renamed(tmp_path_factory: pytest.TempPathFactory) -> RenamedRuns:
    project = copy_project(DEMO, tmp_path_factory.mktemp("renamed") / "jaffle_floe")
    path = compile_to_file(project)
    artifacts = load_artifacts(path)
    plugin = DagsterOrchestratorPlugin({"instance_dir": project.parent / "dagster_home"}, translator=Renamed())
    # Before nightly built `orders`, the regional asset has nothing to read: a failed run to re-run.
    failed = plugin.run_job(artifacts, "regional", "eu")
    nightly = plugin.run_job(artifacts, "nightly")
    return RenamedRuns(
        artifacts=artifacts,
        defs=build_definitions(path, translator=Renamed()),
        plugin=plugin,
        failed_regional=failed,
        rerun_regional=plugin.run_job(artifacts, "regional", rerun_of=failed.run_id),
        nightly=nightly,
        regional_us=plugin.run_job(artifacts, "regional", "us"),
        segments=plugin.run_job(artifacts, "segments"),
        daily=plugin.run_job(artifacts, "daily_orders", "2024-01-05"),
        backfill=plugin.launch_backfill(
            artifacts, BackfillRequest(job="daily_orders", start="2024-01-01", end="2024-01-03")
        ),
    )


def test_definitions_carry_the_translators_keys_and_each_assets_floe_key(renamed: RenamedRuns) -> None:
    graph = renamed.defs.get_repository_def().asset_graph
    keys = {a.key for a in renamed.artifacts.orchestration.assets}
    assert set(graph.get_all_asset_keys()) == {Renamed().get_asset_key(k) for k in keys}
    assert {graph.get(k).metadata["floe/key"] for k in graph.get_all_asset_keys()} == keys


def test_every_run_succeeds_under_the_renamed_keys(renamed: RenamedRuns) -> None:
    assert renamed.failed_regional.status == "failure"
    runs = [renamed.rerun_regional, renamed.nightly, renamed.regional_us, renamed.segments, renamed.daily,
            *renamed.backfill.runs]
    assert [r.status for r in runs] == ["success"] * len(runs)


def test_materializations_are_recorded_under_the_renamed_keys_only(renamed: RenamedRuns) -> None:
    instance = renamed.plugin.instance
    executable = [a.key for a in renamed.artifacts.orchestration.assets if a.is_executable]
    missing = [k for k in executable if instance.get_latest_materialization_event(Renamed().get_asset_key(k)) is None]
    assert missing == []
    under_default = [k for k in executable if instance.get_latest_materialization_event(_default_key(k)) is not None]
    assert under_default == []
    assert all(k.path[0] == "renamed" for k in instance.get_asset_keys())


def test_a_partitioned_asset_is_materialized_per_partition_under_its_renamed_key(renamed: RenamedRuns) -> None:
    key = Renamed().get_asset_key("fct_daily_orders")
    done = renamed.plugin.instance.get_materialized_partitions(key)
    assert {"2024-01-01", "2024-01-02", "2024-01-03", "2024-01-05"} <= done
    assert renamed.plugin.instance.get_materialized_partitions(_default_key("fct_daily_orders")) == set()


def test_python_assets_write_and_read_their_iceberg_tables(renamed: RenamedRuns) -> None:
    artifacts = renamed.artifacts
    with duckdb.connect(str(duckdb_path(artifacts)), read_only=True) as con:
        orders = con.execute(f"select count(*) from {artifacts.assets_by_key['orders'].dbt.relation}").fetchone()
        customers = con.execute(
            f"select count(*) from {artifacts.assets_by_key['customer_lifetime_value'].dbt.relation}").fetchone()
        eu = con.execute(
            f"select count(*) from {artifacts.assets_by_key['orders'].dbt.relation} where customer_id % 2 = 0"
        ).fetchone()
    assert orders and customers and eu
    assert floe_iceberg.read_table(artifacts, "analytics.regional_orders").num_rows == orders[0]
    assert floe_iceberg.read_table(artifacts, "analytics.customer_segments").num_rows == customers[0]
    # Loading goes through the IO manager, which must find the floe asset behind the renamed key.
    loaded = renamed.defs.load_asset_value(Renamed().get_asset_key("regional_orders"), partition_key="eu")
    assert loaded.num_rows == eu[0]


def test_run_history_names_assets_by_their_floe_keys(renamed: RenamedRuns) -> None:
    nightly_assets = set(renamed.artifacts.jobs_by_name["nightly"].assets)
    assert set(renamed.nightly.assets) == nightly_assets
    assert {o.status for o in renamed.nightly.assets.values()} == {"materialized"}
    assert {k: o.status for k, o in renamed.failed_regional.assets.items()} == {"regional_orders": "failed"}
    assert renamed.rerun_regional.partition == "eu"
    assert {k: o.status for k, o in renamed.rerun_regional.assets.items()} == {"regional_orders": "materialized"}
    assert {k: o.status for k, o in renamed.segments.assets.items()} == {"customer_segments": "materialized"}
    for run in (renamed.daily, *renamed.backfill.runs):
        assert {k: o.status for k, o in run.assets.items()} == {"fct_daily_orders": "materialized"}
    history = renamed.plugin.run_history(RunFilter(job="regional"))
    assert [set(r.assets) for r in history] == [{"regional_orders"}] * 3


def test_the_asset_sensor_fires_on_the_renamed_key(renamed: RenamedRuns) -> None:
    defs = renamed.plugin.definitions(renamed.artifacts)
    sensor = defs.get_repository_def().get_sensor_def("clv_updated")

    def tick(cursor: str | None) -> dg.SensorExecutionData:
        with dg.build_sensor_context(
            instance=renamed.plugin.instance, cursor=cursor, definitions=defs, sensor_name="clv_updated",
            resources=defs.resources,
        ) as context:
            return sensor.evaluate_tick(context)

    fired = tick(None)
    assert [r.job_name or sensor.job_name for r in fired.run_requests or []] == ["segments"]
    assert tick(fired.cursor).run_requests == [], "nothing new since"

