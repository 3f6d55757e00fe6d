"""floe keys and Dagster asset keys, both ways, as the translator the definitions were built with maps them.

A translator's `get_asset_key` need not be invertible, so nothing turns a Dagster key back into a floe key by
taking it apart. Two things carry the way back instead:

- each asset's definition metadata holds its floe key (`floe/key`), which is what the IO manager reads, from
  the asset's own definition, wherever and in whatever process a step runs;
- an `AssetKeys` map, built once from the translator over the artifacts' assets, which is what the plugin
  holds to read run history (events name Dagster keys only) and to turn a rerun's floe keys into a selection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import dagster as dg
from floe_core.artifacts import CompiledArtifacts
from floe_core.errors import InputError, Problem, RuntimeFailure

FLOE_KEY_METADATA = "floe/key"


def default_floe_key(asset_key: dg.AssetKey) -> str:
    """What the default translator's key came from; right only for keys it made."""
    return "/".join(asset_key.path)


def floe_key_of(asset_key: dg.AssetKey, metadata: Mapping[str, Any] | None) -> str:
    """The floe key an asset's definition metadata names."""
    value = (metadata or {}).get(FLOE_KEY_METADATA)
    if value is None:
        raise RuntimeFailure(
            Problem(
                f"asset {asset_key.to_user_string()!r} is not a floe asset: its definition has no "
                f"{FLOE_KEY_METADATA!r} metadata",
                field=f"metadata[{FLOE_KEY_METADATA}]",
                expected="an asset built by floe_dagster_provider.build_definitions",
                fix="give this asset an IO manager of its own, or build it from the compiled artifacts",
            )
        )
    # Metadata read back from a definition may come wrapped as a MetadataValue.
    return str(getattr(value, "value", value))


@dataclass(frozen=True)
class AssetKeys:
    """Every floe key of one artifacts file and the Dagster key the translator gave it."""

    by_floe: Mapping[str, dg.AssetKey]
    by_dagster: Mapping[dg.AssetKey, str] = field(default_factory=dict)

    @classmethod
    def build(cls, artifacts: CompiledArtifacts, get_asset_key: Callable[[str], dg.AssetKey]) -> AssetKeys:
        by_floe = {a.key: get_asset_key(a.key) for a in artifacts.orchestration.assets}
        by_dagster: dict[dg.AssetKey, str] = {}
        for key, asset_key in by_floe.items():
            other = by_dagster.setdefault(asset_key, key)
            if other != key:
                raise InputError(
                    Problem(
                        f"the translator gives floe assets {other!r} and {key!r} the same Dagster key "
                        f"{asset_key.to_user_string()!r}",
                        field="DagsterTranslator.get_asset_key",
                        found=asset_key.to_user_string(),
                        expected="one Dagster key per floe asset",
                        fix="make get_asset_key return a different key for each floe key",
                    )
                )
        return cls(by_floe=by_floe, by_dagster=by_dagster)

    def dagster(self, keys: Iterable[str]) -> list[dg.AssetKey]:
        return [self.by_floe[k] for k in keys]

    def floe(self, asset_key: dg.AssetKey) -> str:
        """The floe key of a Dagster key; a key these artifacts do not define keeps its default spelling."""
        return self.by_dagster.get(asset_key) or default_floe_key(asset_key)

    def merged(self, other: AssetKeys) -> AssetKeys:
        return AssetKeys(by_floe={**self.by_floe, **other.by_floe}, by_dagster={**self.by_dagster, **other.by_dagster})


NO_KEYS = AssetKeys(by_floe={})
