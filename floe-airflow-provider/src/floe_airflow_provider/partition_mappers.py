"""floe's partition mappings as Airflow partition mappers (Airflow 3.2+, AIP-76).

Airflow's scheduler routes an Asset event of upstream partition `u` to the runs of a partitioned-asset DAG
through the DAG's mapper: `to_downstream(u)` names the downstream partitions that read `u` (one key or
several). floe states a mapping the other way round (downstream partition -> the upstream partitions it
reads), so each mapper here answers: which downstream partitions read upstream partition `u`.

Airflow's own mappers cannot say what floe's kinds say: its temporal mappers only truncate a key to a coarser
period (no offsets, so no trailing windows), `ProductMapper` keeps every dimension (it cannot drop one), and
none fans one key out to several. So each floe kind is a mapper class of its own, registered with Airflow
through the provider's plugin (`floe_airflow_provider.airflow_plugin`): Airflow stores them in the serialized
DAG by class path and arguments and loads them back only from a registered plugin.

Each mapper carries the partition sets it maps between (as floe's artifacts spell them), so it is
self-contained in the serialized DAG: the scheduler evaluates it without reading the artifacts file.
Only importable on Airflow 3.2+ (the `airflow.partition_mappers` package arrived in 3.2).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from airflow.partition_mappers.base import PartitionMapper
from floe_core.artifacts import (
    MultiPartitions,
    PartitionMapping,
    Partitions,
    TimeWindowPartitions,
)
from floe_core.cron import iter_fire_times
from floe_core.partitioning import CADENCE_CRON, partition_keys, split_multi_key, time_window
from pydantic import TypeAdapter

_PARTITIONS: TypeAdapter[Partitions] = TypeAdapter(Partitions)
# No floe cadence is longer than a month, so a window's previous tick lies within 32 days of it.
_LONGEST_WINDOW = timedelta(days=32)


def _dump(parts: Partitions) -> dict[str, Any]:
    return _PARTITIONS.dump_python(parts, mode="json")  # type: ignore[no-any-return]


def _load(data: Mapping[str, Any]) -> Partitions:
    return _PARTITIONS.validate_python(data)


class FloePartitionMapper(PartitionMapper):
    """A floe mapping onto the downstream partition set `downstream`: answers only with its keys."""

    def __init__(self, downstream: Partitions) -> None:
        super().__init__()
        self.downstream = downstream

    def to_downstream(self, key: str) -> list[str]:
        return [d for d in partition_keys(self.downstream) if self.reads(d, key)]

    @abstractmethod
    def reads(self, downstream_key: str, upstream_key: str) -> bool:
        """Whether downstream partition `downstream_key` reads upstream partition `upstream_key`."""

    def serialize(self) -> dict[str, Any]:
        return {"downstream": _dump(self.downstream)}

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> PartitionMapper:
        return cls(_load(data["downstream"]))


class FloeAllMapper(FloePartitionMapper):
    """floe `all`: every downstream partition reads every upstream partition."""

    def reads(self, downstream_key: str, upstream_key: str) -> bool:
        return True


class FloeStaticMapper(FloePartitionMapper):
    """floe `static`: upstream key -> the downstream keys the mapping lists for it."""

    def __init__(self, downstream: Partitions, mapping: Mapping[str, tuple[str, ...]]) -> None:
        super().__init__(downstream)
        self.mapping = {k: tuple(v) for k, v in sorted(mapping.items())}

    def reads(self, downstream_key: str, upstream_key: str) -> bool:
        return downstream_key in self.mapping.get(upstream_key, ())

    def serialize(self) -> dict[str, Any]:
        return {**super().serialize(), "mapping": {k: list(v) for k, v in self.mapping.items()}}

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> PartitionMapper:
        return cls(_load(data["downstream"]), {k: tuple(v) for k, v in data["mapping"].items()})


class FloeDimensionMapper(FloePartitionMapper):
    """floe `multi_to_single`: a two-dimensional set and a one-dimensional one joined on `dimension`.

    Upstream `2024-01-02|eu` feeds downstream `2024-01-02` (multi to single); upstream `2024-01-02` feeds
    every downstream `2024-01-02|<region>` (single to multi).
    """

    def __init__(self, downstream: Partitions, upstream: Partitions, dimension: str) -> None:
        super().__init__(downstream)
        self.upstream = upstream
        self.dimension = dimension

    def reads(self, downstream_key: str, upstream_key: str) -> bool:
        return self._value(self.downstream, downstream_key) == self._value(self.upstream, upstream_key)

    def _value(self, parts: Partitions, key: str) -> str:
        return split_multi_key(parts, key)[self.dimension] if isinstance(parts, MultiPartitions) else key

    def serialize(self) -> dict[str, Any]:
        return {**super().serialize(), "upstream": _dump(self.upstream), "dimension": self.dimension}

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> PartitionMapper:
        return cls(_load(data["downstream"]), _load(data["upstream"]), data["dimension"])


class FloeTimeWindowMapper(FloePartitionMapper):
    """floe `time_window`: downstream window [s, e) reads the upstream windows that overlap
    [s shifted by `start_offset` downstream windows, e shifted by `end_offset`)."""

    downstream: TimeWindowPartitions

    def __init__(
        self, downstream: TimeWindowPartitions, upstream: TimeWindowPartitions, start_offset: int, end_offset: int
    ) -> None:
        super().__init__(downstream)
        self.upstream = upstream
        self.start_offset = start_offset
        self.end_offset = end_offset

    def to_downstream(self, key: str) -> list[str]:
        start, end = time_window(self.upstream, key)
        return [d for d in partition_keys(self.downstream) if self._overlaps(d, start, end)]

    def reads(self, downstream_key: str, upstream_key: str) -> bool:
        return self._overlaps(downstream_key, *time_window(self.upstream, upstream_key))

    def _overlaps(self, downstream_key: str, start: datetime, end: datetime) -> bool:
        low, high = time_window(self.downstream, downstream_key)
        return self._shift(low, self.start_offset) < end and self._shift(high, self.end_offset) > start

    def _shift(self, moment: datetime, windows: int) -> datetime:
        """`moment` (a window boundary) moved by `windows` downstream windows, back when negative."""
        cron, zone = CADENCE_CRON[self.downstream.cadence], self.downstream.timezone
        if windows >= 0:
            ticks = iter_fire_times(cron, zone, moment)
            for _ in range(windows):
                moment = next(ticks)
            return moment
        earlier = list(_before(iter_fire_times(cron, zone, moment - _LONGEST_WINDOW * -windows), moment))
        return earlier[windows]

    def serialize(self) -> dict[str, Any]:
        return {
            **super().serialize(),
            "upstream": _dump(self.upstream),
            "start_offset": self.start_offset,
            "end_offset": self.end_offset,
        }

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> PartitionMapper:
        downstream, upstream = _load(data["downstream"]), _load(data["upstream"])
        assert isinstance(downstream, TimeWindowPartitions) and isinstance(upstream, TimeWindowPartitions)
        return cls(downstream, upstream, data["start_offset"], data["end_offset"])


def _before(ticks: Iterator[datetime], limit: datetime) -> Iterator[datetime]:
    for tick in ticks:
        if tick >= limit:
            return
        yield tick


MAPPER_CLASSES: tuple[type[PartitionMapper], ...] = (
    FloeAllMapper,
    FloeDimensionMapper,
    FloeStaticMapper,
    FloeTimeWindowMapper,
)


def partition_mapper(up: Partitions, down: Partitions, mapping: PartitionMapping) -> PartitionMapper:
    """The Airflow mapper of a floe mapping from partition set `up` to partition set `down`."""
    if mapping.kind == "all":
        return FloeAllMapper(down)
    if mapping.kind == "static":
        return FloeStaticMapper(down, mapping.mapping)
    if mapping.kind == "multi_to_single":
        return FloeDimensionMapper(down, up, mapping.dimension)
    if mapping.kind == "time_window":
        # `floe compile` refuses a time-window mapping between anything but two time-window sets.
        assert isinstance(up, TimeWindowPartitions) and isinstance(down, TimeWindowPartitions)
        return FloeTimeWindowMapper(down, up, mapping.start_offset, mapping.end_offset)
    raise ValueError(f"no Airflow partition mapper for a floe {mapping.kind!r} mapping")


__all__ = [
    "MAPPER_CLASSES",
    "FloeAllMapper",
    "FloeDimensionMapper",
    "FloePartitionMapper",
    "FloeStaticMapper",
    "FloeTimeWindowMapper",
    "partition_mapper",
]
