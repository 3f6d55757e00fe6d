"""floe's partition mappings as Airflow's partition mappers (3.2+), read back the way Airflow stores and runs them.

The expected keys are written out here from the contract product's definitions (daily windows 2024-01-01 to
2024-01-16, regions eu and us), not computed with floe-core.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from floe_airflow_provider import _compat
from floe_airflow_provider.dags import build_dags
from floe_airflow_provider.mapping_dags import TRIGGER_TASK_ID
from floe_airflow_provider.naming import DagNaming
from floe_airflow_provider.plugin import AirflowOrchestratorPlugin
from floe_airflow_provider.runs import DagsFolder
from floe_contract_tests.capabilities import run_or_refused
from floe_core import CompiledArtifacts
from floe_core.artifacts import (
    AllPartitionsMapping,
    MultiPartitions,
    PartitionMapping,
    Partitions,
    StaticMapping,
    StaticPartitions,
    TimeWindowMapping,
    TimeWindowPartitions,
)
from floe_core.cli import main

PRODUCT = "floe_contract"
NAMING = DagNaming(PRODUCT)


@pytest.fixture(scope="module")
def plugin() -> AirflowOrchestratorPlugin:
    return AirflowOrchestratorPlugin()


def _refuse_unless_mappings(plugin: AirflowOrchestratorPlugin, artifacts: CompiledArtifacts) -> None:
    """floe's refusal of the mappings, as `floe validate` and `floe run` raise it, where Airflow has no mappers."""
    for refusal in plugin.unsupported_features(artifacts):
        if "partition_mappings" in refusal.features:
            raise refusal


def _stored_mapper(contract_artifacts: CompiledArtifacts, plugin: AirflowOrchestratorPlugin, asset: str,
                   upstream: str) -> Any:
    """The mapper the scheduler holds for `upstream` in `asset`'s mapping DAG, after Airflow's own round trip
    (serialize as the DAG processor stores it, deserialize as the scheduler loads it)."""
    _refuse_unless_mappings(plugin, contract_artifacts)
    dags = plugin.build(contract_artifacts)
    timetable = _compat.scheduler_dag(dags[NAMING.mapping_dag_id(asset)]).timetable
    asset = DagNaming.of(contract_artifacts).asset(upstream)
    return timetable.get_partition_mapper(name=asset.name, uri=asset.uri)


def _keys(mapped: str | Any) -> list[str]:
    return [mapped] if isinstance(mapped, str) else list(mapped)


@pytest.mark.parametrize(
    ("asset", "upstream", "upstream_key", "expected"),
    [
        pytest.param("daily_trailing", "daily_events", "2024-01-02", ["2024-01-02", "2024-01-03"],
                     id="a-day-feeds-itself-and-the-next-day-that-trails-it"),
        pytest.param("daily_trailing", "daily_events", "2024-01-15", ["2024-01-15"],
                     id="the-last-day-feeds-no-day-past-the-set"),
        pytest.param("daily_rollup", "multi_events", "2024-01-02|eu", ["2024-01-02"],
                     id="a-region-of-a-day-feeds-that-day"),
    ],
)
def test_the_scheduler_side_mapper_routes_an_upstream_partition_to_the_partitions_that_read_it(
    contract_artifacts: CompiledArtifacts, plugin: AirflowOrchestratorPlugin, asset: str, upstream: str,
    upstream_key: str, expected: list[str],
) -> None:
    def routed() -> list[str]:
        return _keys(_stored_mapper(contract_artifacts, plugin, asset, upstream).to_downstream(upstream_key))

    assert run_or_refused(plugin, "partition_mappings", routed) == expected


def test_the_stored_mapper_is_the_class_the_provider_registers_with_airflow(
    contract_artifacts: CompiledArtifacts, plugin: AirflowOrchestratorPlugin
) -> None:
    def registered() -> tuple[type[Any], dict[str, type[Any]]]:
        from airflow import plugins_manager

        mapper = _stored_mapper(contract_artifacts, plugin, "daily_trailing", "daily_events")
        return type(mapper), plugins_manager.get_partition_mapper_plugins()

    mapper_class, by_path = run_or_refused(plugin, "partition_mappings", registered)
    assert by_path[f"{mapper_class.__module__}.{mapper_class.__qualname__}"] is mapper_class


def test_validate_names_the_airflow_version_that_cannot_run_partition_mappings(
    contract_artifacts_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["validate", str(contract_artifacts_path), "--engine", "airflow"])
    err = capsys.readouterr().err
    if _compat.HAS_PARTITION_MAPPERS:
        assert "partition mappings" not in err
    else:
        assert code == 2
        assert f"airflow {_compat.AIRFLOW_VERSION_TEXT} cannot run partition mappings" in err
        assert "orchestration.assets[" in err and ".partition_mapping" in err, "it names where the mapping is"


def test_a_mapping_dag_is_paused_and_triggers_the_job_that_builds_the_asset_with_the_mapped_partition(
    contract_artifacts_path: Path,
) -> None:
    dags = build_dags(contract_artifacts_path)
    mapping_dags = sorted(i for i in dags if i.startswith(NAMING.mapping_dag_id("")))
    if not _compat.HAS_PARTITION_MAPPERS:
        assert mapping_dags == [], "no mapping DAG where Airflow cannot evaluate it"
        return
    assert mapping_dags == [NAMING.mapping_dag_id("daily_rollup"), NAMING.mapping_dag_id("daily_trailing")]
    dag = dags[NAMING.mapping_dag_id("daily_rollup")]
    trigger = dag.task_dict[TRIGGER_TASK_ID]
    assert dag.is_paused_upon_creation is True
    assert trigger.trigger_dag_id == NAMING.dag_id("rollup")
    assert trigger.conf["partition"] == "{{ partition_key }}"


def test_parsing_twice_gives_the_same_serialized_mapping_dags(contract_artifacts_path: Path) -> None:
    def serialized() -> dict[str, str]:
        dags = build_dags(contract_artifacts_path)
        return {i: json.dumps(_compat.serialize_dag(d), sort_keys=True) for i, d in dags.items()
                if i.startswith(NAMING.mapping_dag_id(""))}

    first = serialized()
    assert first == serialized()
    assert bool(first) is _compat.HAS_PARTITION_MAPPERS


_DAYS = TimeWindowPartitions(name="days", cadence="daily", start=datetime(2024, 1, 1), end=datetime(2024, 1, 8))
_WEEKS = TimeWindowPartitions(name="weeks", cadence="weekly", start=datetime(2024, 1, 1), end=datetime(2024, 1, 15))
_REGIONS = StaticPartitions(name="regions", keys=("eu", "us"))
_TIERS = StaticPartitions(name="tiers", keys=("gold", "silver"))


def _by_region() -> MultiPartitions:
    from floe_core.artifacts.partitions import PartitionDimension

    return MultiPartitions(name="days_by_region", dimensions=(
        PartitionDimension(name="date", partitions=_DAYS), PartitionDimension(name="region", partitions=_REGIONS)))


@pytest.mark.parametrize(
    ("up", "down", "mapping", "upstream_key", "expected"),
    [
        pytest.param(_DAYS, _WEEKS, TimeWindowMapping(), "2024-01-03", ["2024-01-01"], id="a-day-feeds-its-week"),
        pytest.param(_WEEKS, _DAYS, TimeWindowMapping(), "2024-01-01",
                     [f"2024-01-0{d}" for d in range(1, 8)], id="a-week-feeds-each-of-its-days"),
        pytest.param(_DAYS, _DAYS, TimeWindowMapping(end_offset=1), "2024-01-03", ["2024-01-02", "2024-01-03"],
                     id="a-day-feeds-itself-and-the-day-before-that-reads-ahead"),
        pytest.param(_DAYS, _DAYS, TimeWindowMapping(start_offset=-2), "2024-01-05",
                     ["2024-01-05", "2024-01-06", "2024-01-07"], id="a-day-feeds-two-trailing-days"),
        pytest.param(_TIERS, _REGIONS, StaticMapping(mapping={"gold": ("eu", "us"), "silver": ("us",)}), "silver",
                     ["us"], id="a-static-key-feeds-the-keys-it-maps-to"),
        pytest.param(_TIERS, _REGIONS, AllPartitionsMapping(), "gold", ["eu", "us"], id="all-feeds-every-key"),
        pytest.param(_DAYS, "by_region", None, "2024-01-02", ["2024-01-02|eu", "2024-01-02|us"],
                     id="a-day-feeds-each-region-of-that-day"),
    ],
)
def test_each_floe_mapping_kind_survives_airflows_round_trip_and_routes_as_floe_defines_it(
    up: Partitions, down: Partitions | str, mapping: PartitionMapping | None, upstream_key: str,
    expected: list[str], plugin: AirflowOrchestratorPlugin, contract_artifacts: CompiledArtifacts,
) -> None:
    from floe_core.artifacts import MultiToSingleMapping

    if down == "by_region":
        down, mapping = _by_region(), MultiToSingleMapping(dimension="date")
    assert not isinstance(down, str) and mapping is not None

    def routed() -> list[str]:
        from airflow.sdk import DAG, Asset

        _refuse_unless_mappings(plugin, contract_artifacts)
        from floe_airflow_provider.partition_mappers import partition_mapper

        upstream = Asset(name="up", uri="floe://p/up")
        schedule = _compat.partitioned_asset_timetable(upstream, {upstream: partition_mapper(up, down, mapping)})
        stored = _compat.scheduler_dag(DAG(dag_id="mapped", schedule=schedule))
        return _keys(stored.timetable.get_partition_mapper(name="up", uri="floe://p/up").to_downstream(upstream_key))

    assert run_or_refused(plugin, "partition_mappings", routed) == expected


def test_an_asset_event_of_an_upstream_partition_queues_the_mapped_partitions_in_airflow(
    contract_artifacts: CompiledArtifacts, plugin: AirflowOrchestratorPlugin
) -> None:
    """The scheduler's own path: an Asset event with a partition key, registered by Airflow's AssetManager,
    queues a partitioned run of each unpaused mapping DAG for each partition its mapper names."""

    def queued() -> dict[str, list[str]]:
        _refuse_unless_mappings(plugin, contract_artifacts)
        from airflow.assets.manager import AssetManager
        from airflow.models.asset import AssetModel, AssetPartitionDagRun
        from airflow.models.dag import DagModel
        from airflow.utils.session import create_session
        from sqlalchemy import select, update

        plugin.deploy(contract_artifacts)
        DagsFolder(plugin.dags_folder()).sync()
        targets = [NAMING.mapping_dag_id("daily_rollup"), NAMING.mapping_dag_id("daily_trailing")]
        with create_session() as session:
            session.execute(update(DagModel).where(DagModel.dag_id.in_(targets)).values(is_paused=False))
        try:
            with create_session() as session:
                for key, partition in (("multi_events", "2024-01-04|us"), ("daily_events", "2024-01-09")):
                    name = DagNaming.of(contract_artifacts).asset(key).name
                    asset = session.scalar(select(AssetModel).where(AssetModel.name == name))
                    AssetManager.register_asset_change(asset=asset, partition_key=partition, session=session)
            with create_session() as session:
                rows = session.execute(
                    select(AssetPartitionDagRun.target_dag_id, AssetPartitionDagRun.partition_key)
                    .where(AssetPartitionDagRun.target_dag_id.in_(targets))
                ).all()
        finally:
            with create_session() as session:
                session.execute(update(DagModel).where(DagModel.dag_id.in_(targets)).values(is_paused=True))
        found: dict[str, list[str]] = {}
        for dag_id, key in rows:
            found.setdefault(dag_id, []).append(key)
        return {dag_id: sorted(keys) for dag_id, keys in found.items()}

    assert run_or_refused(plugin, "partition_mappings", queued) == {
        NAMING.mapping_dag_id("daily_rollup"): ["2024-01-04"],
        NAMING.mapping_dag_id("daily_trailing"): ["2024-01-09", "2024-01-10"],
    }

