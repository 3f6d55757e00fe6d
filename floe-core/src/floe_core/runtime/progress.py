"""What finished, as it finishes: dbt nodes reported to whoever listens in this process (`floe run`'s output).

The engines run floe's runtime inside the process that asked for the run when it runs embedded, so a
listener here sees every dbt model, seed, snapshot and test as its invocation ends, on either engine. Nothing
listens in an engine's own workers; reporting then costs a list lookup.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from floe_core.artifacts import CompiledArtifacts
from floe_core.plugin import AssetStatus, CheckStatus
from floe_core.runtime.dbt_results import NodeResult, asset_status_of, check_status_of


@dataclass(frozen=True)
class Finished:
    """One asset or check that dbt finished. `message` is dbt's error or warning; `log` its dbt.log."""

    kind: Literal["asset", "check"]
    name: str
    status: AssetStatus | CheckStatus
    seconds: float
    rows: int | None = None
    message: str | None = None
    log: Path | None = None


@dataclass(frozen=True)
class Notice:
    """Something a person watching the run should read now (a wait, a refusal), in one line."""

    text: str


Listener = Callable[[Finished | Notice], None]

_listeners: list[Listener] = []
_lock = threading.Lock()


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    with _lock:
        _listeners.append(listener)
    try:
        yield
    finally:
        with _lock:
            _listeners.remove(listener)


def _current() -> list[Listener]:
    with _lock:
        return list(_listeners)


def report_notice(text: str) -> None:
    for listener in _current():
        listener(Notice(text))


def report_dbt_nodes(artifacts: CompiledArtifacts, nodes: Mapping[str, NodeResult], log: Path | None) -> None:
    """Tell every listener about each node of one dbt invocation, in the order dbt finished them."""
    listeners = _current()
    if not listeners:
        return
    assets = {a.dbt.unique_id: a.key for a in artifacts.orchestration.assets if a.dbt is not None}
    checks = {c.unique_id: c.name for c in artifacts.orchestration.checks}
    for node in nodes.values():
        event: Finished | None = None
        if node.unique_id in assets:
            event = Finished("asset", assets[node.unique_id], asset_status_of(node), node.execution_time,
                             node.rows_affected, node.message if node.status == "error" else None, log)
        elif node.unique_id in checks:
            status = check_status_of(node)
            event = Finished("check", checks[node.unique_id], status, node.execution_time, node.failures,
                             node.message if status == "failed" else None, log)
        if event is not None:
            for listener in listeners:
                listener(event)
