"""floe on Airflow 3: DAGs from compiled floe artifacts, written with the Task SDK.

A DAG file needs two lines:

    from floe_airflow_provider import build_dags
    globals().update(build_dags("/path/to/compiled_artifacts.json"))
"""

from floe_airflow_provider.dags import DagFactory, RenderMode, build_dags
from floe_airflow_provider.naming import DagNaming

__all__ = ["AirflowOrchestratorPlugin", "DagFactory", "DagNaming", "RenderMode", "build_dags"]


def __getattr__(name: str) -> object:
    # The plugin pulls in run-time machinery (backfills, run history) a DAG file never needs.
    if name == "AirflowOrchestratorPlugin":
        from floe_airflow_provider.plugin import AirflowOrchestratorPlugin

        return AirflowOrchestratorPlugin
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
