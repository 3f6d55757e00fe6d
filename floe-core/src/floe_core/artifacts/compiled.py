"""CompiledArtifacts: the one engine-neutral, versioned file both providers read."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import Field, PrivateAttr

from floe_core.artifacts.assets import Asset, Check, Exposure, RetryPolicy
from floe_core.artifacts.base import FloeModel
from floe_core.artifacts.jobs import BackfillPolicy, Job, Schedule
from floe_core.artifacts.partitions import Partitions
from floe_core.artifacts.sensors import Sensor
from floe_core.artifacts.settings import DbtProfiles, Observability, Plugins, Transforms

# Semantic version of the artifacts format (see COMPATIBILITY.md). Bump minor for additive, optional
# fields; bump major for anything an older reader would misread.
ARTIFACTS_VERSION = "1.4.0"
ARTIFACTS_SCHEMA_ID = "https://floe.dev/schemas/compiled-artifacts/v1.json"


class Metadata(FloeModel):
    name: str
    description: str = ""
    owners: tuple[str, ...] = ()
    floe_version: str
    compiled_from: str = "floe.yaml"
    inputs_sha256: str


class Identity(FloeModel):
    product: str
    domain: str | None = None


class Orchestration(FloeModel):
    assets: tuple[Asset, ...]
    checks: tuple[Check, ...] = ()
    partitions: tuple[Partitions, ...] = ()
    jobs: tuple[Job, ...]
    schedules: tuple[Schedule, ...] = ()
    sensors: tuple[Sensor, ...] = ()
    backfills: tuple[BackfillPolicy, ...] = ()
    exposures: tuple[Exposure, ...] = ()
    default_retry: RetryPolicy = RetryPolicy()


def default_profiles_dir(project_dir: Path) -> Path:
    """Where dbt finds profiles.yml when floe.yaml names no folder: the project's own, else dbt's default."""
    if (project_dir / "profiles.yml").is_file():
        return project_dir
    return Path(os.environ.get("DBT_PROFILES_DIR") or Path.home() / ".dbt").resolve()


_LOOKUPS = ("assets_by_key", "jobs_by_name", "partitions_by_name", "checks_by_asset", "backfill_by_job")


class CompiledArtifacts(FloeModel):
    schema_: str = Field(default=ARTIFACTS_SCHEMA_ID, alias="$schema")
    version: str = ARTIFACTS_VERSION
    metadata: Metadata
    identity: Identity
    plugins: Plugins = Plugins()
    transforms: Transforms
    dbt_profiles: DbtProfiles
    observability: Observability = Observability()
    orchestration: Orchestration

    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)

    @property
    def base_dir(self) -> Path:
        """The folder of the artifacts file: relative paths inside the artifacts resolve against it."""
        return self._base_dir

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> CompiledArtifacts:
        """A copy whose lookup tables are rebuilt from its own fields (they are caches of them)."""
        copied = super().model_copy(update=update, deep=deep)
        for name in _LOOKUPS:
            copied.__dict__.pop(name, None)
        copied._base_dir = self._base_dir
        return copied

    def located_at(self, artifacts_file: Path) -> CompiledArtifacts:
        self._base_dir = artifacts_file.resolve().parent
        return self

    @property
    def project_dir(self) -> Path:
        return (self.base_dir / self.transforms.dbt.project_dir).resolve()

    @property
    def profiles_dir(self) -> Path:
        configured = self.transforms.dbt.profiles_dir
        if configured is not None:
            return (self.base_dir / configured).resolve()
        return default_profiles_dir(self.project_dir)

    @cached_property
    def assets_by_key(self) -> dict[str, Asset]:
        return {a.key: a for a in self.orchestration.assets}

    @cached_property
    def jobs_by_name(self) -> dict[str, Job]:
        return {j.name: j for j in self.orchestration.jobs}

    @cached_property
    def partitions_by_name(self) -> dict[str, Partitions]:
        return {p.name: p for p in self.orchestration.partitions}

    @cached_property
    def checks_by_asset(self) -> dict[str, tuple[Check, ...]]:
        grouped: dict[str, list[Check]] = {}
        for check in self.orchestration.checks:
            grouped.setdefault(check.asset, []).append(check)
        return {key: tuple(checks) for key, checks in grouped.items()}

    @cached_property
    def backfill_by_job(self) -> dict[str, BackfillPolicy]:
        return {b.job: b for b in self.orchestration.backfills}

    def asset_partitions(self, key: str) -> Partitions | None:
        name = self.assets_by_key[key].partitions
        return None if name is None else self.partitions_by_name[name]

    def in_project(self, path: str) -> Path:
        """A path from the settings, made absolute against the dbt project folder."""
        p = Path(path)
        return p if p.is_absolute() else (self.project_dir / p).resolve()
