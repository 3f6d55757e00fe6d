"""floe's cron schedules as Airflow timetables that fire when floe-core's cron says, DST changes included.

Airflow's own cron timetables fire a wall-clock time that a spring-forward change skips one gap late (02:30
Europe/Amsterdam on 2024-03-31 fires at 03:30 CEST); floe-core and Dagster fire at the jump, 03:00. These
timetables keep Airflow's scheduling rules (catch-up, data intervals, manual runs, the most recent tick when
catch-up is off) and take every fire time from `floe_core.cron`, so one schedule fires at the same instants on
both engines.

They are custom timetables on Airflow's public `Timetable` base: Airflow stores their `serialize()` output in
the serialized DAG and finds the class again through the provider's Airflow plugin (`airflow_plugin.py`),
which the scheduler, the DAG processor and the api-server load from the provider's `airflow.plugins` entry
point.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pendulum
from airflow.timetables.base import DagRunInfo, DataInterval, TimeRestriction, Timetable
from floe_core.cron import CronSyntaxError, get_timezone, iter_fire_times, parse_cron

# The longest gap between two fires of a cron floe accepts is a year (plus leap day and DST slack); looking
# back this far always finds the previous fire. Shorter spans are tried first: most crons fire daily.
_LOOK_BACK = (timedelta(days=2), timedelta(days=32), timedelta(days=367), timedelta(days=366 * 8 + 2))


class _FloeCron(Timetable):
    def __init__(self, cron: str, timezone: str) -> None:
        self._expression = cron
        self._timezone = timezone
        self.description = _describe(cron, timezone)

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> Timetable:
        return cls(data["expression"], data["timezone"])

    def serialize(self) -> dict[str, Any]:
        return {"expression": self._expression, "timezone": self._timezone}

    @property
    def summary(self) -> str:
        return self._expression

    def validate(self) -> None:
        from airflow.exceptions import AirflowTimetableInvalid

        try:
            parse_cron(self._expression)
            get_timezone(self._timezone)
        except (CronSyntaxError, ValueError, LookupError) as exc:
            raise AirflowTimetableInvalid(f"{self._expression!r} in {self._timezone!r}: {exc}") from exc

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.serialize() == other.serialize()

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._expression, self._timezone))

    # -- fire times, from floe-core -----------------------------------------------------------------------

    def _fires_after(self, instant: datetime) -> Iterator[pendulum.DateTime]:
        for fire in iter_fire_times(self._expression, self._timezone, instant):
            yield pendulum.instance(fire.astimezone(timezone.utc))

    def _next_after(self, instant: datetime) -> pendulum.DateTime:
        return next(self._fires_after(instant))

    def _at_or_after(self, instant: datetime) -> pendulum.DateTime:
        return self._next_after(instant - timedelta(microseconds=1))

    def _last_before(self, instant: datetime, *, inclusive: bool) -> pendulum.DateTime:
        for span in _LOOK_BACK:
            last = None
            for fire in self._fires_after(instant - span):
                if fire > instant or (fire == instant and not inclusive):
                    break
                last = fire
            if last is not None:
                return last
        raise CronSyntaxError(f"{self._expression!r} did not fire in the {_LOOK_BACK[-1].days} days before {instant}")

    def _at_or_before(self, instant: datetime) -> pendulum.DateTime:
        return self._last_before(instant, inclusive=True)

    def _before(self, instant: datetime) -> pendulum.DateTime:
        return self._last_before(instant, inclusive=False)


class FloeCronTriggerTimetable(_FloeCron):
    """A run at each fire time, with no data interval (its start and end are the fire time), as Airflow's
    `CronTriggerTimetable`: with catch-up off, a DAG runs the most recent fire time it has not run."""

    def infer_manual_data_interval(self, *, run_after: pendulum.DateTime) -> DataInterval:
        return DataInterval.exact(run_after)

    def next_dagrun_info(
        self, *, last_automated_data_interval: DataInterval | None, restriction: TimeRestriction
    ) -> DagRunInfo | None:
        now = pendulum.now("UTC")
        if restriction.catchup:
            if last_automated_data_interval is not None:
                fire = self._next_after(last_automated_data_interval.end)
            elif restriction.earliest is None:
                fire = self._first_fire(now)
            else:
                fire = self._at_or_after(restriction.earliest)
        else:
            candidates = [self._at_or_before(now)]
            if last_automated_data_interval is not None:
                candidates.append(self._next_after(last_automated_data_interval.end))
            elif restriction.earliest is None:
                candidates.append(self._first_fire(now))
            if restriction.earliest is not None:
                candidates.append(self._at_or_after(restriction.earliest))
            fire = max(candidates)
        if restriction.latest is not None and restriction.latest < fire:
            return None
        return DagRunInfo.exact(fire)

    def _first_fire(self, now: pendulum.DateTime) -> pendulum.DateTime:
        """A new DAG with no start date: the last fire time if it was a tenth of the cron's period ago or
        less (at least 5 minutes), else the next one; Airflow's rule for `CronTriggerTimetable`."""
        past, upcoming = self._at_or_before(now), self._at_or_after(now)
        return past if now - past <= max((upcoming - past) / 10, timedelta(minutes=5)) else upcoming


class FloeCronDataIntervalTimetable(_FloeCron):
    """A run per interval between two fire times, started at its end, as Airflow's `CronDataIntervalTimetable`:
    a partitioned schedule's run covers the window that just closed.

    `until` is where the partitions end: no interval starts there or later, so the scheduler makes no run
    for a window the partition set does not have. Not the DAG's `end_date`: Airflow gives that to every task
    too, and a manual run dated after it would get no task instances.
    """

    def __init__(self, cron: str, timezone: str, until: datetime | None = None) -> None:
        super().__init__(cron, timezone)
        self._until = pendulum.instance(until).in_timezone("UTC") if until is not None else None

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> Timetable:
        until = data.get("until")
        return cls(data["expression"], data["timezone"], datetime.fromisoformat(until) if until else None)

    def serialize(self) -> dict[str, Any]:
        data = super().serialize()
        if self._until is not None:
            data["until"] = self._until.isoformat()
        return data

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._expression, self._timezone, self._until))

    def infer_manual_data_interval(self, *, run_after: pendulum.DateTime) -> DataInterval:
        # A run triggered by hand covers the last whole interval before it.
        end = self._at_or_before(run_after)
        return DataInterval(start=self._before(end), end=end)

    def next_dagrun_info(
        self, *, last_automated_data_interval: DataInterval | None, restriction: TimeRestriction
    ) -> DagRunInfo | None:
        earliest = restriction.earliest
        if not restriction.catchup:
            earliest = self._latest_closed_start(earliest)
        elif earliest is not None:
            earliest = self._at_or_after(earliest)
        if last_automated_data_interval is None:
            if earliest is None:
                return None
            start = earliest
        else:
            start = self._at_or_before(last_automated_data_interval.end)
            if earliest is not None:
                start = max(start, earliest)
            if start <= last_automated_data_interval.start:
                start = self._next_after(last_automated_data_interval.start)
        if restriction.latest is not None and start > restriction.latest:
            return None
        if self._until is not None and start >= self._until:
            return None
        return DagRunInfo.interval(start=start, end=self._next_after(start))

    def _latest_closed_start(self, earliest: datetime | None) -> pendulum.DateTime:
        """With catch-up off: the start of the interval that closed last (that is, the one now runs)."""
        now = pendulum.now("UTC")
        last = self._at_or_before(now)
        start = last if last == now else self._before(last)
        return start if earliest is None else max(start, self._at_or_after(earliest))


def _describe(cron: str, tz: str) -> str:
    """What the Airflow UI shows under the schedule: the cron in words, and its timezone."""
    # cron_descriptor words Airflow's own cron timetables; it comes with Airflow.
    from cron_descriptor import (  # type: ignore[import-untyped]
        CasingTypeEnum,
        ExpressionDescriptor,
        FormatException,
        MissingFieldException,
        WrongArgumentException,
    )

    try:
        words = ExpressionDescriptor(cron, casing_type=CasingTypeEnum.Sentence, use_24hour_time_format=True)
        return f"{words.get_description()} ({tz})"
    except (FormatException, MissingFieldException, WrongArgumentException):  # aliases such as @daily
        return f"{cron} ({tz})"
