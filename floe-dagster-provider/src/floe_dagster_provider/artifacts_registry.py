"""Artifacts by reference, for resources whose config must stay plain strings.

A `ConfigurableIOManager`'s fields are run config: they must be serializable, so the IO manager holds a
reference (the artifacts file's path) instead of the artifacts object. Definitions built in this process
register the object they were built from, so a step running in-process (tests, `execute_in_process`) gets
that exact object, including artifacts that never touched a file; a step in a fresh process (the
multiprocess executor, a run worker) re-imports the code location, which registers them again, or falls back
to reading the file.
"""

from __future__ import annotations

import threading
from pathlib import Path

from floe_core.artifacts import CompiledArtifacts, load_artifacts

_lock = threading.Lock()
_registered: dict[str, CompiledArtifacts] = {}


def register(artifacts: CompiledArtifacts, path: str | Path | None = None) -> str:
    """Remember `artifacts` and return the reference resources should hold."""
    if path is not None:
        ref = str(Path(path).resolve())
    else:
        ref = f"memory:{artifacts.metadata.inputs_sha256[:16]}:{artifacts.base_dir}:{id(artifacts)}"
    with _lock:
        _registered[ref] = artifacts
    return ref


def resolve(ref: str) -> CompiledArtifacts:
    with _lock:
        found = _registered.get(ref)
    if found is not None:
        return found
    artifacts = load_artifacts(ref)
    with _lock:
        _registered[ref] = artifacts
    return artifacts
