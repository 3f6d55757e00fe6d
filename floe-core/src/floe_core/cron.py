"""Cron expressions: parsing, validation and DST-correct fire times, with no engine imported.

Both providers must fire exactly when this module says; the contract suite holds them to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

_NAMES = {
    3: {m: i for i, m in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1)},
    4: {d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])},
}
_BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_FIELDS = ("minute", "hour", "day of month", "month", "day of week")
_ALIASES = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_MAX_YEARS = 8


class CronSyntaxError(ValueError):
    """A cron expression does not parse; the message says which field and why."""


@dataclass(frozen=True)
class Cron:
    expression: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Monday, as datetime.weekday() counts
    dom_restricted: bool
    dow_restricted: bool

    def matches_date(self, d: date) -> bool:
        if d.month not in self.months:
            return False
        in_dom = d.day in self.days
        in_dow = d.weekday() in self.weekdays
        # Classic cron: when both day fields are restricted, a day matching either one fires.
        if self.dom_restricted and self.dow_restricted:
            return in_dom or in_dow
        return in_dom and in_dow


def parse_cron(expression: str) -> Cron:
    text = _ALIASES.get(expression.strip().lower(), expression.strip())
    parts = text.split()
    if len(parts) != 5:
        raise CronSyntaxError(
            f"a cron expression has 5 fields (minute hour day-of-month month day-of-week), "
            f"this one has {len(parts)}"
        )
    values = [_parse_field(part, i) for i, part in enumerate(parts)]
    weekdays = frozenset((d - 1) % 7 for d in values[4])  # cron 0/7 = Sunday -> 6
    return Cron(
        expression=expression,
        minutes=tuple(sorted(values[0])),
        hours=tuple(sorted(values[1])),
        days=frozenset(values[2]),
        months=frozenset(values[3]),
        weekdays=weekdays,
        dom_restricted=parts[2] not in ("*", "?"),
        dow_restricted=parts[4] not in ("*", "?"),
    )


def _parse_field(text: str, index: int) -> set[int]:
    low, high = _BOUNDS[index]
    result: set[int] = set()
    for item in text.split(","):
        step = 1
        body = item
        if "/" in item:
            body, step_text = item.split("/", 1)
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronSyntaxError(f"{_FIELDS[index]} field {text!r}: step {step_text!r} is not a positive number")
            step = int(step_text)
        if body in ("*", "?"):
            start, end = low, high
        elif "-" in body:
            a, b = body.split("-", 1)
            start, end = _value(a, index, text), _value(b, index, text)
            if start == end:
                # croniter, inside both engines, silently reads "n-n" as "*".
                raise CronSyntaxError(f"{_FIELDS[index]} field {text!r}: range {body!r} has one value; write {a!r}")
            if start > end:
                raise CronSyntaxError(f"{_FIELDS[index]} field {text!r}: range {body!r} runs backwards")
        else:
            start = _value(body, index, text)
            if "/" in item and index == 4:
                raise CronSyntaxError(f"day of week field {text!r}: {item!r} means different days to different "
                                      "cron libraries; list the days instead")
            end = high if "/" in item else start
        result.update(range(start, end + 1, step))
    return result


def _value(token: str, index: int, field_text: str) -> int:
    low, high = _BOUNDS[index]
    names = _NAMES.get(index, {})
    if token.upper() in names:
        return names[token.upper()]
    if not token.isdigit():
        raise CronSyntaxError(f"{_FIELDS[index]} field {field_text!r}: {token!r} is not a number or name")
    value = int(token)
    if not low <= value <= high:
        raise CronSyntaxError(f"{_FIELDS[index]} field {field_text!r}: {value} is outside {low}-{high}")
    return value


def get_timezone(name: str) -> ZoneInfo:
    """An IANA zone; abbreviations like `CET` or `EST` that some systems accept are refused (ambiguous)."""
    if name != "UTC" and "/" not in name:
        raise ZoneInfoNotFoundError(name)
    return ZoneInfo(name)


def is_valid_timezone(name: str) -> bool:
    try:
        get_timezone(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def timezone_suggestions(name: str) -> list[str]:
    import difflib

    return difflib.get_close_matches(name, sorted(available_timezones()), n=3)


def fire_times(cron: Cron | str, tz: str, after: datetime, count: int) -> list[datetime]:
    """The next `count` fire times strictly after `after`, as aware datetimes in `tz`."""
    result = []
    for fire in iter_fire_times(cron, tz, after):
        result.append(fire)
        if len(result) == count:
            break
    return result


def iter_fire_times(cron: Cron | str, tz: str, after: datetime) -> Iterator[datetime]:
    """Fire times strictly after `after`, in order.

    Wall-clock semantics across DST, the same as Dagster's scheduler (and Airflow's except where noted in
    the Airflow provider):
    - a wall time that occurs twice (fall back) fires once, at its later occurrence;
    - a wall time that does not exist (spring forward) fires at the transition instant, when the clock
      jumps past it (02:30 fires at 03:00); several such times collapse into that one fire;
    - a cron whose hour field is every hour fires at exactly the instants whose wall clock matches: none in
      the skipped hour, both passes of the repeated hour, so "every 15 minutes" stays every 15 real minutes.
    """
    spec = parse_cron(cron) if isinstance(cron, str) else cron
    zone = get_timezone(tz)
    if after.tzinfo is None:
        raise ValueError("`after` must be timezone-aware")
    after_utc = after.astimezone(timezone.utc)
    # A day's gap times can map past midnight into the next day, so start one day early.
    local_day = after.astimezone(zone).date() - timedelta(days=1)
    every_hour = len(spec.hours) == 24
    last_day = local_day + timedelta(days=366 * _MAX_YEARS)
    last_emitted = after_utc
    while local_day <= last_day:
        if spec.matches_date(local_day):
            for instant in _day_instants(spec, zone, local_day, every_hour):
                if instant > last_emitted:
                    last_emitted = instant
                    yield instant.astimezone(zone)
        local_day += timedelta(days=1)
    raise CronSyntaxError(f"{spec.expression!r} never fires within {_MAX_YEARS} years")


def _day_instants(spec: Cron, zone: ZoneInfo, day: date, every_hour: bool) -> list[datetime]:
    instants: set[datetime] = set()
    for hour in spec.hours:
        for minute in spec.minutes:
            wall = datetime.combine(day, time(hour, minute))
            earlier = wall.replace(tzinfo=zone, fold=0).astimezone(timezone.utc)
            later = wall.replace(tzinfo=zone, fold=1).astimezone(timezone.utc)
            if earlier == later:
                instants.add(earlier)
            elif earlier < later:  # the repeated hour of a fall-back change
                instants.add(later)
                if every_hour:
                    instants.add(earlier)
            elif not every_hour:  # the skipped hour of a spring-forward change
                instants.add(_transition(later, earlier, zone))
    return sorted(instants)


def _transition(low: datetime, high: datetime, zone: ZoneInfo) -> datetime:
    """The first whole second in (low, high] whose UTC offset differs from the offset at `low`."""
    offset = low.astimezone(zone).utcoffset()
    lo, hi = int(low.timestamp()), int(high.timestamp())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, zone).utcoffset() == offset:
            lo = mid
        else:
            hi = mid
    return datetime.fromtimestamp(hi, timezone.utc)
