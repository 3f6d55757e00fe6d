"""Finding the dbt manifest for a project, and re-parsing it when the project changed since."""

from __future__ import annotations

import os
import re
from pathlib import Path

from floe_core.errors import ManifestError, Problem, RuntimeFailure

_SKIP_DIRS = {"target", "dbt_packages", "logs", ".git", ".venv", "__pycache__", "node_modules"}
_PROJECT_SUFFIXES = {".sql", ".yml", ".yaml", ".csv", ".py", ".md"}
_ADAPTER_TYPE = re.compile(rb'"adapter_type":\s*"([^"]+)"')
# dbt writes `metadata` first, so its adapter_type is within the file's first few kilobytes.
_METADATA_BYTES = 16_384


def newest_project_mtime(project_dir: Path) -> float:
    newest = 0.0
    for root, dirs, files in os.walk(project_dir):
        dirs[:] = [d for d in dirs if d not in _SKIP_DIRS and not d.startswith(".")]
        for name in files:
            if Path(name).suffix in _PROJECT_SUFFIXES:
                newest = max(newest, os.stat(os.path.join(root, name)).st_mtime)
    return newest


def manifest_is_stale(manifest: Path, project_dir: Path) -> bool:
    if not manifest.exists():
        return True
    return manifest.stat().st_mtime < newest_project_mtime(project_dir)


def ensure_manifest(project_dir: Path, profiles_dir: Path, target: str | None, adapter: str | None = None) -> Path:
    """target/manifest.json, refreshed with an in-process `dbt parse` when missing, older than the project, or
    parsed for a target of another adapter than `adapter` (floe.yaml switched targets since)."""
    manifest = project_dir / "target" / "manifest.json"
    if not manifest_is_stale(manifest, project_dir) and adapter in (None, _adapter_of(manifest)):
        return manifest
    if not (project_dir / "dbt_project.yml").exists():
        raise ManifestError(
            Problem("no dbt project here (dbt_project.yml not found)", file=str(project_dir),
                    fix="set transforms.dbt.projectDir in floe.yaml to the dbt project folder")
        )
    try:
        from dbt.cli.main import dbtRunner
    except ImportError:
        raise RuntimeFailure(
            Problem("the dbt manifest is missing or stale and dbt is not installed to re-parse it",
                    file=str(manifest),
                    fix="install dbt (`pip install 'floe-core[runtime]'`), run `dbt parse` yourself, "
                    "or pass --manifest PATH")
        ) from None
    args = ["parse", "--project-dir", str(project_dir), "--profiles-dir", str(profiles_dir), "--quiet",
            "--log-path", str(project_dir / "target" / "logs")]
    if target:
        args += ["--target", target]
    result = dbtRunner().invoke(args)
    if not result.success or not manifest.exists():
        reason = result.exception or "see the dbt output above"
        raise ManifestError(
            Problem(f"`dbt parse` failed: {reason}", file=str(project_dir),
                    fix="fix the dbt project until `dbt parse` succeeds")
        )
    return manifest


def _adapter_of(manifest: Path) -> str | None:
    with manifest.open("rb") as handle:
        found = _ADAPTER_TYPE.search(handle.read(_METADATA_BYTES))
    return found.group(1).decode() if found else None
