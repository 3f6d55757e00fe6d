"""Reading a dbt manifest (schema v7 to v12) into the few facts the compiler needs.

Manifests differ across dbt versions in where they keep things (`attached_node` arrives in v10, unit tests
in v12, versions in v9); this module hides that so the compiler sees one shape.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic_core import from_json

from floe_core.errors import ManifestError, Problem

SUPPORTED_SCHEMA_VERSIONS: tuple[int, ...] = (7, 8, 9, 10, 11, 12)
_SCHEMA_RE = re.compile(r"/manifest/v(\d+)\.json$")
_REF_IN_KWARG = re.compile(r"""ref\(\s*['"]([^'"]+)['"]\s*(?:,\s*['"]([^'"]+)['"]\s*)?""")
ASSET_TYPES = ("model", "seed", "snapshot")
_NODE_TYPES = (*ASSET_TYPES, "test")  # a tuple: `in` must not hash a malformed (list) resource_type


@dataclass(frozen=True)
class DbtNode:
    """A model, seed, snapshot, source, test or unit test, normalised across manifest versions."""

    unique_id: str
    resource_type: str
    name: str
    package: str
    path: str
    fqn: tuple[str, ...]
    depends_on: tuple[str, ...]
    materialized: str | None = None
    tags: tuple[str, ...] = ()
    description: str = ""
    group: str | None = None
    owners: tuple[str, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)
    # `config.meta` when it differs from `meta` (dbt usually merges the two; older manifests may not).
    config_meta: Mapping[str, Any] | None = None
    version: str | None = None
    alias: str | None = None
    # The schema configured on the node itself (`config.schema`), before dbt's generate_schema_name.
    configured_schema: str | None = None
    relation: str | None = None
    source_name: str | None = None
    # Tests only:
    severity: str | None = None
    test_name: str | None = None
    column: str | None = None
    attached_to: str | None = None

    @property
    def is_ephemeral(self) -> bool:
        return self.resource_type == "model" and self.materialized == "ephemeral"


@dataclass(frozen=True)
class DbtExposure:
    unique_id: str
    name: str
    type: str
    owner: str
    url: str | None
    depends_on: tuple[str, ...]


@dataclass(frozen=True)
class DbtManifest:
    schema_version: int
    dbt_version: str
    project_name: str
    nodes: Mapping[str, DbtNode]
    exposures: tuple[DbtExposure, ...]
    # dbt groups by name, with their owner (`{"name": ..., "email": ...}`).
    groups: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # The dbt target's adapter when the manifest was written (`duckdb`, `postgres`); None in old manifests.
    adapter_type: str | None = None

    def of_type(self, *types: str) -> Iterator[DbtNode]:
        return (n for n in self.nodes.values() if n.resource_type in types)


def read_manifest(path: Path) -> DbtManifest:
    shown = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ManifestError(
            Problem("dbt manifest not found", file=shown, fix="run `dbt parse` in the project, or drop --manifest")
        ) from None
    try:
        data = _json(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ManifestError(
            Problem(f"the dbt manifest is not valid JSON ({exc})", file=shown,
                    fix="re-create it with `dbt parse`; the file may be truncated")
        ) from None
    return parse_manifest(data, shown)


def _json(raw: bytes) -> Any:
    """The manifest's JSON, read by pydantic-core's parser in about 30 % less time than the json module, with
    equal results. What it refuses (a byte-order mark, UTF-16, lone surrogates, deep nesting, bad JSON) goes
    to the json module, which reads it as it always did, or raises the error users have always seen."""
    try:
        return from_json(raw)
    except Exception:
        return json.loads(raw)


def parse_manifest(data: Any, source: str = "manifest.json") -> DbtManifest:
    if not isinstance(data, dict) or not isinstance(data.get("metadata"), dict):
        raise ManifestError(
            Problem("not a dbt manifest: no `metadata` object at the top level", file=source,
                    fix="point floe at dbt's target/manifest.json")
        )
    meta = data["metadata"]
    schema_version = _schema_version(meta.get("dbt_schema_version"), source)
    dbt_version = str(meta.get("dbt_version") or "unknown")
    project = meta.get("project_name")
    nodes: dict[str, DbtNode] = {}
    try:
        for uid, node in (data.get("nodes") or {}).items():
            parsed = _node(uid, node)
            if parsed is not None:
                nodes[uid] = parsed
        for uid, src in (data.get("sources") or {}).items():
            nodes[uid] = _source(uid, src)
        for uid, unit in (data.get("unit_tests") or {}).items():
            nodes[uid] = _unit_test(uid, unit, nodes)
        exposures = tuple(
            _exposure(uid, exp) for uid, exp in sorted((data.get("exposures") or {}).items())
        )
        groups = {
            str(g["name"]): dict(g.get("owner") or {}) for g in (data.get("groups") or {}).values() if g.get("name")
        }
    except (KeyError, TypeError, AttributeError) as exc:
        raise ManifestError(
            Problem(f"malformed manifest entry ({type(exc).__name__}: {exc})", file=source,
                    fix="re-create the manifest with `dbt parse`")
        ) from None
    if not project:
        # Older manifests lack `project_name`; the root project owns the most models.
        packages = [n.package for n in nodes.values() if n.resource_type == "model"]
        project = max(set(packages), key=packages.count) if packages else "dbt_project"
    adapter = meta.get("adapter_type")
    return DbtManifest(schema_version, dbt_version, str(project), nodes, exposures, groups,
                       str(adapter) if adapter else None)


def _schema_version(url: object, source: str) -> int:
    match = _SCHEMA_RE.search(url) if isinstance(url, str) else None
    supported = ", ".join(f"v{v}" for v in SUPPORTED_SCHEMA_VERSIONS)
    if match is None:
        raise ManifestError(
            Problem("cannot tell the manifest schema version", file=source, field="metadata.dbt_schema_version",
                    found=url, expected=f"a schemas.getdbt.com manifest URL for {supported}",
                    fix="re-create the manifest with dbt-core 1.3 or newer")
        )
    version = int(match.group(1))
    if version not in SUPPORTED_SCHEMA_VERSIONS:
        raise ManifestError(
            Problem(f"unsupported dbt manifest schema v{version}", file=source,
                    field="metadata.dbt_schema_version", found=url, expected=supported,
                    fix="use dbt-core 1.3 to 1.12 (or an engine writing manifest v12), or upgrade floe")
        )
    return version


def _config(node: Mapping[str, Any]) -> Mapping[str, Any]:
    config = node.get("config")
    return config if isinstance(config, dict) else {}


def _owners(node: Mapping[str, Any], config: Mapping[str, Any]) -> tuple[str, ...]:
    node_meta, config_meta = node.get("meta"), config.get("meta")
    if not node_meta and not config_meta:
        return ()  # most nodes: nothing to merge
    meta = {**(node_meta or {}), **(config_meta or {})}
    owner = meta.get("owner") or meta.get("owners")
    if isinstance(owner, str):
        return (owner,)
    if isinstance(owner, list):
        return tuple(str(o) for o in owner)
    return ()


def _node(uid: str, node: Mapping[str, Any]) -> DbtNode | None:
    kind = node["resource_type"]
    if kind not in _NODE_TYPES:
        return None  # analyses, operations, sql operations: nothing to orchestrate
    config = _config(node)
    if config.get("enabled") is False:
        return None
    depends = tuple((node.get("depends_on") or {}).get("nodes") or ())
    tags = _tags(node, config)
    # Written in evaluation order: a malformed node fails on the same field, with the same message.
    fields = {
        "unique_id": uid,
        "resource_type": kind,
        "name": node["name"],
        "package": node["package_name"],
        "path": node.get("original_file_path") or node.get("path") or "",
        "fqn": tuple(node.get("fqn") or ()),
        "depends_on": depends,
        "materialized": config.get("materialized"),
        "tags": tags,
        "description": node.get("description") or "",
        "group": config.get("group") or node.get("group"),
        "owners": _owners(node, config),
        "meta": node.get("meta") or {},
        "config_meta": _config_meta(node, config),
        "version": None if node.get("version") is None else str(node["version"]),
        "alias": node.get("alias"),
        "configured_schema": config.get("schema"),
        "relation": node.get("relation_name") or _relation(node),
        "source_name": None,
        "severity": None,
        "test_name": None,
        "column": None,
        "attached_to": None,
    }
    if kind == "test":
        test_meta = node.get("test_metadata") or {}
        kwargs = test_meta.get("kwargs") or {}
        fields["severity"] = str(config.get("severity") or "error").lower()
        fields["test_name"] = test_meta.get("name")
        fields["column"] = node.get("column_name") or kwargs.get("column_name")
        fields["attached_to"] = node.get("attached_node") or _attached_from_kwargs(node, kwargs)
    return _new_node(fields)


def _config_meta(node: Mapping[str, Any], config: Mapping[str, Any]) -> Mapping[str, Any] | None:
    config_meta = config.get("meta")
    return None if not config_meta or config_meta == (node.get("meta") or {}) else dict(config_meta)


def _new_node(fields: dict[str, Any]) -> DbtNode:
    """A DbtNode holding `fields` (every field, by name), made without the frozen dataclass __init__: its
    object.__setattr__ per field was the largest single cost of reading a big manifest."""
    created = object.__new__(DbtNode)
    object.__setattr__(created, "__dict__", fields)
    return created


def _tags(node: Mapping[str, Any], config: Mapping[str, Any]) -> tuple[str, ...]:
    tags, config_tags = node.get("tags"), config.get("tags")
    if not tags and not config_tags:
        return ()  # most tests: nothing to merge
    return tuple(sorted(set(tags or ()) | set(config_tags or ())))


def _attached_from_kwargs(node: Mapping[str, Any], kwargs: Mapping[str, Any]) -> str | None:
    """Before v10 a generic test names its model only inside the `model` kwarg (a Jinja expression)."""
    model = kwargs.get("model")
    if not isinstance(model, str):
        return None
    match = _REF_IN_KWARG.search(model)
    if match is None:
        return None
    name = match.group(2) or match.group(1)
    for uid in (node.get("depends_on") or {}).get("nodes") or ():
        if uid.split(".")[2] == name:
            return str(uid)
    return None


def _relation(node: Mapping[str, Any]) -> str | None:
    schema = node.get("schema")
    alias = node.get("alias") or node.get("identifier") or node.get("name")
    if not schema or not alias:
        return None
    database = node.get("database")
    parts = [p for p in (database, schema, alias) if p]
    return ".".join(f'"{p}"' for p in parts)


def _source(uid: str, src: Mapping[str, Any]) -> DbtNode:
    config = _config(src)
    return _new_node({
        "unique_id": uid,
        "resource_type": "source",
        "name": src["name"],
        "package": src["package_name"],
        "path": src.get("original_file_path") or src.get("path") or "",
        "fqn": tuple(src.get("fqn") or ()),
        "depends_on": (),
        "materialized": None,
        "tags": _tags(src, config),
        "description": src.get("description") or "",
        "group": None,
        "owners": _owners(src, config),
        "meta": src.get("meta") or {},
        "config_meta": _config_meta(src, config),
        "version": None,
        "alias": None,
        "configured_schema": None,
        "relation": src.get("relation_name") or _relation(src),
        "source_name": src["source_name"],
        "severity": None,
        "test_name": None,
        "column": None,
        "attached_to": None,
    })


def _unit_test(uid: str, unit: Mapping[str, Any], nodes: Mapping[str, DbtNode]) -> DbtNode:
    depends = tuple((unit.get("depends_on") or {}).get("nodes") or ())
    model_name = unit.get("model")
    attached = next(
        (d for d in depends if d in nodes and nodes[d].resource_type == "model" and nodes[d].name == model_name),
        depends[0] if depends else None,
    )
    return DbtNode(
        unique_id=uid,
        resource_type="unit_test",
        name=unit["name"],
        package=unit["package_name"],
        path=unit.get("original_file_path") or "",
        fqn=tuple(unit.get("fqn") or ()),
        depends_on=depends,
        description=unit.get("description") or "",
        severity="error",
        test_name="unit_test",
        attached_to=attached,
    )


def _exposure(uid: str, exp: Mapping[str, Any]) -> DbtExposure:
    owner = exp.get("owner") or {}
    return DbtExposure(
        unique_id=uid,
        name=exp["name"],
        type=str(exp.get("type") or ""),
        owner=str(owner.get("name") or owner.get("email") or "") if isinstance(owner, dict) else str(owner),
        url=exp.get("url"),
        depends_on=tuple((exp.get("depends_on") or {}).get("nodes") or ()),
    )
