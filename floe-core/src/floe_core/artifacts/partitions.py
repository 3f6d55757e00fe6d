"""Partition sets and the mappings between partitioned assets."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, model_validator

from floe_core.artifacts.base import FloeModel, Name

Cadence = Literal["hourly", "daily", "weekly", "monthly"]

DEFAULT_FORMATS: dict[str, str] = {
    "hourly": "%Y-%m-%d-%H:%M",
    "daily": "%Y-%m-%d",
    "weekly": "%Y-%m-%d",
    "monthly": "%Y-%m-%d",
}


class TimeWindowPartitions(FloeModel):
    """Consecutive windows of one cadence from `start` (inclusive) to `end` (exclusive, open when None).

    `start` and `end` are naive wall-clock times in `timezone`; a window's key is its start formatted with
    `fmt`. Weekly windows start on the weekday of `start`, as the engines do for a weekly cadence anchored
    on its start date.
    """

    kind: Literal["time_window"] = "time_window"
    name: Name
    cadence: Cadence
    start: datetime
    end: datetime | None = None
    timezone: str = "UTC"
    fmt: str = ""

    @model_validator(mode="after")
    def _check(self) -> TimeWindowPartitions:
        if not self.fmt:
            object.__setattr__(self, "fmt", DEFAULT_FORMATS[self.cadence])
        if self.end is not None and self.end <= self.start:
            raise ValueError(
                f"end {self.end.isoformat()} is not after start {self.start.isoformat()}; "
                "set end after start, or leave end out for an open-ended partition set"
            )
        return self


class StaticPartitions(FloeModel):
    """A fixed, ordered list of keys (regions, tenants, sources)."""

    kind: Literal["static"] = "static"
    name: Name
    keys: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> StaticPartitions:
        seen: set[str] = set()
        for key in self.keys:
            if key in seen:
                raise ValueError(f"key {key!r} is listed twice; list each static partition key once")
            seen.add(key)
        return self


class PartitionDimension(FloeModel):
    name: Name
    partitions: Annotated[TimeWindowPartitions | StaticPartitions, Field(discriminator="kind")]


class MultiPartitions(FloeModel):
    """Two dimensions; a key is `<key of first>|<key of second>`, dimensions ordered by name."""

    kind: Literal["multi"] = "multi"
    name: Name
    dimensions: tuple[PartitionDimension, PartitionDimension]

    @model_validator(mode="after")
    def _check(self) -> MultiPartitions:
        names = [d.name for d in self.dimensions]
        if names[0] == names[1]:
            raise ValueError(f"both dimensions are named {names[0]!r}; give each dimension its own name")
        if names != sorted(names):
            object.__setattr__(self, "dimensions", tuple(sorted(self.dimensions, key=lambda d: d.name)))
        if sum(isinstance(d.partitions, TimeWindowPartitions) for d in self.dimensions) > 1:
            raise ValueError("at most one dimension may be a time window; make the other one static")
        return self


Partitions = Annotated[TimeWindowPartitions | StaticPartitions | MultiPartitions, Field(discriminator="kind")]


class IdentityMapping(FloeModel):
    """Partition k of the downstream asset reads partition k of the upstream (the default when both match)."""

    kind: Literal["identity"] = "identity"


class TimeWindowMapping(FloeModel):
    """Downstream window [s, e) reads upstream windows overlapping [s + start_offset, e + end_offset)."""

    kind: Literal["time_window"] = "time_window"
    start_offset: int = 0
    end_offset: int = 0


class AllPartitionsMapping(FloeModel):
    """Every downstream partition reads all upstream partitions (an unpartitioned consumer of history)."""

    kind: Literal["all"] = "all"


class StaticMapping(FloeModel):
    """Upstream static key -> downstream static keys."""

    kind: Literal["static"] = "static"
    mapping: dict[str, tuple[str, ...]]


class MultiToSingleMapping(FloeModel):
    """A multi-partitioned asset and a single-dimension one, joined on one named dimension."""

    kind: Literal["multi_to_single"] = "multi_to_single"
    dimension: Name


PartitionMapping = Annotated[
    IdentityMapping | TimeWindowMapping | AllPartitionsMapping | StaticMapping | MultiToSingleMapping,
    Field(discriminator="kind"),
]
