"""Asset-triggered scheduling for tests that run jobs in-process, decided by the scheduler's own query.

Runs made with `dag.test()` record their outlet Asset events, and Airflow queues them (AssetDagRunQueue)
for every unpaused DAG scheduled on those Assets; no scheduler runs here to turn that queue into DAG runs.
"""

from __future__ import annotations


def tick_asset_scheduled(dag_id: str) -> bool:
    """Whether Airflow's scheduler would now create an asset-triggered run of `dag_id`; if so, consume the
    queued asset events as creating that run does, so the next tick is False until new events arrive."""
    from airflow.models.asset import AssetDagRunQueue
    from airflow.models.dag import DagModel
    from airflow.utils.session import create_session
    from sqlalchemy import delete

    # The scheduler takes `max_dagruns_to_create_per_loop` due DAGs per loop and comes back for the rest; nothing
    # here comes back, so conftest raises that setting and one tick sees every due DAG.
    with create_session() as session:
        # What the scheduler loop calls: unpaused, active, importable DAGs under max_active_runs that are due,
        # with the asset-triggered ones (their Asset condition holds over their queued events) keyed by dag_id.
        due, triggered_date_by_dag = DagModel.dags_needing_dagruns(session)
        fired = dag_id in triggered_date_by_dag and any(dag.dag_id == dag_id for dag in due)
        if fired:
            # The scheduler deletes these rows when it creates the run. The run itself is not created: with no
            # scheduler to start it, it would stay queued, count against max_active_runs and show in run history.
            session.execute(delete(AssetDagRunQueue).where(AssetDagRunQueue.target_dag_id == dag_id))
    return fired
