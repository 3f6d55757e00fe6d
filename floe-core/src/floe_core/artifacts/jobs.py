"""Jobs, schedules and backfill policies."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from floe_core.artifacts.assets import RetryPolicy
from floe_core.artifacts.base import AssetKey, FloeModel, Name


class Job(FloeModel):
    """A named selection of assets, resolved at compile time so every engine runs exactly these keys."""

    name: Name
    description: str = ""
    assets: tuple[AssetKey, ...] = Field(min_length=1)
    selection: str = ""
    partitions: Name | None = None
    tags: tuple[str, ...] = ()
    retry: RetryPolicy | None = None


class Schedule(FloeModel):
    """Runs a job on a cron in an IANA timezone, or after other jobs succeed (`after_jobs`), not both.

    A partitioned schedule runs the job for the partition whose window just closed at each tick.
    """

    name: Name
    job: Name
    cron: str | None = None
    timezone: str = "UTC"
    enabled: bool = True
    partitioned: bool = False
    after_jobs: tuple[Name, ...] = ()
    description: str = ""

    @model_validator(mode="after")
    def _check(self) -> Schedule:
        if (self.cron is None) == (not self.after_jobs):
            raise ValueError(
                "a schedule needs exactly one trigger: set `cron` for a time-based schedule, or "
                "`after_jobs` for one that runs when other jobs succeed"
            )
        return self


ReprocessMode = Literal["missing", "failed", "all"]


class SingleRunBackfill(FloeModel):
    """A whole backfill range in one run (dbt gets the full window as vars)."""

    kind: Literal["single_run"] = "single_run"


class MultiRunBackfill(FloeModel):
    """Ranged runs of at most `max_partitions_per_run` consecutive partitions (1 = one run per partition)."""

    kind: Literal["multi_run"] = "multi_run"
    max_partitions_per_run: int = Field(default=1, ge=1, le=10_000)


class BackfillPolicy(FloeModel):
    job: Name
    policy: SingleRunBackfill | MultiRunBackfill = Field(discriminator="kind")
    reprocess: ReprocessMode = "missing"
