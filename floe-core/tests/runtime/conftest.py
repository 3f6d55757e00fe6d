"""Session fixtures of the runtime tests: the dbt project is copied to a temporary folder once and parsed
once per session; every dbt invocation after the first reuses that parse, as a task process does.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from floe_core.artifacts import CompiledArtifacts
from runtime_fixtures import PROJECT_SOURCE, checks_from_manifest, make_artifacts


@pytest.fixture(scope="session")
def project_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    destination = tmp_path_factory.mktemp("runtime") / "project"
    shutil.copytree(PROJECT_SOURCE, destination, ignore=shutil.ignore_patterns("target", "logs", "__pycache__"))
    return destination


@pytest.fixture(scope="session")
def artifacts(project_dir: Path) -> CompiledArtifacts:
    from floe_core.runtime import dbt_manifest

    manifest = dbt_manifest(make_artifacts(project_dir))
    return make_artifacts(project_dir, checks_from_manifest(manifest))


@pytest.fixture(scope="session")
def built(artifacts: CompiledArtifacts) -> Any:
    """The whole project built once: seeds, models and tests."""
    from floe_core.runtime import run_dbt

    return run_dbt(artifacts, "build", None)


@pytest.fixture
def fresh_warehouse(project_dir: Path, tmp_path: Path) -> CompiledArtifacts:
    """Artifacts with an empty Iceberg warehouse of this test's own."""
    return make_artifacts(project_dir, warehouse=str(tmp_path / "warehouse"))
