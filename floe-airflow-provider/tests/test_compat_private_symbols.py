"""Every Airflow symbol outside Airflow's public API that `_compat` relies on, asked for by name and shape.

When an Airflow release moves or reshapes one, this fails naming it, before any run does something odd.
Public symbols are left out: a public API that moves is Airflow's to deprecate first.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest
from floe_airflow_provider import _compat


def _parameters(function: Callable[..., Any]) -> set[str]:
    return set(inspect.signature(function).parameters)


def _run_task() -> set[str]:
    # `dag.test()`'s per-task runner: drives the backfill runs and sensor ticks floe runs in-process.
    return _parameters(_compat._run_task_function())


def _create_backfill() -> set[str]:
    # What `airflow backfill create` calls; embedded mode's daily-window backfills.
    from airflow.models.backfill import _create_backfill

    return _parameters(_create_backfill)


def _in_process_api_server() -> set[str]:
    # The factory of `dag.test()`'s execution API app, which `_compat.in_process_api` shares between tasks.
    from airflow.sdk.execution_time import supervisor

    assert callable(supervisor.in_process_api_server)
    return _parameters(supervisor.in_process_api_server)


def _clear_task_instances() -> set[str]:
    # What the REST API's clearTaskInstances calls; embedded mode's rerun of failed work.
    from airflow.models.taskinstance import clear_task_instances

    return _parameters(clear_task_instances)


@pytest.mark.parametrize(("symbol", "needed"), [
    (_run_task, {"ti", "run_triggerer"}),
    (_create_backfill, {"dag_id", "from_date", "to_date", "max_active_runs", "reverse", "dag_run_conf",
                        "reprocess_behavior"}),
    (_in_process_api_server, set()),
    (_clear_task_instances, {"tis", "session", "dag_run_state"}),
], ids=lambda value: getattr(value, "__name__", "")[1:] or None)
def test_the_private_airflow_symbol_is_where_floe_calls_it_with_the_arguments_floe_passes(
        symbol: Callable[[], set[str]], needed: set[str]) -> None:
    assert needed <= symbol()
