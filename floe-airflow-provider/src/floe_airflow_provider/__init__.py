"""floe on Airflow 3: DAGs from compiled floe artifacts, written with the Task SDK.

A DAG file needs two lines:

    from floe_airflow_provider import build_dags_or_import_error
    globals().update(build_dags_or_import_error("/path/to/compiled_artifacts.json"))

An invalid artifacts file then shows as that file's one import error, worded as `floe validate` words it.
Code that wants the exception instead calls `build_dags`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from floe_airflow_provider.dags import DagFactory, RenderMode, build_dags
    from floe_airflow_provider.import_errors import build_dags_or_import_error
    from floe_airflow_provider.naming import DagNaming
    from floe_airflow_provider.plugin import AirflowOrchestratorPlugin, AirflowPluginConfig

__all__ = [
    "AirflowOrchestratorPlugin",
    "AirflowPluginConfig",
    "DagFactory",
    "DagNaming",
    "RenderMode",
    "build_dags",
    "build_dags_or_import_error",
]

# Imported on first use: the floe plugin registry imports this package to read the plugin's versions,
# which must not import Airflow (Airflow reads AIRFLOW_HOME once, when it is first imported).
_LAZY = {
    "AirflowOrchestratorPlugin": "floe_airflow_provider.plugin",
    "AirflowPluginConfig": "floe_airflow_provider.plugin",
    "DagFactory": "floe_airflow_provider.dags",
    "DagNaming": "floe_airflow_provider.naming",
    "RenderMode": "floe_airflow_provider.dags",
    "build_dags": "floe_airflow_provider.dags",
    "build_dags_or_import_error": "floe_airflow_provider.import_errors",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
