from __future__ import annotations

from datetime import datetime, timezone

import pytest
from floe_core.artifacts import (
    AllPartitionsMapping,
    MultiPartitions,
    MultiToSingleMapping,
    PartitionDimension,
    StaticMapping,
    StaticPartitions,
    TimeWindowMapping,
    TimeWindowPartitions,
)
from floe_core.cron import fire_times
from floe_core.partitioning import (
    partition_keys,
    partition_vars,
    scheduled_windows,
    time_window,
    upstream_partition_keys,
)

DAILY = TimeWindowPartitions(name="daily", cadence="daily", start=datetime(2024, 1, 1), end=datetime(2024, 1, 4),
                             timezone="Europe/Amsterdam")


@pytest.mark.parametrize(
    ("cadence", "start", "end", "expected"),
    [
        pytest.param("daily", datetime(2024, 1, 1), datetime(2024, 1, 4), ["2024-01-01", "2024-01-02", "2024-01-03"],
                     id="daily-end-exclusive"),
        pytest.param("hourly", datetime(2024, 3, 31, 0), datetime(2024, 3, 31, 4),
                     ["2024-03-31-00:00", "2024-03-31-01:00", "2024-03-31-03:00"], id="hourly-skips-the-dst-gap"),
        pytest.param("weekly", datetime(2024, 1, 3), datetime(2024, 1, 29), ["2024-01-08", "2024-01-15", "2024-01-22"],
                     id="weekly-starts-on-monday"),
        pytest.param("monthly", datetime(2024, 1, 1), datetime(2024, 4, 1), ["2024-01-01", "2024-02-01", "2024-03-01"],
                     id="monthly"),
    ],
)
def test_time_window_keys_are_the_complete_windows_between_start_and_end(cadence, start, end, expected) -> None:
    parts = TimeWindowPartitions(name="p", cadence=cadence, start=start, end=end, timezone="Europe/Amsterdam")
    assert partition_keys(parts) == expected


def test_a_ranged_run_gets_the_window_from_the_first_start_to_the_last_end() -> None:
    assert partition_vars(DAILY, "2024-01-01", "2024-01-02") == {
        "floe_partition_key": "2024-01-01",
        "floe_partition_start": "2024-01-01",
        "floe_partition_end": "2024-01-03",
    }


def test_a_window_across_the_fall_back_change_lasts_25_hours() -> None:
    parts = TimeWindowPartitions(name="d", cadence="daily", start=datetime(2024, 10, 1), timezone="Europe/Amsterdam")
    start, end = time_window(parts, "2024-10-27")
    assert (end.astimezone(timezone.utc) - start.astimezone(timezone.utc)).total_seconds() == 25 * 3600


def test_multi_partition_keys_join_dimensions_in_name_order() -> None:
    multi = MultiPartitions(name="m", dimensions=(
        PartitionDimension(name="region", partitions=StaticPartitions(name="r", keys=("eu", "us"))),
        PartitionDimension(name="date", partitions=DAILY),
    ))
    keys = partition_keys(multi)
    assert keys[:2] == ["2024-01-01|eu", "2024-01-01|us"] and len(keys) == 6
    assert partition_vars(multi, "2024-01-02|us")["floe_partition_region"] == "us"
    assert partition_vars(multi, "2024-01-02|us")["floe_partition_end"] == "2024-01-03"


def test_a_key_of_another_format_is_refused() -> None:
    with pytest.raises(KeyError, match="not a key of partitions 'daily'"):
        time_window(DAILY, "January 1st")


def test_the_repeated_hour_of_a_fall_back_change_gets_keys_that_name_each_pass() -> None:
    parts = TimeWindowPartitions(name="h", cadence="hourly", start=datetime(2024, 10, 27, 1),
                                 end=datetime(2024, 10, 27, 4), timezone="Europe/Amsterdam")
    keys = partition_keys(parts)
    assert keys == ["2024-10-27-01:00", "2024-10-27-02:00", "2024-10-27-02:00+0100", "2024-10-27-03:00"]
    first, second = time_window(parts, keys[1]), time_window(parts, keys[2])
    assert first[1].astimezone(timezone.utc) == second[0].astimezone(timezone.utc), "passes are consecutive"
    assert first[0].astimezone(timezone.utc) < second[0].astimezone(timezone.utc)
    assert (second[1].astimezone(timezone.utc) - second[0].astimezone(timezone.utc)).total_seconds() == 3600


HOURLY = TimeWindowPartitions(name="hourly", cadence="hourly", start=datetime(2024, 1, 1), end=datetime(2024, 1, 4),
                              timezone="Europe/Amsterdam")
REGIONS = StaticPartitions(name="regions", keys=("eu", "us"))
BY_REGION = MultiPartitions(name="by_region", dimensions=(PartitionDimension(name="date", partitions=DAILY),
                                                          PartitionDimension(name="region", partitions=REGIONS)))


@pytest.mark.parametrize(
    ("up", "down", "mapping", "key", "expected"),
    [
        pytest.param(DAILY, DAILY, None, "2024-01-02", ["2024-01-02"], id="identity"),
        pytest.param(DAILY, DAILY, TimeWindowMapping(start_offset=-1), "2024-01-03", ["2024-01-02", "2024-01-03"],
                     id="trailing-day"),
        pytest.param(DAILY, DAILY, TimeWindowMapping(start_offset=-1), "2024-01-01", ["2024-01-01"],
                     id="trailing-day-clipped-at-the-first-partition"),
        pytest.param(HOURLY, DAILY, TimeWindowMapping(), "2024-01-02", [f"2024-01-02-{h:02d}:00" for h in range(24)],
                     id="hours-of-a-day"),
        pytest.param(DAILY, HOURLY, TimeWindowMapping(), "2024-01-02-05:00", ["2024-01-02"], id="day-of-an-hour"),
        pytest.param(REGIONS, REGIONS, StaticMapping(mapping={"eu": ("us",), "us": ("eu", "us")}), "us",
                     ["eu", "us"], id="static"),
        pytest.param(BY_REGION, DAILY, MultiToSingleMapping(dimension="date"), "2024-01-02",
                     ["2024-01-02|eu", "2024-01-02|us"], id="multi-to-single"),
        pytest.param(DAILY, BY_REGION, MultiToSingleMapping(dimension="date"), "2024-01-02|us", ["2024-01-02"],
                     id="single-to-multi"),
        pytest.param(REGIONS, DAILY, AllPartitionsMapping(), "2024-01-02", ["eu", "us"], id="all"),
    ],
)
def test_a_mapping_names_the_upstream_partitions_a_partition_reads(up, down, mapping, key, expected) -> None:
    assert upstream_partition_keys(up, down, mapping, key) == expected


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def test_a_partitioned_schedule_runs_each_window_as_it_closes_and_stops_at_the_end() -> None:
    fires = fire_times("0 1 * * *", "UTC", _utc(2023, 12, 31), 6)  # 2024-01-01 01:00 ... 01-06 01:00
    assert scheduled_windows(DAILY, fires) == [
        (_utc(2024, 1, 2, 1), "2024-01-01"), (_utc(2024, 1, 3, 1), "2024-01-02"), (_utc(2024, 1, 4, 1), "2024-01-03")]


def test_a_schedule_faster_than_its_windows_runs_each_window_once() -> None:
    fires = fire_times("0 */6 * * *", "UTC", _utc(2024, 1, 1, 23), 6)  # every 6 hours from 01-02 00:00
    assert scheduled_windows(DAILY, fires) == [(_utc(2024, 1, 2), "2024-01-01"), (_utc(2024, 1, 3), "2024-01-02")]


def test_windows_without_end_keep_running() -> None:
    open_ended = DAILY.model_copy(update={"end": None})
    fires = fire_times("0 1 * * *", "UTC", _utc(2024, 1, 9), 2)
    assert scheduled_windows(open_ended, fires) == [
        (_utc(2024, 1, 9, 1), "2024-01-08"), (_utc(2024, 1, 10, 1), "2024-01-09")]
