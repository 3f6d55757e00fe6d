"""What `floe run` shows: a line per asset as it finishes and a summary per job; engine and dbt logs go to a file.

The engines and dbt log through handlers they set up at import time, to whatever stdout and stderr were then,
so the only place all of it can be caught is the process's file descriptors 1 and 2. While a job runs they
point at the log file (or, with --verbose, at a pipe copied to the file and the terminal); floe's own lines go
to a copy of the terminal's stdout taken before.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

from floe_core.artifacts import CompiledArtifacts
from floe_core.plugin import RunRecord
from floe_core.runtime.progress import Finished, Notice

LOGS_FOLDER = Path("target") / "floe_logs"
_TEE_JOIN_SECONDS = 5.0
_STATUS_WORD = {"materialized": "OK", "failed": "ERROR", "skipped": "SKIP", "passed": "PASS", "warned": "WARN"}
_NAME_WIDTH = 40
_MESSAGE_LINES = 6


def new_log_path(artifacts: CompiledArtifacts) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    folder = artifacts.project_dir / LOGS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"run-{stamp}-{os.getpid()}.log"


@contextmanager
def engine_output_to(log_path: Path, *, verbose: bool) -> Iterator[IO[str]]:
    """Point fds 1 and 2 at `log_path` (and, when verbose, at the terminal too); yield the terminal."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    console = os.fdopen(os.dup(saved[0]), "w", buffering=1, encoding="utf-8", errors="replace")
    log = open(log_path, "ab", buffering=0)  # noqa: SIM115 - closed below, after the fds stop pointing at it
    tee: threading.Thread | None = None
    if verbose:
        read_end, write_end = os.pipe()
        tee = threading.Thread(target=_copy, args=(read_end, log, saved[0]), daemon=True)
        tee.start()
        target = write_end
    else:
        target = log.fileno()
    streams = sys.stdout, sys.stderr
    try:
        os.dup2(target, 1)
        os.dup2(target, 2)
        # Writers that look up sys.stdout when they write, rather than holding an early handle, follow too.
        sys.stdout = sys.stderr = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8", errors="replace")
        yield console
    finally:
        sys.stdout.flush()
        if sys.stdout is not streams[0]:
            sys.stdout.close()
        sys.stdout, sys.stderr = streams
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        if tee is not None:
            os.close(target)
            # A child process the engine left running may still hold the pipe; its output is not waited for.
            tee.join(_TEE_JOIN_SECONDS)
        for fd in saved:
            os.close(fd)
        console.close()
        log.close()


def _copy(read_end: int, log: IO[bytes], terminal: int) -> None:
    with os.fdopen(read_end, "rb", buffering=0) as source:
        while chunk := source.read(65536):
            log.write(chunk)
            os.write(terminal, chunk)


@dataclass
class JobProgress:
    """Prints each asset of one job as dbt finishes it, then what the engine recorded for the rest."""

    console: IO[str]
    artifacts: CompiledArtifacts
    job: str
    log_path: Path
    _shown: set[str] = field(default_factory=set)
    _dbt_logs: list[Path] = field(default_factory=list)
    _assets: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        self._assets = frozenset(self.artifacts.jobs_by_name[self.job].assets)

    @property
    def total(self) -> int:
        return len(self._assets)

    def __call__(self, event: Finished | Notice) -> None:
        if isinstance(event, Notice):
            self._line(f"        {event.text}")
            return
        if event.kind == "asset":
            if event.name in self._shown or event.name not in self._assets:
                return
            self._shown.add(event.name)
            took = f" {event.seconds:5.2f}s" if event.status != "skipped" else ""
            rows = f"  {event.rows} rows" if event.rows is not None else ""
            self._line(f"{len(self._shown):>3}/{self.total} {_STATUS_WORD[event.status]:<5} "
                       f"{event.name:.<{_NAME_WIDTH}}{took}{rows}")
        elif event.status != "passed" and event.status != "skipped":
            failing = f"  {event.rows} failing rows" if event.rows else ""
            self._line(f"        {_STATUS_WORD[event.status]:<5} check {event.name}{failing}")
        if event.message:
            for text in [t for t in event.message.strip().splitlines() if t.strip()][:_MESSAGE_LINES]:
                self._line(f"              {text.strip()}")
            if event.log is not None and event.log not in self._dbt_logs:
                self._dbt_logs.append(event.log)

    def finish(self, engine: str, record: RunRecord) -> None:
        """The assets dbt did not report (Python assets, tasks the engine never started), then the summary."""
        for key, outcome in sorted(record.assets.items()):
            if key not in self._shown:
                self._shown.add(key)
                self._line(f"{len(self._shown):>3}/{self.total} {_STATUS_WORD[outcome.status]:<5} {key}")
        took = (record.ended_at - record.started_at).total_seconds() if record.ended_at and record.started_at else 0
        where = f" [{record.partition}]" if record.partition else ""
        self._line(f"{engine} {self.job}{where}: {record.status.upper()} in {took:.1f}s - "
                   f"{_counts(o.status for o in record.assets.values())}; checks: "
                   f"{_counts(record.checks.values()) or 'none'} (run {record.run_id})")
        for status in ("failed", "skipped"):
            keys = sorted(k for k, o in record.assets.items() if o.status == status)
            if keys and record.status != "success":
                self._line(f"    {status}: {', '.join(keys)}")
        retried = sorted(f"{k} ({o.attempts} attempts)" for k, o in record.assets.items() if o.attempts > 1)
        if retried:
            self._line(f"    retried: {', '.join(retried)}")
        if record.status != "success":
            for path in self._dbt_logs:
                self._line(f"    dbt log: {path}")
            self._line(f"    engine log: {self.log_path}")

    def _line(self, text: str) -> None:
        self.console.write(text + "\n")


def _counts(statuses: Iterable[str]) -> str:
    tally: dict[str, int] = {}
    for status in statuses:
        tally[status] = tally.get(status, 0) + 1
    return ", ".join(f"{n} {s}" for s, n in sorted(tally.items()))
