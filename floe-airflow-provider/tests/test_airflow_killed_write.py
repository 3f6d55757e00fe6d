"""SIGKILL in the middle of an Iceberg write, through an Airflow run in a process of its own.

`floe run --engine airflow` (`dag.test()` on the session's Airflow home) runs the slow-write product's one
Python asset in a child process whose Iceberg commit stops after writing the new data files, manifests and
table metadata, right before the catalog moves the table's pointer (see the product's `slow_write_assets.py`).
The test kills that process with SIGKILL there and reads the table back with pyiceberg: it is still at its
previous snapshot with its previous rows, and the next run commits a new snapshot on top of that one, never
on the orphaned metadata.
"""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path
from urllib.parse import urlparse

import pytest
from floe_airflow_provider.plugin import AirflowOrchestratorPlugin
from floe_contract_tests.capabilities import run_or_refused
from floe_contract_tests.probes import (
    HOLD_ENV,
    LABEL_ENV,
    LEDGER_ROWS,
    SLOW_WRITE_PRODUCT,
    data_files,
    floe_run_args,
    kill_inside_the_commit,
    table_state,
)
from floe_core import compile_project, load_artifacts, write_artifacts


@pytest.mark.processes  # `floe run` in a process of its own, killed: one env runs it
def test_a_run_killed_inside_its_iceberg_commit_leaves_the_table_at_its_previous_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "slow_write_product"
    shutil.copytree(SLOW_WRITE_PRODUCT, project)
    result = compile_project(project, manifest=project / "dbt_manifest.json")
    write_artifacts(result.artifacts, result.output)
    artifacts = load_artifacts(result.output)
    plugin = AirflowOrchestratorPlugin()  # the session's Airflow home (conftest); the child inherits it

    monkeypatch.setenv(LABEL_ENV, "before")
    assert run_or_refused(plugin, "python_assets", lambda: plugin.run_job(artifacts, "ledger")).status == "success"
    before = table_state(artifacts)
    assert before["rows"] == [("before", n) for n in range(LEDGER_ROWS)]
    files_before = data_files(project)

    marker = tmp_path / "held.json"
    env = {**os.environ, LABEL_ENV: "killed", HOLD_ENV: str(marker)}
    args = floe_run_args(result.output, "airflow", "ledger")
    held = kill_inside_the_commit(args, env, marker, tmp_path / "killed_run.log")

    # `dag.test()` runs the task in the `floe run` process itself, so that is the process the kill ended.
    assert held["pid"] == held["child_pid"] and held["returncode"] == -signal.SIGKILL
    # The kill came inside the write: its data files and new table metadata are on disk ...
    assert data_files(project) - files_before
    orphan = held["metadata"]
    assert Path(urlparse(orphan).path).is_file()
    # ... and the table does not see them: same pointer, same snapshots, same rows, no killed row.
    assert table_state(artifacts) == before

    monkeypatch.setenv(LABEL_ENV, "after")
    assert plugin.run_job(artifacts, "ledger").status == "success"
    after = table_state(artifacts)
    assert after["rows"] == [("after", n) for n in range(LEDGER_ROWS)]
    new = [snapshot for snapshot in after["snapshots"] if snapshot not in before["snapshots"]]
    assert new and after["snapshot_id"] == new[-1][0]
    assert new[0][1] == before["snapshot_id"], "the next commit builds on the previous snapshot"
    assert after["snapshots"][: len(before["snapshots"])] == before["snapshots"]
    assert orphan not in after["metadata_log"] and orphan != after["metadata_location"]
