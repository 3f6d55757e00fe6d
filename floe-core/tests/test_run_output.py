"""`floe run`'s terminal and log file: engine output goes to the file, and with --verbose to the terminal too."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from floe_core.run_output import engine_output_to


@pytest.mark.parametrize("verbose", [False, True], ids=["quiet", "verbose"])
def test_engine_output_goes_to_the_log_and_only_with_verbose_to_the_terminal(
        tmp_path: Path, capfd: pytest.CaptureFixture[str], verbose: bool) -> None:
    log_path = tmp_path / "run.log"
    with engine_output_to(log_path, verbose=verbose) as console:
        os.write(1, b"written to fd 1 by an engine\n")
        print("printed by dbt")
        console.write("1/1 OK    model\n")
    out = capfd.readouterr().out
    log = log_path.read_text()
    for line in ("written to fd 1 by an engine", "printed by dbt"):
        assert line in log
        assert (line in out) is verbose, out
    assert "1/1 OK    model" in out and "1/1 OK    model" not in log
    print("after the run")
    assert capfd.readouterr().out == "after the run\n", "the terminal is the terminal again"
