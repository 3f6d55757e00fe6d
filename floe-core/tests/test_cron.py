from __future__ import annotations

import itertools
from datetime import datetime, timezone

import pytest
from floe_core.cron import CronSyntaxError, fire_times, is_valid_timezone, parse_cron


def _local(times: list[datetime]) -> list[str]:
    return [t.isoformat() for t in times]


@pytest.mark.parametrize(
    ("cron", "tz", "after", "expected"),
    [
        pytest.param("0 6 * * *", "UTC", datetime(2024, 1, 1, 6, tzinfo=timezone.utc),
                     ["2024-01-02T06:00:00+00:00", "2024-01-03T06:00:00+00:00"], id="daily-strictly-after"),
        pytest.param("30 2 * * *", "Europe/Amsterdam", datetime(2024, 3, 30, 12, tzinfo=timezone.utc),
                     ["2024-03-31T03:00:00+02:00", "2024-04-01T02:30:00+02:00"], id="spring-gap-fires-at-the-jump"),
        pytest.param("30 2 * * *", "Europe/Amsterdam", datetime(2024, 10, 26, 12, tzinfo=timezone.utc),
                     ["2024-10-27T02:30:00+01:00", "2024-10-28T02:30:00+01:00"], id="fall-overlap-fires-once-later"),
        pytest.param("0 9 * * 1-5", "America/New_York", datetime(2024, 3, 8, 15, tzinfo=timezone.utc),
                     ["2024-03-11T09:00:00-04:00", "2024-03-12T09:00:00-04:00"], id="weekdays-across-dst"),
        pytest.param("0 0 1 * *", "UTC", datetime(2024, 1, 15, tzinfo=timezone.utc),
                     ["2024-02-01T00:00:00+00:00", "2024-03-01T00:00:00+00:00"], id="monthly"),
        pytest.param("0 12 13 * FRI", "UTC", datetime(2024, 9, 1, tzinfo=timezone.utc),
                     ["2024-09-06T12:00:00+00:00", "2024-09-13T12:00:00+00:00"], id="dom-or-dow"),
    ],
)
def test_fire_times_follow_the_wall_clock_of_the_timezone(cron: str, tz: str, after: datetime,
                                                          expected: list[str]) -> None:
    assert _local(fire_times(cron, tz, after, len(expected))) == expected


def test_several_times_in_the_skipped_hour_collapse_into_one_fire_at_the_jump() -> None:
    times = fire_times("15,45 1-3 * * *", "Europe/Amsterdam", datetime(2024, 3, 30, 23, tzinfo=timezone.utc), 5)
    assert _local(times) == ["2024-03-31T01:15:00+01:00", "2024-03-31T01:45:00+01:00", "2024-03-31T03:00:00+02:00",
                             "2024-03-31T03:15:00+02:00", "2024-03-31T03:45:00+02:00"]


def test_an_hourly_cron_keeps_firing_every_real_hour_through_the_fall_back_hour() -> None:
    times = fire_times("0 * * * *", "Europe/Amsterdam", datetime(2024, 10, 26, 23, 30, tzinfo=timezone.utc), 4)
    utc = [t.astimezone(timezone.utc) for t in times]
    gaps = {(b - a).total_seconds() for a, b in itertools.pairwise(utc)}
    assert gaps == {3600.0}


@pytest.mark.parametrize(
    ("expression", "phrase"),
    [
        pytest.param("0 6 * *", "5 fields", id="four-fields"),
        pytest.param("61 * * * *", "outside 0-59", id="minute-out-of-range"),
        pytest.param("0 6 * * MOO", "not a number or name", id="bad-name"),
        pytest.param("*/0 * * * *", "not a positive number", id="zero-step"),
        pytest.param("0 9-5 * * *", "runs backwards", id="backwards-range"),
        pytest.param("0 3-3 * * *", "has one value", id="one-value-range-engines-read-as-star"),
        pytest.param("0 3 * * 1/2", "list the days instead", id="day-of-week-step-engines-disagree-on"),
    ],
)
def test_an_invalid_cron_says_which_field_is_wrong(expression: str, phrase: str) -> None:
    with pytest.raises(CronSyntaxError, match=phrase):
        parse_cron(expression)


@pytest.mark.parametrize(("name", "valid"), [("Europe/Amsterdam", True), ("UTC", True), ("EST", False),
                                             ("CET", False), ("Mars/Base", False)], ids=str)
def test_only_unambiguous_iana_timezones_are_accepted(name: str, valid: bool) -> None:
    assert is_valid_timezone(name) is valid
