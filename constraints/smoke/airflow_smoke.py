"""Airflow smoke test: load the smoke DAG through DagBag and run dag.test().

Expects AIRFLOW_HOME (migrated, DAGs reserialized) and AIRFLOW__CORE__DAGS_FOLDER pointing at smoke/dags.
"""
from __future__ import annotations

import os

import airflow

try:  # 3.2+
    from airflow.dag_processing.dagbag import DagBag
except ImportError:  # 3.0, 3.1
    from airflow.models.dagbag import DagBag

bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
assert not bag.import_errors, bag.import_errors
dag = bag.get_dag("floe_smoke")
assert dag is not None, bag.dag_ids
run = dag.test()
state = str(getattr(run.state, "value", run.state))
tis = {ti.task_id: str(getattr(ti.state, "value", ti.state)) for ti in run.get_task_instances()}
assert state == "success", (state, tis)
assert set(tis.values()) == {"success"}, tis

from airflow.models.asset import AssetEvent  # noqa: E402
from airflow.utils.session import create_session  # noqa: E402

with create_session() as session:
    events = session.query(AssetEvent).count()
assert events >= 1, "no AssetEvent recorded for the outlet"
print(f"airflow {airflow.__version__}: dag.test() {state}, tasks {tis}, asset events {events}")
