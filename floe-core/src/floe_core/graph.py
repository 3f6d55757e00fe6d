"""The asset dependency graph: one networkx DiGraph, edges upstream -> downstream."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import networkx as nx

from floe_core.artifacts import Asset
from floe_core.errors import GraphError, Problem


class AssetGraph:
    def __init__(self, assets: Sequence[Asset]) -> None:
        self.assets = {a.key: a for a in assets}
        graph: nx.DiGraph[str] = nx.DiGraph()
        graph.add_nodes_from(sorted(self.assets))
        for asset in assets:
            for dep in asset.deps:
                graph.add_edge(dep.key, asset.key, origin=dep.origin)
        self.graph = graph

    @property
    def edges(self) -> list[tuple[str, str]]:
        return sorted(self.graph.edges())

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
            for upstream, downstream in self.edges
            if upstream not in self.assets
        ]
        cycle = self.find_cycle()
        if cycle:
            path = " -> ".join([*cycle, cycle[0]])
            origins = ", ".join(
                f"{a} -> {b} ({self.graph.edges[a, b]['origin']})"
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
        if nx.is_directed_acyclic_graph(self.graph):
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
        sub = self.graph if keys is None else self.graph.subgraph(keys)
        return list(nx.lexicographical_topological_sort(sub))

    def upstream(self, key: str, depth: int | None = None) -> set[str]:
        return _reach(self.graph.predecessors, key, depth)

    def downstream(self, key: str, depth: int | None = None) -> set[str]:
        return _reach(self.graph.successors, key, depth)

    def subgraph_edges(self, keys: set[str]) -> list[tuple[str, str]]:
        return sorted((a, b) for a, b in self.graph.edges() if a in keys and b in keys)


def _reach(step: object, key: str, depth: int | None) -> set[str]:
    seen: set[str] = set()
    frontier = {key}
    level = 0
    while frontier and (depth is None or level < depth):
        nxt: set[str] = set()
        for node in frontier:
            nxt.update(step(node))  # type: ignore[operator]
        frontier = nxt - seen - {key}
        seen |= frontier
        level += 1
    return seen
