"""One floe process writes a DuckDB warehouse at a time; the others wait their turn instead of failing.

DuckDB allows one writing process per file and refuses the others at once ("Could not set lock on file").
So every dbt invocation on a DuckDB warehouse first takes an exclusive lock on a file beside it
(`<warehouse>.floe-lock`, holding the holder's PID). A second `floe run`, an Airflow task in another worker
process or a Dagster step in its own process waits up to `plugins.compute.lock_timeout_seconds`, saying once
whom it waits for, then runs, or fails naming the holder and having written nothing. The lock belongs to the
open file: the kernel releases it when its process ends, however it ends, so a killed run never leaves a
stale lock behind.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from floe_core.artifacts import CompiledArtifacts
from floe_core.errors import Problem, RuntimeFailure
from floe_core.runtime.progress import report_notice
from floe_core.runtime.warehouse import duckdb_path

try:
    import fcntl
except ImportError:  # Windows: DuckDB's own lock error stays the only guard
    fcntl = None  # type: ignore[assignment]

_POLL_SECONDS = 0.2


def _lock_path(artifacts: CompiledArtifacts) -> Path:
    database = duckdb_path(artifacts)
    return database.with_name(database.name + ".floe-lock")


@contextmanager
def warehouse_writer(artifacts: CompiledArtifacts) -> Iterator[None]:
    """Hold the warehouse's writer lock for the block, waiting for another floe process if it has it."""
    if artifacts.plugins.compute.kind != "duckdb" or fcntl is None:
        yield
        return
    path = _lock_path(artifacts)
    timeout = artifacts.plugins.compute.lock_timeout_seconds
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise RuntimeFailure(Problem(f"cannot open the warehouse's lock file ({exc.strerror})", file=str(path),
                                     fix="make the DuckDB file's folder writable by the user that runs the job")
                             ) from None
    try:
        deadline: float | None = None
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(path)
                if deadline is None:
                    deadline = time.monotonic() + timeout
                    report_notice(f"waiting for {_who(holder)} to finish writing {duckdb_path(artifacts).name} "
                                  f"(up to {timeout} s)")
                if time.monotonic() >= deadline:
                    failure = _still_locked(artifacts, holder, timeout)
                    report_notice(failure.render())
                    raise failure from None
                time.sleep(_POLL_SECONDS)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)


def _holder(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _who(holder: int | None) -> str:
    return f"floe process PID {holder}" if holder is not None else "another floe process"


def _still_locked(artifacts: CompiledArtifacts, holder: int | None, timeout: int) -> RuntimeFailure:
    return RuntimeFailure(
        Problem(
            f"the DuckDB warehouse stayed locked by {_who(holder)} for {timeout} s; this run wrote nothing",
            file=str(duckdb_path(artifacts)),
            field="plugins.compute.lockTimeoutSeconds",
            found=timeout,
            fix="run again when that run has ended (or stop it), or raise plugins.compute.lockTimeoutSeconds "
            "in floe.yaml and re-compile",
        )
    )
