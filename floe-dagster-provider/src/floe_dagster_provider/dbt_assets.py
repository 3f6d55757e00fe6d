"""dbt models, seeds and snapshots as subsettable multi-assets that start dbt once per step.

Nothing here imports dbt or reads a manifest while definitions load: each multi-asset is a list of
`AssetSpec`s built from the artifacts. When a step runs, its body calls floe-core's `run_dbt("build", ...)`
once on exactly the selected assets (with the partition window as dbt vars), then reports what dbt did:
one `MaterializeResult` per model that succeeded, in dependency order, and one `AssetCheckResult` per test.

A failed model or an error-severity test fails the step, after the results of everything that did succeed
are reported, with a `Failure` naming what failed and what dbt skipped because of it. Independent branches
inside the step have already completed (dbt builds them regardless); Dagster starts nothing downstream of
a failed step.
"""

import graphlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import dagster as dg
from floe_core.artifacts import Asset, Check, CompiledArtifacts, Partitions
from floe_core.runtime import DbtRunResult, run_dbt

from floe_dagster_provider.checks import check_results, check_specs
from floe_dagster_provider.partitions import context_partition_range, run_partition_vars
from floe_dagster_provider.resources import FloeComputeResource
from floe_dagster_provider.translator import DagsterTranslator

# Metadata the step failure carries so run history can tell failed assets from skipped ones.
OUTCOMES_METADATA_KEY = "floe/outcomes"


@dataclass
class DbtStep:
    """Everything one dbt multi-asset's body needs, resolved at load; the heavy parts only when it runs."""

    artifacts: CompiledArtifacts
    assets: tuple[Asset, ...]
    checks: tuple[Check, ...]
    partitions: Partitions | None
    translator: DagsterTranslator

    @cached_property
    def key_by_dagster_key(self) -> dict[dg.AssetKey, str]:
        return {self.translator.get_asset_key(a.key): a.key for a in self.assets}

    @cached_property
    def order(self) -> dict[str, int]:
        """Every asset key's position in one topological order of the whole graph."""
        sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
        for asset in self.artifacts.orchestration.assets:
            sorter.add(asset.key, *(d.key for d in asset.deps))
        return {key: i for i, key in enumerate(sorter.static_order())}

    def run(self, context: dg.AssetExecutionContext, compute: FloeComputeResource) -> Iterator[Any]:
        selected = sorted(
            (self.key_by_dagster_key[k] for k in context.selected_asset_keys if k in self.key_by_dagster_key),
            key=lambda k: self.order.get(k, 0),
        )
        dbt_vars = run_partition_vars(self.partitions, context_partition_range(context))
        context.log.info(f"dbt build on {len(selected)} asset(s)" + (f" with vars {dbt_vars}" if dbt_vars else ""))
        result = run_dbt(compute.apply(self.artifacts), "build", selected, dbt_vars=dbt_vars or None, late_checks=True)
        yield from self._results(context, result, selected, dbt_vars)
        failed = self._failures(result, selected)
        if failed is not None:
            raise failed

    def _results(
        self, context: dg.AssetExecutionContext, result: DbtRunResult, selected: Sequence[str], dbt_vars: dict[str, str]
    ) -> Iterator[Any]:
        selected_checks = set(context.selected_asset_check_keys)
        checks_by_asset: dict[str, list[Check]] = {}
        for check in self.checks:
            checks_by_asset.setdefault(check.asset, []).append(check)
        for key in selected:
            if result.asset_status(key) == "materialized":
                yield dg.MaterializeResult(
                    asset_key=self.translator.get_asset_key(key), metadata=self._metadata(key, result, dbt_vars)
                )
            yield from check_results(checks_by_asset.pop(key, ()), result, self.translator, selected_checks)
        for leftover in checks_by_asset.values():
            yield from check_results(leftover, result, self.translator, selected_checks)

    def _metadata(self, key: str, result: DbtRunResult, dbt_vars: dict[str, str]) -> dict[str, Any]:
        asset = self.artifacts.assets_by_key[key]
        metadata: dict[str, Any] = {}
        node = result.nodes.get(asset.dbt.unique_id) if asset.dbt else None
        if node is not None:
            if node.rows_affected is not None:
                metadata["rows_affected"] = node.rows_affected
            metadata["execution_time"] = round(node.execution_time, 3)
            if node.relation:
                metadata["relation"] = node.relation
        if dbt_vars:
            metadata["dbt_vars"] = dg.MetadataValue.json(dbt_vars)
        return metadata

    def _failures(self, result: DbtRunResult, selected: Sequence[str]) -> dg.Failure | None:
        failed_assets = [k for k in selected if result.asset_status(k) == "failed"]
        skipped_assets = [k for k in selected if result.asset_status(k) in ("skipped", None)]
        failed_checks = sorted(
            c.name for c in self.checks if c.blocking and result.check_status(c.name) == "failed"
        )
        if not failed_assets and not failed_checks and result.success:
            return None
        lines = []
        for node in result.failed_nodes:
            lines.append(f"- {node.unique_id}: {node.status}: {(node.message or '').strip()[:500]}")
        description = (
            f"dbt build failed: {len(failed_assets)} asset(s) failed ({', '.join(failed_assets) or 'none'}), "
            f"{len(failed_checks)} blocking check(s) failed ({', '.join(failed_checks) or 'none'}); "
            f"{len(skipped_assets)} asset(s) were not built ({', '.join(skipped_assets) or 'none'}).\n"
            + "\n".join(lines)
            + (f"\nFull dbt log: {result.run_dir / 'dbt.log'}" if result.run_dir else "")
        )
        outcomes = {"failed": failed_assets, "skipped": skipped_assets, "failed_checks": failed_checks}
        return dg.Failure(
            description=description,
            metadata={OUTCOMES_METADATA_KEY: dg.MetadataValue.text(json.dumps(outcomes))},
        )


def dbt_multi_asset(
    name: str,
    step: DbtStep,
    specs: list[dg.AssetSpec],
    *,
    partitions_def: dg.PartitionsDefinition | None,
    backfill_policy: dg.BackfillPolicy | None,
    retry_policy: dg.RetryPolicy | None,
) -> dg.AssetsDefinition:
    @dg.multi_asset(
        name=name,
        specs=specs,
        check_specs=check_specs(step.checks, step.translator, step.artifacts),
        can_subset=True,
        partitions_def=partitions_def,
        backfill_policy=backfill_policy,
        retry_policy=retry_policy,
        op_tags={"floe/runner": "dbt"},
    )
    def _dbt_build(context: dg.AssetExecutionContext, floe_compute: FloeComputeResource) -> Iterator[Any]:
        yield from step.run(context, floe_compute)

    return _dbt_build
