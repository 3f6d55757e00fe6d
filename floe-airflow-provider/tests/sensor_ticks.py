"""One tick of a floe file sensor, evaluated by Airflow: a run of the sensor's own DAG, read back from the DB.

A tick is one new run of the sensor DAG, as its `@continuous` schedule would start, driven in this process
until it ends or its reschedule-mode sensor waits for its next poke (`dag.test()` would wait out that poke
interval, poke after poke, until the sensor's one-day timeout). The sensor task itself runs, so it reads and
writes its cursor through XCom; the answer is what Airflow recorded: the target DAG's runs that the trigger
task created, and the cursor XCom the next tick's sensor pulls.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from floe_airflow_provider import _compat
from floe_airflow_provider.runs import DagsFolder
from floe_airflow_provider.sensors import CURSOR_XCOM_KEY, WAIT_TASK_ID


def tick_file_sensor(
    folder: DagsFolder, sensor_dag_id: str, target_dag_id: str
) -> tuple[list[dict[str, Any]], str | None]:
    """Run one tick of a file sensor's DAG; return the confs of the target runs it made and the stored cursor."""
    from airflow.api.client import get_current_api_client
    from airflow.models.dagrun import DagRun
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState
    from sqlalchemy import func, select

    folder.sync()
    dag = folder.dag(sensor_dag_id)
    with create_session() as session:
        last_id = session.scalar(select(func.max(DagRun.id))) or 0
    # The client `airflow dags trigger` uses. A continuous timetable dates its runs "now"; keeping the
    # microseconds keeps two ticks within one second apart (one logical date per run of a DAG).
    created = get_current_api_client().trigger_dag(
        dag_id=sensor_dag_id, logical_date=datetime.now(timezone.utc), replace_microseconds=False
    )
    assert created is not None
    run_id = created["dag_run_id"]
    with _compat.in_process_api():
        _compat.run_dagrun_in_process(dag, run_id, wait=False)
    with create_session() as session:
        tick = session.scalars(select(DagRun).where(DagRun.dag_id == sensor_dag_id, DagRun.run_id == run_id)).one()
        # A failed sensor triggers nothing either: without this it would pass for a tick with no new file.
        if tick.state == DagRunState.FAILED:
            states = {ti.task_id: ti.state for ti in tick.get_task_instances(session=session)}
            raise AssertionError(f"sensor DAG run {sensor_dag_id} {run_id} failed: {states}")
        runs = session.scalars(
            select(DagRun).where(DagRun.dag_id == target_dag_id, DagRun.id > last_id).order_by(DagRun.id)
        )
        confs = [dict(run.conf or {}) for run in runs]
        # The row `xcom_pull(include_prior_dates=True)` answers with, in the Execution API's order.
        row = session.scalars(
            select(XComModel)
            .join(DagRun, DagRun.id == XComModel.dag_run_id)
            .where(
                XComModel.dag_id == sensor_dag_id,
                XComModel.task_id == WAIT_TASK_ID,
                XComModel.key == CURSOR_XCOM_KEY,
                XComModel.map_index == -1,
            )
            .order_by(DagRun.logical_date.desc(), XComModel.timestamp.desc())
            .limit(1)
        ).first()
    # The stored JSON value is what the task gets back; `XComModel.deserialize_value` would also parse a
    # string that holds JSON, as the cursor does.
    return confs, None if row is None else str(row.value)
