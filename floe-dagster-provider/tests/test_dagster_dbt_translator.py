"""A user's own dagster-dbt `DagsterDbtTranslator` subclass, run end to end: its keys, groups, owners, tags,
descriptions and metadata are on the definitions, and runs, partitions, Iceberg IO, run history and an asset
sensor all follow its renamed keys."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from conftest import DEMO
from dagster_dbt import DagsterDbtTranslator
from floe_contract_tests.probes import compile_to_file, copy_project
from floe_core import CompiledArtifacts, RunRecord, load_artifacts
from floe_core.errors import InputError
from floe_dagster_provider import (
    DagsterDbtTranslatorAdapter,
    DagsterOrchestratorPlugin,
    DagsterTranslator,
    build_definitions,
)


class MyDbtTranslator(DagsterDbtTranslator):
    """What a dagster-dbt user wrote: every dbt key moves under `dbt`, and the other hooks say who saw what."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        return super().get_asset_key(dbt_resource_props).with_prefix("dbt")

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return f"dbt_{dbt_resource_props['resource_type']}s"

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> Sequence[str] | None:
        return [f"team:{dbt_resource_props['package_name']}"]

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        return {"layer": dbt_resource_props["fqn"][1] if len(dbt_resource_props["fqn"]) > 2 else "root"}

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        return f"{dbt_resource_props['unique_id']} ({dbt_resource_props['config'].get('materialized')})"

    def get_metadata(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, Any]:
        return {"seen_by": "MyDbtTranslator", "relation": dbt_resource_props["relation_name"]}


def _dbt_key(artifacts: CompiledArtifacts, key: str) -> dg.AssetKey:
    """The key MyDbtTranslator gives a floe asset (dagster-dbt's default under `dbt`); floe's own otherwise."""
    return DagsterDbtTranslatorAdapter(MyDbtTranslator()).for_artifacts(artifacts).get_asset_key(key)


@dataclass
class Runs:
    artifacts: CompiledArtifacts
    defs: dg.Definitions
    plugin: DagsterOrchestratorPlugin
    nightly: RunRecord
    regional: RunRecord
    segments: RunRecord
    daily: RunRecord


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    project = copy_project(DEMO, tmp_path_factory.mktemp("dbt_translator") / "jaffle_floe")
    path = compile_to_file(project)
    artifacts = load_artifacts(path)
    plugin = DagsterOrchestratorPlugin(
        {"instance_dir": project.parent / "dagster_home"}, translator=DagsterDbtTranslatorAdapter(MyDbtTranslator())
    )
    return Runs(
        artifacts=artifacts,
        defs=build_definitions(path, dagster_dbt_translator=MyDbtTranslator()),
        plugin=plugin,
        nightly=plugin.run_job(artifacts, "nightly"),
        regional=plugin.run_job(artifacts, "regional", "eu"),
        segments=plugin.run_job(artifacts, "segments"),
        daily=plugin.run_job(artifacts, "daily_orders", "2024-01-05"),
    )


def test_the_dbt_translators_keys_groups_owners_tags_descriptions_and_metadata_are_applied(runs: Runs) -> None:
    graph = runs.defs.get_repository_def().asset_graph
    dbt_assets = [a for a in runs.artifacts.orchestration.assets if a.dbt is not None]
    assert dbt_assets
    for asset in dbt_assets:
        assert asset.dbt is not None
        node = graph.get(_dbt_key(runs.artifacts, asset.key))
        assert node.key.path[0] == "dbt"
        resource_type = asset.dbt.unique_id.split(".")[0]
        assert node.group_name == f"dbt_{resource_type}s"
        assert list(node.owners) == [f"team:{asset.dbt.package}"]
        fqn = asset.dbt.selector.removeprefix("fqn:").split(".")
        assert node.tags.get("layer") == (fqn[1] if len(fqn) > 2 else "root"), asset.key
        assert node.description is not None and node.description.startswith(asset.dbt.unique_id)
        assert node.metadata["seen_by"] == "MyDbtTranslator"
        assert node.metadata["relation"] == asset.dbt.relation
        assert node.metadata["floe/key"] == asset.key
    # Assets that are no dbt node keep floe's hooks.
    python = [a for a in runs.artifacts.orchestration.assets if a.kind == "python"]
    assert python
    assert {graph.get(dg.AssetKey(a.key.split("/"))).metadata["floe/key"] for a in python} == {a.key for a in python}


def test_every_run_succeeds_under_the_dbt_translators_keys(runs: Runs) -> None:
    assert [r.status for r in (runs.nightly, runs.regional, runs.segments, runs.daily)] == ["success"] * 4
    instance = runs.plugin.instance
    executable = [a.key for a in runs.artifacts.orchestration.assets if a.is_dbt]
    missing = [k for k in executable if instance.get_latest_materialization_event(_dbt_key(runs.artifacts, k)) is None]
    assert missing == []
    assert "2024-01-05" in instance.get_materialized_partitions(_dbt_key(runs.artifacts, "fct_daily_orders"))
    default = DagsterTranslator().for_artifacts(runs.artifacts)
    assert [k for k in executable if instance.get_latest_materialization_event(default.get_asset_key(k))] == []


def test_run_history_names_assets_by_their_floe_keys(runs: Runs) -> None:
    assert set(runs.nightly.assets) == set(runs.artifacts.jobs_by_name["nightly"].assets)
    assert {o.status for o in runs.nightly.assets.values()} == {"materialized"}
    assert {k: o.status for k, o in runs.daily.assets.items()} == {"fct_daily_orders": "materialized"}
    assert {k: o.status for k, o in runs.segments.assets.items()} == {"customer_segments": "materialized"}


def test_iceberg_io_reads_an_asset_downstream_of_renamed_dbt_keys(runs: Runs) -> None:
    loaded = runs.defs.load_asset_value(dg.AssetKey(["regional_orders"]), partition_key="eu")
    assert loaded.num_rows > 0


def test_the_asset_sensor_fires_on_the_dbt_translators_key(runs: Runs) -> None:
    defs = runs.plugin.definitions(runs.artifacts)
    sensor = defs.get_repository_def().get_sensor_def("clv_updated")
    with dg.build_sensor_context(
        instance=runs.plugin.instance, cursor=None, definitions=defs, sensor_name="clv_updated",
        resources=defs.resources,
    ) as context:
        fired = sensor.evaluate_tick(context)
    assert [r.job_name or sensor.job_name for r in fired.run_requests or []] == ["segments"]


def test_a_translator_and_a_dagster_dbt_translator_together_are_refused(demo_artifacts_path: Path) -> None:
    with pytest.raises(InputError, match="both a translator and a dagster_dbt_translator"):
        build_definitions(demo_artifacts_path, translator=DagsterTranslator(), dagster_dbt_translator=MyDbtTranslator())
