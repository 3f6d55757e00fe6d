"""An invalid artifacts file as one Airflow import error that reads like `floe validate`, without a traceback.

Airflow records an exception raised while a DAG file is imported together with the last frames of its
traceback (`[core] dagbag_import_error_tracebacks`, on by default): for a floe factory file those frames are
the generated line and `build_dags`, noise around a message that already names the file, the field, the
value found and the fix. A DAG that fails Airflow's own `validate()` while the DagBag collects a file is
recorded as `<ErrorType>: <message>` alone, in every Airflow 3 minor (3.0-3.3). So the generated factory
file publishes, in place of the product's DAGs, one DAG whose validation raises floe's error; it is never
bagged, so no DAG of that id ever reaches the metadata DB.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from airflow.sdk import DAG
from floe_core.errors import FloeError

from floe_airflow_provider.dags import RenderMode, build_dags

ERROR_DAG_ID = "floe_invalid_artifacts"


class InvalidArtifactsDag(DAG):
    """Stands for the DAGs of an artifacts file floe cannot use; Airflow's validation raises floe's error."""

    floe_error: FloeError

    def validate(self) -> None:
        raise self.floe_error


def build_dags_or_import_error(
    artifacts_file: str | os.PathLike[str],
    *,
    mode: RenderMode = "per_model",
    job_modes: Mapping[str, RenderMode] | None = None,
    pool: str | None = None,
) -> dict[str, Any]:
    """`build_dags`, except that a floe error becomes this file's one import error, shown without a traceback."""
    try:
        return build_dags(artifacts_file, mode=mode, job_modes=job_modes, pool=pool)
    except FloeError as exc:
        dag = InvalidArtifactsDag(dag_id=ERROR_DAG_ID, schedule=None, description=str(exc)[:200])
        # A fresh copy: Airflow logs the error it records, and the build's frames say nothing more.
        dag.floe_error = type(exc)(exc.problems)
        return {ERROR_DAG_ID: dag}
