"""Partition sets, mappings and backfill policies: Dagster's keys are floe-core's keys."""

from __future__ import annotations

from datetime import datetime

import dagster as dg
import pytest
from floe_core.artifacts import (
    AllPartitionsMapping,
    BackfillPolicy,
    IdentityMapping,
    MultiPartitions,
    MultiRunBackfill,
    MultiToSingleMapping,
    PartitionDimension,
    SingleRunBackfill,
    StaticMapping,
    StaticPartitions,
    TimeWindowMapping,
    TimeWindowPartitions,
)
from floe_core.partitioning import partition_keys
from floe_dagster_provider.partitions import backfill_policy, partition_mapping, partitions_def, run_partition_vars

DAILY = TimeWindowPartitions(name="daily", cadence="daily", start=datetime(2024, 1, 1), end=datetime(2024, 2, 1))
REGIONS = StaticPartitions(name="regions", keys=("eu", "us"))

SETS = [
    pytest.param(DAILY, id="daily-utc"),
    pytest.param(TimeWindowPartitions(name="d", cadence="daily", start=datetime(2024, 3, 25), end=datetime(2024, 4, 3),
                                      timezone="Europe/Amsterdam"), id="daily-across-spring-forward"),
    pytest.param(TimeWindowPartitions(name="h", cadence="hourly", start=datetime(2024, 3, 30, 22),
                                      end=datetime(2024, 4, 1), timezone="Europe/Amsterdam"),
                 id="hourly-across-spring-forward"),
    pytest.param(TimeWindowPartitions(name="h", cadence="hourly", start=datetime(2024, 1, 1, 5, 30),
                                      end=datetime(2024, 1, 1, 12)), id="hourly-start-between-ticks"),
    pytest.param(TimeWindowPartitions(name="w", cadence="weekly", start=datetime(2024, 1, 3), end=datetime(2024, 3, 1)),
                 id="weekly-start-midweek"),
    pytest.param(TimeWindowPartitions(name="m", cadence="monthly", start=datetime(2023, 11, 15),
                                      end=datetime(2024, 6, 1), timezone="America/New_York"), id="monthly-new-york"),
    pytest.param(TimeWindowPartitions(name="o", cadence="daily", start=datetime(2026, 11, 1),
                                      timezone="Asia/Kolkata"), id="open-ended"),
    pytest.param(REGIONS, id="static"),
    pytest.param(MultiPartitions(name="mm", dimensions=(PartitionDimension(name="region", partitions=REGIONS),
                                                        PartitionDimension(name="date", partitions=DAILY))),
                 id="two-dimensional"),
    pytest.param(TimeWindowPartitions(name="h", cadence="hourly", start=datetime(2024, 10, 26, 22),
                                      end=datetime(2024, 10, 28), timezone="Europe/Amsterdam"),
                 id="hourly-across-fall-back-names-both-passes"),
]


@pytest.mark.parametrize("parts", SETS)
def test_dagster_partition_keys_equal_floe_cores(parts: object) -> None:
    assert list(partitions_def(parts).get_partition_keys()) == partition_keys(parts)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        pytest.param(None, None, id="none"),
        pytest.param(IdentityMapping(), None, id="identity-is-dagsters-default"),
        pytest.param(TimeWindowMapping(start_offset=-1, end_offset=0),
                     dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=0), id="time-window"),
        pytest.param(AllPartitionsMapping(), dg.AllPartitionMapping(), id="all"),
        pytest.param(StaticMapping(mapping={"eu": ("emea",)}), dg.StaticPartitionMapping({"eu": {"emea"}}),
                     id="static"),
        pytest.param(MultiToSingleMapping(dimension="date"),
                     dg.MultiToSingleDimensionPartitionMapping(partition_dimension_name="date"), id="multi-to-single"),
    ],
)
def test_partition_mappings_become_dagster_mappings(mapping: object, expected: object) -> None:
    assert partition_mapping(mapping) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("policy", "parts", "expected"),
    [
        pytest.param(None, DAILY, None, id="no-policy"),
        pytest.param(BackfillPolicy(job="j", policy=SingleRunBackfill()), DAILY, dg.BackfillPolicy.single_run(),
                     id="single-run"),
        pytest.param(BackfillPolicy(job="j", policy=MultiRunBackfill(max_partitions_per_run=7)), DAILY,
                     dg.BackfillPolicy.multi_run(7), id="ranged-runs"),
        pytest.param(BackfillPolicy(job="j", policy=MultiRunBackfill(max_partitions_per_run=7)), REGIONS,
                     dg.BackfillPolicy.multi_run(1), id="static-keys-never-ranged"),
    ],
)
def test_backfill_policies_become_dagster_policies(policy: object, parts: object, expected: object) -> None:
    assert backfill_policy(policy, parts) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("parts", "keys", "expected"),
    [
        pytest.param(None, None, {}, id="unpartitioned"),
        pytest.param(DAILY, ("2024-01-05", "2024-01-05"),
                     {"floe_partition_key": "2024-01-05", "floe_partition_start": "2024-01-05",
                      "floe_partition_end": "2024-01-06"}, id="one-day"),
        pytest.param(DAILY, ("2024-01-01", "2024-01-07"),
                     {"floe_partition_key": "2024-01-01", "floe_partition_start": "2024-01-01",
                      "floe_partition_end": "2024-01-08"}, id="ranged-run-is-one-window"),
        pytest.param(REGIONS, ("eu", "eu"), {"floe_partition_key": "eu"}, id="static-key"),
    ],
)
def test_a_run_hands_dbt_its_partition_window_as_vars(parts: object, keys: object, expected: dict[str, str]) -> None:
    assert run_partition_vars(parts, keys) == expected  # type: ignore[arg-type]
