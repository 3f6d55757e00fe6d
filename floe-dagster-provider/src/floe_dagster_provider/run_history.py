"""Dagster runs as floe's engine-neutral `RunRecord`s, read from the instance's run and event storage (or, in
deployment mode, from the webserver's answers: `deployment.py` turns them into the same `RunEvent`s).

Per-asset outcomes come from the run's events: an asset is `materialized` when it has a materialization;
otherwise, of the assets the run planned, those of a failed step are `failed` (a dbt step says in its
failure which of its assets failed and which dbt skipped) and the rest are `skipped`. `attempts` counts the
times the asset's step started or restarted, so a step retried once reports 2.

Events name Dagster keys; the `AssetKeys` of the definitions that ran turn them back into floe keys.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import dagster as dg
from floe_core.plugin import AssetOutcome, AssetStatus, CheckStatus, RunFilter, RunRecord, RunStatus

from floe_dagster_provider import _compat
from floe_dagster_provider.dbt_assets import OUTCOMES_METADATA_KEY
from floe_dagster_provider.keys import AssetKeys

ENGINE = "dagster"
# floe's label of a ranged run's partitions (`first...last`), as floe_core.planning writes it.
RANGE_SEPARATOR = "..."
BACKFILL_TAG = "floe/backfill"

_STATUS: dict[str, RunStatus] = {
    "QUEUED": "queued",
    "NOT_STARTED": "queued",
    "MANAGED": "queued",
    "STARTING": "running",
    "STARTED": "running",
    "SUSPENDED": "running",
    "SUCCESS": "success",
    "FAILURE": "failure",
    "CANCELING": "canceled",
    "CANCELED": "canceled",
}

_EVENT_TYPES = (
    "ASSET_MATERIALIZATION_PLANNED",
    "ASSET_MATERIALIZATION",
    "ASSET_CHECK_EVALUATION_PLANNED",
    "ASSET_CHECK_EVALUATION",
    "STEP_START",
    "STEP_RESTARTED",
    "STEP_FAILURE",
)


def open_instance(instance_dir: Path | None) -> dg.DagsterInstance:
    """The instance runs are recorded in.

    An explicit `instance_dir` wins over DAGSTER_HOME, so a test or a tool pointed at a folder never
    writes into the developer's own instance; without either, an ephemeral in-memory instance.
    """
    if instance_dir is not None:
        instance_dir.mkdir(parents=True, exist_ok=True)
        return dg.DagsterInstance.from_config(str(instance_dir))
    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.ephemeral()


def run_records(
    instance: dg.DagsterInstance, run_filter: RunFilter | None = None, *, keys: AssetKeys
) -> list[RunRecord]:
    run_filter = run_filter or RunFilter()
    tags: dict[str, str] = {}
    if run_filter.backfill_id is not None:
        tags[BACKFILL_TAG] = run_filter.backfill_id
    statuses = [getattr(dg.DagsterRunStatus, name) for name in status_names(run_filter)
                if hasattr(dg.DagsterRunStatus, name)]
    filters = dg.RunsFilter(
        job_name=run_filter.job,
        statuses=statuses or None,
        tags=tags or None,
        created_after=run_filter.since,
    )
    # A ranged run covers a partition without carrying it as a tag, so the partition filter runs here.
    limit = None if run_filter.partition is not None else run_filter.limit
    found = []
    for record in instance.get_run_records(filters=filters, limit=limit):
        converted = to_run_record(instance, record, keys=keys)
        if run_filter.matches(converted):
            found.append(converted)
            if len(found) == run_filter.limit:
                break
    return found


def status_names(run_filter: RunFilter) -> list[str]:
    """The DagsterRunStatus names of the floe statuses `run_filter` asks for."""
    return [name for name, status in _STATUS.items() if status in run_filter.statuses]


def get_run_record(instance: dg.DagsterInstance, run_id: str, *, keys: AssetKeys) -> RunRecord:
    records = instance.get_run_records(dg.RunsFilter(run_ids=[run_id]), limit=1)
    if not records:
        raise LookupError(f"no run {run_id!r} in the Dagster instance")
    return to_run_record(instance, records[0], keys=keys)


def to_run_record(instance: dg.DagsterInstance, record: Any, *, keys: AssetKeys) -> RunRecord:
    run = record.dagster_run
    return record_of(run_id=run.run_id, job=run.job_name, status=run.status.name, started=record.start_time,
                     ended=record.end_time, tags=run.tags, events=_instance_events(instance, run.run_id), keys=keys)


def record_of(*, run_id: str, job: str, status: str, started: float | None, ended: float | None,
              tags: Mapping[str, str], events: Iterable[RunEvent], keys: AssetKeys) -> RunRecord:
    """A run's RunRecord from what Dagster stores of it: `status` is a DagsterRunStatus name, the times are
    timestamps, `events` the run's event log."""
    assets, checks = outcomes_of(events, keys=keys)
    return RunRecord(
        run_id=run_id,
        engine=ENGINE,
        job=job,
        status=_STATUS.get(status, "running"),
        started_at=_time(started),
        ended_at=_time(ended),
        partition=partition_of(tags),
        assets=assets,
        checks=checks,
        backfill_id=tags.get(BACKFILL_TAG) or tags.get(_compat.BACKFILL_TAG),
    )


def partition_of(tags: Mapping[str, str]) -> str | None:
    if _compat.PARTITION_TAG in tags:
        return tags[_compat.PARTITION_TAG]
    start, end = tags.get(_compat.RANGE_START_TAG), tags.get(_compat.RANGE_END_TAG)
    if start is not None and end is not None:
        return start if start == end else f"{start}{RANGE_SEPARATOR}{end}"
    return None


@dataclass(frozen=True)
class RunEvent:
    """One event of a run's event log, as floe reads it: from the instance in this process, or from the
    webserver's GraphQL API in deployment mode. `kind` is Dagster's event type value."""

    kind: str
    step_key: str | None
    asset_key: dg.AssetKey | None = None
    check_name: str | None = None
    check_status: CheckStatus | None = None
    # A failed dbt step's account of which of its assets failed and which dbt skipped.
    step_outcomes: dict[str, list[str]] | None = None


def _instance_events(instance: dg.DagsterInstance, run_id: str) -> Iterator[RunEvent]:
    for entry in instance.all_logs(run_id, of_type=_compat.event_types(*_EVENT_TYPES)):
        event = entry.dagster_event
        if event is None:
            continue
        kind = event.event_type_value
        data: Any = event.event_specific_data
        if kind == "ASSET_MATERIALIZATION_PLANNED":
            yield RunEvent(kind, event.step_key, asset_key=data.asset_key)
        elif kind == "ASSET_MATERIALIZATION":
            yield RunEvent(kind, event.step_key, asset_key=event.asset_key)
        elif kind == "STEP_FAILURE":
            metadata = getattr(getattr(data, "user_failure_data", None), "metadata", None) or {}
            value = metadata.get(OUTCOMES_METADATA_KEY)
            yield RunEvent(kind, event.step_key, step_outcomes=step_outcomes(getattr(value, "value", value)))
        elif kind == "ASSET_CHECK_EVALUATION_PLANNED":
            yield RunEvent(kind, event.step_key, check_name=data.asset_check_key.name)
        elif kind == "ASSET_CHECK_EVALUATION":
            yield RunEvent(kind, event.step_key, check_name=data.check_name,
                           check_status=check_status(data.passed, data.severity.value))
        else:
            yield RunEvent(kind, event.step_key)


def outcomes_of(
    events: Iterable[RunEvent], *, keys: AssetKeys
) -> tuple[dict[str, AssetOutcome], dict[str, CheckStatus]]:
    planned: dict[str, str | None] = {}
    materialized: set[str] = set()
    starts: Counter[str] = Counter()
    failed_steps: dict[str, dict[str, list[str]] | None] = {}
    planned_checks: set[str] = set()
    evaluated: dict[str, CheckStatus] = {}
    for event in events:
        kind = event.kind
        if kind == "ASSET_MATERIALIZATION_PLANNED" and event.asset_key is not None:
            planned[keys.floe(event.asset_key)] = event.step_key
        elif kind == "ASSET_MATERIALIZATION" and event.asset_key is not None:
            materialized.add(keys.floe(event.asset_key))
        elif kind in ("STEP_START", "STEP_RESTARTED") and event.step_key:
            # A retry restarts the step (STEP_RESTARTED) rather than starting it again.
            starts[event.step_key] += 1
        elif kind == "STEP_FAILURE" and event.step_key:
            failed_steps[event.step_key] = event.step_outcomes
        elif kind == "ASSET_CHECK_EVALUATION_PLANNED" and event.check_name:
            planned_checks.add(event.check_name)
        elif kind == "ASSET_CHECK_EVALUATION" and event.check_name and event.check_status:
            evaluated[event.check_name] = event.check_status
    assets: dict[str, AssetOutcome] = {}
    for key, step in planned.items():
        attempts = starts.get(step or "", 0)
        status: AssetStatus
        if key in materialized:
            status = "materialized"
        elif step in failed_steps:
            reported = failed_steps[step]
            status = "skipped" if reported is not None and key in reported.get("skipped", []) else "failed"
        else:
            status = "skipped"
        assets[key] = AssetOutcome(status=status, attempts=attempts)
    for key in materialized - set(planned):
        assets[key] = AssetOutcome(status="materialized", attempts=1)
    checks: dict[str, CheckStatus] = {name: "skipped" for name in planned_checks}
    checks.update(evaluated)
    return assets, checks


def step_outcomes(text: object) -> dict[str, list[str]] | None:
    """The failed and skipped assets a dbt step's failure metadata names (None: the step did not say)."""
    if text is None:
        return None
    try:
        parsed: dict[str, list[str]] = json.loads(str(text))
    except ValueError:
        return None
    return parsed


def check_status(passed: bool, severity: str) -> CheckStatus:
    """A check evaluation's floe status; `severity` is Dagster's AssetCheckSeverity value (WARN or ERROR)."""
    if passed:
        return "passed"
    return "warned" if severity == "WARN" else "failed"


def _time(timestamp: float | None) -> datetime | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, tz=timezone.utc)
