"""The translator: each hook decides one thing, and overriding one hook changes only that thing."""

from __future__ import annotations

import dagster as dg
import pytest
from floe_core.artifacts import Asset, CompiledArtifacts, DbtNodeRef
from floe_dagster_provider import DagsterTranslator


def _asset(**overrides: object) -> Asset:
    fields: dict[str, object] = {
        "key": "marts/orders",
        "kind": "dbt_model",
        "description": "One row per order.",
        "group": "marts",
        "owners": ("data@jaffle.example",),
        "tags": ("marts",),
        "materialization": "table",
        "dbt": DbtNodeRef(unique_id="model.j.orders", name="orders", package="j", selector="fqn:j.orders",
                          path="models/orders.sql", relation='"j"."main"."orders"'),
    }
    fields.update(overrides)
    return Asset.model_validate(fields)


def test_a_floe_key_with_slashes_becomes_a_multi_part_asset_key() -> None:
    assert DagsterTranslator().get_asset_key("raw/raw_orders") == dg.AssetKey(["raw", "raw_orders"])


@pytest.mark.parametrize(
    ("owners", "expected"),
    [
        pytest.param(("data@jaffle.example",), ["data@jaffle.example"], id="email-kept"),
        pytest.param(("team:analytics",), ["team:analytics"], id="team-kept"),
        pytest.param(("analytics",), ["team:analytics"], id="bare-name-becomes-team"),
        pytest.param(("  ",), [], id="blank-dropped"),
    ],
)
def test_owners_become_what_dagster_accepts(owners: tuple[str, ...], expected: list[str]) -> None:
    assert list(DagsterTranslator().get_owners(_asset(owners=owners))) == expected


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        pytest.param(("marts",), {"marts": ""}, id="label"),
        pytest.param(("has space",), {"has_space": ""}, id="unsafe-characters-replaced"),
        pytest.param(("x" * 80,), {"x" * 63: ""}, id="too-long-truncated"),
    ],
)
def test_tags_become_label_style_dagster_tags(tags: tuple[str, ...], expected: dict[str, str]) -> None:
    got = dict(DagsterTranslator().get_tags(_asset(tags=tags)))
    got.pop("floe/materialization")
    assert got == expected


def test_the_spec_composes_every_hook(demo_artifacts: CompiledArtifacts) -> None:
    spec = DagsterTranslator().build_asset_spec(_asset(), demo_artifacts)
    assert spec.key == dg.AssetKey(["marts", "orders"])
    assert spec.group_name == "marts"
    assert spec.description == "One row per order."
    assert list(spec.owners) == ["data@jaffle.example"]
    assert spec.kinds == {"dbt", "duckdb"}
    assert spec.metadata["floe/relation"] == '"j"."main"."orders"'


def test_overriding_one_hook_changes_only_that_decision(demo_artifacts: CompiledArtifacts) -> None:
    class ByDomain(DagsterTranslator):
        def get_group_name(self, asset: Asset) -> str | None:
            return "sales"

    default = DagsterTranslator().build_asset_spec(_asset(), demo_artifacts)
    custom = ByDomain().build_asset_spec(_asset(), demo_artifacts)
    assert custom.group_name == "sales"
    assert (custom.key, custom.description, custom.owners, custom.tags) == (
        default.key, default.description, default.owners, default.tags)


def test_a_translator_can_leave_tests_out_of_dagsters_checks(demo_artifacts: CompiledArtifacts) -> None:
    from floe_core.artifacts import Check
    from floe_dagster_provider.definitions import definitions_from_artifacts

    class ErrorsOnly(DagsterTranslator):
        def include_check(self, check: Check) -> bool:
            return check.severity == "error"

    graph = definitions_from_artifacts(demo_artifacts, translator=ErrorsOnly()).get_repository_def().asset_graph
    names = {key.name for key in graph.asset_check_keys}
    assert names == {c.name for c in demo_artifacts.orchestration.checks if c.severity == "error"}
