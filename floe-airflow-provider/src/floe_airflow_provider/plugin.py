"""The `airflow` floe orchestrator plugin: floe's OrchestratorPlugin ABC, implemented on Airflow 3.

Importing this module does not import Airflow: Airflow reads its home (`AIRFLOW_HOME`) once, when it is
first imported, so the plugin sets it from `instance_dir` before that happens.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from floe_core.artifacts import CompiledArtifacts
from floe_core.errors import Problem, RuntimeFailure, UnsupportedFeatureError
from floe_core.plugin import (
    BackfillRequest,
    BackfillResult,
    Capabilities,
    OrchestratorPlugin,
    PluginConfig,
    RunFilter,
    RunRecord,
)
from pydantic import model_validator

from floe_airflow_provider.rest_api import AirflowApiConfig

if TYPE_CHECKING:
    from floe_airflow_provider.deployment import DeployedAirflow

try:
    _VERSION = version("floe-airflow-provider")
except PackageNotFoundError:  # running from a source tree
    _VERSION = "0.0.0"


class AirflowPluginConfig(PluginConfig):
    """`instance_dir` is AIRFLOW_HOME; `dags_folder` defaults to Airflow's configured DAGs folder.

    With `api`, the plugin is in deployment mode: it writes the product into `dags_folder` (the folder the
    running Airflow's dag-processor reads) and runs, reruns, backfills and reads history through that
    Airflow's REST API, so its scheduler and executor do the work. Without it (embedded mode), this process
    runs the work on the metadata DB of `instance_dir`.
    """

    dags_folder: Path | None = None
    mode: Literal["per_model", "build"] = "per_model"
    migrate_db: bool = False
    api: AirflowApiConfig | None = None

    @model_validator(mode="after")
    def _deployment_needs_the_dags_folder(self) -> AirflowPluginConfig:
        if self.api is not None and self.dags_folder is None:
            raise ValueError("deployment mode (`api`) needs `dags_folder`: the folder the running Airflow's "
                             "dag-processor reads, where floe writes the product")
        return self


class AirflowOrchestratorPlugin(OrchestratorPlugin):
    name = "airflow"
    version = _VERSION
    config_model = AirflowPluginConfig

    config: AirflowPluginConfig
    _home_ready: bool = False

    # -- what this Airflow can run ------------------------------------------------------------------------

    @property
    def engine_version(self) -> str:
        self._airflow_home()
        from floe_airflow_provider import _compat

        return _compat.AIRFLOW_VERSION_TEXT

    @property
    def capabilities(self) -> Capabilities:
        self._airflow_home()
        from floe_airflow_provider import _compat

        return Capabilities(
            supports_asset_checks=True,
            supports_blocking_checks=True,
            supports_python_assets=_compat.PYTHON_ASSETS_RUNNABLE,
            supports_external_assets=True,
            supports_time_window_partitions=True,
            supports_static_partitions=True,
            supports_multi_partitions=True,
            # From 3.2 each mapping is an Airflow partition mapper on a partitioned-asset DAG (mapping_dags);
            # before 3.2 Airflow has nothing that stores or evaluates a mapping.
            supports_partition_mappings=_compat.HAS_PARTITION_MAPPERS,
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

    # -- native objects -------------------------------------------------------------------------------------

    def generate_assets(self, artifacts: CompiledArtifacts) -> Sequence[Any]:
        """An Airflow `Asset` per floe asset, as the DAGs' outlets and inlets name them."""
        self._airflow_home()
        from floe_airflow_provider.naming import DagNaming

        naming = DagNaming.of(artifacts)
        return [naming.asset(a.key, a.group) for a in sorted(artifacts.orchestration.assets, key=lambda a: a.key)]

    def generate_schedules(self, artifacts: CompiledArtifacts) -> Sequence[Any]:
        """Per floe schedule, in name order: its timetable, or the Asset condition it waits on."""
        self._airflow_home()
        from floe_airflow_provider.naming import DagNaming
        from floe_airflow_provider.timetables import schedule_timetable

        naming = DagNaming.of(artifacts)
        schedules = sorted(artifacts.orchestration.schedules, key=lambda s: s.name)
        return [schedule_timetable(s, artifacts, naming) for s in schedules]

    def generate_sensors(self, artifacts: CompiledArtifacts) -> Sequence[Any]:
        """Per floe sensor, in name order: the DAG that evaluates it and triggers its job."""
        dags = self.build(artifacts)
        from floe_airflow_provider.naming import DagNaming

        naming = DagNaming.of(artifacts)
        sensors = sorted(artifacts.orchestration.sensors, key=lambda s: s.name)
        return [dags[naming.sensor_dag_id(s.name)] for s in sensors]

    def build(self, artifacts: CompiledArtifacts) -> dict[str, Any]:
        """Every DAG of the product, keyed by DAG id (after writing its artifacts into the DAGs folder)."""
        artifacts_file = self.deploy(artifacts)
        from floe_airflow_provider.dags import build_dags

        return build_dags(artifacts_file, mode=self.config.mode)

    def deploy(self, artifacts: CompiledArtifacts) -> Path:
        """Write the product's artifacts and DAG factory file into the DAGs folder; returns the artifacts path."""
        from floe_airflow_provider.deploy import deploy

        return deploy(artifacts, self.dags_folder(), self.config.mode)

    def dags_folder(self) -> Path:
        self._airflow_home()
        if self.config.dags_folder is not None:
            return self.config.dags_folder.resolve()
        from floe_airflow_provider import _compat

        return Path(_compat.configured_dags_folder()).resolve()

    # -- running ----------------------------------------------------------------------------------------------

    def run_job(
        self, artifacts: CompiledArtifacts, job: str, partition: str | None = None, *, rerun_of: str | None = None
    ) -> RunRecord:
        """One run of `job`, now: in deployment mode by the running Airflow (a rerun clears the failed task
        instances of run `rerun_of`); embedded, with `dag.test()` (Airflow's in-process executor)."""
        self._airflow_home()
        from floe_airflow_provider import runs
        from floe_airflow_provider.naming import DagNaming
        from floe_airflow_provider.partitions import PARAM_PARTITION, PARAM_PARTITION_END

        self._known_job(artifacts, job)
        self._check_runnable(artifacts, job)
        artifacts_file = self.deploy(artifacts)
        conf: dict[str, Any] = {}
        if partition:
            first, _, last = partition.partition("...")
            conf[PARAM_PARTITION] = first
            if last:
                conf[PARAM_PARTITION_END] = last
        if rerun_of is not None and partition is not None:
            raise RuntimeFailure(Problem("a rerun clears the failed tasks of run `rerun_of`, which keeps its own "
                                         "partition", field="partition", found=partition,
                                         fix="leave out the partition when passing rerun_of"))
        deployed = self._deployed()
        if deployed is not None:
            if rerun_of is None:
                return deployed.run_job(artifacts, artifacts_file, job, conf)
            return deployed.rerun_failed(artifacts, artifacts_file, job, rerun_of)
        folder = runs.DagsFolder(self.dags_folder())
        dag_id = DagNaming.of(artifacts).dag_id(job)
        if rerun_of is not None:
            dag_run, cleared = runs.rerun_failed(folder, dag_id, rerun_of)
            tis = runs.task_ids_of(dag_run)
            return runs.record_of(artifacts, dag_run, skipped_tasks=tis - cleared)
        return runs.record_of(artifacts, runs.run_once(folder, dag_id, conf or None))

    def launch_backfill(self, artifacts: CompiledArtifacts, request: BackfillRequest) -> BackfillResult:
        self._airflow_home()
        from floe_airflow_provider import backfill, runs

        self._known_job(artifacts, request.job)
        self._check_runnable(artifacts, request.job)
        artifacts_file = self.deploy(artifacts)
        deployed = self._deployed()
        if deployed is not None:
            return deployed.launch_backfill(artifacts, artifacts_file, request)
        return backfill.launch(artifacts, runs.DagsFolder(self.dags_folder()), request)

    def run_history(self, run_filter: RunFilter | None = None) -> list[RunRecord]:
        self._airflow_home()
        from floe_airflow_provider.run_history import history

        deployed = self._deployed()
        if deployed is not None:
            return deployed.history(run_filter or RunFilter())
        return history(self.dags_folder(), run_filter or RunFilter())

    # -- helpers --------------------------------------------------------------------------------------------

    def _deployed(self) -> DeployedAirflow | None:
        """The running Airflow of deployment mode, or None in embedded mode."""
        if self.config.api is None:
            return None
        from floe_airflow_provider.deployment import DeployedAirflow
        from floe_airflow_provider.rest_api import AirflowApi

        return DeployedAirflow(AirflowApi(self.config.api), self.dags_folder())

    def _known_job(self, artifacts: CompiledArtifacts, job: str) -> None:
        if job not in artifacts.jobs_by_name:
            raise RuntimeFailure(
                Problem(
                    f"job {job!r} is not in the artifacts",
                    field="job",
                    found=job,
                    expected=f"one of {sorted(artifacts.jobs_by_name)}",
                    fix="pass a job name floe.yaml defines",
                )
            )

    def _check_runnable(self, artifacts: CompiledArtifacts, job: str) -> None:
        """Refuse, before anything runs, a job whose Python assets this Airflow declares it cannot run."""
        python = sorted(k for k in artifacts.jobs_by_name[job].assets if artifacts.assets_by_key[k].kind == "python")
        if python and not self.capabilities.supports_python_assets:
            raise UnsupportedFeatureError.for_feature(
                self.name, self.engine_version, "python_assets", field=f"orchestration.jobs[{job}]", found=python
            )

    def _airflow_home(self) -> None:
        """Point Airflow at its home before Airflow is imported; refuse if it already looks elsewhere.

        The home is `instance_dir`, else $AIRFLOW_HOME, else `./.floe/airflow` (never ~/airflow, which
        belongs to the user's own Airflow). A SQLite metadata DB that does not exist yet is created.
        """
        import sys

        if self._home_ready:
            return
        configured = self.config.instance_dir or (
            Path(os.environ["AIRFLOW_HOME"]) if os.environ.get("AIRFLOW_HOME") else Path.cwd() / ".floe" / "airflow"
        )
        home = configured.resolve()
        if "airflow" in sys.modules:
            current = os.environ.get("AIRFLOW_HOME")
            if current is None or Path(current).resolve() != home:
                raise RuntimeFailure(
                    Problem(
                        "Airflow is already imported with another home directory",
                        field="instance_dir",
                        found=current,
                        expected=str(home),
                        fix="set AIRFLOW_HOME before importing Airflow, or use one instance_dir per process",
                    )
                )
            self._home_ready = True
            return
        home.mkdir(parents=True, exist_ok=True)
        os.environ["AIRFLOW_HOME"] = str(home)
        os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
        if self.config.dags_folder is not None:
            os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(self.config.dags_folder.resolve())
        else:
            os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(home / "dags"))
        fresh_sqlite = "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN" not in os.environ and not (home / "airflow.db").exists()
        # In deployment mode the running Airflow owns its metadata DB; this process never touches one.
        if self.config.migrate_db or (fresh_sqlite and self.config.api is None):
            from floe_airflow_provider import _compat

            _compat.migrate_metadata_db()
        self._home_ready = True
