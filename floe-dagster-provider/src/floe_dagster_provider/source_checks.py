"""dbt tests on assets no dbt step builds (sources, external and Python assets), as one multi-asset check.

Such a test has no `dbt build` to ride along with, so its check runs on its own: floe-core's
`run_dbt_checks` runs exactly the selected tests (`dbt test`, no model built, no other test).
"""

from collections.abc import Iterator, Sequence
from typing import Any

import dagster as dg
from floe_core.artifacts import Check, CompiledArtifacts
from floe_core.runtime import run_dbt_checks

from floe_dagster_provider.checks import check_results, check_specs
from floe_dagster_provider.resources import FloeComputeResource
from floe_dagster_provider.translator import DagsterTranslator


def source_checks(
    checks: Sequence[Check], artifacts: CompiledArtifacts, translator: DagsterTranslator
) -> dg.AssetChecksDefinition:
    @dg.multi_asset_check(
        name="dbt_tests_on_sources",
        specs=check_specs(checks, translator, artifacts),
        can_subset=True,
        op_tags={"floe/runner": "dbt"},
    )
    def _dbt_tests_on_sources(
        context: dg.AssetCheckExecutionContext, floe_compute: FloeComputeResource
    ) -> Iterator[Any]:
        selected = set(context.selected_asset_check_keys)
        names = [c.name for c in checks if dg.AssetCheckKey(translator.get_asset_key(c.asset), c.name) in selected]
        result = run_dbt_checks(floe_compute.apply(artifacts), names)
        yield from check_results(checks, result, translator, selected)
        failed = sorted(c.name for c in checks if c.blocking and result.check_status(c.name) == "failed")
        if failed:
            raise dg.Failure(description=f"blocking dbt test(s) failed: {', '.join(failed)}")

    return _dbt_tests_on_sources
