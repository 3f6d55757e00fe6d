"""What a provider implements so the contract suite can drive its engine.

Each method answers from the engine: what it stores and loads (its definitions, serialized DAGs, timetables),
what it evaluates (schedules, sensors) and what it records (runs, events, task instances). Never from the
artifacts, from floe-core, or from a value the provider copied out of the artifacts: the suite takes the
expected value from there, so an answer taken from the same place would prove nothing.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from floe_core import BackfillRequest, BackfillResult, CompiledArtifacts, OrchestratorPlugin, RunFilter, RunRecord
from floe_core.errors import UnsupportedFeatureError


@dataclass(frozen=True)
class CheckView:
    """A check as the engine models it: attached to one asset, blocking or not."""

    asset: str
    blocking: bool


@dataclass(frozen=True)
class SensorTick:
    """The outcome of evaluating a sensor once: which runs it asked for, and the cursor it leaves."""

    run_requests: tuple[RunRequestView, ...]
    cursor: str | None = None
    skip_reason: str | None = None


@dataclass(frozen=True)
class RunRequestView:
    job: str
    partition: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


class ProviderHarness(ABC):
    """One engine, bound to one compiled artifacts file, inside one engine instance (a temp home).

    `setup` is called once per artifacts file with a folder the harness owns (for DAGSTER_HOME, AIRFLOW_HOME,
    generated DAG files); everything the engine stores goes there.
    """

    engine: str

    @abstractmethod
    def plugin(self) -> OrchestratorPlugin: ...

    @abstractmethod
    def setup(self, artifacts: CompiledArtifacts, home: Path) -> None:
        """Build the native objects from the artifacts (and load them the way the engine would)."""

    # -- structure, read back through the engine's API ------------------------------------------------------

    @abstractmethod
    def asset_keys(self) -> set[str]:
        """Every asset key the engine knows, as floe keys ("a/b" for a two-part key)."""

    @abstractmethod
    def edges(self) -> set[tuple[str, str]]:
        """(upstream, downstream) for every dependency the engine will honour."""

    @abstractmethod
    def checks(self) -> dict[str, CheckView]:
        """Check name -> how the engine models it."""

    @abstractmethod
    def job_assets(self) -> dict[str, set[str]]:
        """Job name -> the asset keys it runs."""

    @abstractmethod
    def schedule_fire_times(self, schedule: str, after: datetime, count: int) -> list[datetime]:
        """The next `count` fire times strictly after `after`, computed by the engine's own timetable."""

    @abstractmethod
    def scheduled_runs(self, schedule: str, after: datetime, until: datetime) -> list[tuple[datetime, list[str]]]:
        """The runs the engine's scheduler makes for a partitioned schedule, fire time in (`after`, `until`],
        each with the partition keys it processes; a tick that makes no run is left out."""

    @abstractmethod
    def tick_schedule(self, schedule: str, cursor: str | None = None) -> SensorTick:
        """Evaluate a schedule that runs after other jobs once, now, the way the engine's scheduler does,
        consuming what it fires on (so the next tick fires only on new successes)."""

    @abstractmethod
    def partition_keys(self, asset: str) -> list[str]:
        """The engine's partition keys of an asset (empty when unpartitioned)."""

    def upstream_partition_keys(self, asset: str, partition: str, upstream: str) -> list[str]:
        """The partitions of `upstream` that partition `partition` of `asset` reads, as the engine maps them.

        Only an engine that models partition mappings can answer; the others inherit this refusal.
        """
        plugin = self.plugin()
        raise UnsupportedFeatureError.for_feature(plugin.name, plugin.engine_version, "partition_mappings",
                                                  found=f"{asset} <- {upstream}")

    @abstractmethod
    def sensor_jobs(self) -> dict[str, str]:
        """Sensor name -> the job it triggers."""

    @abstractmethod
    def tick_sensor(self, sensor: str, cursor: str | None = None) -> SensorTick:
        """Evaluate a sensor once, now, with the engine's own evaluation path."""

    # -- execution ------------------------------------------------------------------------------------------

    def run_job(self, job: str, partition: str | None = None, *, rerun_of: str | None = None) -> RunRecord:
        """Run a job in-process for real and return the engine's record of it."""
        return self.plugin().run_job(self.artifacts, job, partition, rerun_of=rerun_of)

    def launch_backfill(self, request: BackfillRequest) -> BackfillResult:
        return self.plugin().launch_backfill(self.artifacts, request)

    def run_history(self, run_filter: RunFilter | None = None) -> list[RunRecord]:
        return self.plugin().run_history(run_filter)

    @property
    @abstractmethod
    def artifacts(self) -> CompiledArtifacts: ...

    def teardown(self) -> None:  # noqa: B027 - optional hook; most harnesses hold nothing to release
        """Release whatever `setup` started."""
