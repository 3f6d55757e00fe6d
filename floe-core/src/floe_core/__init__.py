"""floe-core: CompiledArtifacts, the compiler, the dependency graph and the OrchestratorPlugin ABC.

Engine-neutral by design: nothing here imports Dagster or Airflow.
"""

from floe_core.artifacts import CompiledArtifacts, load_artifacts, parse_artifacts, write_artifacts
from floe_core.compiler import CompileResult, compile_project
from floe_core.compiler.dbt_assets import DbtTranslator
from floe_core.errors import (
    ArtifactsError,
    CompatibilityError,
    FloeError,
    GraphError,
    InputError,
    ManifestError,
    PluginIncompatibleError,
    PluginNotFoundError,
    Problem,
    RuntimeFailure,
    SelectorError,
    SpecError,
)
from floe_core.graph import AssetGraph
from floe_core.plugin import (
    FLOE_API_VERSION,
    AssetOutcome,
    BackfillRequest,
    BackfillResult,
    Capabilities,
    OrchestratorPlugin,
    PluginConfig,
    RunFilter,
    RunRecord,
)
from floe_core.registry import list_plugins, load_plugin, load_plugin_class
from floe_core.version import __version__

__all__ = [
    "FLOE_API_VERSION",
    "ArtifactsError",
    "AssetGraph",
    "AssetOutcome",
    "BackfillRequest",
    "BackfillResult",
    "Capabilities",
    "CompatibilityError",
    "CompileResult",
    "CompiledArtifacts",
    "DbtTranslator",
    "FloeError",
    "GraphError",
    "InputError",
    "ManifestError",
    "OrchestratorPlugin",
    "PluginConfig",
    "PluginIncompatibleError",
    "PluginNotFoundError",
    "Problem",
    "RunFilter",
    "RunRecord",
    "RuntimeFailure",
    "SelectorError",
    "SpecError",
    "__version__",
    "compile_project",
    "list_plugins",
    "load_artifacts",
    "load_plugin",
    "load_plugin_class",
    "parse_artifacts",
    "write_artifacts",
]
