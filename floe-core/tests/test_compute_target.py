"""`plugins.compute` follows the dbt target: its adapter from the manifest, a Postgres server's address from
the profile (or floe.yaml), and a clear error naming the field when they disagree or cannot be known."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from core_paths import DEMO_MANIFEST, MINIMAL_SPEC
from floe_core import compile_project
from floe_core.errors import ManifestError, SpecError


def _manifest(tmp_path: Path, adapter: str) -> Path:
    data = json.loads(DEMO_MANIFEST.read_text())
    data["metadata"]["adapter_type"] = adapter
    manifest = tmp_path / f"{adapter}-manifest.json"
    manifest.write_text(json.dumps(data))
    return manifest


def _spec(target: str | None = None, compute: str = "") -> str:
    text = MINIMAL_SPEC
    if target:
        text += f"transforms:\n  dbt:\n    target: {target}\n"
    if compute:
        text += f"plugins:\n  compute:\n{compute}"
    return text


def test_a_duckdb_target_gives_duckdb_compute_with_the_products_file(make_project, tmp_path: Path) -> None:
    compute = compile_project(make_project(_spec()), manifest=_manifest(tmp_path, "duckdb")).artifacts.plugins.compute
    assert (compute.kind, compute.path, compute.host) == ("duckdb", "target/jaffle_floe.duckdb", None)


def test_a_postgres_target_gives_postgres_compute_at_the_profiles_address(
    make_project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOE_PG_HOST", "warehouse.internal")
    monkeypatch.setenv("FLOE_PG_PORT", "6543")
    project = make_project(_spec(target="pg"))
    compute = compile_project(project, manifest=_manifest(tmp_path, "postgres")).artifacts.plugins.compute
    assert (compute.kind, compute.host, compute.port) == ("postgres", "warehouse.internal", 6543)


def test_floe_yaml_names_the_postgres_address_when_no_profile_is_at_hand(make_project, tmp_path: Path) -> None:
    project = make_project(_spec(compute="    host: db.example\n"))
    (project / "profiles.yml").unlink()
    compute = compile_project(project, manifest=_manifest(tmp_path, "postgres")).artifacts.plugins.compute
    assert (compute.kind, compute.host, compute.port) == ("postgres", "db.example", 5432)


def test_an_unknown_postgres_address_names_the_field_to_set(make_project, tmp_path: Path) -> None:
    project = make_project(_spec())
    (project / "profiles.yml").unlink()
    with pytest.raises(SpecError) as error:
        compile_project(project, manifest=_manifest(tmp_path, "postgres"))
    assert error.value.problems[0].field == "plugins.compute.host"


def test_a_compute_kind_that_contradicts_the_dbt_target_is_refused(make_project, tmp_path: Path) -> None:
    project = make_project(_spec(compute="    kind: duckdb\n"))
    with pytest.raises(SpecError) as error:
        compile_project(project, manifest=_manifest(tmp_path, "postgres"))
    problem = error.value.problems[0]
    assert (problem.field, problem.found) == ("plugins.compute.kind", "duckdb")
    assert "postgres" in str(error.value)


def test_an_adapter_floe_does_not_run_on_is_refused_by_name(make_project, tmp_path: Path) -> None:
    with pytest.raises(SpecError) as error:
        compile_project(make_project(_spec()), manifest=_manifest(tmp_path, "snowflake"))
    problem = error.value.problems[0]
    assert (problem.field, problem.found) == ("plugins.compute.kind", "snowflake")


def test_a_manifest_parsed_for_another_adapter_is_parsed_again(tmp_path: Path) -> None:
    from floe_core.compiler.manifest_source import ensure_manifest

    project = tmp_path / "p"
    (project / "target").mkdir(parents=True)
    (project / "dbt_project.yml").write_text("name: p\n")
    manifest = project / "target" / "manifest.json"
    manifest.write_text(json.dumps({"metadata": {"adapter_type": "duckdb"}}))
    assert ensure_manifest(project, project, None, "duckdb") == manifest
    with pytest.raises(ManifestError, match="dbt parse"):
        ensure_manifest(project, project, None, "postgres")
