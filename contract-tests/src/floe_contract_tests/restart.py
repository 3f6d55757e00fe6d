"""Run history read by a fresh process, as a restarted scheduler or UI would read it.

    python -m floe_contract_tests.restart <module:Class> <config json> <filter json> <output file>
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

from floe_core import OrchestratorPlugin, RunFilter, RunRecord


def history_in_new_process(plugin: OrchestratorPlugin, run_filter: RunFilter, output: Path) -> list[RunRecord]:
    cls = type(plugin)
    command = [sys.executable, "-m", "floe_contract_tests.restart", f"{cls.__module__}:{cls.__qualname__}",
               plugin.config.model_dump_json(), run_filter.model_dump_json(), str(output)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise AssertionError(f"reading run history in a new process failed:\n{done.stderr[-4000:]}")
    return [RunRecord.model_validate(r) for r in json.loads(output.read_text(encoding="utf-8"))]


def main(argv: list[str]) -> None:
    target, config, run_filter, output = argv
    module, _, name = target.partition(":")
    plugin: OrchestratorPlugin = getattr(importlib.import_module(module), name)(json.loads(config))
    records = plugin.run_history(RunFilter.model_validate_json(run_filter))
    Path(output).write_text(json.dumps([r.model_dump(mode="json") for r in records]), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
