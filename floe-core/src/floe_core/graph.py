"""The asset dependency graph, edges upstream -> downstream.

Plain adjacency lists, built on first use, answer what compile asks (reach, order, acyclicity); a graph
used only to match selectors against assets never builds them. The networkx DiGraph is built only when
`graph` is read (and to name a cycle), with the same nodes and edges in the same order as always, so its
answers, cycle messages included, do not change.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property

import networkx as nx

from floe_core.artifacts import Asset
from floe_core.errors import GraphError, Problem


class AssetGraph:
    def __init__(self, assets: Sequence[Asset]) -> None:
        self.assets = {a.key: a for a in assets}
        self._declared = tuple(assets)

    @cached_property
    def _origins(self) -> dict[tuple[str, str], str]:
        """Every edge in the order declared, with its origin; a repeated edge keeps its place, the last origin."""
        return {(dep.key, asset.key): dep.origin for asset in self._declared for dep in asset.deps}

    @cached_property
    def _succ(self) -> dict[str, list[str]]:
        succ: dict[str, list[str]] = {key: [] for key in self.assets}
        for up, down in self._origins:
            if up in succ:
                succ[up].append(down)
            else:
                succ[up] = [down]  # a dangling dependency is a node too, as in the networkx graph
        return succ

    @cached_property
    def _pred(self) -> dict[str, list[str]]:
        pred: dict[str, list[str]] = {key: [] for key in self._succ}
        for up, down in self._origins:
            pred[down].append(up)
        return pred

    @cached_property
    def graph(self) -> nx.DiGraph[str]:
        graph: nx.DiGraph[str] = nx.DiGraph()
        graph.add_nodes_from(sorted(self.assets))
        graph.add_edges_from((up, down, {"origin": origin}) for (up, down), origin in self._origins.items())
        return graph

    @property
    def edges(self) -> list[tuple[str, str]]:
        return sorted(self._origins)

    def check(self, file: str | None = None, field: str = "orchestration.assets") -> None:
        """Raise one GraphError naming every dangling dependency and the first cycle, with edge origins."""
        problems = [
            Problem(
                f"{downstream!r} depends on unknown asset {upstream!r}",
                file=file,
                field=f"{field}[{downstream}].deps",
                found=upstream,
                fix="declare that asset (a dbt model, source, python or external asset) or remove the dependency",
            )
            for upstream, downstream in sorted(edge for edge in self._origins if edge[0] not in self.assets)
        ]
        cycle = self.find_cycle()
        if cycle:
            path = " -> ".join([*cycle, cycle[0]])
            origins = ", ".join(
                f"{a} -> {b} ({self._origins[a, b]})"
                for a, b in zip(cycle, [*cycle[1:], cycle[0]], strict=False)
            )
            problems.append(
                Problem(
                    f"dependency cycle {path}",
                    file=file,
                    field=f"{field}[{cycle[0]}].deps",
                    found=origins,
                    fix="remove one of these dependencies (explicit ones come from floe.yaml, ref and source "
                    "ones from the dbt project)",
                )
            )
        if problems:
            raise GraphError(problems)

    def find_cycle(self) -> list[str] | None:
        if self._order_of_all is not None:
            return None  # the common case, and far cheaper than searching for a cycle edge by edge
        try:
            edges = nx.find_cycle(self.graph)
        except nx.NetworkXNoCycle:
            return None
        nodes = [a for a, _b, *_ in edges]
        # Start at the smallest key so the message is the same on every run.
        start = nodes.index(min(nodes))
        return nodes[start:] + nodes[:start]

    def topological_order(self, keys: Iterable[str] | None = None) -> list[str]:
        """Upstream first; among the keys ready at each step the smallest comes first, so the order is unique."""
        if keys is None:
            order = self._order_of_all
        else:
            chosen = {k for k in keys if k in self._succ}
            order = self._order({k: [d for d in self._succ[k] if d in chosen] for k in chosen})
        if order is None:
            raise nx.NetworkXUnfeasible("Graph contains a cycle or graph changed during iteration")
        return list(order)

    def upstream(self, key: str, depth: int | None = None) -> set[str]:
        return _reach(self._pred, key, depth)

    def downstream(self, key: str, depth: int | None = None) -> set[str]:
        return _reach(self._succ, key, depth)

    def with_upstream(self, keys: Iterable[str], depth: int | None = None) -> set[str]:
        """`keys` and every key at most `depth` steps (any number when None) upstream of one of them."""
        return _reach_all(self._pred, keys, depth)

    def with_downstream(self, keys: Iterable[str], depth: int | None = None) -> set[str]:
        """`keys` and every key at most `depth` steps (any number when None) downstream of one of them."""
        return _reach_all(self._succ, keys, depth)

    def subgraph_edges(self, keys: set[str]) -> list[tuple[str, str]]:
        return sorted((a, b) for a, b in self._origins if a in keys and b in keys)

    @cached_property
    def _order_of_all(self) -> list[str] | None:
        return self._order(self._succ)

    @staticmethod
    def _order(succ: Mapping[str, Sequence[str]]) -> list[str] | None:
        """Kahn's algorithm taking the smallest ready key first; None when a cycle leaves keys unplaced."""
        indegree = dict.fromkeys(succ, 0)
        for downs in succ.values():
            for down in downs:
                indegree[down] += 1
        ready = [k for k, n in indegree.items() if n == 0]
        heapq.heapify(ready)
        order = []
        while ready:
            key = heapq.heappop(ready)
            order.append(key)
            for down in succ[key]:
                indegree[down] -= 1
                if indegree[down] == 0:
                    heapq.heappush(ready, down)
        return order if len(order) == len(indegree) else None


def _reach(adjacent: Mapping[str, Sequence[str]], key: str, depth: int | None) -> set[str]:
    seen: set[str] = set()
    frontier = {key}
    level = 0
    while frontier and (depth is None or level < depth):
        nxt: set[str] = set()
        for node in frontier:
            nxt.update(_adjacent(adjacent, node))
        frontier = nxt - seen - {key}
        seen |= frontier
        level += 1
    return seen


def _reach_all(adjacent: Mapping[str, Sequence[str]], keys: Iterable[str], depth: int | None) -> set[str]:
    # One breadth-first search from all keys at once, instead of one per key walking shared ancestry again.
    seen = set(keys)
    frontier = seen
    level = 0
    while frontier and (depth is None or level < depth):
        nxt: set[str] = set()
        for node in frontier:
            nxt.update(_adjacent(adjacent, node))
        frontier = nxt - seen
        seen |= frontier
        level += 1
    return seen


def _adjacent(adjacent: Mapping[str, Sequence[str]], key: str) -> Sequence[str]:
    try:
        return adjacent[key]
    except KeyError:
        raise nx.NetworkXError(f"The node {key} is not in the digraph.") from None
