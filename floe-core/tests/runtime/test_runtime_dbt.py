"""run_dbt on a real dbt-duckdb project: what ran, what users see in the warehouse, what failed and why."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from floe_core.artifacts import CompiledArtifacts
from floe_core.errors import RuntimeFailure
from floe_core.runtime import DbtRunResult, read_relation, run_dbt, run_dbt_checks
from floe_core.runtime.dbt import project_fingerprint
from runtime_fixtures import make_artifacts, write_lock_held_elsewhere


def test_a_full_build_materializes_every_dbt_asset(built: DbtRunResult) -> None:
    assert built.success
    assert built.assets == {
        "customer_totals": "materialized",
        "customers": "materialized",
        "orders": "materialized",
        "raw_customers": "materialized",
        "raw_orders": "materialized",
        "stg_orders": "materialized",
    }
    assert built.nodes["seed.rt_demo.raw_orders"].rows_affected == 4


def test_a_full_build_reports_each_check_with_its_severity(built: DbtRunResult) -> None:
    assert built.checks == {
        "customers_id_not_null": "passed",
        "orders_customer_exists": "passed",
        "orders_status_known": "warned",
        "customer_totals_not_negative": "passed",
    }
    warned = next(n for n in built.nodes.values() if n.status == "warn")
    assert warned.failures == 1


def test_built_models_hold_their_rows_in_duckdb(built: DbtRunResult, artifacts: CompiledArtifacts) -> None:
    assert read_relation(artifacts, '"rt"."main"."orders"').num_rows == 4
    totals = read_relation(artifacts, '"rt"."main"."customer_totals"').sort_by("customer_id").to_pylist()
    assert [(t["name"], t["order_count"]) for t in totals] == [("Ada", 2), ("Grace", 1), ("Edsger", 1)]


def test_each_run_keeps_results_and_logs_in_its_own_folder(built: DbtRunResult, artifacts: CompiledArtifacts) -> None:
    assert built.run_dir is not None
    assert built.run_dir.parent == artifacts.project_dir / "target" / "floe_runs"
    assert (built.run_dir / "run_results.json").is_file()
    assert (built.run_dir / "dbt.log").is_file()
    assert not (Path.cwd() / "logs" / "dbt.log").exists()


def test_a_later_invocation_reuses_the_parse_and_is_faster(built: DbtRunResult, artifacts: CompiledArtifacts) -> None:
    started = time.perf_counter()
    again = run_dbt(artifacts, "run", ["customers"])
    took = time.perf_counter() - started
    assert again.parsed is False
    assert again.assets == {"customers": "materialized"}
    assert took < built.elapsed
    print(f"\nfull build: {built.elapsed:.2f} s; a later run of one model: {took:.2f} s")


def test_a_relationships_test_runs_only_when_all_models_it_reads_are_selected(
    built: DbtRunResult, artifacts: CompiledArtifacts
) -> None:
    alone = run_dbt(artifacts, "build", ["orders"])
    assert alone.check_status("orders_customer_exists") is None
    assert alone.check_status("orders_status_known") == "warned"

    both = run_dbt(artifacts, "build", ["orders", "customers"])
    assert both.check_status("orders_customer_exists") == "passed"


def test_named_checks_run_alone_without_building_models(built: DbtRunResult, artifacts: CompiledArtifacts) -> None:
    result = run_dbt_checks(artifacts, ["orders_customer_exists", "customer_totals_not_negative"])

    assert result.checks == {"orders_customer_exists": "passed", "customer_totals_not_negative": "passed"}
    assert {n.split(".")[0] for n in result.nodes} == {"test"}
    assert result.assets == {}


def test_an_unknown_check_name_is_an_error(artifacts: CompiledArtifacts) -> None:
    with pytest.raises(RuntimeFailure, match="checks are not in the compiled artifacts"):
        run_dbt_checks(artifacts, ["no_such_check"])


def test_a_failing_model_fails_its_asset_and_skips_what_depends_on_it(
    built: DbtRunResult, artifacts: CompiledArtifacts
) -> None:
    broken = run_dbt(artifacts, "build", ["orders", "customer_totals"], dbt_vars={"rt_break_orders": "yes"})

    assert not broken.success
    assert broken.asset_status("orders") == "failed"
    assert broken.asset_status("customer_totals") == "skipped"
    assert broken.check_status("orders_status_known") == "skipped"
    assert "Conversion Error" in (broken.nodes["model.rt_demo.orders"].message or "")
    with pytest.raises(RuntimeFailure, match=r"model\.rt_demo\.orders ended with error"):
        broken.raise_on_failure()
    # The failed build left the previous table in place.
    assert read_relation(artifacts, '"rt"."main"."orders"').num_rows == 4


def test_vars_apply_to_one_invocation_only(built: DbtRunResult, artifacts: CompiledArtifacts) -> None:
    run_dbt(artifacts, "run", ["orders"], dbt_vars={"rt_break_orders": "yes"})
    healthy = run_dbt(artifacts, "run", ["orders"])
    assert healthy.asset_status("orders") == "materialized"


def test_non_dbt_keys_are_left_out_and_nothing_to_run_starts_no_dbt(artifacts: CompiledArtifacts) -> None:
    result = run_dbt(artifacts, "build", ["order_facts", "customer_report"])
    assert result.success
    assert result.nodes == {}
    assert result.run_dir is None


def test_an_unknown_asset_key_is_an_error(artifacts: CompiledArtifacts) -> None:
    with pytest.raises(RuntimeFailure, match="not in the compiled artifacts") as info:
        run_dbt(artifacts, "build", ["no_such_asset"])
    assert info.value.found == ["no_such_asset"]


def test_a_missing_dbt_project_names_the_folder(tmp_path: Path) -> None:
    artifacts = make_artifacts(tmp_path)
    with pytest.raises(RuntimeFailure, match=r"no dbt_project\.yml") as info:
        run_dbt(artifacts, "build", None)
    assert info.value.file == str(tmp_path)
    assert info.value.field == "transforms.dbt.project_dir"


def test_a_missing_duckdb_folder_names_the_setting(built: DbtRunResult, project_dir: Path) -> None:
    artifacts = make_artifacts(project_dir, duckdb_file="no/such/folder/rt.duckdb")
    with pytest.raises(RuntimeFailure, match="folder of the DuckDB file does not exist") as info:
        run_dbt(artifacts, "run", ["customers"])
    assert info.value.field == "plugins.compute.path"


def test_a_held_duckdb_lock_is_an_error_that_says_to_run_one_writer_at_a_time(
    built: DbtRunResult, artifacts: CompiledArtifacts
) -> None:
    with (
        write_lock_held_elsewhere(artifacts.in_project("target/rt.duckdb")),
        pytest.raises(RuntimeFailure, match="another process holds its lock") as info,
    ):
        run_dbt(artifacts, "run", ["customers"])
    assert "one at a time" in (info.value.fix or "")


def test_a_dbt_compile_error_surfaces_dbt_s_message(tmp_path: Path) -> None:
    project = tmp_path / "broken"
    (project / "models").mkdir(parents=True)
    source = Path(__file__).parent / "project"
    for name in ("dbt_project.yml", "profiles.yml"):
        (project / name).write_text((source / name).read_text())
    (project / "models" / "bad.sql").write_text("select * from {{ ref('does_not_exist') }}\n")
    (project / "target").mkdir()
    with pytest.raises(RuntimeFailure, match=r"(?s)dbt parse failed: Compilation Error.*does_not_exist") as info:
        run_dbt(make_artifacts(project), "build", None)
    assert "dbt parse" in (info.value.fix or "")


def test_the_fingerprint_follows_project_files_but_not_the_warehouse(tmp_path: Path) -> None:
    project = tmp_path / "p"
    (project / "models").mkdir(parents=True)
    (project / "target").mkdir()
    (project / "dbt_project.yml").write_text("name: p\n")
    (project / "models" / "a.sql").write_text("select 1\n")
    before = project_fingerprint(project)

    (project / "target" / "rt.duckdb").write_bytes(b"changes on every run")
    (project / "rt.duckdb").write_bytes(b"even in the project root")
    assert project_fingerprint(project) == before

    (project / "models" / "a.sql").write_text("select 2 as changed\n")
    assert project_fingerprint(project) != before
