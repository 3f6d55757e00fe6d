"""What the tasks of a floe DAG do when they run.

Every function here runs inside a task, never while a DAG file is parsed: it reads the artifacts file,
works out the run's partition from the task context and calls floe-core's runtime (dbt in-process,
Iceberg writes), the same data path the Dagster provider runs. Each returns a small JSON summary that
Airflow keeps as the task's XCom, which is what run history reads back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow.sdk import get_current_context
from floe_core.artifacts import CompiledArtifacts, Job
from floe_core.errors import Problem, RuntimeFailure

from floe_airflow_provider import loading, partitions
from floe_airflow_provider.partitions import RunPartition

# XCom keys of a task's summary. Run history reads them; keep them stable.
SUMMARY_ASSETS = "assets"
SUMMARY_CHECKS = "checks"
SUMMARY_PARTITION = "partition"


def _job(artifacts: CompiledArtifacts, name: str) -> Job:
    return artifacts.jobs_by_name[name]


def _partition(
    artifacts: CompiledArtifacts, job: Job, mapped: Mapping[str, str] | None, context: Mapping[str, Any]
) -> RunPartition | None:
    if mapped is not None:
        return RunPartition.from_xcom(mapped)
    resolved = partitions.resolve(artifacts, job, context)
    return resolved[0] if resolved else None


def _dbt_vars(artifacts: CompiledArtifacts, job: Job, keys: Sequence[str], part: RunPartition | None) -> dict[str, str]:
    """The run's partition as dbt vars, in the terms of the job's partition set (a model outside the job may
    read another set). Only partitioned assets read them; they are harmless to the others in one invocation."""
    if part is None or job.partitions is None:
        return {}
    if all(artifacts.assets_by_key[k].partitions is None for k in keys):
        return {}
    return part.dbt_vars(artifacts.partitions_by_name[job.partitions])


def _record_outlet_extra(context: Mapping[str, Any], extra: dict[str, Any]) -> None:
    outlets = getattr(context["task"], "outlets", None) or []
    events = context.get("outlet_events")
    if events is None:
        return
    for outlet in outlets:
        events[outlet].extra = extra


def resolve_partitions(artifacts_file: str, job: str) -> list[dict[str, str]]:
    """The partitions this run covers, for the mapped tasks downstream (one mapped instance each)."""
    artifacts = loading.load(artifacts_file)
    context = get_current_context()
    return [p.as_xcom() for p in partitions.resolve(artifacts, _job(artifacts, job), context)]


def build_dbt_asset(
    artifacts_file: str,
    job: str,
    key: str,
    checks: Mapping[str, Mapping[str, str]] | None = None,
    partition: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Build one dbt model, seed or snapshot with its single-model tests (`dbt build`): a failing
    error-severity test fails the task and so blocks everything downstream; a warn-severity one does not."""
    from floe_core.runtime import run_dbt

    artifacts = loading.load(artifacts_file)
    context = get_current_context()
    part = _partition(artifacts, _job(artifacts, job), partition, context)
    result = run_dbt(artifacts, "build", [key], dbt_vars=_dbt_vars(artifacts, _job(artifacts, job), [key], part))
    status = result.asset_status(key) or ("materialized" if result.success else "failed")
    check_statuses = dict(sorted(result.checks.items()))
    summary = {
        SUMMARY_ASSETS: {key: status},
        SUMMARY_CHECKS: check_statuses,
        SUMMARY_PARTITION: part.key if part else None,
    }
    _record_outlet_extra(context, _event_extra(key, part, result))
    blocking_failed = _blocking_failures(checks or {}, check_statuses)
    if not result.success or status == "failed" or blocking_failed:
        _push_summary(context, summary)
        result.raise_on_failure()
        raise _failed(f"dbt build of {key!r} did not succeed (failed tests: {blocking_failed})", result)
    return summary


def _blocking_failures(expected: Mapping[str, Mapping[str, str]], statuses: Mapping[str, str]) -> list[str]:
    return sorted(n for n, spec in expected.items() if spec.get("severity") == "error" and statuses.get(n) == "failed")


def run_dbt_checks(
    artifacts_file: str,
    job: str,
    checks: Mapping[str, Mapping[str, str]],
    partition: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Run tests that read several models, after all of them were built in this run."""
    from floe_core import runtime

    artifacts = loading.load(artifacts_file)
    context = get_current_context()
    part = _partition(artifacts, _job(artifacts, job), partition, context)
    by_name = {c.name: c for c in artifacts.orchestration.checks}
    attached = sorted({by_name[name].asset for name in checks})
    dbt_vars = _dbt_vars(artifacts, _job(artifacts, job), attached, part)
    result = runtime.run_dbt_checks(artifacts, list(checks), dbt_vars=dbt_vars)
    statuses = {name: result.check_status(name) or "skipped" for name in sorted(checks)}
    summary = {SUMMARY_ASSETS: {}, SUMMARY_CHECKS: statuses, SUMMARY_PARTITION: part.key if part else None}
    blocking_failed = _blocking_failures(checks, statuses)
    if blocking_failed:
        _push_summary(context, summary)
        raise RuntimeFailure(
            [
                Problem(
                    f"dbt test {name!r} on {by_name[name].asset!r} failed (severity error)",
                    file=str(result.run_dir / "dbt.log") if result.run_dir else None,
                    fix="fix the data or the test; a warn-severity test would only report",
                )
                for name in blocking_failed
            ]
        )
    return summary


def build_dbt_selection(
    artifacts_file: str,
    job: str,
    keys: Sequence[str],
    assets: Mapping[str, Mapping[str, str]],
    partition: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """One `dbt build` of a job's whole dbt selection, with an Asset event for every model it materialized.

    Airflow records outlet events only for a task that succeeds, so this task succeeds whenever dbt ran,
    and the task after it fails the run if any model failed. On an attempt that will be retried it fails
    itself instead, so Airflow's retry policy covers the build.
    """
    from floe_core.runtime import run_dbt

    artifacts = loading.load(artifacts_file)
    context = get_current_context()
    part = _partition(artifacts, _job(artifacts, job), partition, context)
    dbt_vars = _dbt_vars(artifacts, _job(artifacts, job), keys, part)
    result = run_dbt(artifacts, "build", list(keys), dbt_vars=dbt_vars, late_checks=True)
    statuses = {key: result.asset_status(key) or "skipped" for key in keys}
    failed = [k for k, s in statuses.items() if s != "materialized"] or ([] if result.success else ["dbt"])
    ti = context["ti"]
    if failed and ti.try_number <= (context["task"].retries or 0):
        result.raise_on_failure()
        raise _failed("dbt build did not succeed", result)
    materialized = [k for k, s in statuses.items() if s == "materialized"]
    _emit_alias_events(context, artifacts, assets, materialized, part, result)
    return {
        SUMMARY_ASSETS: statuses,
        SUMMARY_CHECKS: dict(sorted(result.checks.items())),
        SUMMARY_PARTITION: part.key if part else None,
        "messages": {n.unique_id: n.message for n in result.failed_nodes},
    }


def check_dbt_build(summary: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Fail the run when the build left any model unmaterialized, listing each model's status."""
    summaries = [summary] if isinstance(summary, Mapping) else list(summary)
    lines, problems = [], []
    for item in summaries:
        for key, status in sorted(item[SUMMARY_ASSETS].items()):
            lines.append(f"{key}: {status}")
            if status != "materialized":
                problems.append(
                    Problem(
                        f"model {key!r} ended {status}"
                        + (f" in partition {item[SUMMARY_PARTITION]!r}" if item.get(SUMMARY_PARTITION) else ""),
                        fix="see the dbt_build task's log for dbt's error, fix it and re-run the failed run",
                    )
                )
        for uid, message in sorted((item.get("messages") or {}).items()):
            lines.append(f"{uid}: {message}")
    print("\n".join(lines))
    if problems:
        raise RuntimeFailure(problems)
    return {SUMMARY_ASSETS: {}, SUMMARY_CHECKS: {}}


def run_python_asset(
    artifacts_file: str, job: str, key: str, partition: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Run a Python asset and write what it returns to its Iceberg table (floe-core's writer)."""
    from floe_core import runtime

    artifacts = loading.load(artifacts_file)
    context = get_current_context()
    asset = artifacts.assets_by_key[key]
    part = _partition(artifacts, _job(artifacts, job), partition, context) if asset.partitions else None
    result = runtime.run_python_asset(artifacts, key, part.key if part else None, part.last if part else None)
    _record_outlet_extra(
        context,
        {
            "floe_key": key,
            "partition": part.key if part else None,
            "iceberg_table": result.iceberg_table,
            "rows": result.rows_written,
            "snapshot_id": result.snapshot_id,
        },
    )
    return {SUMMARY_ASSETS: {key: "materialized"}, SUMMARY_CHECKS: {}, SUMMARY_PARTITION: part.key if part else None}


def mark_job_succeeded(job: str) -> None:
    """Runs last; its outlet is the job's "succeeded" Asset, which `after_jobs` schedules wait on."""


def mark_job_failed(job: str) -> None:
    """Runs when any task of the job failed; its outlet is the job's "failed" Asset."""


def _event_extra(key: str, part: RunPartition | None, result: Any) -> dict[str, Any]:
    node = None
    asset_nodes = [n for n in result.nodes.values() if n.unique_id.split(".")[0] in ("model", "seed", "snapshot")]
    if asset_nodes:
        node = asset_nodes[0]
    return {
        "floe_key": key,
        "partition": part.key if part else None,
        "rows_affected": node.rows_affected if node else None,
        "checks": dict(sorted(result.checks.items())),
    }


def _emit_alias_events(
    context: Mapping[str, Any],
    artifacts: CompiledArtifacts,
    assets: Mapping[str, Mapping[str, str]],
    keys: Sequence[str],
    part: RunPartition | None,
    result: Any,
) -> None:
    from airflow.sdk import Asset

    events = context["outlet_events"]
    for outlet in getattr(context["task"], "outlets", None) or []:
        for key in keys:
            ref = artifacts.assets_by_key[key].dbt
            node = result.nodes.get(ref.unique_id) if ref is not None else None
            spec = assets[key]
            events[outlet].add(
                Asset(name=spec["name"], uri=spec["uri"], group=spec["group"]),
                extra={
                    "floe_key": key,
                    "partition": part.key if part else None,
                    "rows_affected": node.rows_affected if node else None,
                },
            )


def _push_summary(context: Mapping[str, Any], summary: dict[str, Any]) -> None:
    # A failing task returns nothing; push the summary so run history still sees which checks failed.
    context["ti"].xcom_push(key="floe_summary", value=summary)


def _failed(what: str, result: Any) -> RuntimeFailure:
    return RuntimeFailure(
        Problem(what, file=str(result.run_dir / "dbt.log") if result.run_dir else None, fix="see dbt's log")
    )
