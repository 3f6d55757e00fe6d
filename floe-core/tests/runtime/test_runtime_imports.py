"""The runtime costs nothing at load time: a definitions module or DAG file may import it freely."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_runtime_imports_no_engine_and_no_heavy_library() -> None:
    heavy = ("dbt", "pyiceberg", "pyarrow", "duckdb", "dagster", "airflow", "pandas")
    code = f"import sys, floe_core.runtime; print(','.join(m for m in {heavy!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == ""
