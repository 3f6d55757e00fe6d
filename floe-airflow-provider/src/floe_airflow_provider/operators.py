"""Classic operators for the tasks a DAG has one of per model.

A DAG of a large dbt project holds thousands of tasks, so what one task costs to build is most of what the
DAG file costs to parse. TaskFlow's `@task` inspects and binds the function's signature for every task and
scans the DAG's whole task-id list for a free id, which makes it several times dearer than a classic
operator. The per-model tasks are therefore `PythonOperator`s, built here to be what the equivalent `@task`
call makes: the same task id, arguments, docs and one XCom (the return value, never split per key), running
the same functions in `tasks.py` (where `get_current_context()` works as in any Python task).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, TaskGroup


def python_task(
    function: Callable[..., Any],
    *,
    dag: DAG,
    task_id: str,
    task_group: TaskGroup | None,
    op_kwargs: Mapping[str, Any],
    **kwargs: Any,
) -> PythonOperator:
    """The task `task(task_id=..., task_group=..., multiple_outputs=False, **kwargs)(function)(**op_kwargs)`
    adds to `dag`, as a PythonOperator; its `output` is the XComArg of the return value."""
    group = task_group or dag.task_group
    # A taken id gets TaskFlow's next free `__<n>` suffix; checked by dict lookup first, since TaskFlow's own
    # check scans every task id of the DAG. (Airflow leaves `TaskGroup.child_id` unannotated.)
    if group.child_id(task_id) in dag.task_dict:  # type: ignore[no-untyped-call]
        from airflow.sdk.bases.decorator import get_unique_task_id

        task_id = get_unique_task_id(task_id, dag, group)
    op = PythonOperator(
        task_id=task_id,
        python_callable=function,
        op_kwargs=dict(op_kwargs),
        dag=dag,
        task_group=task_group,
        multiple_outputs=False,
        **kwargs,
    )
    # As TaskFlow: with no docs of its own, a task shows its function's docstring.
    if function.__doc__ and not any((op.doc, op.doc_json, op.doc_md, op.doc_rst, op.doc_yaml)):
        op.doc_md = function.__doc__
    return op
