"""`build_definitions` on the demo: what maps to what, read back through Dagster, and what load costs."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import dagster as dg
import pytest
from floe_core import ArtifactsError, CompiledArtifacts
from floe_dagster_provider import FloeCatalogResource, IcebergIOManager, build_definitions
from floe_dagster_provider.definitions import CATALOG_KEY, STORAGE_KEY, definitions_from_artifacts


@pytest.fixture(scope="module")
def demo_defs(demo_artifacts_path: Path) -> dg.Definitions:
    return build_definitions(demo_artifacts_path)


@pytest.fixture(scope="module")
def repository(demo_defs: dg.Definitions):  # type: ignore[no-untyped-def]
    return demo_defs.get_repository_def()


def _key(text: str) -> dg.AssetKey:
    return dg.AssetKey(text.split("/"))


def test_every_asset_of_the_artifacts_is_a_dagster_asset(repository, demo_artifacts: CompiledArtifacts) -> None:  # type: ignore[no-untyped-def]
    keys = {"/".join(k.path) for k in repository.asset_graph.get_all_asset_keys()}
    assert keys == {a.key for a in demo_artifacts.orchestration.assets}


def test_dbt_assets_are_one_subsettable_multi_asset_per_partition_set(repository, demo_artifacts) -> None:  # type: ignore[no-untyped-def]
    graph = repository.asset_graph
    ops: dict[str, set[str]] = {}
    for asset in demo_artifacts.orchestration.assets:
        if asset.is_dbt:
            assets_def = graph.assets_def_for_key(_key(asset.key))
            assert assets_def.can_subset, asset.key
            ops.setdefault(assets_def.node_def.name, set()).add(asset.key)
    assert set(ops) == {"dbt_unpartitioned", "dbt_daily"}
    assert ops["dbt_daily"] == {"fct_daily_orders"}


@pytest.mark.parametrize("key", ["raw/raw_customers", "raw/raw_payments", "crm/accounts"])
def test_sources_and_external_assets_are_external(repository, key: str) -> None:  # type: ignore[no-untyped-def]
    node = repository.asset_graph.get(_key(key))
    assert not node.is_materializable


def test_python_assets_are_written_by_the_iceberg_io_manager(repository) -> None:  # type: ignore[no-untyped-def]
    for key in ("customer_segments", "regional_orders"):
        assets_def = repository.asset_graph.assets_def_for_key(_key(key))
        assert assets_def.get_io_manager_key_for_asset_key(_key(key)) == "floe_iceberg_io_manager"
        assert "iceberg" in assets_def.specs_by_key[_key(key)].kinds


def test_dependencies_include_dbt_refs_sources_and_explicit_deps(repository) -> None:  # type: ignore[no-untyped-def]
    parents = repository.asset_graph.get(_key("stg_customers")).parent_keys
    assert parents == {_key("crm/accounts"), _key("raw/raw_customers"), _key("raw_customers")}


@pytest.mark.parametrize(
    ("check", "blocking"),
    [
        pytest.param("not_null_stg_customers_email", False, id="warn-severity-does-not-block"),
        pytest.param("unique_orders_order_id", True, id="error-severity-blocks"),
    ],
)
def test_checks_block_only_when_their_severity_is_error(repository, check: str, blocking: bool) -> None:  # type: ignore[no-untyped-def]
    graph = repository.asset_graph
    (key,) = [k for k in graph.asset_check_keys if k.name == check]
    assert graph.get_check_spec(key).blocking is blocking


def test_a_test_reading_two_models_depends_on_both(repository) -> None:  # type: ignore[no-untyped-def]
    graph = repository.asset_graph
    (key,) = [k for k in graph.asset_check_keys if k.name.startswith("relationships_orders_customer_id")]
    spec = graph.get_check_spec(key)
    assert key.asset_key == _key("orders")
    assert {d.asset_key for d in spec.additional_deps} == {_key("customers")}


def test_a_test_on_a_source_is_a_check_of_the_external_asset_that_runs_on_its_own(
    demo_artifacts: CompiledArtifacts,
) -> None:
    data = demo_artifacts.model_dump(mode="json", by_alias=True)
    data["orchestration"]["checks"].append({
        "name": "not_null_raw_customers_id", "asset": "raw/raw_customers", "kind": "generic", "severity": "error",
        "unique_id": "test.jaffle_floe.source_not_null_raw_raw_customers_id", "selector": "fqn:x", "reads": [
            "raw/raw_customers"]})
    artifacts = CompiledArtifacts.model_validate(data)
    graph = definitions_from_artifacts(artifacts).get_repository_def().asset_graph
    (key,) = [k for k in graph.asset_check_keys if k.asset_key == _key("raw/raw_customers")]
    assert graph.get_check_spec(key).blocking
    assert graph.assets_def_for_key(_key("orders")).check_keys.isdisjoint({key})


def test_each_job_selects_exactly_its_resolved_keys(demo_defs, repository, demo_artifacts) -> None:  # type: ignore[no-untyped-def]
    for job in demo_defs.jobs:
        expected = {_key(k) for k in demo_artifacts.jobs_by_name[job.name].assets}
        assert job.selection.resolve(repository.asset_graph) == expected, job.name


def test_a_partitioned_job_is_partitioned_like_its_assets(repository) -> None:  # type: ignore[no-untyped-def]
    job = repository.get_job("daily_orders")
    assert isinstance(job.partitions_def, dg.TimeWindowPartitionsDefinition)
    assert job.partitions_def.get_partition_keys()[:2] == ["2024-01-01", "2024-01-02"]


@pytest.mark.parametrize(
    ("key", "max_retries", "delay"),
    [
        pytest.param("fct_daily_orders", 2, 1, id="dbt-asset"),
        pytest.param("customer_segments", 1, None, id="python-asset"),
    ],
)
def test_retry_policies_come_from_the_artifacts(repository, key: str, max_retries: int, delay: object) -> None:  # type: ignore[no-untyped-def]
    policy = repository.asset_graph.assets_def_for_key(_key(key)).node_def.retry_policy
    assert (policy.max_retries, policy.delay) == (max_retries, delay)


def test_the_backfill_policy_of_daily_orders_is_ranged_runs_of_seven(repository) -> None:  # type: ignore[no-untyped-def]
    assets_def = repository.asset_graph.assets_def_for_key(_key("fct_daily_orders"))
    assert assets_def.backfill_policy == dg.BackfillPolicy.multi_run(7)


@pytest.mark.parametrize(
    ("name", "status"),
    [
        pytest.param("new_order_files", dg.DefaultSensorStatus.RUNNING, id="enabled"),
        pytest.param("export_requested", dg.DefaultSensorStatus.STOPPED, id="disabled"),
    ],
)
def test_enabled_flags_set_the_default_status(repository, name: str, status: object) -> None:  # type: ignore[no-untyped-def]
    assert repository.get_sensor_def(name).default_status == status


def test_a_catalog_token_is_read_from_the_environment_variable_the_artifacts_name(
    demo_artifacts: CompiledArtifacts, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = demo_artifacts.plugins.catalog.model_copy(
        update={"kind": "rest", "uri": "http://localhost:8181", "token_env": "FLOE_TEST_TOKEN"})
    artifacts = demo_artifacts.model_copy(
        update={"plugins": demo_artifacts.plugins.model_copy(update={"catalog": catalog})})
    resources = definitions_from_artifacts(artifacts).resources
    assert isinstance(resources[CATALOG_KEY].token, dg.EnvVar)
    assert resources[CATALOG_KEY].token.env_var_name == "FLOE_TEST_TOKEN"
    monkeypatch.setenv("FLOE_TEST_TOKEN", "s3cret")
    resolved = FloeCatalogResource(kind="rest", uri="http://localhost:8181", token="s3cret").apply(artifacts)
    assert resolved.plugins.catalog.properties["token"] == "s3cret"
    assert resolved.plugins.catalog.token_env is None
    assert "s3cret" not in artifacts.model_dump_json()
    assert isinstance(resources["floe_iceberg_io_manager"], IcebergIOManager)
    assert STORAGE_KEY in resources


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        pytest.param(lambda d: d.update(version="2.0.0"), "version", id="newer-major-version"),
        pytest.param(lambda d: d["orchestration"]["jobs"][0].update(assets=[]), "orchestration.jobs[0].assets",
                     id="empty-job"),
        pytest.param(lambda d: d["orchestration"]["schedules"][0].update(timezone=7), "orchestration.schedules[0]",
                     id="wrong-type"),
        pytest.param(lambda d: d.update(surprise=True), "surprise", id="unknown-field"),
    ],
)
def test_an_invalid_artifacts_file_fails_at_load_with_one_message_naming_file_field_and_fix(
    demo_artifacts_path: Path, tmp_path: Path, mutate, field: str  # type: ignore[no-untyped-def]
) -> None:
    data = json.loads(demo_artifacts_path.read_text())
    mutate(data)
    bad = tmp_path / "compiled_artifacts.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(ArtifactsError) as raised:
        build_definitions(bad)
    message = str(raised.value)
    assert str(bad) in message
    assert field in message
    assert "Fix:" in message


def test_a_missing_artifacts_file_says_how_to_produce_it(tmp_path: Path) -> None:
    with pytest.raises(ArtifactsError, match="floe compile"):
        build_definitions(tmp_path / "nowhere.json")


LOAD_CHECK = textwrap.dedent(
    """
    import sys, time
    started = time.perf_counter()
    from floe_dagster_provider import build_definitions
    defs = build_definitions(sys.argv[1])
    defs.get_repository_def().get_all_jobs()
    print(time.perf_counter() - started, "dbt" in sys.modules, "dagster_dbt" in sys.modules)
    """
)


def test_loading_the_demo_imports_neither_dbt_nor_dagster_dbt(demo_artifacts_path: Path) -> None:
    out = subprocess.run([sys.executable, "-c", LOAD_CHECK, str(demo_artifacts_path)], capture_output=True,
                         text=True, check=True).stdout.split()
    assert out[1:] == ["False", "False"]


def test_dagster_definitions_validate_accepts_the_two_line_definitions_module(
    demo_artifacts_path: Path, tmp_path: Path
) -> None:
    module = tmp_path / "definitions.py"
    module.write_text(
        "from floe_dagster_provider import build_definitions\n"
        f"defs = build_definitions({str(demo_artifacts_path)!r})\n"
    )
    dagster_cli = Path(sys.executable).with_name("dagster")
    result = subprocess.run([str(dagster_cli), "definitions", "validate", "-f", str(module)],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_relative_artifacts_path_is_read_beside_the_definitions_file_whatever_the_working_directory(
    demo_artifacts_path: Path, demo_artifacts: CompiledArtifacts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import runpy

    defs_file = demo_artifacts_path.parent / "floe_defs.py"
    defs_file.write_text(f"from floe_dagster_provider import build_definitions\n\n"
                         f"defs = build_definitions({demo_artifacts_path.name!r})\n")
    monkeypatch.chdir(tmp_path)
    defs = runpy.run_path(str(defs_file))["defs"]  # loaded the way `dagster dev -f` loads a file
    keys = {"/".join(k.path) for k in defs.get_repository_def().asset_graph.get_all_asset_keys()}
    assert keys == {a.key for a in demo_artifacts.orchestration.assets}
