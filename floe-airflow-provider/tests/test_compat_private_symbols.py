"""Every Airflow symbol outside Airflow's public interface that `_compat` relies on, asked for by name and shape.

When an Airflow release moves or reshapes one, this fails naming it, before any run does something odd.
Public symbols are left out: a public API that moves is Airflow's to deprecate first.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest
from floe_airflow_provider import _compat


def _run_task() -> Callable[..., Any]:
    # `dag.test()`'s per-task runner: drives the backfill runs and sensor ticks floe runs in-process.
    return _compat._run_task_function()


def _create_backfill() -> Callable[..., Any]:
    # What `airflow backfill create` calls; embedded mode's daily-window backfills.
    from airflow.models.backfill import _create_backfill

    return _create_backfill


def _in_process_api_server() -> Callable[..., Any]:
    # The factory of `dag.test()`'s execution API app, which `_compat.in_process_api` shares between tasks.
    from airflow.sdk.execution_time import supervisor

    return supervisor.in_process_api_server


def _clear_task_instances() -> Callable[..., Any]:
    # What the REST API's clearTaskInstances calls; embedded mode's rerun of failed work.
    from airflow.models.taskinstance import clear_task_instances

    return clear_task_instances


def _upgradedb() -> Callable[..., Any]:
    # What `airflow db migrate` calls; embedded mode's new local home.
    from airflow.utils.db import upgradedb

    return upgradedb


def _create_session() -> Callable[..., Any]:
    # Every metadata-DB read of embedded mode opens its session here.
    from airflow.utils.session import create_session

    return create_session


def _conf_get() -> Callable[..., Any]:
    # The resolved `[core] dags_folder` of a local home.
    from airflow.configuration import conf

    return conf.get


def _get_task_instances() -> Callable[..., Any]:
    from airflow.models.dagrun import DagRun

    return DagRun.get_task_instances


def _deserialize_xcom() -> Callable[..., Any]:
    from airflow.models.xcom import XComModel

    return XComModel.deserialize_value


def _update_state() -> Callable[..., Any]:
    # The scheduler's step for one run, which `run_dagrun_in_process` loops on.
    from airflow.models.dagrun import DagRun

    return DagRun.update_state


def _sync_bundles_to_db() -> Callable[..., Any]:
    # What the DAG processor calls before it writes a bundle's DAGs; `sync_dags_folder`.
    from airflow.dag_processing.bundles.manager import DagBundlesManager

    return DagBundlesManager.sync_bundles_to_db


def _dagbag() -> Callable[..., Any]:
    return _compat.dagbag_class().__init__


def _serialize() -> Callable[..., Any]:
    # The serialized form the metadata DB stores, and the scheduler's view deserialized from it.
    return _compat._dag_serializer().to_dict


def _deserialize() -> Callable[..., Any]:
    return _compat._dag_serializer().from_dict


@pytest.mark.parametrize(("symbol", "passed"), [
    (_run_task, {"ti", "run_triggerer"} | ({"task"} if _compat.AIRFLOW_3_1 else set())),
    (_create_backfill, {"dag_id", "from_date", "to_date", "max_active_runs", "reverse", "dag_run_conf",
                        "reprocess_behavior"} | ({"triggering_user_name"} if _compat.AIRFLOW_3_1 else set())),
    (_in_process_api_server, set()),
    (_clear_task_instances, {"tis", "session", "dag_run_state"}),
    (_upgradedb, set()),
    (_create_session, set()),
    (_conf_get, {"section", "key"}),
    (_get_task_instances, {"self", "session"}),
    (_deserialize_xcom, {"result"}),
    (_update_state, {"self", "session"}),
    (_sync_bundles_to_db, {"self", "session"}),
    (_compat._bag_writer, {"bundle_name", "bundle_version"} | ({"dagbag"} if _compat.AIRFLOW_3_1 else {"self"})),
    (_dagbag, {"self", "dag_folder"}),
    (_serialize, {"var"}),
    (_deserialize, {"serialized_obj"}),
], ids=lambda value: getattr(value, "__name__", "").lstrip("_") or None)
def test_the_private_airflow_symbol_is_where_floe_calls_it_with_the_arguments_floe_passes(
        symbol: Callable[[], Callable[..., Any]], passed: set[str]) -> None:
    parameters = inspect.signature(symbol()).parameters
    assert passed <= set(parameters), "floe passes an argument this Airflow no longer takes"
    required = {name for name, p in parameters.items()
                if p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    assert required <= passed, "this Airflow requires an argument floe does not pass"


@pytest.mark.parametrize(("model", "columns"), [
    ("airflow.models.dagrun.DagRun", {"id", "dag_id", "run_id", "backfill_id", "logical_date", "start_date",
                                      "end_date", "state", "conf"}),
    ("airflow.models.xcom.XComModel", {"dag_id", "run_id", "task_id", "map_index", "key", "value"}),
    ("airflow.models.taskinstance.TaskInstance", {"dag_id", "run_id", "task_id", "map_index", "state",
                                                  "try_number", "scheduled_dttm"}),
    ("airflow.models.backfill.Backfill", {"id", "completed_at"}),
], ids=lambda value: value.rsplit(".", 1)[-1] if isinstance(value, str) else None)
def test_the_metadata_db_model_floe_reads_has_the_attributes_floe_queries(model: str, columns: set[str]) -> None:
    import importlib

    import sqlalchemy

    module, name = model.rsplit(".", 1)
    mapped = sqlalchemy.inspect(getattr(importlib.import_module(module), name))
    assert columns <= set(mapped.all_orm_descriptors.keys())


def test_airflow_backfill_still_reprocesses_completed_runs_under_the_name_floe_passes() -> None:
    from airflow.models.backfill import ReprocessBehavior
    from floe_airflow_provider.backfill import _REPROCESS_ALL

    assert ReprocessBehavior(_REPROCESS_ALL) is ReprocessBehavior.COMPLETED
