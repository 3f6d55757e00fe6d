"""Backfills, run in-process: floe-core decides which partitions run; Dagster's own objects decide the runs.

Which partitions run is floe-core's shared `plan_backfill` (the same `reprocess` rule on every engine), made
from this instance's run history. How they are grouped into runs is what Dagster's own backfill would do:
the job's partition keys and its assets' `BackfillPolicy` (as the definitions give them to the daemon and
the UI), one run per stretch of neighbouring keys cut at `max_partitions_per_run`, never spanning a key the
rule skips. Each chunk is an ordinary Dagster partition run: one partition, or a ranged run carrying
Dagster's own range tags, which hands dbt one [start, end) window. All runs of one backfill carry the same
backfill id tag, so run history and the UI group them.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

import dagster as dg
from floe_core.artifacts import CompiledArtifacts
from floe_core.plugin import BackfillRequest, BackfillResult, RunFilter

from floe_dagster_provider import _compat, execution, run_history

if TYPE_CHECKING:
    from floe_dagster_provider.plugin import DagsterOrchestratorPlugin


def launch_backfill(
    plugin: DagsterOrchestratorPlugin, artifacts: CompiledArtifacts, request: BackfillRequest
) -> BackfillResult:
    # floe-core's planner imports networkx; a definitions module never needs it, so only a backfill pays.
    from floe_core.planning import BackfillPlan, neighbour_stretches, plan_backfill

    # Definitions first: the plugin reads history by the keys of the definitions it has built.
    defs = plugin.definitions(artifacts)
    history = plugin.run_history(RunFilter(job=request.job, limit=10_000))
    plan = plan_backfill(artifacts, request, history)
    job_def = execution.job_definition(defs, request.job)
    assert job_def.partitions_def is not None, "plan_backfill accepts partitioned jobs only"
    size = max_partitions_per_run(defs, request.job)
    stretches = neighbour_stretches(list(job_def.partitions_def.get_partition_keys()), set(plan.partitions))
    chunks = [tuple(s[i : i + (size or len(s))]) for s in stretches for i in range(0, len(s), size or len(s))]
    backfill_id = f"floe-{secrets.token_hex(6)}"
    runs = []
    for chunk in chunks:
        run_id = execution.execute(
            job_def,
            plugin.instance,
            BackfillPlan.label(chunk),
            tags={run_history.BACKFILL_TAG: backfill_id},
            log_level=artifacts.observability.log_level,
        )
        runs.append(run_history.get_run_record(plugin.instance, run_id, keys=plugin.asset_keys(artifacts)))
    return BackfillResult(backfill_id=backfill_id, job=plan.job, partitions=plan.partitions, runs=tuple(runs))


def max_partitions_per_run(defs: dg.Definitions, job: str) -> int | None:
    """The most partitions one backfill run of `job` takes under its assets' Dagster `BackfillPolicy` (None:
    all of them, a single run); an asset without a policy runs one partition per run, as in Dagster."""
    graph = _compat.repository(defs).asset_graph
    sizes: list[int | None] = []
    for key in _compat.job_asset_keys(defs, job):
        node = graph.get(key)
        if node.partitions_def is not None:
            policy = node.backfill_policy
            sizes.append(1 if policy is None else policy.max_partitions_per_run)
    bounded = [s for s in sizes if s is not None]
    return min(bounded) if bounded else None
