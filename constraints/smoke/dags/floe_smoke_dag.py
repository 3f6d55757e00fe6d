"""Airflow 3 smoke DAG: TaskFlow tasks, one with an Asset outlet."""
from __future__ import annotations

import pendulum
from airflow.sdk import Asset, dag, task

SMOKE_ASSET = Asset("floe://smoke/out")


@dag(schedule=None, start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False)
def floe_smoke():
    @task(outlets=[SMOKE_ASSET])
    def produce() -> int:
        return 1

    @task
    def consume(x: int) -> None:
        assert x == 1

    consume(produce())


floe_smoke()
