"""The DAG factory: one DAG per floe job, plus one small DAG per floe sensor.

Parse-time discipline: building reads only the compiled artifacts JSON. No dbt, pyiceberg, network,
metadata DB or Variables; no `now()`; every collection is iterated in sorted order and the start date comes
from the artifacts, so parsing the same file twice gives the same serialized DAGs (Airflow makes a new DAG
version whenever the serialized DAG changes).

Two ways to render a job (`mode`):
- "per_model": a task per dbt model, seed, snapshot and Python asset, wired along the asset
  graph. Each builds its model with its single-model tests (`dbt build`), so an error-severity test fails
  the task and blocks everything downstream; tests reading several models run in their own task after all
  of them. Every task has its asset as an Asset outlet and the assets it reads as Asset inlets.
- "build": one task runs a single `dbt build` of the job's whole selection (one dbt start-up, dbt's own
  threads) and emits an Asset event for every model that it materialized; the task after it reports each
  model's status and fails the run if any failed. For large projects, where a task per model costs a dbt
  start-up per model.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from airflow.sdk import DAG, AssetAlias, TaskGroup, task
from floe_core.artifacts import Asset as FloeAsset
from floe_core.artifacts import CompiledArtifacts, Job, RetryPolicy, Schedule
from floe_core.artifacts.io import beside_caller
from floe_core.errors import FloeError, InputError, Problem

from floe_airflow_provider import _compat, loading, partitions, tasks
from floe_airflow_provider.naming import DagNaming
from floe_airflow_provider.operators import python_task
from floe_airflow_provider.partitions import time_partitions_of, window_start
from floe_airflow_provider.taskflow import task_operator
from floe_airflow_provider.timetables import job_schedule, own_schedule_dags, schedule_timetable

RenderMode = Literal["per_model", "build"]
RENDER_MODES: tuple[str, ...] = ("per_model", "build")
PARTITIONS_TASK_ID = "partitions"
BUILD_TASK_ID = "dbt_build"
BUILD_STATUS_TASK_ID = "dbt_build_status"
SUCCEEDED_TASK_ID = "job_succeeded"
FAILED_TASK_ID = "job_failed"
FLOE_TAG = "floe"


class DagFactory:
    """Builds Airflow DAGs from one compiled artifacts file.

    Each `get_*` method decides one thing and can be overridden on its own; `build_dags` composes them.
    """

    def __init__(
        self,
        artifacts: CompiledArtifacts,
        artifacts_file: str | os.PathLike[str],
        *,
        mode: RenderMode = "per_model",
        job_modes: Mapping[str, RenderMode] | None = None,
        pool: str | None = None,
        naming: DagNaming | None = None,
    ) -> None:
        self.artifacts = artifacts
        self.artifacts_file = str(Path(artifacts_file).expanduser().resolve())
        self.mode = mode
        self.job_modes = dict(job_modes or {})
        self.pool = pool
        self.naming = naming or DagNaming.of(artifacts)
        # One Asset object per key: a model's outlet is every downstream model's inlet, and Asset() validates
        # its URI each time it is made.
        self._assets: dict[str, Any] = {}
        self._check_options()

    # -- hooks ----------------------------------------------------------------------------------------------

    def get_mode(self, job: Job) -> RenderMode:
        return self.job_modes.get(job.name, self.mode)

    def get_retry(self, job: Job, asset: FloeAsset | None = None) -> RetryPolicy:
        """The asset's own policy, else its job's, else the product's default."""
        if asset is not None and asset.retry is not None:
            return asset.retry
        return job.retry or self.artifacts.orchestration.default_retry

    def get_retry_args(self, policy: RetryPolicy) -> dict[str, Any]:
        args: dict[str, Any] = {
            "retries": policy.max_retries,
            "retry_delay": timedelta(seconds=policy.delay_seconds),
        }
        if policy.backoff == "exponential":
            args["retry_exponential_backoff"] = _compat.exponential_backoff()
        return args

    def get_tags(self, job: Job) -> list[str]:
        return sorted({FLOE_TAG, self.artifacts.identity.product, *job.tags})

    def get_default_args(self, job: Job) -> dict[str, Any]:
        owners = self.artifacts.metadata.owners
        args = {"owner": ", ".join(owners) if owners else "floe", **self.get_retry_args(self.get_retry(job))}
        if self.pool:
            args["pool"] = self.pool
        return args

    def get_doc_md(self, job: Job) -> str:
        lines = [f"**{self.artifacts.metadata.name}** · job `{job.name}`", ""]
        if job.description:
            lines += [job.description, ""]
        lines.append(f"Assets ({len(job.assets)}): " + ", ".join(f"`{k}`" for k in job.assets[:50]))
        if len(job.assets) > 50:
            lines[-1] += f", … and {len(job.assets) - 50} more"
        lines += ["", f"Generated by floe from `{Path(self.artifacts_file).name}`; edit floe.yaml, not this DAG."]
        return "\n".join(lines)

    def get_dag_kwargs(self, job: Job) -> dict[str, Any]:
        schedule = job_schedule(self.artifacts, job, self.naming)
        parts = self.artifacts.partitions_by_name.get(job.partitions or "")
        time_parts = time_partitions_of(parts)
        return {
            "dag_id": self.naming.dag_id(job.name),
            "description": job.description or None,
            "schedule": schedule.schedule,
            "start_date": window_start(time_parts) if time_parts is not None else None,
            "catchup": False,
            "is_paused_upon_creation": schedule.paused,
            "tags": self.get_tags(job),
            "params": partitions.dag_params(parts),
            "default_args": self.get_default_args(job),
            "doc_md": self.get_doc_md(job),
            # DuckDB allows one writing process per file: a job's runs and tasks write one at a time.
            "max_active_runs": 1,
            "max_active_tasks": 1 if self.artifacts.plugins.compute.kind == "duckdb" else 16,
        }

    # -- composition ----------------------------------------------------------------------------------------

    def build_dags(self) -> dict[str, DAG]:
        from floe_airflow_provider.mapping_dags import MappingDagBuilder
        from floe_airflow_provider.sensors import SensorDagBuilder

        dags: dict[str, DAG] = {}
        for job in sorted(self.artifacts.orchestration.jobs, key=lambda j: j.name):
            dag = self.build_job_dag(job)
            dags[dag.dag_id] = dag
        for job in sorted(self.artifacts.orchestration.jobs, key=lambda j: j.name):
            for schedule in own_schedule_dags(self.artifacts, job):
                dag = self.build_schedule_dag(schedule)
                dags[dag.dag_id] = dag
        sensor_builder = SensorDagBuilder(self)
        for sensor in sorted(self.artifacts.orchestration.sensors, key=lambda s: s.name):
            dag = sensor_builder.build(sensor)
            dags[dag.dag_id] = dag
        dags.update(MappingDagBuilder(self).build_all())
        return dags

    def build_schedule_dag(self, schedule: Schedule) -> DAG:
        """A further cron schedule of a job: a DAG on that cron whose one task triggers the job's DAG."""
        from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator

        with DAG(
            dag_id=self.naming.schedule_dag_id(schedule.name),
            description=schedule.description or f"floe schedule {schedule.name}: triggers job {schedule.job}",
            schedule=schedule_timetable(schedule, self.artifacts, self.naming),
            start_date=None,
            catchup=False,
            max_active_runs=1,
            is_paused_upon_creation=not schedule.enabled,
            tags=sorted({FLOE_TAG, "floe-schedule", self.artifacts.identity.product}),
            default_args={"owner": self.get_default_args(self.artifacts.jobs_by_name[schedule.job])["owner"]},
        ) as dag:
            TriggerDagRunOperator(
                task_id="trigger",
                trigger_dag_id=self.naming.dag_id(schedule.job),
                conf={"floe_schedule": schedule.name},
            )
        return dag

    def build_job_dag(self, job: Job) -> DAG:
        with DAG(**self.get_dag_kwargs(job)) as dag:
            parts = self.artifacts.partitions_by_name.get(job.partitions or "")
            keys_arg = None
            if partitions.is_mapped(parts):
                keys_arg = task(task_id=PARTITIONS_TASK_ID, multiple_outputs=False)(tasks.resolve_partitions)(
                    artifacts_file=self.artifacts_file, job=job.name
                )
            if self.get_mode(job) == "build":
                leaves = self._render_build(dag, job, keys_arg)
            else:
                leaves = self._render_per_model(dag, job, keys_arg)
            self._render_job_end(job, leaves)
        return dag

    # -- per-model rendering -----------------------------------------------------------------------------------

    def _render_per_model(self, dag: DAG, job: Job, keys_arg: Any) -> list[Any]:
        ops: dict[str, Any] = {}
        groups: dict[str, TaskGroup] = {}
        # Tasks are created upstream first and wired as they are created: Airflow hashes the whole DAG for
        # every edge it sets, so edges set while the DAG is still small cost half as much at 5,000 models.
        for key in _topological(self.artifacts, sorted(job.assets)):
            asset = self.artifacts.assets_by_key[key]
            if not asset.is_executable:
                continue
            group = groups.get(asset.group)
            if group is None:
                group = groups[asset.group] = TaskGroup(group_id=asset.group)
            ops[key] = self._asset_task(dag, job, asset, group, keys_arg)
            upstream = sorted({d.key for d in asset.deps if d.key in ops})
            if upstream:
                ops[key].set_upstream([ops[u] for u in upstream])
        check_ops = self._render_multi_model_checks(dag, job, ops, groups, keys_arg)
        return _leaves([*ops.values(), *check_ops])

    def _asset_task(self, dag: DAG, job: Job, asset: FloeAsset, group: TaskGroup | None, keys_arg: Any) -> Any:
        callable_ = tasks.build_dbt_asset if asset.is_dbt else tasks.run_python_asset
        task_args: dict[str, Any] = {
            "task_id": self.naming.task_id(asset.key),
            "task_group": group,
            "outlets": [self.asset(asset.key)],
            # Every Asset it reads, in the job or not: Airflow's asset graph draws lineage through inlets.
            "inlets": self._inlets([asset.key]),
            "doc_md": asset.description or None,
            **self.get_retry_args(self.get_retry(job, asset)),
        }
        kwargs: dict[str, Any] = {"artifacts_file": self.artifacts_file, "job": job.name, "key": asset.key}
        if asset.is_dbt:
            own = self.artifacts.checks_by_asset.get(asset.key, ())
            kwargs["checks"] = self._check_args(c for c in own if len(c.reads) < 2)
        if keys_arg is not None and asset.partitions is not None:
            # One summary XCom per task: a `-> dict` annotation would otherwise push one XCom per key.
            decorated = task(multiple_outputs=False, **task_args)(callable_)
            return task_operator(decorated.partial(**kwargs).expand(partition=keys_arg))
        # A classic operator, not `@task`: at thousands of models TaskFlow's per-task cost dominates the parse.
        return python_task(callable_, dag=dag, op_kwargs=kwargs, **task_args)

    def _render_multi_model_checks(
        self, dag: DAG, job: Job, ops: Mapping[str, Any], groups: Mapping[str, TaskGroup], keys_arg: Any
    ) -> list[Any]:
        check_ops = []
        for check in sorted(self.artifacts.orchestration.checks, key=lambda c: c.name):
            if check.asset not in ops or len(check.reads) < 2:
                continue  # single-model tests run inside their model's `dbt build`
            task_args: dict[str, Any] = {
                "task_id": self.naming.check_task_id(check.name),
                "task_group": groups[self.artifacts.assets_by_key[check.asset].group],
                "doc_md": check.description or None,
            }
            kwargs: dict[str, Any] = {
                "artifacts_file": self.artifacts_file,
                "job": job.name,
                "checks": self._check_args([check]),
            }
            op: Any
            if keys_arg is not None and self.artifacts.assets_by_key[check.asset].partitions is not None:
                decorated = task(multiple_outputs=False, **task_args)(tasks.run_dbt_checks)
                op = task_operator(decorated.partial(**kwargs).expand(partition=keys_arg))
            else:
                op = python_task(tasks.run_dbt_checks, dag=dag, op_kwargs=kwargs, **task_args)
            op.set_upstream([ops[k] for k in sorted(set(check.reads)) if k in ops])
            check_ops.append(op)
        return check_ops

    # -- build rendering ------------------------------------------------------------------------------------

    def _render_build(self, dag: DAG, job: Job, keys_arg: Any) -> list[Any]:
        dbt_keys = [k for k in job.assets if self.artifacts.assets_by_key[k].is_dbt]
        python_keys = sorted(k for k in job.assets if self.artifacts.assets_by_key[k].kind == "python")
        ops: list[Any] = []
        status_op = None
        build_op = None
        if dbt_keys:
            decorated = task(
                task_id=BUILD_TASK_ID,
                multiple_outputs=False,
                outlets=[AssetAlias(self.naming.build_alias_name(job.name))],
                inlets=self._inlets(dbt_keys),
                **self.get_retry_args(self.get_retry(job)),
            )(tasks.build_dbt_selection)
            kwargs: dict[str, Any] = {
                "artifacts_file": self.artifacts_file,
                "job": job.name,
                "keys": dbt_keys,
                # The Assets the build reports, as this factory names them (its naming may be overridden).
                "assets": {k: _asset_args(self.asset(k)) for k in dbt_keys},
            }
            mapped = keys_arg is not None and any(self.artifacts.assets_by_key[k].partitions for k in dbt_keys)
            summary = decorated.partial(**kwargs).expand(partition=keys_arg) if mapped else decorated(**kwargs)
            check = task(task_id=BUILD_STATUS_TASK_ID, retries=0, multiple_outputs=False)(tasks.check_dbt_build)
            # The build's XComArg stands for its summary until run time; Airflow types a task's call with the
            # function's own parameters, so it cannot say that.
            status = check(summary=summary)  # type: ignore[arg-type]
            build_op, status_op = task_operator(summary), task_operator(status)
            ops += [build_op, status_op]
        upstream_of_dbt = self._upstream_closure(dbt_keys)
        downstream_of_dbt = self._downstream_closure(dbt_keys)
        for key in python_keys:
            if key in upstream_of_dbt and key in downstream_of_dbt:
                raise InputError(
                    Problem(
                        f"job {job.name!r} cannot be rendered as one dbt build: Python asset {key!r} both reads "
                        "dbt models of the job and is read by them",
                        field=f"orchestration.jobs[{job.name}]",
                        fix=f"render this job per model (build_dags(..., job_modes={{{job.name!r}: 'per_model'}}))",
                    )
                )
            asset = self.artifacts.assets_by_key[key]
            op = self._asset_task(dag, job, asset, None, keys_arg)
            if key in downstream_of_dbt and status_op is not None:
                op.set_upstream(status_op)
            elif key in upstream_of_dbt and build_op is not None:
                build_op.set_upstream(op)
            ops.append(op)
        return _leaves(ops)

    def _upstream_closure(self, keys: Iterable[str]) -> set[str]:
        seen: set[str] = set()
        stack = [d.key for k in keys for d in self.artifacts.assets_by_key[k].deps]
        while stack:
            key = stack.pop()
            if key not in seen and key in self.artifacts.assets_by_key:
                seen.add(key)
                stack += [d.key for d in self.artifacts.assets_by_key[key].deps]
        return seen

    def _downstream_closure(self, keys: Iterable[str]) -> set[str]:
        children: dict[str, list[str]] = {}
        for asset in self.artifacts.orchestration.assets:
            for dep in asset.deps:
                children.setdefault(dep.key, []).append(asset.key)
        seen: set[str] = set()
        stack = [c for k in keys for c in children.get(k, [])]
        while stack:
            key = stack.pop()
            if key not in seen:
                seen.add(key)
                stack += children.get(key, [])
        return seen

    # -- job end --------------------------------------------------------------------------------------------

    def _render_job_end(self, job: Job, leaves: list[Any]) -> None:
        mark_succeeded = task(
            task_id=SUCCEEDED_TASK_ID,
            outlets=[self.naming.job_succeeded_asset(job.name)],
            retries=0,
        )(tasks.mark_job_succeeded)
        succeeded = task_operator(mark_succeeded(job=job.name))
        succeeded.set_upstream(leaves)
        if job.name in self._jobs_watched_for_failure():
            mark_failed = task(
                task_id=FAILED_TASK_ID,
                outlets=[self.naming.job_failed_asset(job.name)],
                trigger_rule="one_failed",
                retries=0,
            )(tasks.mark_job_failed)
            failed = task_operator(mark_failed(job=job.name))
            failed.set_upstream(leaves)

    def _jobs_watched_for_failure(self) -> set[str]:
        return {
            s.watched_job
            for s in self.artifacts.orchestration.sensors
            if s.kind == "run_status" and s.status == "failure"
        }

    def _check_args(self, checks: Iterable[Any]) -> dict[str, dict[str, str]]:
        """The dbt tests a task answers for, as task arguments: visible in the UI, checked after dbt ran."""
        return {c.name: {"asset": c.asset, "severity": c.severity} for c in sorted(checks, key=lambda c: c.name)}

    def asset(self, key: str) -> Any:
        """The Airflow Asset of a floe key, as this factory's naming makes it."""
        found = self._assets.get(key)
        if found is None:
            asset = self.artifacts.assets_by_key.get(key)
            found = self._assets[key] = self.naming.asset(key, asset.group if asset is not None else "asset")
        return found

    def _inlets(self, keys: Iterable[str]) -> list[Any]:
        """The Assets that the assets `keys` read, sources and external assets included."""
        read = {d.key for k in keys for d in self.artifacts.assets_by_key[k].deps}
        return [self.asset(k) for k in sorted(read)]

    def _check_options(self) -> None:
        bad = {name: m for name, m in {"mode": self.mode, **self.job_modes}.items() if m not in RENDER_MODES}
        unknown = sorted(set(self.job_modes) - set(self.artifacts.jobs_by_name))
        if bad or unknown:
            raise InputError(
                Problem(
                    "invalid build_dags options",
                    field="job_modes" if unknown else "mode",
                    found=unknown or bad,
                    expected=f"modes among {list(RENDER_MODES)} for jobs among {sorted(self.artifacts.jobs_by_name)}",
                    fix="pass mode='per_model' or mode='build', and job_modes only for jobs the artifacts define",
                )
            )


def _topological(artifacts: CompiledArtifacts, keys: list[str]) -> list[str]:
    """`keys` with every asset after the assets it depends on, ties broken by key (so the order is stable)."""
    import heapq

    wanted = set(keys)
    waiting = {k: {d.key for d in artifacts.assets_by_key[k].deps if d.key in wanted} for k in keys}
    children: dict[str, list[str]] = {}
    for key, deps in waiting.items():
        for dep in deps:
            children.setdefault(dep, []).append(key)
    ready = [k for k, deps in waiting.items() if not deps]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        key = heapq.heappop(ready)
        order.append(key)
        for child in children.get(key, ()):
            waiting[child].discard(key)
            if not waiting[child]:
                heapq.heappush(ready, child)
    return order


def _asset_args(asset: Any) -> dict[str, str]:
    return {"name": asset.name, "uri": asset.uri, "group": asset.group}


def _leaves(ops: list[Any]) -> list[Any]:
    ids = {op.task_id for op in ops}
    return sorted((op for op in ops if not (set(op.downstream_task_ids) & ids)), key=lambda op: op.task_id)


def build_dags(
    artifacts_file: str | os.PathLike[str],
    *,
    mode: RenderMode = "per_model",
    job_modes: Mapping[str, RenderMode] | None = None,
    pool: str | None = None,
) -> dict[str, DAG]:
    """The DAGs of one compiled data product, keyed by DAG id, for a DAG file to publish:

        from floe_airflow_provider import build_dags
        globals().update(build_dags("/path/to/compiled_artifacts.json"))

    A relative path is read against the folder of the DAG file, as in a DAG bundle, whatever the DAG
    processor's working directory. A missing or invalid artifacts file raises one error naming the file, the
    field and the fix, so the DAG processor shows one import error for this DAG file and parses every other
    file as usual.
    """
    artifacts_file = beside_caller(artifacts_file)
    try:
        artifacts = loading.load(artifacts_file)
        return DagFactory(artifacts, artifacts_file, mode=mode, job_modes=job_modes, pool=pool).build_dags()
    except FloeError as exc:
        raise exc.with_file(str(artifacts_file)) from None
