"""Engine-neutral run planning every provider shares: which partitions a backfill runs, in which chunks, and
which assets a rerun of failed work selects. The engines then execute these plans in their own idiom.

A backfill's `reprocess` rule, decided on each partition's latest run in the engine's own run records (a
ranged run counts for every partition it covered):
- `missing`: every partition that has not succeeded yet: never run, or its latest run failed or was canceled;
- `failed`: only partitions whose latest run failed;
- `all`: every partition in the range.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from floe_core.artifacts import CompiledArtifacts, ReprocessMode, TimeWindowPartitions
from floe_core.errors import InputError, Problem
from floe_core.graph import AssetGraph
from floe_core.partitioning import partition_keys
from floe_core.plugin import BackfillRequest, RunRecord, RunStatus

RANGE_SEPARATOR = "..."


@dataclass(frozen=True)
class BackfillPlan:
    job: str
    partitions: tuple[str, ...]
    chunks: tuple[tuple[str, ...], ...]

    @staticmethod
    def label(chunk: tuple[str, ...]) -> str:
        """How a run's partition reads in a RunRecord: a key, or `first...last` for a ranged run."""
        return chunk[0] if len(chunk) == 1 else f"{chunk[0]}{RANGE_SEPARATOR}{chunk[-1]}"


def plan_backfill(artifacts: CompiledArtifacts, request: BackfillRequest, history: Iterable[RunRecord]) -> BackfillPlan:
    job = artifacts.jobs_by_name.get(request.job)
    if job is None:
        raise InputError(Problem(f"unknown job {request.job!r}", field="job", found=request.job,
                                 fix=f"name one of: {', '.join(sorted(artifacts.jobs_by_name))}"))
    if job.partitions is None:
        raise InputError(Problem(f"job {job.name!r} is not partitioned, so it cannot be backfilled", field="job",
                                 found=job.name, fix="backfill a job whose assets have partitions"))
    parts = artifacts.partitions_by_name[job.partitions]
    keys = partition_keys(parts)
    if request.keys:
        unknown = [k for k in request.keys if k not in keys]
        if unknown:
            raise InputError(Problem("unknown partition keys", field="keys", found=unknown,
                                     fix=f"use keys of partitions {parts.name!r}"))
        chosen = [k for k in keys if k in set(request.keys)]
    else:
        for bound, value in (("start", request.start), ("end", request.end)):
            if value not in keys:
                raise InputError(Problem(f"{bound} is not a partition key of job {job.name!r}", field=bound,
                                         found=value, fix=f"use a key between {keys[0]} and {keys[-1]}"))
        chosen = keys[keys.index(str(request.start)): keys.index(str(request.end)) + 1]
    policy = artifacts.backfill_by_job.get(job.name)
    reprocess = request.reprocess or (policy.reprocess if policy else "missing")
    to_run = partitions_to_run(chosen, reprocess, latest_status_by_partition(job.name, history, keys))
    ranged_ok = isinstance(parts, TimeWindowPartitions)
    # A ranged run never spans a partition the rule skips: chunks are cut within stretches of neighbours.
    stretches = neighbour_stretches(chosen, set(to_run))
    chunks = tuple(c for stretch in stretches for c in _chunks(stretch, artifacts, job.name, ranged_ok))
    return BackfillPlan(job.name, tuple(to_run), chunks)


def partitions_to_run(keys: Sequence[str], reprocess: ReprocessMode, latest: Mapping[str, RunStatus]) -> list[str]:
    """The keys a backfill runs under `reprocess`, given each partition's latest run status (see above)."""
    if reprocess == "all":
        return list(keys)
    if reprocess == "failed":
        return [k for k in keys if latest.get(k) == "failure"]
    return [k for k in keys if latest.get(k) != "success"]


def latest_status_by_partition(job: str, history: Iterable[RunRecord], keys: list[str]) -> dict[str, RunStatus]:
    """Each partition's status in the latest run of `job` that covered it (by start time)."""
    latest: dict[str, RunRecord] = {}
    for record in history:
        if record.job != job or record.partition is None:
            continue
        for key in expand_partition_label(record.partition, keys):
            seen = latest.get(key)
            if seen is None or _started(record) > _started(seen):
                latest[key] = record
    return {k: r.status for k, r in latest.items()}


def _started(record: RunRecord) -> datetime:
    return record.started_at or datetime.min.replace(tzinfo=timezone.utc)


def neighbour_stretches(keys: Sequence[str], wanted: set[str]) -> list[list[str]]:
    """The `wanted` keys as runs of neighbours in `keys`' order: what one ranged run (or backfill) may span."""
    stretches: list[list[str]] = [[]]
    for key in keys:
        if key in wanted:
            stretches[-1].append(key)
        elif stretches[-1]:
            stretches.append([])
    return [s for s in stretches if s]


def split_partition_label(label: str) -> tuple[str, str | None]:
    """`key` -> (key, None); `first...last` -> (first, last)."""
    first, sep, last = label.partition(RANGE_SEPARATOR)
    return first, (last if sep else None)


def expand_partition_label(label: str, keys: list[str]) -> list[str]:
    """The keys a run covered: one key, or every key from `first` to `last` of a ranged run."""
    first, sep, last = label.partition(RANGE_SEPARATOR)
    if not sep:
        return [first]
    if first not in keys or last not in keys:
        return [first, last]
    return keys[keys.index(first): keys.index(last) + 1]


def _chunks(keys: list[str], artifacts: CompiledArtifacts, job: str, ranged_ok: bool) -> tuple[tuple[str, ...], ...]:
    policy = artifacts.backfill_by_job.get(job)
    if not keys:
        return ()
    if policy is None or not ranged_ok:
        size = 1
    elif policy.policy.kind == "single_run":
        size = len(keys)
    else:
        size = policy.policy.max_partitions_per_run
    return tuple(tuple(keys[i:i + size]) for i in range(0, len(keys), size))


def rerun_selection(artifacts: CompiledArtifacts, job: str, failed_run: RunRecord) -> list[str]:
    """Assets of `job` that did not materialize in `failed_run`, plus everything downstream of them."""
    in_job = set(artifacts.jobs_by_name[job].assets)
    graph = AssetGraph(artifacts.orchestration.assets)
    failed = {k for k, o in failed_run.assets.items() if o.status != "materialized"} & in_job
    failed |= in_job - set(failed_run.assets)
    selected = set(failed)
    for key in failed:
        selected |= graph.downstream(key) & in_job
    return graph.topological_order(selected)
