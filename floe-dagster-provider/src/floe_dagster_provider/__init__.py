"""floe on Dagster: compiled artifacts in, a Dagster `Definitions` out.

    from floe_dagster_provider import build_definitions
    defs = build_definitions("path/to/compiled_artifacts.json")
"""

from floe_dagster_provider.dbt_translator_adapter import DagsterDbtTranslatorAdapter
from floe_dagster_provider.definitions import build_definitions, definitions_from_artifacts
from floe_dagster_provider.io_manager import IcebergIOManager
from floe_dagster_provider.plugin import DagsterOrchestratorPlugin
from floe_dagster_provider.resources import FloeCatalogResource, FloeComputeResource, FloeStorageResource
from floe_dagster_provider.translator import DagsterTranslator, FloeKeyTranslator
from floe_dagster_provider.version import __version__

__all__ = [
    "DagsterDbtTranslatorAdapter",
    "DagsterOrchestratorPlugin",
    "DagsterTranslator",
    "FloeCatalogResource",
    "FloeComputeResource",
    "FloeKeyTranslator",
    "FloeStorageResource",
    "IcebergIOManager",
    "__version__",
    "build_definitions",
    "definitions_from_artifacts",
]
