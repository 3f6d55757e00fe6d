"""The provider's Airflow plugin: what Airflow must find by name when it loads a floe DAG it serialized.

Airflow loads it from the `airflow.plugins` entry point of this package in every component that reads
serialized DAGs (scheduler, DAG processor, api-server, triggerer), so nothing is copied into a plugins folder.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from floe_airflow_provider.cron_timetables import FloeCronDataIntervalTimetable, FloeCronTriggerTimetable


class FloePlugin(AirflowPlugin):
    name = "floe"
    # A list, as AirflowPlugin declares it; Airflow reads it, nothing appends to it.
    timetables = [FloeCronTriggerTimetable, FloeCronDataIntervalTimetable]  # noqa: RUF012
