"""Embedded mode's in-process run loop (`_compat.run_dagrun_in_process`): it ends, or says why not."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from floe_airflow_provider import AirflowOrchestratorPlugin, _compat
from floe_airflow_provider.naming import DagNaming
from floe_airflow_provider.runs import DagsFolder
from floe_airflow_provider.sensors import WAIT_TASK_ID
from floe_core import CompiledArtifacts
from floe_core.errors import RuntimeFailure


def test_a_run_that_never_ends_stops_at_its_deadline_naming_the_unfinished_task(
        demo_artifacts: CompiledArtifacts, dags_folder: Path) -> None:
    from airflow.api.client import get_current_api_client

    AirflowOrchestratorPlugin().deploy(demo_artifacts)
    folder = DagsFolder(dags_folder)
    folder.sync()
    # The demo's file sensor waits for files in a folder that has none: its run never ends on its own.
    dag_id = DagNaming(demo_artifacts.identity.product).sensor_dag_id("new_order_files")
    created = get_current_api_client().trigger_dag(dag_id=dag_id, logical_date=datetime.now(timezone.utc),
                                                   replace_microseconds=False)
    assert created is not None
    with _compat.in_process_api(), pytest.raises(RuntimeFailure, match="did not end within 3 s") as failure:
        _compat.run_dagrun_in_process(folder.dag(dag_id), created["dag_run_id"], deadline_seconds=3)
    assert WAIT_TASK_ID in failure.value.problems[0].found
