"""dbt nodes to floe assets and checks: keys, groups, owners and the edges from ref() and source()."""

from __future__ import annotations

import re
from collections.abc import Iterable

from floe_core.artifacts import ASSET_KEY_RE, NAME_RE, Asset, AssetDep, Check, DbtNodeRef, Exposure
from floe_core.errors import GraphError, Problem
from floe_core.graph import AssetGraph
from floe_core.manifest import ASSET_TYPES, DbtManifest, DbtNode

_KIND = {"model": "dbt_model", "seed": "dbt_seed", "snapshot": "dbt_snapshot"}
_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


class DbtTranslator:
    """How dbt nodes become assets. Each hook does one thing; override one to change one aspect."""

    def asset_key(self, node: DbtNode) -> str:
        if node.resource_type == "source":
            return f"{node.source_name}/{node.name}"
        if node.version is not None:
            return f"{node.name}_v{node.version}"
        return node.name

    def group(self, node: DbtNode) -> str:
        if node.group:
            return _as_name(node.group)
        if node.resource_type == "source":
            return "sources"
        # The first folder under models/ (staging, marts) is how most projects group by layer.
        if node.resource_type == "model" and len(node.fqn) > 2:
            return _as_name(node.fqn[1])
        return {"seed": "seeds", "snapshot": "snapshots"}.get(node.resource_type, "default")

    def selector(self, node: DbtNode) -> str:
        # FQN selection is unique across packages and works for seeds, snapshots and model versions alike.
        return "fqn:" + ".".join(node.fqn)

    def description(self, node: DbtNode) -> str:
        return node.description.strip()


def _as_name(text: str) -> str:
    name = _UNSAFE.sub("_", text)
    return name if NAME_RE.match(name) else f"g_{name}"[:100]


def build_dbt_assets(
    manifest: DbtManifest, translator: DbtTranslator, manifest_file: str
) -> tuple[list[Asset], dict[str, str]]:
    """Assets for every model, seed, snapshot and source; plus unique_id -> key for the nodes that have one.

    Ephemeral models are not assets: an asset downstream of one depends on whatever the ephemeral reads.
    """
    keyed: dict[str, str] = {}
    owners_of_key: dict[str, str] = {}
    problems: list[Problem] = []
    candidates = [n for n in manifest.of_type(*ASSET_TYPES, "source") if not n.is_ephemeral]
    for node in sorted(candidates, key=lambda n: n.unique_id):
        key = translator.asset_key(node)
        if not ASSET_KEY_RE.match(key) or len(key) > 250:
            problems.append(Problem(
                f"dbt {node.resource_type} {node.unique_id} gives asset key {key!r}, which would break file "
                "paths, task ids or SQL identifiers",
                file=manifest_file, field=f"nodes[{node.unique_id}].name", found=key,
                expected="segments of letters, digits, _ . - (at most 128 characters each), joined by /",
                fix="rename the dbt node (or set an alias) to a plain identifier"))
            continue
        if key in owners_of_key:
            problems.append(Problem(
                f"duplicate asset key {key!r} from {owners_of_key[key]} and {node.unique_id}",
                file=manifest_file, field=f"nodes[{node.unique_id}]", found=key,
                fix="rename or disable one of the two dbt nodes"))
            continue
        owners_of_key[key] = node.unique_id
        keyed[node.unique_id] = key
    if problems:
        raise GraphError(problems)

    assets = []
    for uid, key in keyed.items():
        node = manifest.nodes[uid]
        deps = sorted({(keyed[u], _origin(manifest.nodes[u])) for u in _asset_parents(manifest, node, keyed)})
        assets.append(Asset(
            key=key,
            kind=_KIND.get(node.resource_type, "source"),  # type: ignore[arg-type]
            description=translator.description(node),
            group=translator.group(node),
            owners=node.owners,
            tags=node.tags,
            deps=tuple(AssetDep(key=k, origin=o) for k, o in deps),  # type: ignore[arg-type]
            materialization=node.materialized if node.resource_type != "source" else None,
            dbt=DbtNodeRef(
                unique_id=uid, name=node.name, package=node.package, selector=translator.selector(node),
                path=node.path, relation=node.relation, version=node.version,
            ),
        ))
    return assets, keyed


def _origin(node: DbtNode) -> str:
    return "source" if node.resource_type == "source" else "ref"


def _asset_parents(manifest: DbtManifest, node: DbtNode, keyed: dict[str, str]) -> Iterable[str]:
    """Parents that are assets, looking through ephemeral models (which dbt inlines as CTEs)."""
    seen: set[str] = set()
    stack = list(node.depends_on)
    while stack:
        uid = stack.pop()
        if uid in seen or uid not in manifest.nodes:
            continue
        seen.add(uid)
        if uid in keyed:
            yield uid
        elif manifest.nodes[uid].is_ephemeral:
            stack.extend(manifest.nodes[uid].depends_on)


def build_checks(manifest: DbtManifest, keyed: dict[str, str], graph: AssetGraph) -> list[Check]:
    """Every data test and unit test attached to an asset. `reads` holds every asset the test reads.

    A test dbt does not attach (a singular test) goes to the most downstream asset it reads, so an engine
    that runs checks with their asset runs it only after everything it reads exists.
    """
    checks = []
    order = {key: i for i, key in enumerate(graph.topological_order())}
    for node in manifest.of_type("test", "unit_test"):
        reads = sorted({keyed[u] for u in _asset_parents(manifest, node, keyed)})
        attached = keyed.get(node.attached_to or "") or _most_downstream(reads, order)
        if attached is None:
            continue  # a test on an ephemeral model or on nothing the graph knows: dbt runs it in-line
        checks.append(Check(
            name=node.name,
            asset=attached,
            kind="unit" if node.resource_type == "unit_test" else ("generic" if node.test_name else "singular"),
            severity="warn" if node.severity == "warn" else "error",
            unique_id=node.unique_id,
            selector="fqn:" + ".".join(node.fqn) if node.fqn else node.name,
            test_name=node.test_name,
            column=node.column,
            reads=tuple(reads),
            description=node.description.strip(),
        ))
    return sorted(checks, key=lambda c: (c.asset, c.name))


def _most_downstream(reads: list[str], order: dict[str, int]) -> str | None:
    return max(reads, key=lambda k: order.get(k, -1)) if reads else None


def build_exposures(manifest: DbtManifest, keyed: dict[str, str]) -> list[Exposure]:
    return [
        Exposure(name=e.name, type=e.type, owner=e.owner, url=e.url,
                 depends_on=tuple(sorted({keyed[u] for u in e.depends_on if u in keyed})))
        for e in manifest.exposures
    ]
