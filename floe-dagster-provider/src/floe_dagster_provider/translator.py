"""How a floe asset becomes a Dagster `AssetSpec`: small hooks, composed by one `build_asset_spec`.

By default a dbt model, seed, snapshot or source gets dagster-dbt's asset key, group, owners and tags (see
`dbt_conventions`), so definitions built from the same dbt project name its assets as `@dbt_assets` did and
keep their history. Python and external assets keep floe's own conventions. `FloeKeyTranslator` gives every
asset floe's own key (`a/b` is `["a", "b"]`), group, owners and tags instead.

Subclass either, override the one hook you need, and pass an instance to `build_definitions`:

    class MyTranslator(DagsterTranslator):
        def get_group_name(self, asset):
            return asset.key.split("/")[0]

    defs = build_definitions("compiled_artifacts.json", translator=MyTranslator())

Hooks see only the artifacts' `Asset` (and `Check`), never a dbt manifest, so they stay fast at load.
`get_asset_key` takes a floe key; `asset(key)` returns its `Asset` while definitions are built.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg
from floe_core.artifacts import Asset, Check, CompiledArtifacts

from floe_dagster_provider import dbt_conventions
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


def floe_asset_key(asset_key: str) -> dg.AssetKey:
    """floe's own spelling of a floe key as a Dagster key: `a/b` is `["a", "b"]`."""
    return dg.AssetKey(asset_key.split("/"))


def floe_owners(asset: Asset) -> list[str]:
    """floe owners as Dagster owners: e-mail addresses and `team:<name>`; any other owner becomes a team."""
    owners = []
    for owner in asset.owners:
        if _EMAIL_RE.match(owner) or (owner.startswith("team:") and len(owner) > 5):
            owners.append(owner)
        elif owner.strip():
            owners.append(f"team:{owner.strip()}")
    return owners


def floe_tags(asset: Asset) -> dict[str, str]:
    """floe tags as Dagster's label-style tags (`{tag: ""}`); tags Dagster cannot hold are left out."""
    tags: dict[str, str] = {}
    for tag in asset.tags:
        key = _UNSAFE.sub("_", tag)[:63]
        if _TAG_KEY_RE.match(key):
            tags[key] = ""
    if asset.materialization and _TAG_VALUE_RE.match(asset.materialization):
        tags["floe/materialization"] = asset.materialization
    return tags


class DagsterTranslator:
    """The default mapping from floe assets to Dagster asset specs. Every hook is one small decision."""

    _assets: Mapping[str, Asset] = {}

    def for_artifacts(self, artifacts: CompiledArtifacts) -> DagsterTranslator:
        """A copy of this translator that knows the artifacts' assets (what `asset(key)` answers from).
        `build_definitions` and the plugin call it once per artifacts; the instance passed in is left as is."""
        bound = copy.copy(self)
        bound._assets = artifacts.assets_by_key
        return bound

    def _with_asset(self, asset: Asset) -> DagsterTranslator:
        bound = copy.copy(self)
        bound._assets = {**self._assets, asset.key: asset}
        return bound

    def asset(self, asset_key: str) -> Asset | None:
        """The asset of a floe key, once bound to artifacts by `for_artifacts` (else None)."""
        return self._assets.get(asset_key)

    def get_asset_key(self, asset_key: str) -> dg.AssetKey:
        """dagster-dbt's key for a dbt node (`meta.dagster.asset_key`; a source's `[source_name, name]`; a
        versioned model's `[alias]`; `[config.schema, name]` for a model configuring its own schema; else
        `[name]`), floe's own for any other asset (`a/b` is `["a", "b"]`).

        Deps, checks, jobs, sensors, runs, IO and run history all go through this hook, so any key it returns
        works end to end (one key per floe key)."""
        asset = self.asset(asset_key)
        if asset is not None and asset.dbt is not None:
            return dg.AssetKey(dbt_conventions.asset_key_path(asset, asset.dbt))
        return floe_asset_key(asset_key)

    def get_group_name(self, asset: Asset) -> str | None:
        """dagster-dbt's for a dbt node (`meta.dagster.group`, else its dbt group, else Dagster's default);
        floe's group for any other asset."""
        if asset.dbt is not None:
            return dbt_conventions.group_name(asset.dbt)
        return asset.group

    def get_description(self, asset: Asset) -> str | None:
        return asset.description or None

    def get_owners(self, asset: Asset) -> Sequence[str]:
        """dagster-dbt's for a dbt node (`meta.dagster.owners`, else its dbt group owner's e-mail); for any
        other asset floe's owners, as e-mail addresses and `team:<name>` (Dagster takes nothing else)."""
        if asset.dbt is not None:
            return dbt_conventions.owners(asset.dbt)
        return floe_owners(asset)

    def get_tags(self, asset: Asset) -> Mapping[str, str]:
        """dagster-dbt's for a dbt node (each dbt tag Dagster can hold as a key, valued `""`); floe's for any
        other asset (tags made safe, plus `floe/materialization`)."""
        if asset.dbt is not None:
            return dbt_conventions.tags(asset)
        return floe_tags(asset)

    def get_kinds(self, asset: Asset, artifacts: CompiledArtifacts) -> set[str]:
        kinds = set(_KINDS[asset.kind][:1])
        if asset.is_dbt:
            kinds.add(artifacts.plugins.compute.kind)
        if asset.iceberg_table:
            kinds.add("iceberg")
        return kinds

    def get_metadata(self, asset: Asset) -> Mapping[str, Any]:
        metadata: dict[str, Any] = {"floe/kind": asset.kind}
        if asset.materialization:
            metadata["floe/materialization"] = asset.materialization
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
        if self.asset(asset.key) is not asset:
            # Not bound to these artifacts (a spec built on its own): the key hook must still see the asset.
            return self._with_asset(asset).build_asset_spec(asset, artifacts, deps=deps, skippable=skippable)
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


class FloeKeyTranslator(DagsterTranslator):
    """floe's own conventions for every asset, as before dagster-dbt's became the default: the floe key as
    the Dagster key (`orders` is `["orders"]`, `raw/raw_customers` is `["raw", "raw_customers"]`), floe's
    group (a dbt group, else the first folder under models/, else `sources`, `seeds`, `snapshots`), floe's
    owners (`meta.owner`) and tags (plus `floe/materialization`). For definitions whose history was recorded
    under floe's keys."""

    def get_asset_key(self, asset_key: str) -> dg.AssetKey:
        return floe_asset_key(asset_key)

    def get_group_name(self, asset: Asset) -> str | None:
        return asset.group

    def get_owners(self, asset: Asset) -> Sequence[str]:
        return floe_owners(asset)

    def get_tags(self, asset: Asset) -> Mapping[str, str]:
        return floe_tags(asset)
