"""Backfills, run in-process: floe-core plans which partitions run in which chunks; Dagster runs them.

The plan is floe-core's shared `plan_backfill` (the same partitions, chunks and `reprocess` decision on every
engine), made from this instance's run history. Each chunk is an ordinary Dagster partition run: one
partition, or a ranged run carrying Dagster's own range tags, which hands dbt one [start, end) window. All
runs of one backfill carry the same backfill id tag, so run history and the UI group them.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from floe_core.artifacts import CompiledArtifacts
from floe_core.plugin import BackfillRequest, BackfillResult, RunFilter

from floe_dagster_provider import execution, run_history

if TYPE_CHECKING:
    from floe_dagster_provider.plugin import DagsterOrchestratorPlugin


def launch_backfill(
    plugin: DagsterOrchestratorPlugin, artifacts: CompiledArtifacts, request: BackfillRequest
) -> BackfillResult:
    # floe-core's planner imports networkx; a definitions module never needs it, so only a backfill pays.
    from floe_core.planning import plan_backfill

    history = plugin.run_history(RunFilter(job=request.job, limit=10_000))
    plan = plan_backfill(artifacts, request, history)
    backfill_id = f"floe-{secrets.token_hex(6)}"
    job_def = execution.job_definition(plugin.definitions(artifacts), request.job)
    runs = []
    for chunk in plan.chunks:
        run_id = execution.execute(
            job_def,
            plugin.instance,
            plan.label(chunk),
            tags={run_history.BACKFILL_TAG: backfill_id},
            log_level=artifacts.observability.log_level,
        )
        runs.append(run_history.get_run_record(plugin.instance, run_id))
    return BackfillResult(backfill_id=backfill_id, job=plan.job, partitions=plan.partitions, runs=tuple(runs))
