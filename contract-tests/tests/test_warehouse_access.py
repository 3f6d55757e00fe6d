"""The suite's own reads and writes of the scenario warehouse wait while another process holds its file."""

from __future__ import annotations

import subprocess
import sys

from floe_contract_tests.warehouse import execute, query
from floe_core import CompiledArtifacts
from floe_core.runtime import duckdb_path

_HOLD = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); time.sleep(3); c.close()"


def test_a_query_waits_for_the_process_holding_the_warehouse_and_then_reads(
        contract_artifacts: CompiledArtifacts) -> None:
    execute(contract_artifacts, "create or replace table lock_probe as select 1 as x")
    with subprocess.Popen([sys.executable, "-c", _HOLD, str(duckdb_path(contract_artifacts))],
                          stdout=subprocess.PIPE, text=True) as holder:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert query(contract_artifacts, "select x from lock_probe") == [(1,)]
        assert holder.wait(timeout=60) == 0
