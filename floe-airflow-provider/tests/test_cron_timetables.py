"""floe's timetables keep Airflow's scheduling rules: away from DST changes they plan exactly the runs
Airflow's own cron timetables plan, with catch-up on and off, from a start date or none, after an earlier run,
up to an end date, and for runs triggered by hand. (Across DST changes they fire where floe-core says; the
contract's cron clause holds them to that.)"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pendulum
import pytest
from airflow.timetables.base import DataInterval, TimeRestriction
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow.timetables.trigger import CronTriggerTimetable
from floe_airflow_provider.cron_timetables import FloeCronDataIntervalTimetable, FloeCronTriggerTimetable

CRONS = [
    ("0 0 * * *", "UTC"),
    ("30 2 * * *", "Europe/Amsterdam"),
    ("*/15 * * * *", "UTC"),
    ("0 6 * * 1-5", "America/New_York"),
    ("0 0 1 * *", "Asia/Kolkata"),
]
IDS = [f"{cron} {tz}" for cron, tz in CRONS]


def _at(*args: int) -> pendulum.DateTime:
    return pendulum.instance(datetime(*args, tzinfo=timezone.utc))  # type: ignore[misc]


# (earliest, latest, catchup): the DAG's start date, end date and catch-up flag.
RESTRICTIONS = [
    pytest.param(_at(2024, 1, 3, 10, 17), None, True, id="catchup-from-start-date"),
    pytest.param(_at(2024, 1, 3, 10, 17), _at(2024, 1, 9), True, id="catchup-until-end-date"),
    pytest.param(None, None, True, id="catchup-no-start-date"),
    pytest.param(None, None, False, id="no-catchup-no-start-date"),
    pytest.param(_at(2024, 1, 3), None, False, id="no-catchup-past-start-date"),
    pytest.param(_at(2027, 2, 10, 4), None, False, id="no-catchup-future-start-date"),
]
LAST = [
    pytest.param(None, id="first-run"),
    pytest.param("earlier", id="after-an-earlier-run"),
]


def _plan(timetable: Any, restriction: TimeRestriction, last: DataInterval | None, count: int) -> list[Any]:
    infos = []
    for _ in range(count):
        info = timetable.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)
        if info is None:
            break
        infos.append((info.run_after, info.data_interval.start, info.data_interval.end))
        last = info.data_interval
    return infos


def _earlier(airflow: Any) -> DataInterval:
    """The data interval of a run Airflow's own timetable planned in January 2024."""
    info = airflow.next_dagrun_info(
        last_automated_data_interval=None, restriction=TimeRestriction(_at(2024, 1, 5, 7), None, True)
    )
    return info.data_interval


# floe's timetable and the Airflow timetable whose rules it keeps, each made from (cron, timezone).
PAIRS = [
    pytest.param(FloeCronTriggerTimetable, lambda c, tz: CronTriggerTimetable(c, timezone=tz), id="trigger"),
    pytest.param(FloeCronDataIntervalTimetable, CronDataIntervalTimetable, id="data-interval"),
]


@pytest.mark.parametrize(("floe", "airflows"), PAIRS)
@pytest.mark.parametrize(("cron", "tz"), CRONS, ids=IDS)
@pytest.mark.parametrize(("earliest", "latest", "catchup"), RESTRICTIONS)
@pytest.mark.parametrize("last", LAST)
def test_floes_timetable_plans_the_runs_the_airflow_timetable_it_follows_plans(
    floe: Any, airflows: Any, cron: str, tz: str, earliest: Any, latest: Any, catchup: bool, last: Any
) -> None:
    airflow = airflows(cron, tz)
    restriction = TimeRestriction(earliest, latest, catchup)
    previous = _earlier(airflow) if last else None
    assert _plan(floe(cron, tz), restriction, previous, 6) == _plan(airflow, restriction, previous, 6)


@pytest.mark.parametrize(("cron", "tz"), CRONS, ids=IDS)
@pytest.mark.parametrize("run_after", [_at(2024, 1, 10, 0, 0), _at(2024, 1, 10, 13, 7), _at(2024, 2, 1, 5, 30)])
def test_a_run_triggered_by_hand_gets_the_data_interval_airflow_gives_it(
    cron: str, tz: str, run_after: pendulum.DateTime
) -> None:
    assert FloeCronTriggerTimetable(cron, tz).infer_manual_data_interval(
        run_after=run_after
    ) == CronTriggerTimetable(cron, timezone=tz).infer_manual_data_interval(run_after=run_after)
    assert FloeCronDataIntervalTimetable(cron, tz).infer_manual_data_interval(
        run_after=run_after
    ) == CronDataIntervalTimetable(cron, tz).infer_manual_data_interval(run_after=run_after)


def test_the_timetables_survive_airflows_serialization_and_name_their_cron() -> None:
    for timetable in (FloeCronTriggerTimetable("30 2 * * *", "Europe/Amsterdam"),
                      FloeCronDataIntervalTimetable("0 0 * * *", "UTC")):
        again = type(timetable).deserialize(timetable.serialize())
        assert again == timetable
        assert again.summary == timetable.summary
    assert FloeCronTriggerTimetable("30 2 * * *", "Europe/Amsterdam").description == "At 02:30 (Europe/Amsterdam)"
