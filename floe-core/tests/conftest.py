from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from core_paths import DEMO


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[[str], Path]:
    """A project folder with the demo's dbt project files and the given floe.yaml text."""

    def make(spec_text: str) -> Path:
        project = tmp_path / "project"
        if not project.exists():
            project.mkdir()
            for name in ("dbt_project.yml", "profiles.yml"):
                shutil.copy(DEMO / name, project / name)
        (project / "floe.yaml").write_text(spec_text, encoding="utf-8")
        return project

    return make


@pytest.fixture(scope="session")
def demo_spec_text() -> str:
    return (DEMO / "floe.yaml").read_text(encoding="utf-8")
