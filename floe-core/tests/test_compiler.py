from __future__ import annotations

import json
from pathlib import Path

import pytest
from core_paths import DEMO_MANIFEST, MANIFESTS, MINIMAL_SPEC
from floe_core import compile_project, load_artifacts, write_artifacts
from floe_core.artifacts import dump_artifacts
from floe_core.compiler.orchestration import DEFAULT_JOB

DEMO_MANIFESTS = sorted(p for p in MANIFESTS.glob("dbt-*-v*.json") if "versions" not in p.name)


@pytest.mark.parametrize("manifest", DEMO_MANIFESTS, ids=[p.stem for p in DEMO_MANIFESTS])
def test_every_supported_manifest_version_compiles_the_demo_to_the_same_graph(make_project, demo_spec_text,
                                                                              manifest: Path) -> None:
    project = make_project(demo_spec_text.replace("deps: [{asset: crm/accounts}]", "deps: []"))
    artifacts = compile_project(project, manifest=manifest).artifacts
    orch = artifacts.orchestration
    keys = {a.key for a in orch.assets}
    assert {"raw_orders", "stg_orders", "orders", "customers", "fct_daily_orders", "customers_snapshot",
            "raw/raw_customers", "customer_segments", "crm/accounts"} <= keys
    assert "int_order_payments" not in keys, "ephemeral models are not assets"
    orders = artifacts.assets_by_key["orders"]
    assert {d.key for d in orders.deps} == {"stg_orders", "stg_payments"}, "deps pass through the ephemeral model"
    assert artifacts.transforms.dbt.manifest_schema_version == int(manifest.stem.rsplit("-v", 1)[1])


def test_checks_keep_severity_and_multi_model_tests_attach_downstream_of_everything_they_read(make_project,
                                                                                              demo_spec_text):
    artifacts = compile_project(make_project(demo_spec_text), manifest=DEMO_MANIFEST).artifacts
    checks = {c.name: c for c in artifacts.orchestration.checks}
    assert checks["not_null_stg_customers_email"].severity == "warn"
    assert checks["not_null_orders_order_id"].severity == "error"
    singular = checks["assert_payments_match_orders"]
    assert singular.kind == "singular"
    assert singular.asset == "orders" and set(singular.reads) == {"orders", "stg_payments"}
    relationships = next(c for c in checks.values() if c.test_name == "relationships" and c.asset == "orders")
    assert set(relationships.reads) == {"orders", "customers"}
    assert any(c.kind == "unit" for c in checks.values())


def test_compiling_twice_gives_byte_identical_artifacts(make_project, demo_spec_text, tmp_path: Path) -> None:
    project = make_project(demo_spec_text)
    first = dump_artifacts(compile_project(project, manifest=DEMO_MANIFEST).artifacts)
    second = dump_artifacts(compile_project(project, manifest=DEMO_MANIFEST).artifacts)
    assert first == second


def test_a_minimal_spec_makes_every_model_seed_and_snapshot_an_asset_of_one_default_job(make_project) -> None:
    artifacts = compile_project(make_project(MINIMAL_SPEC), manifest=DEMO_MANIFEST).artifacts
    (job,) = artifacts.orchestration.jobs
    assert job.name == DEFAULT_JOB
    runnable = {a.key for a in artifacts.orchestration.assets if a.kind.startswith("dbt_")}
    assert set(job.assets) == runnable
    assert "raw/raw_customers" not in job.assets, "sources are observed, not run"


def test_selectors_resolve_at_compile_time_into_explicit_key_lists(make_project) -> None:
    spec = MINIMAL_SPEC + """orchestration:
  jobs:
    - {name: staging, select: "tag:staging"}
    - {name: upstream_of_orders, select: "+orders", exclude: "resource_type:seed"}
    - {name: marts_path, select: "path:models/marts", exclude: "fct_daily_orders"}
    - {name: one_hop, select: "stg_orders+1"}
"""
    jobs = {j.name: set(j.assets) for j in compile_project(make_project(spec), manifest=DEMO_MANIFEST)
            .artifacts.orchestration.jobs}
    assert jobs["staging"] == {"stg_customers", "stg_orders", "stg_payments"}
    assert jobs["upstream_of_orders"] == {"orders", "stg_orders", "stg_payments"}
    assert "fct_daily_orders" not in jobs["marts_path"] and "orders" in jobs["marts_path"]
    assert jobs["one_hop"] == {"stg_orders", "orders"}


def test_versioned_models_get_one_asset_per_version_and_package_nodes_are_assets(make_project) -> None:
    manifest = MANIFESTS / "dbt-1.11-v12-versions-packages.json"
    artifacts = compile_project(make_project(MINIMAL_SPEC), manifest=manifest).artifacts
    keys = {a.key for a in artifacts.orchestration.assets}
    versioned = [a for a in artifacts.orchestration.assets if a.dbt and a.dbt.version]
    assert len(versioned) >= 2
    assert all(a.key.endswith(f"_v{a.dbt.version}") for a in versioned if a.dbt)
    assert any(a.dbt and a.dbt.package != artifacts.transforms.dbt.project_name
               for a in artifacts.orchestration.assets)
    assert artifacts.orchestration.exposures and set(artifacts.orchestration.exposures[0].depends_on) <= keys


def test_written_artifacts_load_back_equal_and_resolve_paths_against_their_folder(make_project, demo_spec_text,
                                                                                 tmp_path: Path) -> None:
    project = make_project(demo_spec_text)
    result = compile_project(project, manifest=DEMO_MANIFEST, output=tmp_path / "out" / "a.json")
    write_artifacts(result.artifacts, result.output)
    loaded = load_artifacts(result.output)
    assert loaded == result.artifacts
    assert loaded.project_dir == project.resolve()
    assert json.loads(result.output.read_text())["version"] == "1.4.0"


def test_explicit_dependencies_from_floe_yaml_join_the_graph(make_project, demo_spec_text) -> None:
    artifacts = compile_project(make_project(demo_spec_text), manifest=DEMO_MANIFEST).artifacts
    deps = {d.key: d.origin for d in artifacts.assets_by_key["stg_customers"].deps}
    assert deps["crm/accounts"] == "explicit"
    assert deps["raw/raw_customers"] == "source"


def test_a_manifest_from_a_newer_engine_with_a_non_semver_version_string_compiles(make_project, tmp_path: Path) -> None:
    data = json.loads(DEMO_MANIFEST.read_text())
    data["metadata"]["dbt_version"] = "2025.11.3+fusion.preview"
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(data))
    artifacts = compile_project(make_project(MINIMAL_SPEC), manifest=manifest).artifacts
    assert artifacts.transforms.dbt.dbt_version == "2025.11.3+fusion.preview"


def test_the_manifest_is_stale_when_a_project_file_is_newer(tmp_path: Path) -> None:
    import os

    from floe_core.compiler.manifest_source import manifest_is_stale

    project = tmp_path / "p"
    (project / "models").mkdir(parents=True)
    (project / "target").mkdir()
    model = project / "models" / "a.sql"
    model.write_text("select 1")
    manifest = project / "target" / "manifest.json"
    assert manifest_is_stale(manifest, project), "a missing manifest is stale"
    manifest.write_text("{}")
    os.utime(model, (1_000_000, 1_000_000))
    assert not manifest_is_stale(manifest, project)
    os.utime(model, None)
    os.utime(manifest, (1_000_000, 1_000_000))
    assert manifest_is_stale(manifest, project)


def test_a_copy_with_other_assets_looks_up_its_own_assets(make_project, demo_spec_text) -> None:
    artifacts = compile_project(make_project(demo_spec_text), manifest=DEMO_MANIFEST).artifacts
    assert "orders" in artifacts.assets_by_key
    fewer = artifacts.orchestration.model_copy(
        update={"assets": tuple(a for a in artifacts.orchestration.assets if a.key != "orders")})
    copy = artifacts.model_copy(update={"orchestration": fewer})
    assert "orders" not in copy.assets_by_key
    assert copy.project_dir == artifacts.project_dir


def test_dbt_assets_carry_their_nodes_own_settings_unchanged_in_keys(make_project, tmp_path: Path) -> None:
    """Artifacts 1.2: alias, configured schema, dbt group and its owner, meta (and a differing config.meta),
    a source's source_name; floe keys stay what they were."""
    data = json.loads((MANIFESTS / "dbt-1.11-v12-versions-packages.json").read_text())
    activity = data["nodes"]["model.floe_versions.account_activity"]
    activity["config"].update(schema="finance", group="fin", meta={"dagster": {"asset_key": ["a", "b"]}})
    activity["meta"] = {"owner": "x@y.example"}
    activity["group"] = "fin"
    data["groups"] = {"group.floe_versions.fin": {"name": "fin", "owner": {"email": "fin@y.example"}}}
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(data))
    artifacts = compile_project(make_project(MINIMAL_SPEC), manifest=manifest).artifacts
    ref = artifacts.assets_by_key["account_activity"].dbt
    assert ref is not None
    assert (ref.alias, ref.configured_schema, ref.group) == ("account_activity", "finance", "fin")
    assert ref.group_owner == {"email": "fin@y.example"}
    assert ref.meta == {"owner": "x@y.example"}
    assert ref.config_meta == {"dagster": {"asset_key": ["a", "b"]}}
    v2 = artifacts.assets_by_key["dim_accounts_v2"].dbt
    assert v2 is not None and (v2.version, v2.alias, v2.config_meta) == ("2", "dim_accounts_v2", None)
    demo = compile_project(make_project(MINIMAL_SPEC), manifest=DEMO_MANIFEST).artifacts
    sources = [a for a in demo.orchestration.assets if a.kind == "source"]
    assert sources and all(a.dbt and a.key == f"{a.dbt.source_name}/{a.dbt.name}" for a in sources)
