"""dbt nodes to floe assets and checks: keys, groups, owners and the edges from ref() and source()."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from operator import attrgetter, itemgetter
from typing import Any, TypeVar

from pydantic import TypeAdapter

from floe_core.artifacts import ASSET_KEY_RE, NAME_RE, Asset, AssetDep, Check, DbtNodeRef, Exposure
from floe_core.errors import GraphError, Problem
from floe_core.graph import AssetGraph
from floe_core.manifest import ASSET_TYPES, DbtManifest, DbtNode

_KIND = {"model": "dbt_model", "seed": "dbt_seed", "snapshot": "dbt_snapshot"}
_UNSAFE = re.compile(r"[^A-Za-z0-9_]")
_T = TypeVar("_T")


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

    try:
        # One validation call for all assets, their deps and dbt references builds the same models in about
        # half the time of one constructor call each.
        assets = _ASSETS.validate_python(
            [_asset_fields(manifest, uid, key, keyed, translator) for uid, key in keyed.items()]
        )
    except Exception:  # redone one asset at a time, to raise exactly what that always raised
        assets = [_asset(_asset_fields(manifest, uid, key, keyed, translator)) for uid, key in keyed.items()]
    return assets, keyed


_ASSETS = TypeAdapter(list[Asset])
_CHECKS = TypeAdapter(list[Check])


def _asset_fields(
    manifest: DbtManifest, uid: str, key: str, keyed: dict[str, str], translator: DbtTranslator
) -> dict[str, Any]:
    nodes = manifest.nodes
    node = nodes[uid]
    # Keys and unique ids pair one to one, so ordering deps by key orders them as (key, origin) pairs.
    parents = {keyed[u]: u for u in _asset_parents(manifest, node, keyed)}
    return {
        "key": key,
        "kind": _KIND.get(node.resource_type, "source"),
        "description": translator.description(node),
        "group": translator.group(node),
        "owners": node.owners,
        "tags": node.tags,
        "deps": [{"key": k, "origin": _origin(nodes[parents[k]])} for k in sorted(parents)],
        "materialization": node.materialized if node.resource_type != "source" else None,
        "dbt": {
            "unique_id": uid, "name": node.name, "package": node.package, "selector": translator.selector(node),
            "path": node.path, "relation": node.relation, "version": node.version,
            "source_name": node.source_name, "alias": node.alias,
            "configured_schema": node.configured_schema, "group": node.group,
            "group_owner": _group_owner(manifest, node.group),
            "meta": dict(node.meta), "config_meta": None if node.config_meta is None else dict(node.config_meta),
        },
    }


def _group_owner(manifest: DbtManifest, group: str | None) -> dict[str, Any] | None:
    owner = manifest.groups.get(group) if group else None
    return None if owner is None else dict(owner)


def _asset(fields: dict[str, Any]) -> Asset:
    return Asset(**{**fields, "deps": tuple(AssetDep(**d) for d in fields["deps"]), "dbt": DbtNodeRef(**fields["dbt"])})


def _origin(node: DbtNode) -> str:
    return "source" if node.resource_type == "source" else "ref"


def _asset_parents(manifest: DbtManifest, node: DbtNode, keyed: dict[str, str]) -> Iterable[str]:
    """Parents that are assets, looking through ephemeral models (which dbt inlines as CTEs)."""
    if all(map(keyed.__contains__, node.depends_on)):
        return node.depends_on  # the common case: no ephemeral model to look through
    return _through_ephemerals(manifest, node, keyed)


def _through_ephemerals(manifest: DbtManifest, node: DbtNode, keyed: dict[str, str]) -> Iterator[str]:
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
    try:
        # As for assets: one validation call for all checks.
        fields: list[dict[str, Any]] = sorted(_checks(manifest, keyed, graph, dict), key=itemgetter("asset", "name"))
        return _CHECKS.validate_python(fields)
    except Exception:  # redone one check at a time, to raise exactly what that always raised
        return sorted(_checks(manifest, keyed, graph, Check), key=attrgetter("asset", "name"))


def _checks(manifest: DbtManifest, keyed: dict[str, str], graph: AssetGraph, make: Callable[..., _T]) -> list[_T]:
    """`make(**fields)` for every test attached to an asset, in manifest order."""
    made = []
    order: dict[str, int] | None = None
    for node in manifest.of_type("test", "unit_test"):
        reads = sorted({keyed[u] for u in _asset_parents(manifest, node, keyed)})
        attached = keyed.get(node.attached_to or "")
        if attached is None and reads:
            if order is None:  # only tests dbt leaves unattached need it, and most projects have none
                order = {key: i for i, key in enumerate(graph.topological_order())}
            attached = _most_downstream(reads, order)
        if attached is None:
            continue  # a test on an ephemeral model or on nothing the graph knows: dbt runs it in-line
        made.append(make(
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
    return made


def _most_downstream(reads: list[str], order: dict[str, int]) -> str | None:
    return max(reads, key=lambda k: order.get(k, -1)) if reads else None


def build_exposures(manifest: DbtManifest, keyed: dict[str, str]) -> list[Exposure]:
    return [
        Exposure(name=e.name, type=e.type, owner=e.owner, url=e.url,
                 depends_on=tuple(sorted({keyed[u] for u in e.depends_on if u in keyed})))
        for e in manifest.exposures
    ]
