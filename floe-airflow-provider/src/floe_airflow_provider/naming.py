"""How floe names become Airflow names: DAG ids, task ids and Assets.

The defaults live on `DagNaming` as small methods, so a deployment that needs other names overrides one
method instead of forking the factory. Names must be stable: Airflow keys history, Asset events and DAG
versions on them.
"""

from __future__ import annotations

from dataclasses import dataclass

from airflow.sdk import Asset

ASSET_URI_SCHEME = "floe"
# Job markers get their own scheme, so no floe asset key can ever collide with them.
JOB_URI_SCHEME = "floe-job"
JOB_MARKER_GROUP = "floe-job-marker"
# Floe keys never contain ":" or spaces, so these names cannot collide with a floe asset's name.
_JOB_NAME_SEPARATOR = ":"


@dataclass(frozen=True)
class DagNaming:
    """The names of one data product's DAGs, tasks and Assets."""

    product: str

    def dag_id(self, job: str) -> str:
        return f"{self.product}.{job}"

    def sensor_dag_id(self, sensor: str) -> str:
        return f"{self.product}.sensors.{sensor}"

    def schedule_dag_id(self, schedule: str) -> str:
        return f"{self.product}.schedules.{schedule}"

    def mapping_dag_id(self, asset: str) -> str:
        """The DAG that holds the partition mappings of `asset`'s dependencies (Airflow 3.2+)."""
        return f"{self.product}.mappings.{self.task_id(asset)}"

    def task_id(self, key: str) -> str:
        # Task ids allow letters, digits, "_", "-" and "."; floe keys separate path segments with "/".
        return key.replace("/", "__")

    def check_task_id(self, check: str) -> str:
        return f"test__{check}"[:250]

    def asset(self, key: str, group: str = "asset") -> Asset:
        return Asset(name=key, uri=self.asset_uri(key), group=group)

    def asset_uri(self, key: str) -> str:
        return f"{ASSET_URI_SCHEME}://{self.product}/{key}"

    def job_succeeded_asset(self, job: str) -> Asset:
        """A marker, not data: updated once per successful run of `job`; what `after_jobs` schedules and
        run-status sensors watch. Its name and group say so wherever Airflow lists Assets."""
        return self._job_marker(job, "succeeded")

    def job_failed_asset(self, job: str) -> Asset:
        """A marker, not data: updated once per failed run of `job`, only for jobs a failure sensor watches."""
        return self._job_marker(job, "failed")

    def _job_marker(self, job: str, outcome: str) -> Asset:
        return Asset(
            name=f"{self.dag_id(job)} {outcome} (floe job marker)",
            uri=f"{JOB_URI_SCHEME}://{self.product}/{job}/{outcome}",
            group=JOB_MARKER_GROUP,
            extra={"floe_marker": f"job {outcome}", "holds_data": False},
        )

    def build_alias_name(self, job: str) -> str:
        """The AssetAlias through which a job's single `dbt build` task reports the models it materialized."""
        return f"{self.product}{_JOB_NAME_SEPARATOR}{job}{_JOB_NAME_SEPARATOR}dbt_build"

    def key_of_asset_uri(self, uri: str) -> str | None:
        """The floe key of an Asset this product made, or None for any other Asset."""
        prefix = f"{ASSET_URI_SCHEME}://{self.product}/"
        return uri[len(prefix) :] if uri.startswith(prefix) else None
