"""Seeded provider faults: each makes the engine object (or its behaviour) wrong while the artifacts stay right.

Not part of CI. Loaded with `-p faults_plugin` (this folder on PYTHONPATH); `FLOE_SEED_FAULT=<name>` applies that
one fault at `pytest_configure`. By then the binding's conftest has pointed Airflow at its home, and no harness has
built Definitions or parsed a DAG file yet, so the patched provider code is what the harness builds, parses and runs
in this process. Every patch wraps provider code (`floe_dagster_provider.*`, `floe_airflow_provider.*`); none
touches floe-core, the artifacts, the harness or the suite. A subprocess (the C16 restart reader) runs unpatched.

Kept importable without pytest or an engine: `seed_faults.py` reads `FAULTS` from any Python.
"""

from __future__ import annotations

import functools
import importlib
import operator
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest

ENV = "FLOE_SEED_FAULT"
HITS_LINE = "floe fault {name}: patched code ran {hits} time(s)"  # seed_faults.py reads it back

Patch = Callable[[], None]
Make = Callable[[Callable[..., Any]], Callable[..., Any]]

# The contract tests each fault is run against (substrings for `pytest -k`).
KEYS = "test_the_engine_knows_exactly_the_artifacts_asset_keys"
EDGES = "test_the_engine_honours_exactly_the_artifacts_dependency_edges"
CHECKS = "test_every_check_is_attached_to_its_asset_and_blocks_only_when_severity_is_error"
JOBS = "test_each_job_runs_exactly_its_resolved_asset_selection"
CRON = "test_each_cron_schedule_fires_at_the_times_floe_core_computes"
AFTER = "test_a_schedule_after_other_jobs_fires_once_all_of_them_succeeded_and_not_before"
PARTITIONED = "test_a_partitioned_schedule_runs_each_window_once_as_it_closes_and_nothing_past_the_end"
TIME_KEYS = "test_time_window_partition_keys_equal_the_artifacts"
STATIC_KEYS = "test_static_partition_keys_equal_the_artifacts"
MAPPING = "test_a_partition_mapping_names_the_upstream_partitions_floe_core_computes"
SENSOR_JOBS = "test_each_sensor_triggers_the_job_the_artifacts_name"
FILE = "test_a_file_sensor_fires_once_per_new_file"
SQL = "test_a_sql_sensor_fires_only_while_its_query_is_true"
CUSTOM = "test_a_custom_sensor_fires_only_when_its_callable_says_so"
ASSET_SENSOR = "test_an_asset_sensor_fires_after_its_asset_is_materialized"
RUN_STATUS = "test_a_run_status_sensor_fires_after_the_watched_job_succeeds"
CHAIN = "test_a_run_materializes_every_selected_asset_and_the_tables_hold_the_expected_rows"
FAILING = "test_a_failing_model_fails_the_run_stops_its_downstream_and_lets_the_independent_branch_finish"
RERUN = "test_a_rerun_of_failed_work_runs_only_what_failed_and_what_depends_on_it"
BLOCKING = "test_a_blocking_check_stops_downstream_and_a_warning_check_does_not"
WINDOW = "test_a_partition_run_hands_its_window_to_dbt"
MAPPED_RUN = "test_a_partition_reads_the_upstream_partitions_its_mapping_names"
RANGE = "test_a_backfill_runs_exactly_its_range_in_runs_of_the_policy_size_and_is_idempotent"
MIXED = "test_each_reprocess_rule_runs_exactly_its_partitions_of_a_mixed_history"
MIXED_EACH = f"{MIXED} and a-run-per-partition"
HISTORY = "test_run_history_returns_the_record_of_what_ran"
RESTART = "test_run_history_survives_a_restart"
PYTHON = "test_a_python_asset_writes_its_rows_to_iceberg"
FLAKY = "test_a_model_that_fails_once_is_retried_and_ends_green_with_two_attempts"


@dataclass(frozen=True)
class Fault:
    provider: str
    clause: str
    tests: tuple[str, ...]
    description: str
    patch: Patch


FAULTS: dict[str, Fault] = {}
_hits = [0]
_constant = [False]


def fault(provider: str, clause: str, tests: str | tuple[str, ...], description: str) -> Callable[[Patch], Patch]:
    def register(patch: Patch) -> Patch:
        FAULTS[patch.__name__] = Fault(provider, clause, (tests,) if isinstance(tests, str) else tests, description,
                                       patch)
        return patch

    return register


# -- patching helpers ---------------------------------------------------------------------------------------------


def _resolve(target: str) -> tuple[Any, str]:
    """"package.module:Class.attr" -> (the object holding `attr`, "attr")."""
    module, _, path = target.partition(":")
    owner: Any = importlib.import_module(module)
    *parents, name = path.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    return owner, name


def _wrap(target: str, make: Make) -> None:
    """Replace `target` by `make(original)`. The replacement keeps the original's signature (Airflow binds a task
    callable's arguments by it) and counts its calls, so a fault whose code never ran shows in the report."""
    owner, name = _resolve(target)
    original = getattr(owner, name)
    replacement = make(original)

    @functools.wraps(original)
    def counted(*args: Any, **kwargs: Any) -> Any:
        _hits[0] += 1
        return replacement(*args, **kwargs)

    setattr(owner, name, counted)


def _set(target: str, value: Any) -> None:
    """Replace a module constant (its reads cannot be counted)."""
    owner, name = _resolve(target)
    setattr(owner, name, value)
    _constant[0] = True


def _with_orchestration(artifacts: Any, **changes: Any) -> Any:
    """A copy of the artifacts with some orchestration fields replaced, as a provider that misread them sees them."""
    copy = artifacts.model_copy(update={"orchestration": artifacts.orchestration.model_copy(update=changes)})
    # model_copy carries the instance dict over, cached lookups (assets_by_key, ...) included: drop them.
    for cached in ("assets_by_key", "jobs_by_name", "partitions_by_name", "checks_by_asset", "backfill_by_job"):
        copy.__dict__.pop(cached, None)
    return copy


def _edited(items: Any, match: Callable[[Any], bool], **changes: Any) -> tuple[Any, ...]:
    return tuple(item.model_copy(update=changes) if match(item) else item for item in items)


def _policy_size(artifacts: Any, size: Callable[[int], int]) -> Any:
    """The artifacts with each ranged backfill policy's size read as `size(its size)`."""
    backfills = tuple(
        b.model_copy(update={"policy": b.policy.model_copy(update={"max_partitions_per_run": size(
            b.policy.max_partitions_per_run)})}) if b.policy.kind == "multi_run" else b
        for b in artifacts.orchestration.backfills)
    return _with_orchestration(artifacts, backfills=backfills)


def _day_before(key: str) -> str:
    try:
        return (date.fromisoformat(key) - timedelta(days=1)).isoformat()
    except ValueError:
        return key


def _when(condition: Callable[..., bool], edit: Callable[..., Any]) -> Make:
    """A wrapper that passes its first argument through `edit` when `condition` holds for it."""

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(first: Any, *args: Any, **kwargs: Any) -> Any:
            return original(edit(first) if condition(first) else first, *args, **kwargs)

        return wrapped

    return make


def _method_when(condition: Callable[..., bool], edit: Callable[..., Any]) -> Make:
    """As `_when`, for a method: edits the argument after `self`."""

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(self: Any, first: Any, *args: Any, **kwargs: Any) -> Any:
            return original(self, edit(first) if condition(first) else first, *args, **kwargs)

        return wrapped

    return make


def _negated(original: Callable[..., Any]) -> Callable[..., Any]:
    return lambda *args, **kwargs: not original(*args, **kwargs)


def _iceberg_write(artifacts: Any, key: str, write: Callable[[], Any], *, rows_twice: bool) -> Any:
    """Run `write` (which replaces the asset's rows) so that the table ends up appended to instead: the rows it
    replaced are put back; with `rows_twice`, every write appends its own rows once more after replacing."""
    from floe_core.runtime.iceberg import open_catalog

    table = artifacts.assets_by_key[key].iceberg_table
    catalog = open_catalog(artifacts)
    before = None if rows_twice or not catalog.table_exists(table) else catalog.load_table(table).scan().to_arrow()
    result = write()
    written = catalog.load_table(table)
    again = written.scan().to_arrow() if rows_twice else before
    if again is not None and again.num_rows:
        written.append(again)
    return result


# -- Dagster ------------------------------------------------------------------------------------------------------

D = "floe_dagster_provider"


@fault("dagster", "C1", KEYS, "the translator renames one asset (chain_c -> chain_c_v2)")
def dagster_c1_renamed_asset() -> None:
    _wrap(f"{D}.translator:DagsterTranslator.get_asset_key",
          _method_when(lambda key: key == "chain_c", lambda key: "chain_c_v2"))


@fault("dagster", "C2", EDGES, "diamond_bottom's last dependency is dropped from its AssetDeps")
def dagster_c2_dropped_dependency() -> None:
    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def asset_deps(asset: Any, translator: Any) -> Any:
            deps = original(asset, translator)
            return deps[:-1] if asset.key == "diamond_bottom" else deps

        return asset_deps

    _wrap(f"{D}.assets:asset_deps", make)


@fault("dagster", "C3", CHECKS, "every check spec is blocking, whatever the test's severity")
def dagster_c3_every_check_blocking() -> None:
    _wrap(f"{D}._compat:check_spec", lambda original: lambda name, **kw: original(name, **{**kw, "blocking": True}))


@fault("dagster", "C3", CHECKS, "blocked_source's not_null check is attached to its downstream blocked_after")
def dagster_c3_check_on_downstream_asset() -> None:
    import dagster as dg

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def check_spec(name: str, **kw: Any) -> Any:
            if name == "not_null_blocked_source_region":
                kw["asset"] = dg.AssetKey(["blocked_after"])
            return original(name, **kw)

        return check_spec

    _wrap(f"{D}._compat:check_spec", make)


@fault("dagster", "C3", MAPPED_RUN, "dbt steps run without late checks: a test reading an upstream outside the run "
       "never runs (C3's third part, asserted by the C14 mapping test)")
def dagster_c3_no_late_checks() -> None:
    _wrap(f"{D}.dbt_assets:run_dbt", lambda original: lambda *a, **kw: original(*a, **{**kw, "late_checks": False}))


@fault("dagster", "C4", JOBS, "job diamond's asset selection leaves out its last asset")
def dagster_c4_job_missing_asset() -> None:
    def misread(artifacts: Any) -> Any:
        jobs = tuple(j.model_copy(update={"assets": j.assets[:-1]}) if j.name == "diamond" else j
                     for j in artifacts.orchestration.jobs)
        return _with_orchestration(artifacts, jobs=jobs)

    _wrap(f"{D}.definitions:build_jobs", _when(lambda _: True, misread))


@fault("dagster", "C5", CRON, "schedules are built without their execution timezone (UTC)")
def dagster_c5_timezone_dropped() -> None:
    _wrap(f"{D}.schedules:cron_schedule",
          _when(lambda s: s.timezone != "UTC", lambda s: s.model_copy(update={"timezone": "UTC"})))


@fault("dagster", "C19", PARTITIONED, "a partitioned schedule's tick runs the day before it, past the partitions' "
       "end too")
def dagster_c19_runs_past_the_end() -> None:
    _wrap(f"{D}.schedules:closed_partition_keys",
          lambda original: lambda parts, partitions_def, moment: [(moment - timedelta(days=1)).date().isoformat()])


@fault("dagster", "C6", AFTER, "the after-jobs run-status sensor monitors only its first job (metadata and body "
       "still name both)")
def dagster_c6_monitors_first_job_only() -> None:
    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def after_jobs_sensor(schedule: Any, jobs: dict[str, Any]) -> Any:
            first, *rest = schedule.after_jobs
            return original(schedule, {**jobs, **{name: jobs[first] for name in rest}})

        return after_jobs_sensor

    _wrap(f"{D}.schedules:after_jobs_sensor", make)


@fault("dagster", "C6", AFTER, "the after-jobs run-status sensor monitors only its last job (metadata and body "
       "still name both)")
def dagster_c6_monitors_last_job_only() -> None:
    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def after_jobs_sensor(schedule: Any, jobs: dict[str, Any]) -> Any:
            *rest, last = schedule.after_jobs
            return original(schedule, {**jobs, **{name: jobs[last] for name in rest}})

        return after_jobs_sensor

    _wrap(f"{D}.schedules:after_jobs_sensor", make)


@fault("dagster", "C6", AFTER, "the after-jobs sensor body requests the run once the first job succeeded")
def dagster_c6_waits_for_one_job() -> None:
    _wrap(f"{D}.schedules:after_jobs_request",
          lambda original: lambda instance, job, waits_for: original(instance, job, waits_for[:1]))


@fault("dagster", "C7", TIME_KEYS, "time-window partitions definitions start a day late")
def dagster_c7_window_starts_a_day_late() -> None:
    _wrap(f"{D}.partitions:time_window_def",
          _when(lambda _: True, lambda p: p.model_copy(update={"start": p.start + timedelta(days=1)})))


@fault("dagster", "C7", STATIC_KEYS, "static partitions definitions lose their last key")
def dagster_c7_static_key_missing() -> None:
    _wrap(f"{D}.partitions:partitions_def",
          _when(lambda p: p.kind == "static", lambda p: p.model_copy(update={"keys": p.keys[:-1]})))


@fault("dagster", "C7", MAPPING, "time-window partition mappings lose their start offset")
def dagster_c7_mapping_offset_lost() -> None:
    _wrap(f"{D}.assets:partition_mapping",
          _when(lambda m: m is not None and m.kind == "time_window",
                lambda m: m.model_copy(update={"start_offset": 0})))


@fault("dagster", "C8", SENSOR_JOBS, "file sensor incoming_files is built to trigger diamond instead of chain")
def dagster_c8_sensor_triggers_another_job() -> None:
    _wrap(f"{D}.sensors:sensor_definition",
          _when(lambda s: s.name == "incoming_files", lambda s: s.model_copy(update={"job": "diamond"})))


@fault("dagster", "C9", FILE, "the file sensor returns the cursor it was given, not the advanced one")
def dagster_c9_file_cursor_not_advanced() -> None:
    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def new_files(spec: Any, project_dir: Any, cursor: Any) -> Any:
            return original(spec, project_dir, cursor)[0], cursor

        return new_files

    _wrap(f"{D}.sensors:new_files", make)


@fault("dagster", "C9", SQL, "the SQL sensor fires when its condition is false")
def dagster_c9_sql_condition_inverted() -> None:
    _wrap(f"{D}.sensors:sql_condition", _negated)


@fault("dagster", "C9", CUSTOM, "the custom sensor fires whatever its callable returns")
def dagster_c9_custom_always_fires() -> None:
    _wrap(f"{D}.sensors:custom_condition", lambda original: lambda *a, **kw: True)


@fault("dagster", "C9", ASSET_SENSOR, "the asset sensor watches region_totals (its own job's asset), not chain_c")
def dagster_c9_asset_sensor_on_wrong_asset() -> None:
    _wrap(f"{D}.sensors:asset_sensor",
          _when(lambda _: True, lambda s: s.model_copy(update={"assets": ("region_totals",)})))


@fault("dagster", "C9", RUN_STATUS, "the run-status sensor watches the job it triggers instead of its watched job")
def dagster_c9_run_status_on_wrong_job() -> None:
    _wrap(f"{D}.sensors:run_status_sensor",
          _when(lambda _: True, lambda s: s.model_copy(update={"watched_job": s.job})))


@fault("dagster", "C10", CHAIN, "the dbt step leaves chain_c out of dbt's selection but reports it materialized")
def dagster_c10_reports_unbuilt_model() -> None:
    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def run_dbt(artifacts: Any, command: str, keys: Any, **kw: Any) -> Any:
            if not keys or "chain_c" not in keys:
                return original(artifacts, command, keys, **kw)
            result = original(artifacts, command, [k for k in keys if k != "chain_c"], **kw)
            return replace(result, assets={**result.assets, "chain_c": "materialized"})

        return run_dbt

    _wrap(f"{D}.dbt_assets:run_dbt", make)


@fault("dagster", "C11", FAILING, "a dbt step swallows its failures: the step (and the run) succeed")
def dagster_c11_failure_swallowed() -> None:
    _wrap(f"{D}.dbt_assets:DbtStep._failures", lambda original: lambda *a, **kw: None)


@fault("dagster", "C12", RERUN, "a rerun ignores the failed run's outcomes and runs the whole job")
def dagster_c12_rerun_runs_everything() -> None:
    # None is execute()'s "no asset selection": the whole job.
    _wrap(f"{D}.execution:rerun_keys", lambda original: lambda *a, **kw: None)


@fault("dagster", "C13", BLOCKING, "check results are reported with WARN severity, blocking ones included")
def dagster_c13_blocking_reported_as_warning() -> None:
    import dagster as dg

    _wrap(f"{D}.checks:_severity", lambda original: lambda *a, **kw: dg.AssetCheckSeverity.WARN)


@fault("dagster", "C14", WINDOW, "dbt is handed the window of the day before the run's partition")
def dagster_c14_previous_window() -> None:
    _wrap(f"{D}.dbt_assets:run_partition_vars",
          lambda original: lambda parts, keys: original(parts, keys and tuple(_day_before(k) for k in keys)))


def _failed_as_missing(request: Any) -> Any:
    return request.model_copy(update={"reprocess": "missing"}) if request.reprocess == "failed" else request


@fault("dagster", "C15", MIXED, "reprocess `failed` is run as `missing` (never-run partitions too)")
def dagster_c15_failed_runs_missing() -> None:
    _wrap(f"{D}.backfill:launch_backfill", lambda original: lambda plugin, artifacts, request: original(
        plugin, artifacts, _failed_as_missing(request)))


@fault("dagster", "C15", RANGE, "the backfill runner ignores the assets' BackfillPolicy: one partition per run")
def dagster_c15_chunk_size_ignored() -> None:
    _wrap(f"{D}.backfill:max_partitions_per_run", lambda original: lambda *a, **kw: 1)


@fault("dagster", "C15", RANGE, "the backfill runner cuts runs one partition larger than the BackfillPolicy's size")
def dagster_c15_chunk_one_too_large() -> None:
    _wrap(f"{D}.backfill:max_partitions_per_run", lambda original: lambda *a, **kw: (original(*a, **kw) or 0) + 1)


@fault("dagster", "C15", (RANGE, MIXED), "assets' Dagster BackfillPolicy is multi_run(1) instead of the policy's "
       "size (what backfills launched from Dagster's UI or daemon chunk by)")
def dagster_c15_native_backfill_policy_one_per_run() -> None:
    import dagster as dg

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def backfill_policy(policy: Any, parts: Any) -> Any:
            if parts is not None and parts.kind == "time_window":
                return dg.BackfillPolicy.multi_run(1)
            return original(policy, parts)

        return backfill_policy

    _wrap(f"{D}.assets:backfill_policy", make)


@fault("dagster", "C16", HISTORY, "run records lose their end time")
def dagster_c16_end_time_dropped() -> None:
    _wrap(f"{D}.run_history:to_run_record",
          lambda original: lambda *a, **kw: original(*a, **kw).model_copy(update={"ended_at": None}))


@fault("dagster", "C16", HISTORY, "run history leaves out the newest run")
def dagster_c16_newest_run_dropped() -> None:
    _wrap(f"{D}.run_history:run_records", lambda original: lambda *a, **kw: original(*a, **kw)[1:])


@fault("dagster", "C16", RESTART, "runs are recorded in an in-memory instance, whatever instance_dir says")
def dagster_c16_history_in_memory() -> None:
    import dagster as dg

    _wrap(f"{D}.run_history:open_instance", lambda original: lambda instance_dir: dg.DagsterInstance.ephemeral())


def _dagster_iceberg(rows_twice: bool) -> None:
    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def handle_output(self: Any, context: Any, obj: Any) -> Any:
            if obj is None:
                return original(self, context, obj)
            key = "/".join(context.asset_key.path)
            write = functools.partial(original, self, context, obj)
            return _iceberg_write(self._artifacts(), key, write, rows_twice=rows_twice)

        return handle_output

    _wrap(f"{D}.io_manager:IcebergIOManager.handle_output", make)


@fault("dagster", "C17", PYTHON, "the Iceberg IO manager appends a Python asset's rows instead of replacing them")
def dagster_c17_append_instead_of_overwrite() -> None:
    _dagster_iceberg(rows_twice=False)


@fault("dagster", "C17", PYTHON, "the Iceberg IO manager writes each output twice (replace, then append the same "
       "rows): every run leaves each row twice")
def dagster_c17_rows_written_twice() -> None:
    _dagster_iceberg(rows_twice=True)


@fault("dagster", "C18", FLAKY, "retry policies are dropped (assets and jobs)")
def dagster_c18_retries_ignored() -> None:
    for target in (f"{D}.assets:retry_policy", f"{D}.jobs:retry_policy"):
        _wrap(target, lambda original: lambda policy: None)


# -- Airflow ------------------------------------------------------------------------------------------------------

A = "floe_airflow_provider"
FACTORY = f"{A}.dags:DagFactory"


def _factory_sees(edit: Callable[[Any], Any]) -> None:
    """Job DAGs are built from `edit(artifacts)`: a factory that misread the artifacts it was given."""

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def build_job_dag(self: Any, job: Any) -> Any:
            kept = self.artifacts
            self.artifacts = edit(kept)
            try:
                return original(self, job)
            finally:
                self.artifacts = kept

        return build_job_dag

    _wrap(f"{FACTORY}.build_job_dag", make)


def _task_callable(name: str, make: Make) -> None:
    # The DAG file binds `tasks.<name>` when it is parsed, in this process, after this patch.
    _wrap(f"{A}.tasks:{name}", make)


@fault("airflow", "C1", KEYS, "the naming gives chain_c the Asset URI of chain_c_v2")
def airflow_c1_renamed_asset() -> None:
    _wrap(f"{A}.naming:DagNaming.asset_uri", _method_when(lambda key: key == "chain_c", lambda key: "chain_c_v2"))


@fault("airflow", "C2", EDGES, "diamond_bottom's task loses its last upstream dependency")
def airflow_c2_dropped_dependency() -> None:
    _factory_sees(lambda artifacts: _with_orchestration(artifacts, assets=_edited(
        artifacts.orchestration.assets, lambda a: a.key == "diamond_bottom", deps=artifacts.assets_by_key[
            "diamond_bottom"].deps[:-1])))


@fault("airflow", "C3", CHECKS, "tasks are given every test as severity error")
def airflow_c3_every_check_blocking() -> None:
    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def check_args(self: Any, checks: Any) -> Any:
            return {name: {**spec, "severity": "error"} for name, spec in original(self, checks).items()}

        return check_args

    _wrap(f"{FACTORY}._check_args", make)


@fault("airflow", "C3", CHECKS, "blocked_source's not_null test runs in blocked_after's task")
def airflow_c3_check_in_downstream_task() -> None:
    _factory_sees(lambda artifacts: _with_orchestration(artifacts, checks=_edited(
        artifacts.orchestration.checks, lambda c: c.name == "not_null_blocked_source_region", asset="blocked_after")))


@fault("airflow", "C3", MAPPED_RUN, "tests reading several models get no task (C3's third part, asserted by the "
       "C14 mapping test)")
def airflow_c3_multi_model_tests_dropped() -> None:
    _wrap(f"{FACTORY}._render_multi_model_checks", lambda original: lambda *a, **kw: [])


@fault("airflow", "C4", JOBS, "job diamond's DAG leaves out its last asset")
def airflow_c4_job_missing_asset() -> None:
    _wrap(f"{FACTORY}.build_job_dag", _method_when(
        lambda job: job.name == "diamond", lambda job: job.model_copy(update={"assets": job.assets[:-1]})))


@fault("airflow", "C5", CRON, "timetables are built without the schedule's timezone (UTC)")
def airflow_c5_timezone_dropped() -> None:
    for target in (f"{A}.timetables:schedule_timetable", f"{A}.dags:schedule_timetable"):
        _wrap(target, _when(lambda s: s.timezone != "UTC", lambda s: s.model_copy(update={"timezone": "UTC"})))


@fault("airflow", "C19", PARTITIONED, "partitioned timetables are built without the partitions' end")
def airflow_c19_timetable_without_end() -> None:
    _wrap(f"{A}.timetables:partitions_end", lambda original: lambda parts: None)


@fault("airflow", "C5", CRON, "cron schedules use Airflow's own CronTriggerTimetable (a spring-forward gap fires "
       "one gap late)")
def airflow_c5_airflows_own_cron_timetable() -> None:
    def airflows_own(cron: str, tz: str) -> Any:
        try:
            from airflow.sdk import CronTriggerTimetable
        except ImportError:  # Airflow < 3.2
            from airflow.timetables.trigger import CronTriggerTimetable  # type: ignore[assignment]
        return CronTriggerTimetable(cron, timezone=tz)

    _wrap(f"{A}.timetables:FloeCronTriggerTimetable", lambda original: airflows_own)


@fault("airflow", "C6", AFTER, "after-jobs Assets are combined with `|` instead of `&`")
def airflow_c6_any_instead_of_all() -> None:
    _wrap(f"{A}.timetables:reduce", lambda original: lambda function, items: original(operator.or_, items))


@fault("airflow", "C6", AFTER, "the after-jobs DAG is scheduled on its last job's Asset only")
def airflow_c6_waits_on_last_job_only() -> None:
    _wrap(f"{A}.timetables:reduce", lambda original: lambda function, items: items[-1])


@fault("airflow", "C7", TIME_KEYS, "time-partitioned DAGs start a day late")
def airflow_c7_window_starts_a_day_late() -> None:
    _wrap(f"{A}.dags:window_start", lambda original: lambda parts: original(parts) + timedelta(days=1))


@fault("airflow", "C7", STATIC_KEYS, "the `partition` param of a static DAG offers all keys but the last")
def airflow_c7_static_key_missing() -> None:
    _wrap(f"{A}.partitions:dag_params",
          _when(lambda p: p is not None and p.kind == "static", lambda p: p.model_copy(update={"keys": p.keys[:-1]})))


@fault("airflow", "C7", MAPPING, "time-window partition mappers lose their start offset")
def airflow_c7_mapping_offset_lost() -> None:
    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def partition_mapper(up: Any, down: Any, mapping: Any) -> Any:
            if mapping.kind == "time_window":
                mapping = mapping.model_copy(update={"start_offset": 0})
            return original(up, down, mapping)

        return partition_mapper

    # mapping_dags imports it when it builds a schedule, so it picks this replacement up.
    _wrap(f"{A}.partition_mappers:partition_mapper", make)


@fault("airflow", "C7", MAPPING, "mapping DAGs are scheduled without their mappers (Airflow's default, identity)")
def airflow_c7_mappers_dropped() -> None:
    _wrap(f"{A}._compat:partitioned_asset_timetable", lambda original: lambda assets, mappers: original(assets, {}))


@fault("airflow", "C8", SENSOR_JOBS, "file sensor incoming_files's DAG triggers diamond instead of chain")
def airflow_c8_sensor_triggers_another_job() -> None:
    _wrap(f"{A}.sensors:SensorDagBuilder.build",
          _method_when(lambda s: s.name == "incoming_files", lambda s: s.model_copy(update={"job": "diamond"})))


@fault("airflow", "C9", FILE, "the file sensor task never pushes its cursor XCom")
def airflow_c9_file_cursor_never_pushed() -> None:
    from floe_airflow_provider.sensors import CURSOR_XCOM_KEY

    class NoCursorPush:
        def __init__(self, ti: Any) -> None:
            self._ti = ti

        def __getattr__(self, name: str) -> Any:
            return getattr(self._ti, name)

        def xcom_push(self, key: str, value: Any, **kw: Any) -> Any:
            return None if key == CURSOR_XCOM_KEY else self._ti.xcom_push(key, value, **kw)

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def get_current_context() -> Any:
            context = original()
            return {**context, "ti": NoCursorPush(context["ti"])}

        return get_current_context

    _wrap(f"{A}.sensors:get_current_context", make)


@fault("airflow", "C9", FILE, "the file sensor keeps the cursor it pulled instead of the advanced one")
def airflow_c9_file_cursor_not_advanced() -> None:
    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def file_tick(artifacts_file: str, sensor: str, cursor: Any) -> Any:
            return original(artifacts_file, sensor, cursor)[0], cursor

        return file_tick

    _wrap(f"{A}.sensors:file_tick", make)


@fault("airflow", "C9", SQL, "the SQL sensor task pokes true when its condition is false")
def airflow_c9_sql_condition_inverted() -> None:
    _wrap(f"{A}.sensors:sql_tick", _negated)  # the PythonSensor, where the DuckDB provider is missing
    _wrap(f"{A}.sql_sensor:FloeSqlSensor.poke", _negated)


@fault("airflow", "C9", CUSTOM, "the custom sensor task fires whatever its callable returns")
def airflow_c9_custom_always_fires() -> None:
    _wrap(f"{A}.sensors:custom_tick", lambda original: lambda *a, **kw: {})


@fault("airflow", "C9", ASSET_SENSOR, "the asset sensor's DAG is scheduled on region_totals (its own job's asset)")
def airflow_c9_asset_sensor_on_wrong_asset() -> None:
    _wrap(f"{A}.sensors:SensorDagBuilder.asset_condition",
          _method_when(lambda s: s.kind == "asset", lambda s: s.model_copy(update={"assets": ("region_totals",)})))


@fault("airflow", "C9", RUN_STATUS, "the run-status sensor's DAG waits on the job it triggers, not the watched job")
def airflow_c9_run_status_on_wrong_job() -> None:
    _wrap(f"{A}.sensors:SensorDagBuilder.asset_condition",
          _method_when(lambda s: s.kind == "run_status", lambda s: s.model_copy(update={"watched_job": s.job})))


@fault("airflow", "C10", CHAIN, "chain_c's task returns a materialized summary without running dbt")
def airflow_c10_reports_unbuilt_model() -> None:
    from floe_airflow_provider.tasks import SUMMARY_ASSETS, SUMMARY_CHECKS, SUMMARY_PARTITION

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def build_dbt_asset(artifacts_file: str, job: str, key: str, **kw: Any) -> Any:
            if key != "chain_c":
                return original(artifacts_file, job, key, **kw)
            return {SUMMARY_ASSETS: {key: "materialized"}, SUMMARY_CHECKS: {}, SUMMARY_PARTITION: None}

        return build_dbt_asset

    _task_callable("build_dbt_asset", make)


@fault("airflow", "C11", FAILING, "fail_after's task has trigger_rule all_done: it runs after its upstream failed")
def airflow_c11_downstream_runs_after_failure() -> None:
    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def python_task(function: Any, **kw: Any) -> Any:
            if kw["task_id"] == "fail_after":
                kw["trigger_rule"] = "all_done"
            return original(function, **kw)

        return python_task

    _wrap(f"{A}.dags:python_task", make)


@fault("airflow", "C11", FAILING, "a model task catches dbt's failure and returns a `failed` summary: it succeeds")
def airflow_c11_failure_swallowed() -> None:
    from floe_airflow_provider.tasks import SUMMARY_ASSETS, SUMMARY_CHECKS, SUMMARY_PARTITION

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def build_dbt_asset(artifacts_file: str, job: str, key: str, **kw: Any) -> Any:
            try:
                return original(artifacts_file, job, key, **kw)
            except Exception:  # the seeded fault itself: any task failure is swallowed into a summary
                return {SUMMARY_ASSETS: {key: "failed"}, SUMMARY_CHECKS: {}, SUMMARY_PARTITION: None}

        return build_dbt_asset

    _task_callable("build_dbt_asset", make)


@fault("airflow", "C12", RERUN, "a rerun clears every task of the run, not only the failed ones: everything runs again")
def airflow_c12_rerun_runs_everything() -> None:
    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def clear_failed_task_instances(dag_id: str, run_id: str) -> Any:
            from airflow.models.taskinstance import TaskInstance
            from airflow.utils.session import create_session
            from airflow.utils.state import TaskInstanceState
            from sqlalchemy import select

            with create_session() as session:
                for ti in session.scalars(select(TaskInstance).where(TaskInstance.dag_id == dag_id,
                                                                     TaskInstance.run_id == run_id)):
                    ti.state = TaskInstanceState.FAILED
            return original(dag_id, run_id)

        return clear_failed_task_instances

    _wrap(f"{A}._compat:clear_failed_task_instances", make)


@fault("airflow", "C13", BLOCKING, "a model task downgrades its failed tests to warnings and succeeds")
def airflow_c13_blocking_treated_as_warning() -> None:
    from floe_airflow_provider.tasks import SUMMARY_ASSETS, SUMMARY_CHECKS, SUMMARY_PARTITION

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def build_dbt_asset(artifacts_file: str, job: str, key: str, checks: Any = None, **kw: Any) -> Any:
            try:
                return original(artifacts_file, job, key, checks, **kw)
            except Exception:  # the seeded fault itself: a failed blocking test is reported as a warning
                if not checks:
                    raise
                return {SUMMARY_ASSETS: {key: "materialized"}, SUMMARY_CHECKS: dict.fromkeys(checks, "warned"),
                        SUMMARY_PARTITION: None}

        return build_dbt_asset

    _task_callable("build_dbt_asset", make)


@fault("airflow", "C14", WINDOW, "dbt is handed the window of the day before the run's partition")
def airflow_c14_previous_window() -> None:
    from floe_airflow_provider.partitions import RunPartition

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def dbt_vars(artifacts: Any, job: Any, keys: Any, part: Any) -> Any:
            if part is not None:
                part = RunPartition(_day_before(part.key), part.last and _day_before(part.last))
            return original(artifacts, job, keys, part)

        return dbt_vars

    _task_callable("_dbt_vars", make)


@fault("airflow", "C15", MIXED, "reprocess `failed` is run as `missing` (never-run partitions too)")
def airflow_c15_failed_runs_missing() -> None:
    _wrap(f"{A}.backfill:launch", lambda original: lambda artifacts, folder, request: original(
        artifacts, folder, _failed_as_missing(request)))


@fault("airflow", "C15", RANGE, "backfills ignore the policy's chunk size: one run per partition")
def airflow_c15_chunk_size_ignored() -> None:
    _wrap(f"{A}.backfill:launch",
          lambda original: lambda artifacts, folder, request: original(
              _policy_size(artifacts, lambda n: 1), folder, request))


@fault("airflow", "C15", RANGE, "backfills read the policy's chunk size one too large (runs of 4 instead of 3)")
def airflow_c15_chunk_one_too_large() -> None:
    _wrap(f"{A}.backfill:launch", lambda original: lambda artifacts, folder, request: original(
        _policy_size(artifacts, lambda n: n + 1), folder, request))


@fault("airflow", "C15", MIXED_EACH, "Airflow's own backfill is created with reprocess behaviour `failed`: it "
       "skips windows that already have a successful run of their interval, though floe asked for them")
def airflow_c15_airflow_backfill_reprocesses_failed_only() -> None:
    _set(f"{A}.backfill:_REPROCESS_ALL", "failed")


@fault("airflow", "C16", HISTORY, "run records lose their end time")
def airflow_c16_end_time_dropped() -> None:
    _wrap(f"{A}.runs:record_of",
          lambda original: lambda *a, **kw: original(*a, **kw).model_copy(update={"ended_at": None}))


@fault("airflow", "C16", HISTORY, "run history reads all DagRuns but the newest")
def airflow_c16_newest_run_dropped() -> None:
    _wrap(f"{A}.runs:dag_runs", lambda original: lambda *a, **kw: original(*a, **kw)[1:])


def _airflow_iceberg(rows_twice: bool) -> None:
    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def run_python_asset(artifacts_file: str, job: str, key: str, **kw: Any) -> Any:
            from floe_airflow_provider import loading

            write = functools.partial(original, artifacts_file, job, key, **kw)
            return _iceberg_write(loading.load(artifacts_file), key, write, rows_twice=rows_twice)

        return run_python_asset

    _task_callable("run_python_asset", make)


@fault("airflow", "C17", PYTHON, "the Python asset task appends its rows instead of replacing them")
def airflow_c17_append_instead_of_overwrite() -> None:
    _airflow_iceberg(rows_twice=False)


@fault("airflow", "C17", PYTHON, "the Python asset task writes its rows twice (replace, then append the same rows): "
       "every run leaves each row twice")
def airflow_c17_rows_written_twice() -> None:
    _airflow_iceberg(rows_twice=True)


@fault("airflow", "C18", FLAKY, "tasks are given retries=0 whatever the retry policy")
def airflow_c18_retries_ignored() -> None:
    _wrap(f"{FACTORY}.get_retry_args", lambda original: lambda *a, **kw: {**original(*a, **kw), "retries": 0})


# -- the pytest hooks -------------------------------------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    import pytest

    name = os.environ.get(ENV)
    if not name:
        return
    if name not in FAULTS:
        raise pytest.UsageError(f"{ENV}={name!r} names no fault; known: {', '.join(sorted(FAULTS))}")
    try:
        # Importing an engine here, before the per-test warning filters apply, may warn; that is not the fault's.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            FAULTS[name].patch()
    except Exception as exc:  # any error applying a patch makes the fault "broken", never a pass
        raise pytest.UsageError(f"fault {name!r} could not be applied: {exc!r}") from exc


def pytest_terminal_summary(terminalreporter: Any) -> None:
    name = os.environ.get(ENV)
    if name in FAULTS:
        terminalreporter.write_line(HITS_LINE.format(name=name, hits="n/a (a constant)" if _constant[0] else _hits[0]))
