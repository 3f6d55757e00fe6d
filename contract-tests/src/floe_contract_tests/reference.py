"""The reference plugin: the smallest honest engine, in plain Python, that passes the whole contract.

It shows what the contract asks of a provider without any engine's idiom in the way, and it keeps the suite
itself honest: a clause the reference cannot pass is a clause no provider should be held to. Its "engine
objects" are plain dataclasses; its run history is a JSON-lines file in the instance folder.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from floe_core import (
    AssetGraph,
    AssetOutcome,
    BackfillRequest,
    BackfillResult,
    Capabilities,
    CompiledArtifacts,
    OrchestratorPlugin,
    RunFilter,
    RunRecord,
)
from floe_core.artifacts import Asset, RetryPolicy, Schedule, Sensor
from floe_core.partitioning import partition_vars
from floe_core.planning import plan_backfill, rerun_selection, split_partition_label
from floe_core.version import __version__


@dataclass(frozen=True)
class ReferenceDefinitions:
    assets: tuple[Asset, ...]
    schedules: tuple[Schedule, ...]
    sensors: tuple[Sensor, ...]
    jobs: dict[str, tuple[str, ...]] = field(default_factory=dict)


class ReferenceOrchestratorPlugin(OrchestratorPlugin):
    name = "reference"
    version = __version__

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(**{name: True for name in Capabilities.model_fields})

    @property
    def engine_version(self) -> str:
        return __version__

    @property
    def home(self) -> Path:
        home = self.config.instance_dir or Path(os.environ.get("FLOE_REFERENCE_HOME",
                                                               Path(tempfile.gettempdir()) / "floe-reference"))
        home.mkdir(parents=True, exist_ok=True)
        return home

    def generate_assets(self, artifacts: CompiledArtifacts) -> Sequence[Asset]:
        return artifacts.orchestration.assets

    def generate_schedules(self, artifacts: CompiledArtifacts) -> Sequence[Schedule]:
        return artifacts.orchestration.schedules

    def generate_sensors(self, artifacts: CompiledArtifacts) -> Sequence[Sensor]:
        return artifacts.orchestration.sensors

    def build(self, artifacts: CompiledArtifacts) -> ReferenceDefinitions:
        self.check_supported(artifacts)
        return ReferenceDefinitions(
            assets=tuple(self.generate_assets(artifacts)),
            schedules=tuple(self.generate_schedules(artifacts)),
            sensors=tuple(self.generate_sensors(artifacts)),
            jobs={j.name: j.assets for j in artifacts.orchestration.jobs},
        )

    # -- running --------------------------------------------------------------------------------------------

    def run_job(self, artifacts: CompiledArtifacts, job: str, partition: str | None = None, *,
                rerun_of: str | None = None) -> RunRecord:
        keys = list(artifacts.jobs_by_name[job].assets)
        if rerun_of is not None:
            prior = next(r for r in self.run_history(RunFilter(limit=10_000)) if r.run_id == rerun_of)
            keys = rerun_selection(artifacts, job, prior)
            partition = prior.partition
        return self._execute(artifacts, job, keys, partition)

    def _execute(self, artifacts: CompiledArtifacts, job: str, keys: list[str], partition: str | None,
                 backfill_id: str | None = None) -> RunRecord:
        from floe_core.runtime import run_dbt

        started = datetime.now(timezone.utc)
        dbt_vars = self._vars(artifacts, job, partition)
        outcomes: dict[str, AssetOutcome] = {}
        checks: dict[str, str] = {}
        dbt_keys = [k for k in keys if artifacts.assets_by_key[k].is_dbt]
        pending = dbt_keys
        while pending:
            result = run_dbt(artifacts, "build", pending, dbt_vars=dbt_vars, late_checks=True)
            checks.update(result.checks)
            for key in pending:
                status = result.asset_status(key) or "skipped"
                tried = (outcomes[key].attempts if key in outcomes else 0) + (status != "skipped")
                outcomes[key] = AssetOutcome(status=status, attempts=tried)
            retried = [k for k in pending if outcomes[k].status == "failed"
                       and outcomes[k].attempts <= _retry(artifacts, job, k).max_retries]
            if retried:
                time.sleep(max(_delay(_retry(artifacts, job, k), outcomes[k].attempts) for k in retried))
            # What a failed model held back runs again with it.
            pending = retried and [k for k in pending if k in retried or outcomes[k].status == "skipped"]
        graph = AssetGraph(artifacts.orchestration.assets)
        for key in graph.topological_order([k for k in keys if artifacts.assets_by_key[k].kind == "python"]):
            upstream_failed = any(outcomes.get(u) and outcomes[u].status != "materialized" for u in graph.upstream(key))
            if upstream_failed:
                outcomes[key] = AssetOutcome(status="skipped", attempts=0)
                continue
            outcomes[key] = self._run_python(artifacts, key, partition, _retry(artifacts, job, key))
        blocked = any(s == "failed" for s in checks.values())
        ok = all(o.status == "materialized" for o in outcomes.values()) and not blocked
        record = RunRecord(
            run_id=uuid.uuid4().hex, engine=self.name, job=job, status="success" if ok else "failure",
            started_at=started, ended_at=datetime.now(timezone.utc), partition=partition, assets=outcomes,
            checks=checks, backfill_id=backfill_id,  # type: ignore[arg-type]
        )
        with open(self.home / "runs.jsonl", "a", encoding="utf-8") as f:
            f.write(record.model_dump_json() + "\n")
        return record

    def _run_python(self, artifacts: CompiledArtifacts, key: str, partition: str | None,
                    policy: RetryPolicy) -> AssetOutcome:
        from floe_core.runtime import run_python_asset

        first, last = split_partition_label(partition) if partition else (None, None)
        for attempt in range(1, policy.max_retries + 2):
            try:
                run_python_asset(artifacts, key, first, last)
                return AssetOutcome(status="materialized", attempts=attempt)
            except Exception:
                if attempt > policy.max_retries:
                    return AssetOutcome(status="failed", attempts=attempt)
                time.sleep(_delay(policy, attempt))
        raise AssertionError("unreachable")

    @staticmethod
    def _vars(artifacts: CompiledArtifacts, job: str, partition: str | None) -> dict[str, str] | None:
        name = artifacts.jobs_by_name[job].partitions
        if partition is None or name is None:
            return None
        first, last = split_partition_label(partition)
        return partition_vars(artifacts.partitions_by_name[name], first, last)

    def launch_backfill(self, artifacts: CompiledArtifacts, request: BackfillRequest) -> BackfillResult:
        plan = plan_backfill(artifacts, request, self.run_history(RunFilter(job=request.job, limit=10_000)))
        backfill_id = uuid.uuid4().hex
        keys = list(artifacts.jobs_by_name[plan.job].assets)
        runs = tuple(self._execute(artifacts, plan.job, keys, plan.label(chunk), backfill_id) for chunk in plan.chunks)
        return BackfillResult(backfill_id=backfill_id, job=plan.job, partitions=plan.partitions, runs=runs)

    def run_history(self, run_filter: RunFilter | None = None) -> list[RunRecord]:
        run_filter = run_filter or RunFilter()
        path = self.home / "runs.jsonl"
        if not path.exists():
            return []
        records = [RunRecord.model_validate_json(line) for line in path.read_text(encoding="utf-8").splitlines()]
        matched = [r for r in records if run_filter.matches(r)]
        matched.sort(key=lambda r: r.started_at or datetime.min.replace(tzinfo=timezone.utc), reverse=True)
        return matched[: run_filter.limit]


def _retry(artifacts: CompiledArtifacts, job: str, key: str) -> RetryPolicy:
    """An asset's own policy wins over its job's, which wins over the product's default."""
    return (artifacts.assets_by_key[key].retry or artifacts.jobs_by_name[job].retry
            or artifacts.orchestration.default_retry)


def _delay(policy: RetryPolicy, attempt: int) -> float:
    return policy.delay_seconds * (2 ** (attempt - 1) if policy.backoff == "exponential" else 1)
