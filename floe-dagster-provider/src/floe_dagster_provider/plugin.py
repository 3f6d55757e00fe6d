"""`DagsterOrchestratorPlugin`: floe's OrchestratorPlugin on Dagster, registered as `dagster`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import dagster as dg
from floe_core.artifacts import CompiledArtifacts
from floe_core.plugin import (
    BackfillRequest,
    BackfillResult,
    Capabilities,
    OrchestratorPlugin,
    PluginConfig,
    RunFilter,
    RunRecord,
)

from floe_dagster_provider import _compat, backfill, execution, run_history
from floe_dagster_provider.definitions import build_objects, definitions_of
from floe_dagster_provider.keys import NO_KEYS, AssetKeys
from floe_dagster_provider.translator import DagsterTranslator
from floe_dagster_provider.version import __version__


class DagsterOrchestratorPlugin(OrchestratorPlugin):
    """Renders compiled artifacts as Dagster definitions and runs them in-process on a Dagster instance.

    `translator` is the one `build_definitions` takes: runs, reruns, backfills and run history all use it.
    """

    name: ClassVar[str] = "dagster"
    version: ClassVar[str] = __version__

    def __init__(
        self, config: PluginConfig | dict[str, Any] | None = None, *, translator: DagsterTranslator | None = None
    ) -> None:
        super().__init__(config)
        self.translator = translator or DagsterTranslator()
        self._instance: dg.DagsterInstance | None = None
        self._definitions: dict[int, tuple[CompiledArtifacts, dg.Definitions, AssetKeys]] = {}
        # Every key this plugin's definitions named: run history has no artifacts to ask.
        self._keys_seen = NO_KEYS

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(
            supports_asset_checks=True,
            supports_blocking_checks=_compat.supports_blocking_checks(),
            supports_python_assets=True,
            supports_external_assets=True,
            supports_time_window_partitions=True,
            supports_static_partitions=True,
            supports_multi_partitions=True,
            supports_partition_mappings=True,
            supports_cron_schedules=True,
            supports_partitioned_schedules=True,
            supports_schedule_dependencies=True,
            supports_file_sensors=True,
            supports_asset_sensors=True,
            supports_run_status_sensors=True,
            supports_sql_sensors=True,
            supports_custom_sensors=True,
            supports_backfills=True,
            supports_ranged_backfills=True,
            supports_retries=True,
            supports_run_history=True,
        )

    @property
    def engine_version(self) -> str:
        return str(dg.__version__)

    # -- native objects -------------------------------------------------------------------------------------

    def generate_assets(self, artifacts: CompiledArtifacts) -> Sequence[Any]:
        return build_objects(artifacts, translator=self.translator).assets

    def generate_schedules(self, artifacts: CompiledArtifacts) -> Sequence[Any]:
        """Schedules, plus the run-status sensors that stand in for schedules with `after_jobs`."""
        objects = build_objects(artifacts, translator=self.translator)
        return [*objects.schedules, *objects.schedule_sensors]

    def generate_sensors(self, artifacts: CompiledArtifacts) -> Sequence[Any]:
        return build_objects(artifacts, translator=self.translator).sensors

    def build(self, artifacts: CompiledArtifacts) -> dg.Definitions:
        return self._build_with_keys(artifacts)[0]

    def _build_with_keys(self, artifacts: CompiledArtifacts) -> tuple[dg.Definitions, AssetKeys]:
        self.check_supported(artifacts)
        objects = build_objects(artifacts, translator=self.translator)
        return definitions_of(objects), objects.keys

    def definitions(self, artifacts: CompiledArtifacts) -> dg.Definitions:
        """`build`, memoized per artifacts object so repeated runs reuse one resolved repository."""
        return self._built(artifacts)[1]

    def asset_keys(self, artifacts: CompiledArtifacts) -> AssetKeys:
        """The floe and Dagster keys of the definitions `definitions(artifacts)` returns."""
        return self._built(artifacts)[2]

    def _built(self, artifacts: CompiledArtifacts) -> tuple[CompiledArtifacts, dg.Definitions, AssetKeys]:
        cached = self._definitions.get(id(artifacts))
        if cached is None or cached[0] is not artifacts:
            definitions, keys = self._build_with_keys(artifacts)
            cached = (artifacts, definitions, keys)
            self._definitions[id(artifacts)] = cached
            self._keys_seen = self._keys_seen.merged(keys)
        return cached

    @property
    def instance(self) -> dg.DagsterInstance:
        if self._instance is None:
            self._instance = run_history.open_instance(self.config.instance_dir)
        return self._instance

    # -- running --------------------------------------------------------------------------------------------

    def run_job(
        self, artifacts: CompiledArtifacts, job: str, partition: str | None = None, *, rerun_of: str | None = None
    ) -> RunRecord:
        tags: dict[str, str] = {}
        selection = None
        keys = self.asset_keys(artifacts)
        if rerun_of is not None:
            parent = run_history.get_run_record(self.instance, rerun_of, keys=keys)
            partition = partition if partition is not None else parent.partition
            selection = execution.rerun_keys(artifacts, job, parent, keys)
            root = self.instance.get_run_by_id(rerun_of)
            tags[_compat.PARENT_RUN_TAG] = rerun_of
            tags[_compat.ROOT_RUN_TAG] = (root.tags.get(_compat.ROOT_RUN_TAG) if root else None) or rerun_of
        execution.check_job(artifacts, job, partition)
        job_def = execution.job_definition(self.definitions(artifacts), job)
        run_id = execution.execute(
            job_def, self.instance, partition, tags=tags, selection=selection,
            log_level=artifacts.observability.log_level,
        )
        return run_history.get_run_record(self.instance, run_id, keys=keys)

    def launch_backfill(self, artifacts: CompiledArtifacts, request: BackfillRequest) -> BackfillResult:
        return backfill.launch_backfill(self, artifacts, request)

    def run_history(self, run_filter: RunFilter | None = None) -> list[RunRecord]:
        return run_history.run_records(self.instance, run_filter, keys=self._keys_seen)
