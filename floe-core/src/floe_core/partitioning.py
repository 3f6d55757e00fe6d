"""Partition keys, their time windows, and the dbt vars a partitioned run receives.

Engine-neutral truth for the contract suite: each provider must report these keys and pass these windows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from itertools import product

from floe_core.artifacts import (
    MultiPartitions,
    PartitionMapping,
    Partitions,
    StaticPartitions,
    TimeWindowPartitions,
)
from floe_core.cron import get_timezone, iter_fire_times, parse_cron

CADENCE_CRON: dict[str, str] = {
    "hourly": "0 * * * *",
    "daily": "0 0 * * *",
    "weekly": "0 0 * * 1",
    "monthly": "0 0 1 * *",
}
MULTI_KEY_SEPARATOR = "|"
# dbt receives the window as vars with these names; the demo's incremental model reads them.
VAR_START = "floe_partition_start"
VAR_END = "floe_partition_end"
VAR_KEY = "floe_partition_key"
_EPSILON = timedelta(microseconds=1)
_OFFSET_SUFFIX = re.compile(r"[+-]\d{4}$")


def window_starts(parts: TimeWindowPartitions, until: datetime | None = None) -> list[datetime]:
    """Starts of every complete window: windows that end at or before `end` (or `until`, default now)."""
    zone = get_timezone(parts.timezone)
    start = parts.start.replace(tzinfo=zone)
    limit = parts.end.replace(tzinfo=zone) if parts.end is not None else (until or datetime.now(timezone.utc))
    cron = parse_cron(CADENCE_CRON[parts.cadence])
    starts: list[datetime] = []
    # A window starts at a cadence tick at or after `start`; it is complete when the next tick has passed.
    ticks = iter_fire_times(cron, parts.timezone, start - _EPSILON)
    current = next(ticks)
    for following in ticks:
        if following > limit:
            break
        starts.append(current)
        current = following
    return starts


def partition_keys(parts: Partitions, until: datetime | None = None) -> list[str]:
    if isinstance(parts, StaticPartitions):
        return list(parts.keys)
    if isinstance(parts, TimeWindowPartitions):
        return window_keys(parts, window_starts(parts, until))
    first, second = (partition_keys(d.partitions, until) for d in parts.dimensions)
    return [f"{a}{MULTI_KEY_SEPARATOR}{b}" for a, b in product(first, second)]


def window_keys(parts: TimeWindowPartitions, starts: list[datetime]) -> list[str]:
    """Keys of windows; the second pass of a repeated hour (fall back) gets its UTC offset appended, as
    Dagster names it, so every key names one window."""
    keys: list[str] = []
    for start in starts:
        key = start.strftime(parts.fmt)
        if keys and keys[-1] == key:
            key += start.strftime("%z")
        keys.append(key)
    return keys


def time_window(parts: TimeWindowPartitions, key: str) -> tuple[datetime, datetime]:
    """The [start, end) window of a key, as aware datetimes in the partition set's timezone."""
    zone = get_timezone(parts.timezone)
    try:
        if _OFFSET_SUFFIX.search(key) and not _OFFSET_SUFFIX.search(parts.fmt):
            # The second pass of a repeated wall-clock hour: the offset says which instant.
            start = datetime.strptime(key, parts.fmt + "%z").astimezone(zone)
        else:
            start = datetime.strptime(key, parts.fmt).replace(tzinfo=zone, fold=0)
    except ValueError:
        raise KeyError(f"{key!r} is not a key of partitions {parts.name!r} (format {parts.fmt!r})") from None
    end = next(iter_fire_times(CADENCE_CRON[parts.cadence], parts.timezone, start))
    return start, end


def scheduled_windows(parts: TimeWindowPartitions, fires: Iterable[datetime]) -> list[tuple[datetime, str]]:
    """What a partitioned schedule runs, fire by fire: the latest window closed at or before the fire, each
    window once. A fire before the first window closes, or once the last window has run, runs nothing and is
    left out, so a schedule over partitions that end stops making runs there."""
    fires = list(fires)
    starts = window_starts(parts, until=max(fires)) if fires else []
    closes = [*starts[1:], time_window(parts, window_keys(parts, starts)[-1])[1]] if starts else []
    windows = list(zip(window_keys(parts, starts), closes, strict=True))
    runs: list[tuple[datetime, str]] = []
    for fire in fires:
        closed = [key for key, close in windows if close <= fire]
        if closed and (not runs or runs[-1][1] != closed[-1]):
            runs.append((fire, closed[-1]))
    return runs


def split_multi_key(parts: MultiPartitions, key: str) -> dict[str, str]:
    values = key.split(MULTI_KEY_SEPARATOR)
    if len(values) != 2:
        raise KeyError(f"{key!r} is not a key of partitions {parts.name!r} (expected 'a{MULTI_KEY_SEPARATOR}b')")
    return {d.name: v for d, v in zip(parts.dimensions, values, strict=False)}


def partition_vars(parts: Partitions, key: str, last_key: str | None = None) -> dict[str, str]:
    """dbt vars for one partition, or for the range `key`..`last_key` of a ranged run."""
    if isinstance(parts, StaticPartitions):
        return {VAR_KEY: key}
    if isinstance(parts, TimeWindowPartitions):
        start, _ = time_window(parts, key)
        _, end = time_window(parts, last_key or key)
        return {VAR_KEY: key, VAR_START: _iso(start, parts), VAR_END: _iso(end, parts)}
    result: dict[str, str] = {VAR_KEY: key}
    for dim in parts.dimensions:
        value = split_multi_key(parts, key)[dim.name]
        for name, var in partition_vars(dim.partitions, value).items():
            if name != VAR_KEY:
                result[name] = var
        result[f"floe_partition_{dim.name}"] = value
    return result


def upstream_partition_keys(up: Partitions, down: Partitions, mapping: PartitionMapping | None, key: str,
                            until: datetime | None = None) -> list[str]:
    """The upstream partitions that downstream partition `key` reads through `mapping`, in upstream key order.

    Mapped windows outside the upstream partition set are dropped, as the engines drop them.
    """
    candidates = partition_keys(up, until)
    if mapping is None or mapping.kind == "identity":
        return [key] if key in candidates else []
    if mapping.kind == "all":
        return candidates
    if mapping.kind == "static":
        return [k for k in candidates if key in mapping.mapping.get(k, ())]
    if mapping.kind == "multi_to_single":
        if isinstance(down, MultiPartitions):
            wanted = split_multi_key(down, key)[mapping.dimension]
            return [wanted] if wanted in candidates else []
        if isinstance(up, MultiPartitions):
            return [k for k in candidates if split_multi_key(up, k)[mapping.dimension] == key]
    if mapping.kind == "time_window" and isinstance(up, TimeWindowPartitions):
        if not isinstance(down, TimeWindowPartitions):
            raise ValueError(f"a time_window mapping cannot connect {up.name!r} to {down.name!r}")
        start, end = time_window(down, key)
        start, end = _shift(down, start, mapping.start_offset), _shift(down, end, mapping.end_offset)
        return [k for k in candidates if _overlaps(time_window(up, k), start, end)]
    raise ValueError(f"a {mapping.kind} mapping cannot connect {up.name!r} to {down.name!r}")


def _shift(parts: TimeWindowPartitions, moment: datetime, windows: int) -> datetime:
    """`moment` moved by `windows` cadence ticks of `parts` (backwards when negative)."""
    cron = CADENCE_CRON[parts.cadence]
    for _ in range(abs(windows)):
        if windows > 0:
            moment = next(iter_fire_times(cron, parts.timezone, moment))
        else:
            # No cadence is longer than a month: the last tick before `moment` lies within 32 days of it.
            earlier = iter_fire_times(cron, parts.timezone, moment - timedelta(days=32))
            moment = max(t for t in _until(earlier, moment))
    return moment


def _until(ticks: Iterator[datetime], limit: datetime) -> Iterator[datetime]:
    for tick in ticks:
        if tick >= limit:
            return
        yield tick


def _overlaps(window: tuple[datetime, datetime], start: datetime, end: datetime) -> bool:
    return window[0] < end and window[1] > start


def _iso(moment: datetime, parts: TimeWindowPartitions) -> str:
    # Daily and coarser windows are dates to the models that filter on them; hourly ones need the time.
    naive = moment.replace(tzinfo=None)
    return naive.isoformat(sep=" ") if parts.cadence == "hourly" else naive.date().isoformat()

