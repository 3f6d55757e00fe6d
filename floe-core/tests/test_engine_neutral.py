"""floe-core never imports an engine: neither at import time nor anywhere in its source."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import floe_core

SRC = Path(floe_core.__file__).parent
ENGINES = ("dagster", "airflow", "dagster_dbt", "cosmos")


def test_no_module_of_floe_core_imports_an_engine() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.relative_to(SRC)}: {n}" for n in names if n.split(".")[0] in ENGINES]
    assert offenders == []


def test_importing_floe_core_and_compiling_loads_no_engine_and_no_dbt() -> None:
    code = (
        "import sys, floe_core, floe_core.cli, floe_core.render, floe_core.partitioning, floe_core.features\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('dagster', 'airflow', 'dbt', 'pyiceberg', 'pyarrow', 'duckdb'))\n"
        "print(','.join(bad))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_loading_artifacts_pulls_in_neither_the_compiler_nor_networkx() -> None:
    # DAG files and definitions modules import only this much; Airflow re-parses them every 30 seconds.
    code = (
        "import sys\nfrom floe_core import load_artifacts, CompiledArtifacts, OrchestratorPlugin\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'networkx' "
        "or m.startswith('floe_core.compiler'))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_every_name_the_runtime_exports_loads_from_its_own_module() -> None:
    import floe_core.runtime as runtime

    assert sorted(runtime.__all__) == sorted(runtime._HOMES)
    for name in runtime.__all__:
        assert getattr(runtime, name).__module__ == f"floe_core.runtime.{runtime._HOMES[name]}", name
