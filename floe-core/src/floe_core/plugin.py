"""The OrchestratorPlugin ABC and the engine-neutral records it speaks in."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from floe_core.artifacts import CompiledArtifacts, FloeModel, ReprocessMode
from floe_core.errors import UnsupportedFeatureError
from floe_core.features import FEATURES, features_used

# The plugin API this floe-core provides. A plugin declares the version it was written against; it loads
# when the major matches and its minor is no newer than ours.
FLOE_API_VERSION = "1.0"


class Capabilities(FloeModel):
    """What an engine provider can run, at the engine version installed. Every flag defaults to False so a
    provider claims each feature explicitly; the contract suite holds it to each claim both ways."""

    supports_asset_checks: bool = False
    supports_blocking_checks: bool = False
    supports_python_assets: bool = False
    supports_external_assets: bool = False
    supports_time_window_partitions: bool = False
    supports_static_partitions: bool = False
    supports_multi_partitions: bool = False
    supports_partition_mappings: bool = False
    supports_cron_schedules: bool = False
    supports_partitioned_schedules: bool = False
    supports_schedule_dependencies: bool = False
    supports_file_sensors: bool = False
    supports_asset_sensors: bool = False
    supports_run_status_sensors: bool = False
    supports_sql_sensors: bool = False
    supports_custom_sensors: bool = False
    supports_backfills: bool = False
    supports_ranged_backfills: bool = False
    supports_retries: bool = False
    supports_run_history: bool = False

    def supports(self, feature: str) -> bool:
        return bool(getattr(self, f"supports_{feature}"))

    def missing(self) -> list[str]:
        return [f for f in FEATURES if not self.supports(f)]


class PluginConfig(FloeModel):
    """Settings every provider understands. `instance_dir` is where the engine keeps its state (Dagster's
    DAGSTER_HOME, Airflow's AIRFLOW_HOME); None means the engine's own default."""

    instance_dir: Path | None = None


RunStatus = Literal["queued", "running", "success", "failure", "canceled"]
AssetStatus = Literal["materialized", "failed", "skipped"]
CheckStatus = Literal["passed", "failed", "warned", "skipped"]


class AssetOutcome(FloeModel):
    status: AssetStatus
    attempts: int = Field(default=1, ge=0)


class RunRecord(FloeModel):
    """One run, as any engine reports it. `partition` is a key, or `first...last` for a ranged run."""

    run_id: str
    engine: str
    job: str
    status: RunStatus
    started_at: datetime | None = None
    ended_at: datetime | None = None
    partition: str | None = None
    assets: Mapping[str, AssetOutcome] = Field(default_factory=dict)
    checks: Mapping[str, CheckStatus] = Field(default_factory=dict)
    backfill_id: str | None = None


class RunFilter(FloeModel):
    job: str | None = None
    statuses: tuple[RunStatus, ...] = ()
    partition: str | None = None
    backfill_id: str | None = None
    since: datetime | None = None
    limit: int = Field(default=100, ge=1, le=10_000)

    def matches(self, record: RunRecord) -> bool:
        return (
            (self.job is None or record.job == self.job)
            and (not self.statuses or record.status in self.statuses)
            and (self.partition is None or record.partition == self.partition)
            and (self.backfill_id is None or record.backfill_id == self.backfill_id)
            and (self.since is None or (record.started_at is not None and record.started_at >= self.since))
        )


class BackfillRequest(FloeModel):
    """Run `job` over partitions `start`..`end` (keys, both inclusive) or over explicit `keys`."""

    job: str
    start: str | None = None
    end: str | None = None
    keys: tuple[str, ...] = ()
    reprocess: ReprocessMode | None = None

    @model_validator(mode="after")
    def _check(self) -> BackfillRequest:
        if bool(self.keys) == (self.start is not None or self.end is not None):
            raise ValueError("give either `keys`, or `start` and `end`, not both and not neither")
        if not self.keys and (self.start is None or self.end is None):
            raise ValueError("a ranged backfill needs both `start` and `end`")
        return self


class BackfillResult(FloeModel):
    backfill_id: str
    job: str
    partitions: tuple[str, ...]
    runs: tuple[RunRecord, ...]

    @property
    def succeeded(self) -> bool:
        return all(run.status == "success" for run in self.runs)


class OrchestratorPlugin(ABC):
    """One engine's native rendering of CompiledArtifacts.

    A provider subclasses this once, sets the class attributes, and registers the class under the
    `floe.orchestrators` entry-point group. `generate_*` return engine-native objects; `build` returns the
    whole native unit a user deploys (a Dagster `Definitions`, a dict of Airflow DAGs).
    """

    name: ClassVar[str]
    version: ClassVar[str]
    floe_api_version: ClassVar[str] = FLOE_API_VERSION
    config_model: ClassVar[type[PluginConfig]] = PluginConfig

    def __init__(self, config: PluginConfig | Mapping[str, Any] | None = None) -> None:
        if config is None:
            config = self.config_model()
        elif not isinstance(config, PluginConfig):
            config = self.config_model.model_validate(config)
        self.config = config

    @property
    @abstractmethod
    def capabilities(self) -> Capabilities:
        """What this provider can run at the installed engine version."""

    @property
    def engine_version(self) -> str:
        return "unknown"

    @abstractmethod
    def generate_assets(self, artifacts: CompiledArtifacts) -> Sequence[Any]: ...

    @abstractmethod
    def generate_schedules(self, artifacts: CompiledArtifacts) -> Sequence[Any]: ...

    @abstractmethod
    def generate_sensors(self, artifacts: CompiledArtifacts) -> Sequence[Any]: ...

    @abstractmethod
    def build(self, artifacts: CompiledArtifacts) -> Any: ...

    @abstractmethod
    def run_job(
        self, artifacts: CompiledArtifacts, job: str, partition: str | None = None, *, rerun_of: str | None = None
    ) -> RunRecord:
        """Run one job now, in this process, on the engine's own executor; `rerun_of` names an earlier run
        whose failed steps (and what depends on them) are all that runs."""

    @abstractmethod
    def launch_backfill(self, artifacts: CompiledArtifacts, request: BackfillRequest) -> BackfillResult: ...

    @abstractmethod
    def run_history(self, run_filter: RunFilter | None = None) -> list[RunRecord]: ...

    def unsupported_features(self, artifacts: CompiledArtifacts) -> list[UnsupportedFeatureError]:
        """Each feature the artifacts use that this provider declares it cannot run, with where it's used."""
        caps = self.capabilities
        return [
            UnsupportedFeatureError.for_feature(self.name, self.engine_version, feature, field=where)
            for feature, where in features_used(artifacts)
            if not caps.supports(feature)
        ]

    def check_supported(self, artifacts: CompiledArtifacts) -> None:
        refused = self.unsupported_features(artifacts)
        if refused:
            raise UnsupportedFeatureError([e.problems[0] for e in refused], [f for e in refused for f in e.features])
