"""dbt tests as Dagster asset checks: specs at load, results from a dbt run.

A test of severity `error` is a blocking check: when it fails, Dagster does not start the assets downstream
of its asset (and dbt, which ran the test inside the same `dbt build`, already skipped them there). A test
of severity `warn` reports with `AssetCheckSeverity.WARN` and blocks nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import dagster as dg
from floe_core.artifacts import Check, CompiledArtifacts
from floe_core.runtime import DbtRunResult

from floe_dagster_provider import _compat
from floe_dagster_provider.translator import DagsterTranslator


def check_specs(
    checks: Iterable[Check], translator: DagsterTranslator, artifacts: CompiledArtifacts
) -> list[dg.AssetCheckSpec]:
    specs = []
    for check in checks:
        asset_key = translator.get_asset_key(check.asset)
        extra = [
            translator.get_asset_key(k) for k in check.reads if k != check.asset and k in artifacts.assets_by_key
        ]
        specs.append(
            _compat.check_spec(
                check.name,
                asset=asset_key,
                description=translator.get_check_description(check),
                blocking=check.blocking,
                additional_deps=extra,
                metadata=translator.get_check_metadata(check),
            )
        )
    return specs


def check_results(
    checks: Iterable[Check],
    result: DbtRunResult,
    translator: DagsterTranslator,
    selected: set[dg.AssetCheckKey],
) -> Iterator[Any]:
    """One result per selected check that dbt ran; a test dbt did not run yields nothing (skipped)."""
    for check in checks:
        key = dg.AssetCheckKey(translator.get_asset_key(check.asset), check.name)
        status = result.check_status(check.name)
        if key not in selected or status is None or status == "skipped":
            continue
        node = result.nodes.get(check.unique_id)
        metadata: dict[str, Any] = {"dbt_status": node.status if node else status}
        if node is not None:
            metadata["execution_time"] = round(node.execution_time, 3)
            if node.failures is not None:
                metadata["failing_rows"] = node.failures
            if node.message:
                metadata["message"] = node.message
        check_result = dg.AssetCheckResult(
            asset_key=key.asset_key,
            check_name=check.name,
            passed=status == "passed",
            severity=_severity(check, status),
            metadata=metadata,
        )
        yield _compat.check_result_event(check_result, blocking=check.blocking)


def _severity(check: Check, status: str) -> dg.AssetCheckSeverity:
    # dbt's `warn_if` can make an error-severity test end in `warn`: it then reports, but does not block.
    if status == "warned" or check.severity == "warn":
        return dg.AssetCheckSeverity.WARN
    return dg.AssetCheckSeverity.ERROR


def checks_by_asset(artifacts: CompiledArtifacts, keys: Iterable[str]) -> Mapping[str, tuple[Check, ...]]:
    by_asset = artifacts.checks_by_asset
    return {key: by_asset[key] for key in keys if key in by_asset}
