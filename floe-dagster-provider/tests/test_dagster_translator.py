"""The translator: each hook decides one thing, and overriding one hook changes only that thing."""

from __future__ import annotations

import dagster as dg
import pytest
from floe_core.artifacts import Asset, CompiledArtifacts, DbtNodeRef
from floe_dagster_provider import DagsterTranslator, FloeKeyTranslator


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
    assert FloeKeyTranslator().get_asset_key("raw/raw_orders") == dg.AssetKey(["raw", "raw_orders"])
    # Unbound to artifacts, the default translator knows no dbt node, so it spells the floe key too.
    assert DagsterTranslator().get_asset_key("raw/raw_orders") == dg.AssetKey(["raw", "raw_orders"])


def _ref(**overrides: object) -> DbtNodeRef:
    fields: dict[str, object] = {
        "unique_id": "model.j.orders", "name": "orders", "package": "j", "selector": "fqn:j.marts.orders",
        "path": "models/marts/orders.sql", "relation": '"j"."main"."orders"',
    }
    fields.update(overrides)
    return DbtNodeRef.model_validate(fields)


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        pytest.param(_ref(), ["orders"], id="name"),
        pytest.param(_ref(configured_schema="finance"), ["finance", "orders"], id="configured-schema-first"),
        pytest.param(_ref(version="2", alias="orders_v2", configured_schema="finance"), ["orders_v2"],
                     id="versioned-model-by-alias"),
        pytest.param(_ref(meta={"dagster": {"asset_key": ["a", "b"]}}, configured_schema="x"), ["a", "b"],
                     id="meta-dagster-asset-key"),
        pytest.param(_ref(meta={"dagster": {"asset_key": ["a"]}}, config_meta={"dagster": {"asset_key": ["c"]}}),
                     ["c"], id="config-meta-wins"),
    ],
)
def test_a_dbt_node_gets_dagster_dbts_default_key(
    ref: DbtNodeRef, expected: list[str], demo_artifacts: CompiledArtifacts
) -> None:
    asset = _asset(dbt=ref)
    spec = DagsterTranslator().build_asset_spec(asset, demo_artifacts)
    assert spec.key == dg.AssetKey(expected)
    assert spec.metadata["floe/key"] == "marts/orders"
    assert FloeKeyTranslator().build_asset_spec(asset, demo_artifacts).key == dg.AssetKey(["marts", "orders"])


def test_a_source_is_keyed_by_source_name_and_table(demo_artifacts: CompiledArtifacts) -> None:
    asset = _asset(key="raw/raw_orders", kind="source", materialization=None,
                   dbt=_ref(unique_id="source.j.raw.raw_orders", name="raw_orders", source_name="raw"))
    assert DagsterTranslator().build_asset_spec(asset, demo_artifacts).key == dg.AssetKey(["raw", "raw_orders"])


@pytest.mark.parametrize(
    ("ref", "group", "owners"),
    [
        pytest.param(_ref(), None, [], id="none-configured"),
        pytest.param(_ref(group="finance", group_owner={"name": "Fin", "email": "fin@jaffle.example"}),
                     "finance", ["fin@jaffle.example"], id="dbt-group-and-its-owner"),
        pytest.param(_ref(group="finance", group_owner={"email": "fin@jaffle.example"},
                          meta={"dagster": {"group": "money", "owners": ["team:cash"]}}),
                     "money", ["team:cash"], id="meta-dagster-wins"),
    ],
)
def test_a_dbt_node_gets_dagster_dbts_group_and_owners(ref: DbtNodeRef, group: str | None, owners: list[str]) -> None:
    asset = _asset(dbt=ref)
    translator = DagsterTranslator()
    assert translator.get_group_name(asset) == group
    assert list(translator.get_owners(asset)) == owners
    # floe's meta.owner and its folder group are floe's own conventions: FloeKeyTranslator keeps them.
    assert FloeKeyTranslator().get_group_name(asset) == "marts"
    assert list(FloeKeyTranslator().get_owners(asset)) == ["data@jaffle.example"]


def test_dbt_tags_are_dagster_dbts_label_tags() -> None:
    tags = DagsterTranslator().get_tags(_asset(tags=("marts", "has space", "x" * 80)))
    assert tags == {"marts": ""}


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
    assert list(FloeKeyTranslator().get_owners(_asset(owners=owners))) == expected
    python = _asset(owners=owners, kind="python", dbt=None, materialization=None, python={"callable": "m:f"})
    assert list(DagsterTranslator().get_owners(python)) == expected


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        pytest.param(("marts",), {"marts": ""}, id="label"),
        pytest.param(("has space",), {"has_space": ""}, id="unsafe-characters-replaced"),
        pytest.param(("x" * 80,), {"x" * 63: ""}, id="too-long-truncated"),
    ],
)
def test_tags_become_label_style_dagster_tags(tags: tuple[str, ...], expected: dict[str, str]) -> None:
    got = dict(FloeKeyTranslator().get_tags(_asset(tags=tags)))
    got.pop("floe/materialization")
    assert got == expected


def test_the_spec_composes_every_hook(demo_artifacts: CompiledArtifacts) -> None:
    spec = DagsterTranslator().build_asset_spec(_asset(), demo_artifacts)
    assert spec.key == dg.AssetKey(["orders"])
    assert spec.group_name is None
    assert spec.description == "One row per order."
    assert list(spec.owners) == []
    assert spec.metadata["floe/materialization"] == "table"
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


def test_every_spec_names_its_floe_key_even_when_get_metadata_is_overridden(
    demo_artifacts: CompiledArtifacts,
) -> None:
    class NoMetadata(DagsterTranslator):
        def get_metadata(self, asset: Asset) -> dict[str, object]:
            return {}

    assert NoMetadata().build_asset_spec(_asset(), demo_artifacts).metadata == {"floe/key": "marts/orders"}


def test_a_translator_giving_two_assets_one_key_fails_naming_both(demo_artifacts: CompiledArtifacts) -> None:
    from floe_core.errors import InputError
    from floe_dagster_provider.definitions import definitions_from_artifacts

    class OneKeyForAll(DagsterTranslator):
        def get_asset_key(self, asset_key: str) -> dg.AssetKey:
            return dg.AssetKey("same")

    with pytest.raises(InputError, match="the same Dagster key 'same'") as raised:
        definitions_from_artifacts(demo_artifacts, translator=OneKeyForAll())
    first, second = (a.key for a in demo_artifacts.orchestration.assets[:2])
    assert repr(first) in str(raised.value) and repr(second) in str(raised.value)


def test_an_asset_without_a_floe_key_is_refused_by_name() -> None:
    from floe_core.errors import RuntimeFailure
    from floe_dagster_provider.keys import floe_key_of

    with pytest.raises(RuntimeFailure, match="asset 'elsewhere/table' is not a floe asset"):
        floe_key_of(dg.AssetKey(["elsewhere", "table"]), {"owner": "someone else"})
