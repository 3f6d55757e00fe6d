"""Every Airflow-version branch of the provider, and every Airflow symbol it uses outside Airflow 3's public
interface (the Task SDK, operators and hooks, timetables, plugins, exceptions), in one place.

Supported: Airflow 3.0, 3.1, 3.2 and 3.3. Anything that differs between them is decided here and nowhere
else, so the rest of the package reads as plain Airflow 3. Each private symbol says why no public API serves;
`tests/test_compat_private_symbols.py` fails when one moves or changes shape.
"""

from __future__ import annotations

import importlib.util
import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import TYPE_CHECKING, Any

from airflow import __version__ as AIRFLOW_VERSION_TEXT
from floe_core.errors import Problem, RuntimeFailure

if TYPE_CHECKING:
    from airflow.sdk import DAG


def _version_tuple(text: str) -> tuple[int, int]:
    major, minor = text.split(".")[:2]
    return int(major), int("".join(ch for ch in minor if ch.isdigit()) or 0)


AIRFLOW_VERSION: tuple[int, int] = _version_tuple(AIRFLOW_VERSION_TEXT)
AIRFLOW_3_1 = AIRFLOW_VERSION >= (3, 1)
AIRFLOW_3_2 = AIRFLOW_VERSION >= (3, 2)

# Runs carry a first-class partition key (AIP-76) from 3.2: `dag_run.partition_key` and the
# `partition_key` context entry, set by partitioned timetables, partition-aware backfills and triggers.
HAS_RUN_PARTITION_KEYS = AIRFLOW_3_2

# 3.0 pins SQLAlchemy < 2 while pyiceberg's SQL catalog needs SQLAlchemy >= 2, so Python assets (written to
# Iceberg through that catalog) cannot run next to Airflow 3.0 in one environment.
PYTHON_ASSETS_RUNNABLE = AIRFLOW_3_1

# How long an in-process run may go on before floe stops waiting for it (a sensor that never fires).
RUN_DEADLINE_SECONDS = 6 * 3600.0

# --- timetables ------------------------------------------------------------------------------------------
# From 3.2 DAG authors use the Task SDK's timetable definitions; the scheduler-side classes they map to stay
# in airflow.timetables. Before 3.2 the scheduler-side classes are what a DAG file uses.
if AIRFLOW_3_2:
    from airflow.sdk import AssetOrTimeSchedule
else:
    # mypy checks against the newest Airflow, where this is another class than the SDK's.
    from airflow.timetables.assets import AssetOrTimeSchedule  # type: ignore[assignment]

__all__ = [
    "AIRFLOW_VERSION",
    "AIRFLOW_VERSION_TEXT",
    "AssetOrTimeSchedule",
]


def exponential_backoff() -> Any:
    """The value of `retry_exponential_backoff` that turns doubling waits on."""
    # 3.2 made it a float multiplier; before, a bool meaning "double each time".
    return 2.0 if AIRFLOW_3_2 else True


def run_partition_key(context: Any) -> str | None:
    """The partition key Airflow attached to the running DAG run, if this version has them."""
    if not HAS_RUN_PARTITION_KEYS:
        return None
    key = context.get("partition_key")
    return str(key) if key else None


def has_sql_provider(adapter: str) -> bool:
    """Whether the Airflow provider of a dbt adapter's database is installed (`duckdb`, `postgres`), checked
    without importing it.

    apache-airflow-providers-duckdb needs Python 3.11+ and is newer than the packages that Airflow 3.0
    resolves with; apache-airflow-providers-postgres is installed by teams on Postgres.
    """
    return importlib.util.find_spec(f"airflow.providers.{adapter}") is not None


def duckdb_sql_hook_class() -> Any:
    from airflow.providers.duckdb.hooks.duckdb import DuckDBHook

    return DuckDBHook


# --- reading DAGs back ---------------------------------------------------------------------------------------


def dagbag_class() -> Any:
    if AIRFLOW_3_2:
        from airflow.dag_processing.dagbag import DagBag
    else:
        # From 3.2 the old module keeps only an untyped, deprecated alias (a module `__getattr__`).
        from airflow.models.dagbag import DagBag  # type: ignore[no-redef]
    return DagBag


def make_dagbag(dag_folder: str) -> Any:
    """A DagBag of one folder, without Airflow's example DAGs."""
    kwargs: dict[str, Any] = {"dag_folder": dag_folder}
    # 3.3 removed `include_examples` (examples come from their own bundle).
    if "include_examples" in inspect.signature(dagbag_class().__init__).parameters:
        kwargs["include_examples"] = False
    return dagbag_class()(**kwargs)


def serialize_dag(dag: DAG) -> dict[str, Any]:
    """The JSON-ready dict Airflow stores for a DAG (what decides whether a new DAG version is made)."""
    serializer = _dag_serializer()
    data: dict[str, Any] = serializer.to_dict(dag)
    return data


def scheduler_dag(dag: DAG) -> Any:
    """The scheduler's view of a DAG: what Airflow deserializes from the metadata DB."""
    serializer = _dag_serializer()
    return serializer.from_dict(serializer.to_dict(dag))


def _dag_serializer() -> Any:
    if AIRFLOW_3_2:
        from airflow.serialization.serialized_objects import DagSerialization

        return DagSerialization
    # Defined here before 3.2; from 3.2 (this line is not reached) the module only imports it.
    from airflow.serialization.serialized_objects import SerializedDAG  # type: ignore[attr-defined]

    return SerializedDAG


def core_timetable(dag: DAG) -> Any:
    """The scheduler-side timetable of a DAG, which can compute fire times (`next_dagrun_info`)."""
    return scheduler_dag(dag).timetable


def schedule_assets(dag: DAG) -> list[Any]:
    """The Assets a DAG's schedule waits on, as the scheduler sees them (objects with `name` and `uri`)."""
    condition = getattr(core_timetable(dag), "asset_condition", None)
    if condition is None:
        return []
    return [asset for _, asset in condition.iter_assets()]


def iter_fire_times(timetable: Any, after: datetime) -> Iterator[datetime]:
    """Times a timetable fires strictly after `after`, computed by the timetable itself."""
    # A data-interval timetable fires at the end of an interval that starts at or after its earliest bound,
    # so start a month early (the longest cron interval floe has) and skip what fires before `after`.
    for info in iter_dagrun_infos(timetable, after - timedelta(days=32)):
        if info.run_after > after:
            yield info.run_after


def iter_dagrun_infos(timetable: Any, earliest: datetime) -> Iterator[Any]:
    """The runs a scheduler would create from `earliest` on (with catch-up), as Airflow's DagRunInfos."""
    import pendulum
    from airflow.timetables.base import TimeRestriction

    # Timetables compute in pendulum's DateTime, as the scheduler hands them.
    restriction = TimeRestriction(earliest=pendulum.instance(earliest), latest=None, catchup=True)
    last = None
    while True:
        info = timetable.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)
        if info is None:
            return
        yield info
        last = info.data_interval


# --- running DAGs in-process ----------------------------------------------------------------------------------


def sync_dags_folder(dag_folder: str) -> list[str]:
    """Parse a DAGs folder and write its DAGs to the metadata DB, as `airflow dags reserialize` does.

    `dag.test()` needs it on 3.0 (else Asset outlets are refused as inactive) and on 3.3 (it runs only DAGs
    it can re-read from a bundle); it also registers the DAGs that sensors trigger. Returns the import errors.
    """
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.utils.session import create_session

    # Airflow leaves `DagBundlesManager.__init__(*args, **kwargs)` unannotated.
    manager = DagBundlesManager()  # type: ignore[no-untyped-call]
    with create_session() as session:
        manager.sync_bundles_to_db(session=session)
    bag = make_dagbag(dag_folder)
    errors = [f"{file}: {message}" for file, message in sorted(bag.import_errors.items())]
    _bag_writer()(bag, "dags-folder", None)
    return errors


def _bag_writer() -> Any:
    """What writes a DagBag's DAGs to the metadata DB, called as `(bag, bundle_name, bundle_version)`."""
    if AIRFLOW_3_2:
        from airflow.dag_processing.dagbag import sync_bag_to_db

        return sync_bag_to_db
    if AIRFLOW_3_1:
        # As DagBag above: from 3.2 the old module keeps only an untyped, deprecated alias.
        from airflow.models.dagbag import sync_bag_to_db  # type: ignore[no-redef]

        return sync_bag_to_db
    # A DagBag method on 3.0; taken unbound, it takes the bag first like the function.
    return dagbag_class().sync_to_db


@cache
def _run_task_function() -> Any:
    from airflow.sdk.definitions import dag as sdk_dag

    return sdk_dag._run_task


@contextmanager
def in_process_api() -> Iterator[None]:
    """One in-process execution API for every task this process runs.

    Patches `airflow.sdk.execution_time.supervisor.in_process_api_server` (3.0-3.3), the factory `dag.test()`
    calls per task; Airflow has no public setting for it. `dag.test()` builds a new in-process execution API
    app for every task, and building one (cadwyn's versioned routers) takes seconds on Airflow 3.0-3.2: a
    17-task run took 174 s instead of 66 s on 3.1.
    """
    from airflow.sdk.execution_time import supervisor

    original = supervisor.in_process_api_server
    shared = original()
    # A cached function like Airflow 3.3's own (so the stand-in has its type), always answering the one app.
    supervisor.in_process_api_server = cache(lambda: shared)
    try:
        yield
    finally:
        supervisor.in_process_api_server = original


def run_dagrun_in_process(dag: DAG, run_id: str, *, wait: bool = True,
                          deadline_seconds: float = RUN_DEADLINE_SECONDS) -> Any:
    """Drive an existing, queued DAG run (a backfill run, a sensor tick) to its end in this process.

    Airflow has no public in-process executor for runs it created itself; this is the loop `dag.test()` runs
    for the run it creates, applied to a run Airflow's backfill created. With `wait=False` it returns, the run
    still running, as soon as no task can run before time passes: a reschedule-mode sensor that poked and
    waits for its next poke (where `dag.test()` would poke on until the sensor's timeout), a retry delay.
    A run still going after `deadline_seconds` is an error naming its unfinished tasks.
    """
    import logging
    import time

    from airflow import settings
    from airflow.models.dagrun import DagRun
    from airflow.utils.state import DagRunState, State, TaskInstanceState

    # Importing `airflow` configures the ORM, except in library mode or a task's worker: not this process.
    assert settings.Session is not None
    session = settings.Session()
    dr = session.query(DagRun).filter(DagRun.dag_id == dag.dag_id, DagRun.run_id == run_id).one()
    dr.dag = dag if not AIRFLOW_3_1 else scheduler_dag(dag)
    dr.state = DagRunState.RUNNING
    dr.start_date = _utcnow()
    session.commit()
    run_task = _run_task_function()
    deadline = time.monotonic() + deadline_seconds
    while dr.state == DagRunState.RUNNING:
        if time.monotonic() > deadline:
            unfinished = sorted(ti.task_id for ti in dr.get_task_instances(session=session)
                                if ti.state not in State.finished)
            session.close()
            raise RuntimeFailure(Problem(
                f"run {run_id!r} of DAG {dag.dag_id!r} did not end within {deadline_seconds:.0f} s",
                found=unfinished, fix="see those tasks' logs; a sensor that never fires keeps its run going"))
        session.expire_all()
        schedulable, _ = dr.update_state(session=session)
        for ti in schedulable:
            if ti.state != TaskInstanceState.UP_FOR_RESCHEDULE:
                ti.try_number += 1
            ti.state = TaskInstanceState.SCHEDULED
            ti.scheduled_dttm = _utcnow()
        session.commit()
        all_tis = set(dr.get_task_instances(session=session))
        scheduled = sorted(
            (ti for ti in all_tis if ti.state == TaskInstanceState.SCHEDULED),
            key=lambda ti: (ti.task_id, ti.map_index),
        )
        if not scheduled and any(ti.state not in State.finished for ti in all_tis):
            if not wait:
                break
            time.sleep(1)  # waiting for a retry delay or a reschedule
        for ti in scheduled:
            task = dag.task_dict[ti.task_id]
            try:
                if AIRFLOW_3_1:
                    run_task(ti=ti, task=task, run_triggerer=True)
                else:
                    ti.task = task
                    run_task(ti=ti, run_triggerer=True)
            except Exception as exc:
                # A task that fails raises here after Airflow recorded the failure on its TI: the run goes on,
                # as in `dag.test()`. An error that left the TI unfinished is the driver's own: it stops.
                session.refresh(ti)
                if ti.state not in (*State.finished, TaskInstanceState.UP_FOR_RETRY,
                                    TaskInstanceState.UP_FOR_RESCHEDULE):
                    session.close()
                    raise RuntimeFailure(Problem(
                        f"running task {ti.task_id!r} of run {run_id!r} failed before Airflow recorded an "
                        f"outcome: {exc}", found=str(ti.state), fix="see the traceback above")) from exc
                logging.getLogger(__name__).info("task %s of run %s failed: %s", ti.task_id, run_id, exc)
    session.close()
    return dr


def clear_failed_task_instances(dag_id: str, run_id: str) -> set[str] | None:
    """Clear the failed and upstream-failed task instances of a run and queue the run again, as the REST
    API's `clearTaskInstances` (only_failed) does; their task ids, or None when there is no such run.

    `clear_task_instances` is the function that endpoint calls (same signature in 3.0-3.3); Airflow has no
    public in-process API that clears task instances.
    """
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance, clear_task_instances
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState, TaskInstanceState
    from sqlalchemy import select

    with create_session() as session:
        if session.scalar(select(DagRun.id).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id)) is None:
            return None
        failed = list(session.scalars(select(TaskInstance).where(
            TaskInstance.dag_id == dag_id, TaskInstance.run_id == run_id,
            TaskInstance.state.in_([TaskInstanceState.FAILED, TaskInstanceState.UPSTREAM_FAILED]))))
        if failed:
            clear_task_instances(failed, session, dag_run_state=DagRunState.QUEUED)
        return {ti.task_id for ti in failed}


def create_backfill(
    dag_id: str, from_date: datetime, to_date: datetime, reprocess: str, dag_run_conf: dict[str, Any] | None
) -> Any:
    """Airflow's own backfill: the runs it decides to (re)create for the range, as `airflow backfill create`."""
    from airflow.models.backfill import ReprocessBehavior, _create_backfill

    kwargs: dict[str, Any] = {
        "dag_id": dag_id,
        "from_date": from_date,
        "to_date": to_date,
        "max_active_runs": 1,
        "reverse": False,
        "dag_run_conf": dag_run_conf,
        "reprocess_behavior": ReprocessBehavior(reprocess),
    }
    # The user name arrived in 3.1.
    if "triggering_user_name" in inspect.signature(_create_backfill).parameters:
        kwargs["triggering_user_name"] = "floe"
    return _create_backfill(**kwargs)


def complete_backfill(backfill_id: int) -> None:
    """Mark a backfill finished once its runs have ended (the scheduler does this when it runs them)."""
    from airflow.models.backfill import Backfill
    from airflow.utils.session import create_session

    with create_session() as session:
        backfill = session.get(Backfill, backfill_id)
        if backfill is not None and backfill.completed_at is None:
            backfill.completed_at = _utcnow()


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


# --- the local Airflow home of embedded mode -------------------------------------------------------------------
# Embedded mode (`floe run`, the contract suite) owns a local Airflow home with no api-server to ask, so it
# migrates and reads that home's metadata DB through Airflow's own modules; none of them is in Airflow 3's
# public interface (the REST API is, which deployment mode uses). Same names and shapes in 3.0-3.3.


def migrate_metadata_db() -> None:
    """Create or upgrade the metadata DB, as `airflow db migrate` does (in-process: no second interpreter)."""
    from airflow.utils.db import upgradedb

    upgradedb()


def configured_dags_folder() -> str:
    """`[core] dags_folder` as this process's Airflow resolves it (airflow.cfg, then AIRFLOW__CORE__*)."""
    from airflow.configuration import conf

    return str(conf.get("core", "dags_folder"))


def task_instances(dag_run: Any) -> list[Any]:
    """The task instances of a DagRun, read from the metadata DB."""
    from airflow.utils.session import create_session

    with create_session() as session:
        return list(dag_run.get_task_instances(session=session))


def xcom_values(dag_id: str, run_id: str, keys: tuple[str, ...]) -> dict[tuple[str, int, str], Any]:
    """The XCom values of a run under these keys, per (task_id, map_index, key), deserialized as tasks see
    them."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.scalars(select(XComModel).where(
            XComModel.dag_id == dag_id, XComModel.run_id == run_id, XComModel.key.in_(keys)))
        return {(row.task_id, row.map_index, row.key): XComModel.deserialize_value(row) for row in rows}


def latest_dag_runs(dag_ids: list[str], limit: int) -> list[Any]:
    """The latest DagRuns of these DAGs, newest first, detached from their session."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        found = session.scalars(
            select(DagRun)
            .where(DagRun.dag_id.in_(dag_ids))
            .order_by(DagRun.start_date.desc().nulls_last(), DagRun.id.desc())
            .limit(limit)
        ).all()
        session.expunge_all()
    return list(found)


def backfill_run_ids(backfill_id: int) -> list[str]:
    """The run ids Airflow's backfill `backfill_id` created, oldest logical date first."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        return list(session.scalars(
            select(DagRun.run_id).where(DagRun.backfill_id == backfill_id).order_by(DagRun.logical_date)).all())


# --- partition mappings -----------------------------------------------------------------------------------------
# Partition mappers (AIP-76) arrived in 3.2: `airflow.partition_mappers`, `PartitionedAssetTimetable`, and the
# `partition_mappers` list of an AirflowPlugin through which Airflow loads custom mappers. Before 3.2 there is
# nothing that stores or evaluates a mapping, so the provider declares mappings unsupported there.
HAS_PARTITION_MAPPERS = AIRFLOW_3_2


def partition_mapper_classes() -> list[type[Any]]:
    """floe's mapper classes for the provider's AirflowPlugin to register (none before 3.2)."""
    if not HAS_PARTITION_MAPPERS:
        return []
    from floe_airflow_provider.partition_mappers import MAPPER_CLASSES

    return list(MAPPER_CLASSES)


def partitioned_asset_timetable(assets: Any, mappers: dict[Any, Any]) -> Any:
    """A schedule on `assets` whose runs are partitions, each upstream Asset mapped by its own mapper."""
    from airflow.sdk import PartitionedAssetTimetable

    return PartitionedAssetTimetable(assets=assets, partition_mapper_config=mappers)
