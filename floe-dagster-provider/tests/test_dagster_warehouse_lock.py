"""Two `floe run`s on one DuckDB warehouse: the second waits its turn, or gives up naming the holder; no row is
lost either way."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from conftest import DEMO
from floe_contract_tests.probes import compile_to_file, copy_project, floe_run_args
from floe_core import load_artifacts, write_artifacts
from floe_core.runtime.warehouse import read_relation
from floe_core.runtime.warehouse_lock import warehouse_writer

pytestmark = pytest.mark.processes  # each test starts `floe run` processes

TABLES = ("raw_orders", "stg_orders", "orders", "customers")


def _demo(tmp_path: Path) -> Path:
    return compile_to_file(copy_project(DEMO, tmp_path / "jaffle_floe"))


def _start(artifacts_file: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(floe_run_args(artifacts_file, "dagster", "nightly"), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def _seed_rows(seed: str) -> int:
    return len((DEMO / "seeds" / f"{seed}.csv").read_text().splitlines()) - 1


def _row_counts(artifacts_file: Path) -> dict[str, int]:
    artifacts = load_artifacts(artifacts_file)
    return {table: read_relation(artifacts, table).num_rows for table in TABLES}


def test_two_runs_at_once_take_turns_and_both_succeed(tmp_path: Path) -> None:
    artifacts_file = _demo(tmp_path)
    first, second = _start(artifacts_file), _start(artifacts_file)
    outputs = [run.communicate(timeout=600)[0] for run in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], "\n".join(outputs)
    waited = [(out, other) for out, other in zip(outputs, (second, first), strict=True) if "waiting for" in out]
    assert waited, f"one run says it waits for the other:\n{outputs[0]}\n{outputs[1]}"
    out, holder = waited[0]
    assert f"waiting for floe process PID {holder.pid} to finish writing" in out
    assert out.count("waiting for") == 1 and "Could not set lock" not in out
    orders, customers = (_seed_rows(f"raw_{name}") for name in ("orders", "customers"))
    assert _row_counts(artifacts_file) == {"raw_orders": orders, "stg_orders": orders, "orders": orders,
                                           "customers": customers}, "every row, once"


def test_a_run_that_waits_too_long_fails_naming_the_holder_and_writes_nothing(tmp_path: Path) -> None:
    artifacts_file = _demo(tmp_path)
    first = _start(artifacts_file)
    assert first.communicate(timeout=600)[0] and first.returncode == 0
    before = _row_counts(artifacts_file)
    artifacts = load_artifacts(artifacts_file)
    compute = artifacts.plugins.compute.model_copy(update={"lock_timeout_seconds": 2})
    impatient = artifacts.model_copy(update={"plugins": artifacts.plugins.model_copy(update={"compute": compute})})
    impatient_file = artifacts_file.with_name("impatient.json")
    write_artifacts(impatient, impatient_file)
    duckdb_file = artifacts.in_project(artifacts.plugins.compute.path)
    stamp = duckdb_file.stat().st_mtime_ns
    with warehouse_writer(artifacts):  # this test process is the other floe run
        started = time.monotonic()
        second = _start(impatient_file)
        out = second.communicate(timeout=600)[0]
        assert time.monotonic() - started < 120
    assert second.returncode == 1, out
    assert f"stayed locked by floe process PID {os.getpid()} for 2 s; this run wrote nothing" in out
    assert "Traceback" not in out
    assert duckdb_file.stat().st_mtime_ns == stamp and _row_counts(artifacts_file) == before
