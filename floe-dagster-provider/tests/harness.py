"""`DagsterHarness`: the contract suite's view of Dagster, read back through Dagster's own API.

Structure comes from the resolved repository (its asset graph, check specs, job selections, partitions
definitions and mappings); schedule ticks from Dagster's own cron iteration in the schedule's execution
timezone; sensor ticks, and those of schedules that wait on other jobs (run-status sensors in Dagster), from
`evaluate_tick` on a `build_sensor_context` over the same instance the runs were recorded in.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import dagster as dg
from floe_contract_tests.harness import CheckView, ProviderHarness, RunRequestView, SensorTick
from floe_core import CompiledArtifacts
from floe_dagster_provider import DagsterOrchestratorPlugin, _compat
from floe_dagster_provider.schedules import AFTER_JOBS_METADATA_KEY


def floe_key(key: dg.AssetKey) -> str:
    """The harness's own reading of a Dagster key, never the provider's: the contract product configures no
    custom schema, version or `meta.dagster` key, so dagster-dbt's default key of each node is its floe key's
    path, and a translator fault that renames a key shows as a wrong key."""
    return "/".join(key.path)


class DagsterHarness(ProviderHarness):
    engine = "dagster"

    def setup(self, artifacts: CompiledArtifacts, home: Path) -> None:
        self._artifacts = artifacts
        self._plugin = DagsterOrchestratorPlugin({"instance_dir": home / "dagster_home"})
        self.defs = self._plugin.definitions(artifacts)
        self.repository = _compat.repository(self.defs)

    def plugin(self) -> DagsterOrchestratorPlugin:
        return self._plugin

    @property
    def artifacts(self) -> CompiledArtifacts:
        return self._artifacts

    # -- structure ------------------------------------------------------------------------------------------

    @property
    def asset_graph(self) -> Any:
        return self.repository.asset_graph

    def asset_keys(self) -> set[str]:
        return {floe_key(k) for k in self.asset_graph.get_all_asset_keys()}

    def edges(self) -> set[tuple[str, str]]:
        graph = self.asset_graph
        return {
            (floe_key(parent), floe_key(key))
            for key in graph.get_all_asset_keys()
            for parent in graph.get(key).parent_keys
        }

    def checks(self) -> dict[str, CheckView]:
        graph = self.asset_graph
        views = {}
        for check_key in graph.asset_check_keys:
            spec = graph.get_check_spec(check_key)
            views[check_key.name] = CheckView(asset=floe_key(check_key.asset_key), blocking=spec.blocking)
        return views

    def job_assets(self) -> dict[str, set[str]]:
        return {job.name: {floe_key(k) for k in _compat.job_asset_keys(self.defs, job.name)}
                for job in self.defs.jobs or []}

    def schedule_fire_times(self, schedule: str, after: datetime, count: int) -> list[datetime]:
        found = self.repository.get_schedule_def(schedule)
        return _compat.cron_ticks(found.cron_schedule, found.execution_timezone or "UTC", after, count)

    def scheduled_runs(self, schedule: str, after: datetime, until: datetime) -> list[tuple[datetime, list[str]]]:
        """The schedule evaluated at each of its ticks as the daemon ticks it, keeping the run requests whose run
        key the schedule has not used yet (the daemon launches no second run for a run key)."""
        found = self.repository.get_schedule_def(schedule)
        ticks = _compat.cron_ticks(found.cron_schedule, found.execution_timezone or "UTC", after, 400)
        runs: list[tuple[datetime, list[str]]] = []
        used: set[str | None] = set()
        for tick in (t for t in ticks if t <= until):
            with dg.build_schedule_context(instance=self._plugin.instance, scheduled_execution_time=tick,
                                           repository_def=self.repository) as context:
                requests = found.evaluate_tick(context).run_requests or []
            new = [r for r in requests if r.run_key is None or r.run_key not in used]
            used.update(r.run_key for r in new)
            if new:
                runs.append((tick, [str(r.partition_key) for r in new]))
        return runs

    def tick_schedule(self, schedule: str, cursor: str | None = None) -> SensorTick:
        # Dagster runs a schedule that waits on other jobs as a run-status sensor, ticked like any sensor.
        found = self.repository.get_sensor_def(schedule)
        assert isinstance(found, dg.RunStatusSensorDefinition), f"{schedule} is not wired as a run-status sensor"
        return self.tick_sensor(schedule, cursor)

    def partition_keys(self, asset: str) -> list[str]:
        node = self.asset_graph.get(dg.AssetKey(asset.split("/")))
        partitions_def = node.partitions_def
        return [] if partitions_def is None else list(partitions_def.get_partition_keys())

    def upstream_partition_keys(self, asset: str, partition: str, upstream: str) -> list[str]:
        child, parent = dg.AssetKey(asset.split("/")), dg.AssetKey(upstream.split("/"))
        down = self.asset_graph.get(child).partitions_def
        up = self.asset_graph.get(parent).partitions_def
        mapping = self.asset_graph.get_partition_mapping(child, parent)
        wanted = down.empty_subset().with_partition_keys([partition])
        mapped = mapping.get_upstream_mapped_partitions_result_for_partitions(wanted, down, up)
        return list(mapped.partitions_subset.get_partition_keys())

    def _floe_sensors(self) -> list[dg.SensorDefinition]:
        # Schedules that wait on other jobs are run-status sensors in Dagster, but schedules in floe.
        return [s for s in self.repository.sensor_defs if AFTER_JOBS_METADATA_KEY not in s.metadata]

    def sensor_jobs(self) -> dict[str, str]:
        return {s.name: s.job_name for s in self._floe_sensors()}

    def tick_sensor(self, sensor: str, cursor: str | None = None) -> SensorTick:
        found = self.repository.get_sensor_def(sensor)
        with dg.build_sensor_context(
            instance=self._plugin.instance,
            cursor=cursor,
            definitions=self.defs,
            sensor_name=sensor,
            resources=self.defs.resources,
        ) as context:
            data = _compat.sensor_tick(found, context)
        requests = tuple(
            RunRequestView(
                job=request.job_name or found.job_name,
                partition=request.partition_key,
                tags={k: str(v) for k, v in request.tags.items()},
            )
            for request in data.run_requests or []
        )
        return SensorTick(run_requests=requests, cursor=data.cursor, skip_reason=data.skip_message)

    def teardown(self) -> None:
        self._plugin.instance.dispose()
