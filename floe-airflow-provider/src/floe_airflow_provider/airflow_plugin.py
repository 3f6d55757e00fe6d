"""The provider's Airflow plugin: what Airflow must find by name when it loads a floe DAG it serialized.

Airflow stores a custom timetable or partition mapper in a serialized DAG by its class path and loads it back
only from a registered plugin: in the DAG processor that serializes the DAG, and in the scheduler, api-server
and triggerer that deserialize it. The `floe` entry point in `airflow.plugins` makes every Airflow process that
has the provider installed find them, with nothing copied into a plugins folder.
"""

from __future__ import annotations

from typing import Any

from airflow.plugins_manager import AirflowPlugin

from floe_airflow_provider import _compat
from floe_airflow_provider.cron_timetables import FloeCronDataIntervalTimetable, FloeCronTriggerTimetable


class FloePlugin(AirflowPlugin):
    name = "floe"
    # Lists, as AirflowPlugin declares them; Airflow reads them, nothing appends to them.
    timetables = [FloeCronTriggerTimetable, FloeCronDataIntervalTimetable]  # noqa: RUF012
    # Empty before Airflow 3.2, which has no partition mappers.
    partition_mappers: list[Any] = _compat.partition_mapper_classes()
