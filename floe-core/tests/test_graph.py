from __future__ import annotations

import pytest
from floe_core import AssetGraph, GraphError
from floe_core.artifacts import Asset, AssetDep


def _asset(key: str, *deps: tuple[str, str]) -> Asset:
    return Asset(key=key, kind="dbt_model", deps=tuple(AssetDep(key=k, origin=o) for k, o in deps))


def test_a_cycle_is_printed_as_a_path_with_where_each_edge_came_from() -> None:
    graph = AssetGraph([_asset("a", ("c", "explicit")), _asset("b", ("a", "ref")), _asset("c", ("b", "ref"))])
    with pytest.raises(GraphError) as caught:
        graph.check(file="floe.yaml")
    message = str(caught.value)
    assert "dependency cycle a -> b -> c -> a" in message
    assert "c -> a (explicit)" in message and "a -> b (ref)" in message


def test_every_dangling_dependency_is_named() -> None:
    graph = AssetGraph([_asset("a", ("ghost", "explicit"), ("phantom", "ref"))])
    with pytest.raises(GraphError) as caught:
        graph.check()
    assert len(caught.value.problems) == 2
    assert {p.found for p in caught.value.problems} == {"ghost", "phantom"}


def test_the_topological_order_is_deterministic() -> None:
    assets = [_asset("d", ("b", "ref"), ("c", "ref")), _asset("c", ("a", "ref")), _asset("b", ("a", "ref")),
              _asset("a")]
    assert AssetGraph(assets).topological_order() == ["a", "b", "c", "d"]
    assert AssetGraph(list(reversed(assets))).topological_order() == ["a", "b", "c", "d"]
