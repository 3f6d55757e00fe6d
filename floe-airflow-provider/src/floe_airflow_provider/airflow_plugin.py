"""The provider's AirflowPlugin (entry point `floe` in `airflow.plugins`).

Airflow stores a custom partition mapper in a serialized DAG by its class path and loads it back only from a
registered plugin, in the DAG processor that serializes the DAG and in the scheduler and API server that
deserialize it; the entry point makes every Airflow process that has the provider installed find them.
"""

from __future__ import annotations

from typing import Any

from airflow.plugins_manager import AirflowPlugin

from floe_airflow_provider import _compat


class FloePlugin(AirflowPlugin):
    name = "floe"
    # Empty before Airflow 3.2, which has no partition mappers.
    partition_mappers: list[Any] = _compat.partition_mapper_classes()
