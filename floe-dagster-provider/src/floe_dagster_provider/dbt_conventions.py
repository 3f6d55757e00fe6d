"""dagster-dbt's default conventions, computed from the artifacts alone (dagster-dbt is never imported here).

A team switching from dagster-dbt keeps its asset keys (and so its materialization history, cross-location
deps and selections), groups, owners and tags. Each function mirrors one of dagster-dbt's defaults
(`default_asset_key_fn`, `default_group_from_dbt_resource_props`, `default_owners_from_dbt_resource_props`,
`DagsterDbtTranslator.get_tags`), which read the same node settings floe-core puts in `Asset.dbt`; they agree
across dagster-dbt 0.25 to 0.29, which the provider's tests check against dagster-dbt's own `@dbt_assets`.

`resource_props` rebuilds, from the same settings, the dictionary of dbt node properties dagster-dbt hands
to a `DagsterDbtTranslator`, for a user's own translator to read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from floe_core.artifacts import Asset, DbtNodeRef

# Dagster's tag key rule (an optional `prefix/`, then up to 63 of A-Z a-z 0-9 _ . -), which dagster-dbt
# applies to dbt tags: a tag it does not match is left out.
_TAG_KEY_RE = re.compile(r"^([A-Za-z0-9_.-]{1,63}/|dagster/kind/)?[A-Za-z0-9_.-]{1,63}$")
_RESOURCE_TYPE = {"dbt_model": "model", "dbt_seed": "seed", "dbt_snapshot": "snapshot", "source": "source"}
_QUOTED_PART = re.compile(r'"((?:[^"]|"")*)"|([^".]+)')


def dagster_meta(ref: DbtNodeRef) -> Mapping[str, Any]:
    """`meta.dagster`, where dagster-dbt reads a node's group and owners."""
    value = ref.meta.get("dagster")
    return value if isinstance(value, dict) else {}


def asset_key_path(asset: Asset, ref: DbtNodeRef) -> list[str]:
    """`meta.dagster.asset_key` (from `config.meta`, else `meta`); else a source's `[source_name, name]`; a
    versioned model's `[alias]`; else `[config.schema, name]` when the node configures its own schema, or
    `[name]`."""
    meta = ref.config_meta if ref.config_meta else ref.meta
    configured = (meta.get("dagster") or {}).get("asset_key") if isinstance(meta.get("dagster"), dict) else None
    if configured:
        return [str(part) for part in configured] if isinstance(configured, list) else [str(configured)]
    if asset.kind == "source":
        return [ref.source_name or asset.key.split("/")[0], ref.name]
    if ref.version:
        return [ref.alias or ref.name]
    if ref.configured_schema is not None:
        return [ref.configured_schema, ref.name]
    return [ref.name]


def group_name(ref: DbtNodeRef) -> str | None:
    """`meta.dagster.group`, else the node's dbt group, else none (Dagster's `default` group)."""
    return dagster_meta(ref).get("group") or ref.group or None


def owners(ref: DbtNodeRef) -> list[str]:
    """`meta.dagster.owners`, else the e-mail of the owner of the node's dbt group."""
    configured = dagster_meta(ref).get("owners")
    if configured:
        return [str(o) for o in configured] if isinstance(configured, list) else [str(configured)]
    email = (ref.group_owner or {}).get("email")
    if not email:
        return []
    return [email] if isinstance(email, str) else [str(e) for e in email]


def tags(asset: Asset) -> dict[str, str]:
    """dbt tags as Dagster label tags (`{tag: ""}`), leaving out those Dagster cannot hold as a key."""
    return {tag: "" for tag in asset.tags if _TAG_KEY_RE.match(tag)}


def relation_parts(relation: str | None) -> list[str]:
    """`"db"."schema"."table"` as `["db", "schema", "table"]`."""
    if not relation:
        return []
    return [(quoted.replace('""', '"') if quoted else bare) for quoted, bare in _QUOTED_PART.findall(relation)]


def resource_props(asset: Asset) -> dict[str, Any]:
    """The dbt node's properties as dagster-dbt passes them to a `DagsterDbtTranslator` (the part the
    artifacts carry: no columns, no raw SQL)."""
    ref = asset.dbt
    if ref is None:
        raise ValueError(f"asset {asset.key!r} is not a dbt node")
    parts = relation_parts(ref.relation)
    database, schema = (parts[-3] if len(parts) >= 3 else None), (parts[-2] if len(parts) >= 2 else None)
    resource_type = _RESOURCE_TYPE[asset.kind]
    config: dict[str, Any] = {
        "enabled": True,
        "tags": list(asset.tags),
        "meta": dict(ref.config_meta if ref.config_meta is not None else ref.meta),
    }
    props: dict[str, Any] = {
        "unique_id": ref.unique_id,
        "resource_type": resource_type,
        "name": ref.name,
        "package_name": ref.package,
        "original_file_path": ref.path,
        "path": ref.path,
        "fqn": _fqn(ref),
        "description": asset.description,
        "tags": list(asset.tags),
        "meta": dict(ref.meta),
        "database": database,
        "schema": schema,
        "relation_name": ref.relation,
        "columns": {},
        "config": config,
    }
    if resource_type == "source":
        props["source_name"] = ref.source_name
        props["identifier"] = parts[-1] if parts else ref.name
    else:
        props["alias"] = ref.alias or (parts[-1] if parts else ref.name)
        props["version"] = ref.version
        props["group"] = ref.group
        config.update(materialized=asset.materialization, schema=ref.configured_schema, group=ref.group)
        config["alias"] = ref.alias
    return props


def group_props(ref: DbtNodeRef) -> Mapping[str, Any] | None:
    """The node's dbt group as dagster-dbt puts it under `group` for `get_owners`."""
    if not ref.group or ref.group_owner is None:
        return None
    return {"name": ref.group, "resource_type": "group", "owner": dict(ref.group_owner)}


def _fqn(ref: DbtNodeRef) -> Sequence[str]:
    return ref.selector.removeprefix("fqn:").split(".") if ref.selector.startswith("fqn:") else [ref.name]
