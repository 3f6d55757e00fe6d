"""The harness that binds the reference plugin to the contract suite."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from floe_core import AssetGraph, CompiledArtifacts, RunFilter
from floe_core.artifacts import (
    AssetSensor,
    CustomSensor,
    FileSensor,
    RunStatusSensor,
    SqlSensor,
    TimeWindowPartitions,
)
from floe_core.cron import fire_times, iter_fire_times
from floe_core.partitioning import partition_keys, scheduled_windows, upstream_partition_keys

from floe_contract_tests.harness import CheckView, ProviderHarness, RunRequestView, SensorTick
from floe_contract_tests.reference import ReferenceDefinitions, ReferenceOrchestratorPlugin


class ReferenceHarness(ProviderHarness):
    engine = "reference"

    def setup(self, artifacts: CompiledArtifacts, home: Path) -> None:
        self._artifacts = artifacts
        self._plugin = ReferenceOrchestratorPlugin({"instance_dir": home})
        self.defs: ReferenceDefinitions = self._plugin.build(artifacts)

    def plugin(self) -> ReferenceOrchestratorPlugin:
        return self._plugin

    @property
    def artifacts(self) -> CompiledArtifacts:
        return self._artifacts

    def asset_keys(self) -> set[str]:
        return {a.key for a in self.defs.assets}

    def edges(self) -> set[tuple[str, str]]:
        return set(AssetGraph(self.defs.assets).edges)

    def checks(self) -> dict[str, CheckView]:
        return {c.name: CheckView(c.asset, c.blocking) for c in self._artifacts.orchestration.checks}

    def job_assets(self) -> dict[str, set[str]]:
        return {name: set(keys) for name, keys in self.defs.jobs.items()}

    def _schedule(self, name: str):  # type: ignore[no-untyped-def]
        return next(s for s in self.defs.schedules if s.name == name)

    def schedule_fire_times(self, schedule: str, after: datetime, count: int) -> list[datetime]:
        found = self._schedule(schedule)
        return fire_times(found.cron, found.timezone, after, count)

    def scheduled_runs(self, schedule: str, after: datetime, until: datetime) -> list[tuple[datetime, list[str]]]:
        found = self._schedule(schedule)
        parts = self._artifacts.partitions_by_name[self._artifacts.jobs_by_name[found.job].partitions or ""]
        assert isinstance(parts, TimeWindowPartitions), "the reference schedules time-window partitions only"
        fires = []
        for fire in iter_fire_times(found.cron, found.timezone, after):
            if fire > until:
                break
            fires.append(fire)
        return [(fire, [key]) for fire, key in scheduled_windows(parts, fires)]

    def tick_schedule(self, schedule: str, cursor: str | None = None) -> SensorTick:
        """Fires once every job it waits for succeeded after the later of its own job's last start and the
        cursor (the newest success it already fired on)."""
        found = self._schedule(schedule)
        history = self._plugin.run_history(RunFilter(limit=10_000))
        own = [r.started_at.isoformat() for r in history if r.job == found.job and r.started_at]
        since = max([*own, cursor or ""])
        newest = []
        for job in found.after_jobs:
            ends = [r.ended_at.isoformat() for r in history if r.job == job and r.status == "success" and r.ended_at]
            newest.append(max(ends, default=""))
        if all(end > since for end in newest):
            return SensorTick((RunRequestView(job=found.job),), max(newest))
        return SensorTick((), cursor)

    def partition_keys(self, asset: str) -> list[str]:
        parts = self._artifacts.asset_partitions(asset)
        return [] if parts is None else partition_keys(parts)

    def upstream_partition_keys(self, asset: str, partition: str, upstream: str) -> list[str]:
        down, up = self._artifacts.asset_partitions(asset), self._artifacts.asset_partitions(upstream)
        dep = next(d for d in self._artifacts.assets_by_key[asset].deps if d.key == upstream)
        assert down is not None and up is not None
        return upstream_partition_keys(up, down, dep.partition_mapping, partition)

    def sensor_jobs(self) -> dict[str, str]:
        return {s.name: s.job for s in self.defs.sensors}

    def tick_sensor(self, sensor: str, cursor: str | None = None) -> SensorTick:
        from floe_core.runtime import custom_condition, new_files, sql_condition

        found = next(s for s in self.defs.sensors if s.name == sensor)
        request = (RunRequestView(job=found.job),)
        if isinstance(found, FileSensor):
            files, new_cursor = new_files(found, self._artifacts.project_dir, cursor)
            return SensorTick(request * len(files), new_cursor)
        if isinstance(found, SqlSensor):
            return SensorTick(request if sql_condition(self._artifacts, found) else ())
        if isinstance(found, CustomSensor):
            return SensorTick(request if custom_condition(found, self._artifacts) else ())
        history = self._plugin.run_history(RunFilter(limit=10_000))
        if isinstance(found, AssetSensor):
            events = [r for r in history if any(
                r.assets.get(k) and r.assets[k].status == "materialized" for k in found.assets)]
        else:
            assert isinstance(found, RunStatusSensor)
            wanted = "success" if found.status == "success" else "failure"
            events = [r for r in history if r.job == found.watched_job and r.status == wanted]
        newest = max((r.ended_at.isoformat() for r in events if r.ended_at), default="")
        fired = cursor is not None and newest > cursor
        return SensorTick(request if fired else (), newest or cursor)
