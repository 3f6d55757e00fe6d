"""Engine services started on this machine for a person to look at (the demo's UIs) and stopped together.

Each provider names its engine's commands; starting them with a log file each, waiting until the UI
answers (or telling why not, with the logs to read) and stopping them all is the same for every engine.
"""

from __future__ import annotations

import subprocess
import time
import urllib.error
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from floe_core.errors import Problem, RuntimeFailure

T = TypeVar("T")
_POLL_SECONDS = 1.0


@contextmanager
def running(commands: Mapping[str, list[str]], env: Mapping[str, str], logs: Path,
            stop_seconds: float = 30.0) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Start each named command with its output in `logs/<name>.log`; terminate them all on exit."""
    logs.mkdir(parents=True, exist_ok=True)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for name, command in commands.items():
            with open(logs / f"{name}.log", "wb") as log:
                processes.append(subprocess.Popen(command, env=dict(env), stdout=log, stderr=subprocess.STDOUT))
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=stop_seconds)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for(what: str, probe: Callable[[], T], processes: list[subprocess.Popen[bytes]], logs: Path,
             timeout: float) -> T:
    """`probe()` once it stops raising a connection error; a failure naming the logs if a service ends first."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return probe()
        except (urllib.error.URLError, ConnectionError, TimeoutError, KeyError, ValueError):
            ended = [p.args[0] if isinstance(p.args, list) else p.args for p in processes if p.poll() is not None]
            if ended or time.monotonic() > deadline:
                reason = f"{ended} ended" if ended else f"nothing answered in {timeout:.0f} s"
                raise RuntimeFailure(Problem(f"{what} did not come up: {reason}", file=str(logs),
                                             fix="read the services' logs in that folder")) from None
            time.sleep(_POLL_SECONDS)
