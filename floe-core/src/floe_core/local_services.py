"""Engine services started on this machine for a person to look at (the demo's UIs) and stopped together.

Each provider names its engine's commands; starting them with a log file each, waiting until the UI
answers (or telling why not, with the logs to read) and stopping them all is the same for every engine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TypeVar

from floe_core.errors import Problem, RuntimeFailure

T = TypeVar("T")
_POLL_SECONDS = 1.0
_LOG_TAIL_LINES = 15


class Services:
    """Named engine services, each a process with its output appended to `logs/<name>.log`."""

    def __init__(self, commands: Mapping[str, list[str]], env: Mapping[str, str], logs: Path) -> None:
        self.commands, self.env, self.logs = dict(commands), dict(env), logs
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str) -> None:
        with open(self.logs / f"{name}.log", "ab") as log:
            # A session of its own per service: the engines start workers of their own (Airflow's LocalExecutor
            # workers and `serve-logs`, Dagster's code servers) that outlive a signal to the service alone, so
            # stopping signals the whole process group.
            self.processes[name] = subprocess.Popen(self.commands[name], env=self.env, stdout=log,
                                                    stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self, name: str) -> None:
        """SIGKILL the service with every process it started, as when the machine it runs on dies.

        The service's process group is not all of them: Airflow puts each task's process in a group of its
        own. So the service's descendants are stopped (SIGSTOP: a stopped process starts no more) until no new
        one appears, then all are killed. None is left holding what the service had open, such as a database
        connection inherited through fork, whose transaction, locks included, PostgreSQL ends only once the
        last process holding that connection is gone."""
        process = self.processes[name]
        stopped: set[int] = set()
        while found := _descendants(process.pid) - stopped:
            for pid in found:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGSTOP)
            stopped |= found
        for pid in stopped:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait()

    def stop(self, stop_seconds: float) -> None:
        for process in self.processes.values():
            _signal_group(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + stop_seconds
        for process in self.processes.values():
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
        for process in self.processes.values():
            # Workers still running after the grace period, or left behind by a service that exited.
            _signal_group(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def running(commands: Mapping[str, list[str]], env: Mapping[str, str], logs: Path,
            stop_seconds: float = 30.0) -> Iterator[Services]:
    """Start each named command with its output in `logs/<name>.log`; stop them all, with every process they
    started, on exit."""
    logs.mkdir(parents=True, exist_ok=True)
    services = Services(commands, env, logs)
    try:
        for name in commands:
            services.start(name)
        yield services
    finally:
        services.stop(stop_seconds)


def _descendants(root: int) -> set[int]:
    """`root` and every process below it (from /proc: Linux only)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError, ValueError, IndexError):
            # The field after the parenthesized command name, which may itself hold spaces or parentheses.
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(stat.parent.name))
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        found.add(pid)
        todo.extend(children.get(pid, ()))
    return found


def _signal_group(group: int, signum: signal.Signals) -> None:
    with suppress(ProcessLookupError):  # the service and everything it started have ended
        os.killpg(group, signum)


def wait_for(what: str, probe: Callable[[], T], services: Services | None, logs: Path, timeout: float) -> T:
    """`probe()` once it stops raising a connection error; a failure quoting the logs if a service ends first
    or nothing answers in `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return probe()
        except (urllib.error.URLError, ConnectionError, TimeoutError, KeyError, ValueError):
            ended = [name for name, p in (services.processes if services else {}).items() if p.poll() is not None]
            if ended or time.monotonic() > deadline:
                reason = f"{ended} ended" if ended else f"nothing answered in {timeout:.0f} s"
                raise RuntimeFailure(Problem(f"{what} did not come up: {reason}\n{_log_tails(logs)}",
                                             file=str(logs), fix="read the services' logs in that folder")) from None
            time.sleep(_POLL_SECONDS)


def _log_tails(logs: Path) -> str:
    """The last lines each service wrote: usually the reason it ended or is still starting."""
    parts = []
    for log in sorted(logs.glob("*.log")):
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()[-_LOG_TAIL_LINES:]
        parts.append(f"--- {log.name} (last {len(lines)} lines) ---\n" + "\n".join(lines))
    return "\n".join(parts)
