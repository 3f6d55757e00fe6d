"""How a floe asset becomes a Dagster `AssetSpec`: small hooks, composed by one `build_asset_spec`.

Subclass `DagsterTranslator`, override the one hook you need, and pass an instance to `build_definitions`:

    class MyTranslator(DagsterTranslator):
        def get_group_name(self, asset):
            return asset.key.split("/")[0]

    defs = build_definitions("compiled_artifacts.json", translator=MyTranslator())

Hooks see only the artifacts' `Asset` (and `Check`), never a dbt manifest, so they stay fast at load.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg
from floe_core.artifacts import Asset, Check, CompiledArtifacts

from floe_dagster_provider.keys import FLOE_KEY_METADATA

# What Dagster accepts as a tag key segment and a strict tag value (see dagster's tag normalization).
_TAG_KEY_RE = re.compile(r"^([A-Za-z0-9_.-]{1,63}/)?[A-Za-z0-9_.-]{1,63}$")
_TAG_VALUE_RE = re.compile(r"^[A-Za-z0-9_.-]{0,63}$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")

_KINDS: dict[str, tuple[str, ...]] = {
    "dbt_model": ("dbt",),
    "dbt_seed": ("dbt", "seed"),
    "dbt_snapshot": ("dbt", "snapshot"),
    "source": ("source",),
    "external": ("external",),
    "python": ("python",),
}


class DagsterTranslator:
    """The default mapping from floe assets to Dagster asset specs. Every hook is one small decision."""

    def get_asset_key(self, asset_key: str) -> dg.AssetKey:
        """A floe key `a/b` is the Dagster key `["a", "b"]`. Deps, checks, jobs, sensors, runs, IO and run
        history all go through this hook, so any key it returns works end to end (one key per floe key)."""
        return dg.AssetKey(asset_key.split("/"))

    def get_group_name(self, asset: Asset) -> str | None:
        return asset.group

    def get_description(self, asset: Asset) -> str | None:
        return asset.description or None

    def get_owners(self, asset: Asset) -> Sequence[str]:
        """Dagster takes e-mail addresses and `team:<name>`; any other owner becomes a team."""
        owners = []
        for owner in asset.owners:
            if _EMAIL_RE.match(owner) or (owner.startswith("team:") and len(owner) > 5):
                owners.append(owner)
            elif owner.strip():
                owners.append(f"team:{owner.strip()}")
        return owners

    def get_tags(self, asset: Asset) -> Mapping[str, str]:
        """floe tags as Dagster's label-style tags (`{tag: ""}`); tags Dagster cannot hold are left out."""
        tags: dict[str, str] = {}
        for tag in asset.tags:
            key = _UNSAFE.sub("_", tag)[:63]
            if _TAG_KEY_RE.match(key):
                tags[key] = ""
        if asset.materialization and _TAG_VALUE_RE.match(asset.materialization):
            tags["floe/materialization"] = asset.materialization
        return tags

    def get_kinds(self, asset: Asset, artifacts: CompiledArtifacts) -> set[str]:
        kinds = set(_KINDS[asset.kind][:1])
        if asset.is_dbt:
            kinds.add(artifacts.plugins.compute.kind)
        if asset.iceberg_table:
            kinds.add("iceberg")
        return kinds

    def get_metadata(self, asset: Asset) -> Mapping[str, Any]:
        metadata: dict[str, Any] = {"floe/kind": asset.kind}
        if asset.dbt is not None:
            metadata["floe/dbt_unique_id"] = asset.dbt.unique_id
            if asset.dbt.relation:
                metadata["floe/relation"] = asset.dbt.relation
            metadata["floe/path"] = asset.dbt.path
        if asset.iceberg_table:
            metadata["floe/iceberg_table"] = asset.iceberg_table
        if asset.python is not None:
            metadata["floe/callable"] = asset.python.callable
        return metadata

    def include_check(self, check: Check) -> bool:
        """Whether a dbt test becomes a Dagster asset check. A test left out still runs inside `dbt build`
        (and still stops dbt's downstream models when it fails); Dagster just does not track it, which
        saves one op output per test at load."""
        return True

    def get_check_description(self, check: Check) -> str | None:
        return check.description or None

    def get_check_metadata(self, check: Check) -> Mapping[str, Any]:
        metadata: dict[str, Any] = {"floe/severity": check.severity, "floe/dbt_unique_id": check.unique_id}
        if check.column:
            metadata["floe/column"] = check.column
        return metadata

    # -- the one build method composing the hooks -------------------------------------------------------

    def build_asset_spec(
        self,
        asset: Asset,
        artifacts: CompiledArtifacts,
        *,
        deps: Sequence[dg.AssetDep] = (),
        skippable: bool = False,
    ) -> dg.AssetSpec:
        return dg.AssetSpec(
            key=self.get_asset_key(asset.key),
            deps=list(deps),
            description=self.get_description(asset),
            # Set after the hook, so an overridden get_metadata cannot drop what IO and history read back.
            metadata={**self.get_metadata(asset), FLOE_KEY_METADATA: asset.key},
            skippable=skippable,
            group_name=self.get_group_name(asset),
            owners=list(self.get_owners(asset)),
            tags=dict(self.get_tags(asset)),
            kinds=self.get_kinds(asset, artifacts),
        )
