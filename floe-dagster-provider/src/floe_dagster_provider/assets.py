"""Every floe asset as a Dagster asset definition, built from the artifacts alone.

- dbt models, seeds and snapshots: `AssetSpec`s of subsettable multi-assets, one per
  (partition set, retry policy, backfill policy), since a multi-asset has one of each, and split into
  stages only where a path leaves a multi-asset and comes back (see `_stages`);
- Python assets: one `@asset` each, written by the Iceberg IO manager;
- sources and external assets: external `AssetSpec`s (observed, never run).
"""

from __future__ import annotations

import graphlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dagster as dg
from floe_core.artifacts import Asset, BackfillPolicy, CompiledArtifacts, RetryPolicy

from floe_dagster_provider.dbt_assets import DbtStep, dbt_multi_asset
from floe_dagster_provider.partitions import PartitionsDefs, backfill_policy, partition_mapping
from floe_dagster_provider.python_assets import python_asset
from floe_dagster_provider.source_checks import source_checks
from floe_dagster_provider.translator import DagsterTranslator


@dataclass(frozen=True)
class _GroupKey:
    """What must be equal for dbt assets to share one multi-asset (one op, one step, one dbt start-up)."""

    partitions: str | None
    retry: RetryPolicy | None
    backfill: BackfillPolicy | None
    stage: int = 0

    def sort_key(self) -> tuple[str, str, str, int]:
        return (self.partitions or "", repr(self.retry), repr(self.backfill), self.stage)


def retry_policy(policy: RetryPolicy | None) -> dg.RetryPolicy | None:
    if policy is None or policy.max_retries == 0:
        return None
    return dg.RetryPolicy(
        max_retries=policy.max_retries,
        delay=policy.delay_seconds or None,
        backoff=dg.Backoff.EXPONENTIAL if policy.backoff == "exponential" else None,
    )


def asset_deps(asset: Asset, translator: DagsterTranslator) -> list[dg.AssetDep]:
    return [
        dg.AssetDep(translator.get_asset_key(dep.key), partition_mapping=partition_mapping(dep.partition_mapping))
        for dep in asset.deps
    ]


def build_assets(
    artifacts: CompiledArtifacts, translator: DagsterTranslator, partitions: PartitionsDefs
) -> list[Any]:
    """Asset definitions and external specs, in a stable order."""
    policies = _backfill_policies(artifacts)
    groups: dict[_GroupKey, list[Asset]] = {}
    result: list[Any] = []
    stages = _stages(artifacts, lambda a: _GroupKey(a.partitions, a.retry, policies.get(a.key)))
    for asset in artifacts.orchestration.assets:
        if asset.is_dbt:
            key = _GroupKey(asset.partitions, asset.retry, policies.get(asset.key), stages[asset.key])
            groups.setdefault(key, []).append(asset)
        elif asset.kind == "python":
            spec = translator.build_asset_spec(asset, artifacts, deps=asset_deps(asset, translator))
            parts = artifacts.asset_partitions(asset.key)
            result.append(
                python_asset(
                    asset,
                    artifacts,
                    spec,
                    partitions_def=partitions.get(asset.partitions),
                    backfill_policy=backfill_policy(policies.get(asset.key), parts),
                    retry_policy=retry_policy(asset.retry),
                )
            )
        else:
            result.append(translator.build_asset_spec(asset, artifacts, deps=asset_deps(asset, translator)))
    result[:0] = _dbt_groups(artifacts, translator, partitions, groups)
    return result


def build_source_checks(artifacts: CompiledArtifacts, translator: DagsterTranslator) -> list[dg.AssetChecksDefinition]:
    """Checks of assets no dbt step builds: they run on their own (see `source_checks`)."""
    assets = artifacts.assets_by_key
    orphans = [
        c
        for c in artifacts.orchestration.checks
        if c.asset in assets and not assets[c.asset].is_dbt and translator.include_check(c)
    ]
    return [source_checks(orphans, artifacts, translator)] if orphans else []


def _stages(artifacts: CompiledArtifacts, base_key: Callable[[Asset], _GroupKey]) -> dict[str, int]:
    """A stage per asset, so that grouping dbt assets by (base key, stage) leaves no cycle between ops.

    Without it, a path that leaves a multi-asset and comes back (through a Python asset, or dbt assets of
    other partitions) is a cycle between steps, which Dagster breaks while resolving every job, at a cost
    that grows with the square of the graph (minutes at 5,000 models). This is Dagster's own colouring,
    done once while the artifacts are read: the stage goes up by one along every edge that leaves a group,
    so every edge between two groups runs from a lower stage to a higher one.
    """
    assets = artifacts.assets_by_key
    # Each distinct base key as a small int (-1: not a dbt asset), so the walk compares ints, not models.
    ids: dict[_GroupKey, int] = {}
    group = {a.key: ids.setdefault(base_key(a), len(ids)) if a.is_dbt else -1 for a in artifacts.orchestration.assets}
    observed = {a.key for a in artifacts.orchestration.assets if not a.is_executable}
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for asset in artifacts.orchestration.assets:
        sorter.add(asset.key, *(d.key for d in asset.deps if d.key in assets))
    stages: dict[str, int] = {}
    for key in sorter.static_order():
        own = group[key]
        stage = 0
        for dep in assets[key].deps:
            upstream = stages.get(dep.key)
            if upstream is None:
                continue
            # Observed assets are no step, so reading one never leaves a group.
            crossing = 0 if (own >= 0 and group[dep.key] == own) or dep.key in observed else 1
            stage = max(stage, upstream + crossing)
        stages[key] = stage
    return stages


def _dbt_groups(
    artifacts: CompiledArtifacts,
    translator: DagsterTranslator,
    partitions: PartitionsDefs,
    groups: dict[_GroupKey, list[Asset]],
) -> list[dg.AssetsDefinition]:
    defs = []
    names: dict[str, int] = {}
    checks_by_asset = artifacts.checks_by_asset
    for key in sorted(groups, key=_GroupKey.sort_key):
        members = groups[key]
        base = f"dbt_{key.partitions or 'unpartitioned'}"
        names[base] = names.get(base, 0) + 1
        # "__": Dagster aliases a node used twice as "<name>_2"; a double underscore can never collide.
        name = base if names[base] == 1 else f"{base}__{names[base]}"
        parts = artifacts.partitions_by_name[key.partitions] if key.partitions else None
        step = DbtStep(
            artifacts=artifacts,
            assets=tuple(members),
            checks=tuple(c for a in members for c in checks_by_asset.get(a.key, ()) if translator.include_check(c)),
            partitions=parts,
            translator=translator,
        )
        specs = [
            translator.build_asset_spec(a, artifacts, deps=asset_deps(a, translator), skippable=True)
            for a in members
        ]
        defs.append(
            dbt_multi_asset(
                name,
                step,
                specs,
                partitions_def=partitions.get(key.partitions),
                backfill_policy=backfill_policy(key.backfill, parts),
                retry_policy=retry_policy(key.retry),
            )
        )
    return defs


def _backfill_policies(artifacts: CompiledArtifacts) -> dict[str, BackfillPolicy]:
    """Each asset's backfill policy: that of the first job (in artifacts order) that runs it and has one.

    floe sets backfill policies per job while Dagster sets them per asset; an asset in two jobs with
    different policies takes the first, which is why jobs sharing partitioned assets should share a policy.
    """
    by_asset: dict[str, BackfillPolicy] = {}
    for job in artifacts.orchestration.jobs:
        policy = artifacts.backfill_by_job.get(job.name)
        if policy is None:
            continue
        for key in job.assets:
            by_asset.setdefault(key, policy)
    return by_asset
