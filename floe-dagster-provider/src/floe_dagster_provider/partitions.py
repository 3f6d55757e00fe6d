"""floe partition sets, mappings and backfill policies as Dagster definitions.

Time windows use floe-core's cadence crons, so Dagster's partition keys are exactly
`floe_core.partitioning.partition_keys`: the contract suite compares the two lists.
"""

from __future__ import annotations

import dagster as dg
from floe_core.artifacts import (
    BackfillPolicy,
    CompiledArtifacts,
    PartitionMapping,
    Partitions,
    StaticPartitions,
    TimeWindowPartitions,
)
from floe_core.cron import get_timezone
from floe_core.partitioning import CADENCE_CRON, partition_vars

RangeKeys = tuple[str, str]


class PartitionsDefs:
    """One Dagster PartitionsDefinition per floe partition set, built once and shared.

    Dagster compares partitions definitions by value, but sharing one object per set keeps the load cheap
    and makes "same set" obvious when jobs and assets are checked against each other.
    """

    def __init__(self, artifacts: CompiledArtifacts) -> None:
        self._defs = {p.name: partitions_def(p) for p in artifacts.orchestration.partitions}

    def get(self, name: str | None) -> dg.PartitionsDefinition | None:
        return None if name is None else self._defs[name]


def partitions_def(parts: Partitions) -> dg.PartitionsDefinition:
    if isinstance(parts, StaticPartitions):
        return dg.StaticPartitionsDefinition(list(parts.keys))
    if isinstance(parts, TimeWindowPartitions):
        return time_window_def(parts)
    return dg.MultiPartitionsDefinition(
        {dim.name: partitions_def(dim.partitions) for dim in parts.dimensions}
    )


def time_window_def(parts: TimeWindowPartitions) -> dg.TimeWindowPartitionsDefinition:
    zone = get_timezone(parts.timezone)
    # floe's bounds are naive wall-clock times in the set's timezone. A string bound would be parsed with
    # `fmt` (which may drop the time of day) and a naive datetime read in the machine's zone: pass instants.
    return dg.TimeWindowPartitionsDefinition(
        cron_schedule=CADENCE_CRON[parts.cadence],
        start=parts.start.replace(tzinfo=zone),
        end=None if parts.end is None else parts.end.replace(tzinfo=zone),
        timezone=parts.timezone,
        fmt=parts.fmt,
    )


def partition_mapping(mapping: PartitionMapping | None) -> dg.PartitionMapping | None:
    if mapping is None or mapping.kind == "identity":
        return None
    if mapping.kind == "time_window":
        return dg.TimeWindowPartitionMapping(start_offset=mapping.start_offset, end_offset=mapping.end_offset)
    if mapping.kind == "all":
        return dg.AllPartitionMapping()
    if mapping.kind == "static":
        return dg.StaticPartitionMapping(
            {upstream: set(downstream) for upstream, downstream in mapping.mapping.items()}
        )
    return dg.MultiToSingleDimensionPartitionMapping(partition_dimension_name=mapping.dimension)


def backfill_policy(policy: BackfillPolicy | None, parts: Partitions | None) -> dg.BackfillPolicy | None:
    """Dagster's backfill policy for assets of a job with this floe policy.

    Only time windows can be ranged: a ranged run hands dbt one [start, end) window, and a range of static
    or two-dimensional keys has no such window, so those always backfill one partition per run.
    """
    if parts is None or policy is None:
        return None
    if not isinstance(parts, TimeWindowPartitions):
        return dg.BackfillPolicy.multi_run(1)
    if policy.policy.kind == "single_run":
        return dg.BackfillPolicy.single_run()
    return dg.BackfillPolicy.multi_run(policy.policy.max_partitions_per_run)


def run_partition_vars(parts: Partitions | None, keys: RangeKeys | None) -> dict[str, str]:
    """The dbt vars of a run over `keys` (first, last), empty for an unpartitioned run."""
    if parts is None or keys is None:
        return {}
    first, last = keys
    return partition_vars(parts, first, None if last == first else last)


def context_partition_range(context: dg.AssetExecutionContext) -> RangeKeys | None:
    """(first, last) partition key of the run, or None when it is not partitioned."""
    if context.has_partition_key_range:
        key_range = context.partition_key_range
        return key_range.start, key_range.end
    if context.has_partition_key:
        return context.partition_key, context.partition_key
    return None
