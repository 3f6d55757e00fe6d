"""floe partition mappings as Airflow's own: one partitioned-asset DAG per mapped asset (Airflow 3.2+).

Airflow keeps a partition mapping on the schedule of the DAG that consumes the upstream Asset: a
`PartitionedAssetTimetable` on the upstream Assets, with one partition mapper per Asset. An upstream Asset
event of partition `u` makes the scheduler queue a run of this DAG for every partition the mapper names
(`to_downstream(u)`), and each such run triggers the job that builds the mapped asset for that partition.

Why a DAG of its own rather than that schedule on the job's DAG: a floe job keeps its own schedule (cron,
after other jobs, or none), and a mapping says which upstream partitions a partition reads, not that the job
should run whenever one of them lands. So the mapping DAG is created paused, like a disabled sensor:
Airflow stores, shows and evaluates the mapping; unpausing it turns on "build the mapped partitions as their
upstream partitions arrive".

Before Airflow 3.2 (no partition mappers) no mapping DAG is built; the provider declares mappings
unsupported there.
"""

from __future__ import annotations

from functools import reduce
from typing import TYPE_CHECKING, Any

from airflow.sdk import DAG
from floe_core.artifacts import Asset as FloeAsset
from floe_core.artifacts import AssetDep, Job

from floe_airflow_provider import _compat
from floe_airflow_provider.partitions import PARAM_PARTITION

if TYPE_CHECKING:
    from floe_airflow_provider.dags import DagFactory

TRIGGER_TASK_ID = "trigger"


def mapped_deps(asset: FloeAsset) -> list[AssetDep]:
    """The dependencies of `asset` that map partitions other than one to one, in upstream key order."""
    deps = [d for d in asset.deps if d.partition_mapping is not None and d.partition_mapping.kind != "identity"]
    return sorted(deps, key=lambda d: d.key)


class MappingDagBuilder:
    def __init__(self, factory: DagFactory) -> None:
        self.factory = factory
        self.artifacts = factory.artifacts
        self.naming = factory.naming

    def build_all(self) -> dict[str, DAG]:
        """A mapping DAG per asset with mapped dependencies that some job builds; none before Airflow 3.2."""
        if not _compat.HAS_PARTITION_MAPPERS:
            return {}
        dags: dict[str, DAG] = {}
        for asset in sorted(self.artifacts.orchestration.assets, key=lambda a: a.key):
            job = self.job_of(asset)
            if mapped_deps(asset) and job is not None:
                dag = self.build(asset, job)
                dags[dag.dag_id] = dag
        return dags

    def job_of(self, asset: FloeAsset) -> Job | None:
        """The job a mapped partition run triggers: the smallest job that builds the asset (then by name)."""
        jobs = [j for j in self.artifacts.orchestration.jobs if asset.key in j.assets]
        return min(jobs, key=lambda j: (len(j.assets), j.name), default=None)

    def schedule(self, asset: FloeAsset) -> Any:
        """Airflow's partitioned-asset schedule on the asset's mapped upstream Assets, each with its mapper."""
        from floe_airflow_provider.partition_mappers import partition_mapper

        down = self.artifacts.asset_partitions(asset.key)
        mappers: dict[Any, Any] = {}
        for dep in mapped_deps(asset):
            up = self.artifacts.asset_partitions(dep.key)
            assert down is not None and up is not None and dep.partition_mapping is not None  # checked by compile
            upstream = self.factory.asset(dep.key)
            mappers[upstream] = partition_mapper(up, down, dep.partition_mapping)
        return _compat.partitioned_asset_timetable(reduce(lambda a, b: a | b, mappers), mappers)

    def build(self, asset: FloeAsset, job: Job) -> DAG:
        from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator

        with DAG(
            dag_id=self.naming.mapping_dag_id(asset.key),
            description=f"floe partition mapping of {asset.key}: runs job {job.name} for each partition that "
            "its upstream partitions map to",
            schedule=self.schedule(asset),
            start_date=None,
            catchup=False,
            max_active_runs=1,
            is_paused_upon_creation=True,
            tags=sorted({"floe", "floe-mapping", self.artifacts.identity.product}),
            default_args={"owner": ", ".join(self.artifacts.metadata.owners) or "floe", "retries": 0},
        ) as dag:
            TriggerDagRunOperator(
                task_id=TRIGGER_TASK_ID,
                trigger_dag_id=self.naming.dag_id(job.name),
                # The scheduler creates each run of this DAG for one mapped partition: its `partition_key`.
                conf={PARAM_PARTITION: "{{ partition_key }}", "floe_mapping": asset.key},
            )
        return dag
