"""What a person reads from `floe run`, the same on every engine: one short screen, every asset's outcome, no
engine logs, and on failure dbt's error once with the log to read next."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from floe_core import load_artifacts

from floe_contract_tests.probes import compile_to_file, copy_project, floe_run_args

SCREEN_LINES = 40
# What engine and dbt logs look like on a terminal; none of it belongs in floe run's own output.
_NOISE = re.compile(r"\b(INFO|DEBUG)\b|Deprecat|Traceback|\x1b\[|dagster - |airflow\.|alembic")
_BROKEN_TABLE = "floe_no_such_table"


def _run(artifacts_file: Path, engine: str, job: str) -> tuple[int, str]:
    """`floe run` in a process of its own, as a person starts it, with stderr after stdout."""
    done = subprocess.run(floe_run_args(artifacts_file, engine, job), capture_output=True, text=True, timeout=600,
                          check=False)
    return done.returncode, done.stdout + done.stderr


def _log_file(output: str) -> Path:
    found = re.search(r"engine and dbt logs: (\S+)\)", output)
    assert found, f"floe run names its log file first:\n{output}"
    return Path(found.group(1))


def check_the_nightly_output_fits_one_screen(engine: str, artifacts_file: Path) -> None:
    code, output = _run(artifacts_file, engine, "nightly")
    assert code == 0, output
    lines = output.splitlines()
    assert len(lines) <= SCREEN_LINES, output
    assert not _NOISE.search(output), output
    job_assets = load_artifacts(artifacts_file).jobs_by_name["nightly"].assets
    for key in job_assets:
        assert [line for line in lines if re.search(rf"\d+/{len(job_assets)} OK +{re.escape(key)}\.", line)], \
            f"no line says {key} was materialized:\n{output}"
    assert re.search(r"nightly: SUCCESS in [\d.]+s", output), output
    log = _log_file(output).read_text(encoding="utf-8", errors="replace")
    assert "stg_orders" in log, "the engine's and dbt's own logs are in the log file"


def check_a_failing_model_prints_its_dbt_error_once(engine: str, demo: Path, tmp_path: Path) -> None:
    project = copy_project(demo, tmp_path / "broken_demo")
    model = project / "models" / "staging" / "stg_orders.sql"
    model.write_text(model.read_text().replace("from ", f"from {_BROKEN_TABLE}, ", 1))
    code, output = _run(compile_to_file(project), engine, "nightly")
    assert code == 1, output
    assert output.count("Error in model stg_orders") == 1, f"dbt's error is shown exactly once:\n{output}"
    assert _BROKEN_TABLE in output
    assert "Traceback" not in output and len(output.splitlines()) <= SCREEN_LINES, output
    assert re.search(r"ERROR +stg_orders\.", output), output
    skipped = re.search(r"^ +skipped: (.+)$", output, re.MULTILINE)
    assert skipped and {"orders", "customers"} <= set(skipped.group(1).split(", ")), output
    dbt_log = re.search(r"dbt log: (\S+)", output)
    assert dbt_log and _BROKEN_TABLE in Path(dbt_log.group(1)).read_text(encoding="utf-8", errors="replace")
    assert _log_file(output).is_file()
