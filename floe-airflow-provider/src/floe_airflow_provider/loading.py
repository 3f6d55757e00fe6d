"""Reading the compiled artifacts file, once per process and per version of the file.

A DAG file is parsed by the DAG processor every 30 seconds and again by every task process before the
task runs; both then read the same JSON. Keeping the parsed artifacts per (path, mtime, size) means a task
reuses what its own DAG-file parse already read, and an edited file is read again.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from floe_core.artifacts import CompiledArtifacts, load_artifacts
from floe_core.errors import ArtifactsError

_lock = threading.Lock()
_cache: dict[str, tuple[int, int, CompiledArtifacts]] = {}


def load(path: str | os.PathLike[str]) -> CompiledArtifacts:
    """The artifacts at `path`; raises floe's ArtifactsError (naming the file, field and fix) when invalid."""
    resolved = str(Path(path).expanduser().resolve())
    try:
        stat = os.stat(resolved)
    except OSError:
        return load_artifacts(resolved)  # raises the "not found" error with its fix
    with _lock:
        cached = _cache.get(resolved)
        if cached is not None and cached[0] == stat.st_mtime_ns and cached[1] == stat.st_size:
            return cached[2]
    artifacts = load_artifacts(resolved)
    with _lock:
        _cache[resolved] = (stat.st_mtime_ns, stat.st_size, artifacts)
    return artifacts


def clear_cache() -> None:
    with _lock:
        _cache.clear()


__all__ = ["ArtifactsError", "clear_cache", "load"]
