"""floe-core: CompiledArtifacts, the compiler, the dependency graph and the OrchestratorPlugin ABC.

Engine-neutral by design: nothing here imports Dagster or Airflow. Names load on first use (PEP 562), so a
DAG file or definitions module that needs only the artifacts models never pays for networkx or the compiler.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from floe_core.version import __version__

_EXPORTS: dict[str, str] = {
    "FLOE_API_VERSION": "floe_core.plugin",
    "ArtifactsError": "floe_core.errors",
    "AssetGraph": "floe_core.graph",
    "AssetOutcome": "floe_core.plugin",
    "BackfillRequest": "floe_core.plugin",
    "BackfillResult": "floe_core.plugin",
    "Capabilities": "floe_core.plugin",
    "CompatibilityError": "floe_core.errors",
    "CompileResult": "floe_core.compiler",
    "CompiledArtifacts": "floe_core.artifacts",
    "DbtTranslator": "floe_core.compiler.dbt_assets",
    "FloeError": "floe_core.errors",
    "GraphError": "floe_core.errors",
    "InputError": "floe_core.errors",
    "ManifestError": "floe_core.errors",
    "OrchestratorPlugin": "floe_core.plugin",
    "PluginConfig": "floe_core.plugin",
    "PluginIncompatibleError": "floe_core.errors",
    "PluginNotFoundError": "floe_core.errors",
    "Problem": "floe_core.errors",
    "RunFilter": "floe_core.plugin",
    "RunRecord": "floe_core.plugin",
    "RuntimeFailure": "floe_core.errors",
    "SelectorError": "floe_core.errors",
    "SpecError": "floe_core.errors",
    "UnsupportedFeatureError": "floe_core.errors",
    "compile_project": "floe_core.compiler",
    "list_plugins": "floe_core.registry",
    "load_artifacts": "floe_core.artifacts",
    "load_plugin": "floe_core.registry",
    "load_plugin_class": "floe_core.registry",
    "parse_artifacts": "floe_core.artifacts",
    "write_artifacts": "floe_core.artifacts",
}

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
    "UnsupportedFeatureError",
    "__version__",
    "compile_project",
    "list_plugins",
    "load_artifacts",
    "load_plugin",
    "load_plugin_class",
    "parse_artifacts",
    "write_artifacts",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'floe_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:
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
        UnsupportedFeatureError,
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
