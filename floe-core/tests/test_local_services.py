"""Services the demo and the tests start are stopped with everything they started."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from floe_core.errors import RuntimeFailure
from floe_core.local_services import running, wait_for

# A service that starts a worker of its own which ignores SIGTERM, as engines' workers may, and records its pid.
_SERVICE = """
import signal, subprocess, sys, time
worker = subprocess.Popen([sys.executable, "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"])
open(sys.argv[1], "w").write(str(worker.pid))
print("started", flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A killed child of an ended service is reaped by init; until then it is a zombie, which counts as ended.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


def _pid(path: Path) -> int:
    if not path.exists():
        raise ValueError("not started yet")
    return int(path.read_text())


def test_stopping_the_services_ends_the_workers_they_started(tmp_path: Path) -> None:
    pid_file = tmp_path / "worker.pid"
    with running({"service": [sys.executable, "-c", _SERVICE, str(pid_file)]}, os.environ, tmp_path / "logs",
                 stop_seconds=2):
        worker = wait_for("the service", lambda: _pid(pid_file), None, tmp_path / "logs", 60)
        assert _alive(worker)
    deadline = time.monotonic() + 10
    while _alive(worker):
        assert time.monotonic() < deadline, f"worker {worker} outlived its service"
        time.sleep(0.1)


def test_a_service_that_ends_at_start_fails_with_the_end_of_its_log(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "print('port 8080 is in use'); raise SystemExit(1)"]
    with pytest.raises(RuntimeFailure) as failure, running({"web": command}, os.environ, tmp_path) as services:
        wait_for("the UI", lambda: (_ for _ in ()).throw(ConnectionError()), services, tmp_path, 60)
    message = failure.value.problems[0].message
    assert "the UI did not come up" in message
    assert "web.log" in message and "port 8080 is in use" in message


# A service whose worker runs in a session of its own, as Airflow puts each task process in a group of its own.
_SERVICE_WITH_A_DETACHED_WORKER = """
import subprocess, sys, time
worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
open(sys.argv[1], "w").write(str(worker.pid))
print("started", flush=True)
time.sleep(600)
"""


def test_a_killed_service_ends_at_once_with_every_process_it_started_even_in_another_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "worker.pid"
    with running({"service": [sys.executable, "-c", _SERVICE_WITH_A_DETACHED_WORKER, str(pid_file)]}, os.environ,
                 tmp_path / "logs", stop_seconds=2) as services:
        first = wait_for("the service", lambda: _pid(pid_file), services, tmp_path / "logs", 60)
        assert os.getpgid(first) != services.processes["service"].pid
        pid_file.unlink()
        services.kill("service")
        _assert_ends(first)
        services.start("service")  # a service killed can be started again
        second = wait_for("the service again", lambda: _pid(pid_file), services, tmp_path / "logs", 60)
        services.kill("service")  # stopping would not reach this worker: it is in no group of a service
        _assert_ends(second)


def _assert_ends(pid: int) -> None:
    deadline = time.monotonic() + 10
    while _alive(pid):
        assert time.monotonic() < deadline, f"worker {pid} outlived its killed service"
        time.sleep(0.1)
