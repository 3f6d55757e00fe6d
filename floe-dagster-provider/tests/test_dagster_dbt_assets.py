"""How one dbt step reports what dbt did: results in dependency order, and a failure that names names."""

from __future__ import annotations

import json
from types import SimpleNamespace

import dagster as dg
import pytest
from floe_core import CompiledArtifacts
from floe_core.runtime import DbtRunResult, NodeResult
from floe_dagster_provider.dbt_assets import OUTCOMES_METADATA_KEY, DbtStep
from floe_dagster_provider.translator import DagsterTranslator

SELECTED = ["stg_orders", "stg_payments", "orders", "customers", "order_status_summary"]


@pytest.fixture(scope="module")
def step(demo_artifacts: CompiledArtifacts) -> DbtStep:
    members = tuple(a for a in demo_artifacts.orchestration.assets if a.is_dbt and a.partitions is None)
    keys = {a.key for a in members}
    checks = tuple(c for c in demo_artifacts.orchestration.checks if c.asset in keys)
    return DbtStep(demo_artifacts, members, checks, None, DagsterTranslator())


def _result(demo_artifacts: CompiledArtifacts, outcomes: dict[str, str], checks: dict[str, str]) -> DbtRunResult:
    status = {"materialized": "success", "failed": "error", "skipped": "skipped"}
    nodes = {}
    for key, outcome in outcomes.items():
        ref = demo_artifacts.assets_by_key[key].dbt
        assert ref is not None
        nodes[ref.unique_id] = NodeResult(ref.unique_id, status[outcome], 0.25, rows_affected=7,  # type: ignore[arg-type]
                                          message="Binder Error: table raw_orders does not exist"
                                          if outcome == "failed" else None)
    return DbtRunResult(command="build", success="failed" not in outcomes.values(), nodes=nodes,
                        assets=outcomes, checks=checks, selected=tuple(outcomes))  # type: ignore[arg-type]


def test_results_come_in_dependency_order_with_each_check_after_its_asset(
    step: DbtStep, demo_artifacts: CompiledArtifacts
) -> None:
    outcomes = {key: "materialized" for key in reversed(SELECTED)}
    checks = {"unique_orders_order_id": "passed", "not_null_stg_orders_order_id": "failed"}
    context = SimpleNamespace(selected_asset_check_keys=set(
        dg.AssetCheckKey(dg.AssetKey(c.asset), c.name) for c in step.checks))
    events = list(step._results(context, _result(demo_artifacts, outcomes, checks), SELECTED, {}))  # type: ignore[arg-type]
    order = [e.asset_key.path[-1] if isinstance(e, dg.MaterializeResult) else e.check_name for e in events]
    assert order.index("stg_orders") < order.index("not_null_stg_orders_order_id") < order.index("orders")
    assert order.index("orders") < order.index("unique_orders_order_id") < order.index("customers")
    # On Dagster 1.9 a failed blocking check goes out as its evaluation event (see _compat).
    failed_check = next(e for e in events if not isinstance(e, dg.MaterializeResult) and not e.passed)
    assert failed_check.severity == dg.AssetCheckSeverity.ERROR
    assert events[0].metadata["rows_affected"] == 7


def test_a_failed_model_fails_the_step_naming_it_and_what_dbt_skipped(
    step: DbtStep, demo_artifacts: CompiledArtifacts
) -> None:
    outcomes = {"stg_orders": "failed", "stg_payments": "materialized", "orders": "skipped",
                "customers": "skipped", "order_status_summary": "skipped"}
    failure = step._failures(_result(demo_artifacts, outcomes, {}), SELECTED)
    assert isinstance(failure, dg.Failure)
    assert "1 asset(s) failed (stg_orders)" in failure.description
    assert "table raw_orders does not exist" in failure.description
    reported = json.loads(failure.metadata[OUTCOMES_METADATA_KEY].value)
    assert reported["failed"] == ["stg_orders"]
    assert reported["skipped"] == ["orders", "customers", "order_status_summary"]


def test_a_failed_blocking_check_fails_the_step_but_a_warning_does_not(
    step: DbtStep, demo_artifacts: CompiledArtifacts
) -> None:
    outcomes = {key: "materialized" for key in SELECTED}
    warned = _result(demo_artifacts, outcomes, {"not_null_stg_customers_email": "warned"})
    assert step._failures(warned, SELECTED) is None
    blocked = _result(demo_artifacts, outcomes, {"unique_orders_order_id": "failed"})
    failure = step._failures(blocked, SELECTED)
    assert failure is not None and "unique_orders_order_id" in failure.description
