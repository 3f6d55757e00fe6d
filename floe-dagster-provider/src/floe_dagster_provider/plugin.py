"""`DagsterOrchestratorPlugin`: floe's OrchestratorPlugin on Dagster, registered as `dagster`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

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
from floe_dagster_provider.graphql_api import DagsterGraphql, DagsterGraphqlConfig
from floe_dagster_provider.keys import NO_KEYS, AssetKeys
from floe_dagster_provider.translator import DagsterTranslator
from floe_dagster_provider.version import __version__

if TYPE_CHECKING:
    from floe_dagster_provider.deployment import DeployedDagster


class DagsterPluginConfig(PluginConfig):
    """`instance_dir` is DAGSTER_HOME for embedded mode.

    With `graphql`, the plugin is in deployment mode: runs, reruns, backfills and history go to that running
    Dagster's webserver, whose code location loads the product's definitions, and its daemon and run launcher
    do the work. Without it (embedded mode), this process runs the work on the instance in `instance_dir`.
    """

    graphql: DagsterGraphqlConfig | None = None


class DagsterOrchestratorPlugin(OrchestratorPlugin):
    """Renders compiled artifacts as Dagster definitions and runs them in-process on a Dagster instance, or, in
    deployment mode (`graphql` in the config), on a running Dagster through its GraphQL API.

    `translator` is the one `build_definitions` takes: runs, reruns, backfills and run history all use it.
    """

    name: ClassVar[str] = "dagster"
    version: ClassVar[str] = __version__
    config_model = DagsterPluginConfig
    config: DagsterPluginConfig

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
        """One run of `job`: in deployment mode launched on the running Dagster (a rerun is its re-execution
        from failure); in embedded mode run in this process (a rerun runs what the failed run left undone)."""
        keys = self.asset_keys(artifacts)
        deployed = self._deployed()
        if deployed is not None:
            if rerun_of is None:
                return deployed.run_job(artifacts, job, partition, keys)
            return deployed.rerun_failed(rerun_of, keys)
        tags: dict[str, str] = {}
        selection = None
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
        deployed = self._deployed()
        if deployed is not None:
            size = backfill.max_partitions_per_run(self.definitions(artifacts), request.job)
            return deployed.launch_backfill(artifacts, request, self.asset_keys(artifacts), size)
        return backfill.launch_backfill(self, artifacts, request)

    def run_history(self, run_filter: RunFilter | None = None) -> list[RunRecord]:
        deployed = self._deployed()
        if deployed is not None:
            return deployed.history(run_filter or RunFilter(), self._keys_seen)
        return run_history.run_records(self.instance, run_filter, keys=self._keys_seen)

    def _deployed(self) -> DeployedDagster | None:
        """The running Dagster of deployment mode, or None in embedded mode."""
        if self.config.graphql is None:
            return None
        from floe_dagster_provider.deployment import DeployedDagster

        return DeployedDagster(DagsterGraphql(self.config.graphql))
