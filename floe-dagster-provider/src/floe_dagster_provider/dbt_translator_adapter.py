"""A user's dagster-dbt `DagsterDbtTranslator`, applied to floe's definitions.

    defs = build_definitions("compiled_artifacts.json", dagster_dbt_translator=MyDagsterDbtTranslator())

Its `get_asset_key`, `get_group_name`, `get_owners`, `get_tags`, `get_description` and `get_metadata` are
called for each dbt model, seed, snapshot and source with the node's properties as dagster-dbt passes them
(rebuilt from the artifacts by `dbt_conventions.resource_props`: no columns or raw SQL); Python and
external assets go to floe's own hooks. Its keys flow everywhere floe's do: deps, checks, jobs, sensors,
runs, IO and run history.

This module never imports dagster-dbt: the translator object is all it touches, so dagster-dbt is imported
only by whoever made one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg
from floe_core.artifacts import Asset

from floe_dagster_provider import dbt_conventions
from floe_dagster_provider.translator import DagsterTranslator


class DagsterDbtTranslatorAdapter(DagsterTranslator):
    """floe's translator hooks answered by a `dagster_dbt.DagsterDbtTranslator` for dbt nodes.

    Pass it as `translator=` where a `DagsterTranslator` is taken (the plugin:
    `DagsterOrchestratorPlugin(config, translator=DagsterDbtTranslatorAdapter(MyTranslator()))`), or let
    `build_definitions(dagster_dbt_translator=...)` make it.
    """

    def __init__(self, dagster_dbt_translator: Any) -> None:
        self.dagster_dbt_translator = dagster_dbt_translator

    def _props(self, asset: Asset) -> Mapping[str, Any] | None:
        # Built per hook call, so a hook that changes the dictionary it is given cannot affect the next one.
        return dbt_conventions.resource_props(asset) if asset.dbt is not None else None

    def get_asset_key(self, asset_key: str) -> dg.AssetKey:
        asset = self.asset(asset_key)
        props = self._props(asset) if asset is not None else None
        if props is None:
            return super().get_asset_key(asset_key)
        key = self.dagster_dbt_translator.get_asset_key(props)
        return key if isinstance(key, dg.AssetKey) else dg.AssetKey.from_coercible(key)

    def get_group_name(self, asset: Asset) -> str | None:
        props = self._props(asset)
        if props is None:
            return super().get_group_name(asset)
        group: str | None = self.dagster_dbt_translator.get_group_name(props)
        return group

    def get_owners(self, asset: Asset) -> Sequence[str]:
        props = self._props(asset)
        if props is None or asset.dbt is None:
            return super().get_owners(asset)
        group = dbt_conventions.group_props(asset.dbt)
        # As dagster-dbt does: the owners hook sees the node's dbt group (with its owner) under `group`.
        owners = self.dagster_dbt_translator.get_owners({**props, "group": group} if group else props)
        return list(owners or ())

    def get_tags(self, asset: Asset) -> Mapping[str, str]:
        props = self._props(asset)
        if props is None:
            return super().get_tags(asset)
        return dict(self.dagster_dbt_translator.get_tags(props) or {})

    def get_description(self, asset: Asset) -> str | None:
        props = self._props(asset)
        if props is None:
            return super().get_description(asset)
        description: str | None = self.dagster_dbt_translator.get_description(props)
        return description

    def get_metadata(self, asset: Asset) -> Mapping[str, Any]:
        props = self._props(asset)
        floe_metadata = super().get_metadata(asset)
        if props is None:
            return floe_metadata
        return {**floe_metadata, **(self.dagster_dbt_translator.get_metadata(props) or {})}
