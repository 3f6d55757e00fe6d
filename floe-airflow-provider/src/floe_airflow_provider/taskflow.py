"""What Airflow's TaskFlow annotations leave out, said once for the DAG builders.

Calling a `@task` while a DAG is built returns a `PlainXComArg`, the reference to the task's return value
that carries the task's operator; Airflow annotates the call as returning the base `XComArg`, which has no
`operator`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from airflow.sdk.definitions.xcom_arg import PlainXComArg, XComArg
    from airflow.sdk.types import Operator


def task_operator(ref: XComArg) -> Operator:
    """The operator of a called (or mapped) TaskFlow task, from the reference the call returned."""
    return cast("PlainXComArg", ref).operator
