"""What a dbt invocation did, per node, per asset and per check, in floe's engine-neutral words."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from floe_core.artifacts import CompiledArtifacts
from floe_core.errors import Problem, RuntimeFailure
from floe_core.plugin import AssetStatus, CheckStatus

NodeStatus = Literal["success", "error", "skipped", "pass", "fail", "warn"]

# dbt's own statuses, folded into the six floe reports. "partial success" (a microbatch model with some
# failed batches) counts as an error: part of the window is missing. "no-op" nodes did nothing.
_NODE_STATUS: dict[str, NodeStatus] = {
    "success": "success",
    "error": "error",
    "runtime error": "error",
    "partial success": "error",
    "skipped": "skipped",
    "no-op": "skipped",
    "pass": "pass",
    "fail": "fail",
    "warn": "warn",
}
_ASSET_STATUS: dict[NodeStatus, AssetStatus] = {
    "success": "materialized",
    "pass": "materialized",
    "warn": "materialized",
    "error": "failed",
    "fail": "failed",
    "skipped": "skipped",
}
_CHECK_STATUS: dict[NodeStatus, CheckStatus] = {
    "pass": "passed",
    "success": "passed",
    "warn": "warned",
    "fail": "failed",
    "error": "failed",
    "skipped": "skipped",
}


@dataclass(frozen=True)
class NodeResult:
    """One dbt node's outcome. `failures` is the failing-row count of a test."""

    unique_id: str
    status: NodeStatus
    execution_time: float
    rows_affected: int | None = None
    message: str | None = None
    relation: str | None = None
    failures: int | None = None


@dataclass(frozen=True)
class DbtRunResult:
    """The outcome of one `run_dbt` call.

    `assets` and `checks` hold an outcome for every selected asset and attached check that dbt reported
    (ephemeral models, which dbt never runs, take their outcome from their upstream assets). `run_dir`
    holds this invocation's run_results.json, compiled SQL and dbt.log.
    """

    command: str
    success: bool
    nodes: dict[str, NodeResult]
    assets: dict[str, AssetStatus] = field(default_factory=dict)
    checks: dict[str, CheckStatus] = field(default_factory=dict)
    selected: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    run_dir: Path | None = None
    elapsed: float = 0.0
    parsed: bool = False

    def asset_status(self, key: str) -> AssetStatus | None:
        return self.assets.get(key)

    def check_status(self, name: str) -> CheckStatus | None:
        return self.checks.get(name)

    def merged(self, later: DbtRunResult) -> DbtRunResult:
        """This result with a later invocation's node, asset and check outcomes laid over it."""
        return replace(self, success=self.success and later.success, nodes={**self.nodes, **later.nodes},
                       assets={**self.assets, **later.assets}, checks={**self.checks, **later.checks},
                       elapsed=self.elapsed + later.elapsed)

    @property
    def failed_nodes(self) -> list[NodeResult]:
        return [n for n in self.nodes.values() if n.status in ("error", "fail")]

    def raise_on_failure(self) -> None:
        """Raise RuntimeFailure naming each node that errored or failed a blocking test."""
        failed = self.failed_nodes
        if not failed:
            return
        raise RuntimeFailure(
            [
                Problem(
                    f"dbt {self.command}: {node.unique_id} ended with {node.status}: {node.message or 'no message'}",
                    file=str(self.run_dir / "dbt.log") if self.run_dir else None,
                    fix="fix the model or test named here and run the job again",
                )
                for node in failed
            ]
        )


def normalize_status(raw: object) -> NodeStatus:
    text = str(getattr(raw, "value", raw)).lower()
    try:
        return _NODE_STATUS[text]
    except KeyError:
        raise RuntimeFailure(
            Problem(
                "dbt reported a node status floe does not know",
                found=text,
                expected=", ".join(sorted(_NODE_STATUS)),
                fix="use a dbt-core version floe supports (see the floe-core[runtime] extra)",
            )
        ) from None


def asset_status_of(node: NodeResult) -> AssetStatus:
    return _ASSET_STATUS[node.status]


def check_status_of(node: NodeResult) -> CheckStatus:
    return _CHECK_STATUS[node.status]


def node_results(run_results: Iterable[Any]) -> dict[str, NodeResult]:
    """dbt's RunResult objects as NodeResults, keyed by unique_id."""
    nodes: dict[str, NodeResult] = {}
    for result in run_results:
        node = result.node
        response = result.adapter_response or {}
        rows = response.get("rows_affected") if isinstance(response, Mapping) else None
        nodes[node.unique_id] = NodeResult(
            unique_id=node.unique_id,
            status=normalize_status(result.status),
            execution_time=float(result.execution_time or 0.0),
            rows_affected=rows if isinstance(rows, int) and rows >= 0 else None,
            message=result.message,
            relation=getattr(node, "relation_name", None),
            failures=result.failures,
        )
    return nodes


def asset_outcomes(
    artifacts: CompiledArtifacts, selected: Iterable[str], nodes: Mapping[str, NodeResult]
) -> dict[str, AssetStatus]:
    """An outcome per selected dbt asset that ran, or that is ephemeral with upstreams in this run."""
    outcomes: dict[str, AssetStatus] = {}
    selected_set = set(selected)

    def outcome(key: str) -> AssetStatus | None:
        if key in outcomes:
            return outcomes[key]
        asset = artifacts.assets_by_key[key]
        if asset.dbt is None:
            return None
        node = nodes.get(asset.dbt.unique_id)
        if node is not None:
            outcomes[key] = asset_status_of(node)
            return outcomes[key]
        if asset.materialization != "ephemeral" or key not in selected_set:
            return None
        # dbt inlines an ephemeral model into its consumers and never reports it; it is as good as the
        # upstream it reads.
        upstream = [outcome(dep.key) for dep in asset.deps if dep.key in artifacts.assets_by_key]
        outcomes[key] = "skipped" if any(s in ("failed", "skipped") for s in upstream) else "materialized"
        return outcomes[key]

    for key in selected_set:
        outcome(key)
    return {key: outcomes[key] for key in sorted(outcomes) if key in selected_set}


def check_outcomes(artifacts: CompiledArtifacts, nodes: Mapping[str, NodeResult]) -> dict[str, CheckStatus]:
    return {
        check.name: check_status_of(nodes[check.unique_id])
        for check in artifacts.orchestration.checks
        if check.unique_id in nodes
    }
