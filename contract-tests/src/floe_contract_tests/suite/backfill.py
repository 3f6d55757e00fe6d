"""C15-C16: backfills run exactly their partitions, idempotently; run history matches what ran."""

from __future__ import annotations

from pathlib import Path

import pytest
from floe_core import BackfillRequest, CompiledArtifacts, RunFilter
from floe_core.artifacts import ReprocessMode

from floe_contract_tests.capabilities import clause, requires
from floe_contract_tests.harness import ProviderHarness
from floe_contract_tests.restart import history_in_new_process
from floe_contract_tests.scenarios import ensure_seeded, expected_daily
from floe_contract_tests.warehouse import execute, query

DAYS = ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-06"]
# Days no other contract test runs, so "missing" depends only on this test.
LATER = ["2024-01-08", "2024-01-09", "2024-01-10"]
# Days only the mixed-history test runs: one succeeded, one failed, one never run.
MIXED = ["2024-01-11", "2024-01-12", "2024-01-13"]
FAILING_DAYS = "main.contract_failing_days"


def _covered(partition: str | None) -> list[str]:
    if partition is None:
        return []
    first, _, last = partition.partition("...")
    return [d for d in DAYS if first <= d <= (last or first)]


class BackfillContract:
    @clause("C15")
    @requires("backfills", "ranged_backfills")
    def test_a_backfill_runs_exactly_its_range_in_runs_of_the_policy_size_and_is_idempotent(
        self, harness: ProviderHarness, contract_artifacts: CompiledArtifacts
    ) -> None:
        ensure_seeded(harness)
        execute(contract_artifacts, "drop table if exists main.daily_events")
        request = BackfillRequest(job="daily", start=DAYS[0], end=DAYS[-1], reprocess="all")
        result = harness.launch_backfill(request)
        assert result.succeeded
        assert list(result.partitions) == DAYS
        size = contract_artifacts.backfill_by_job["daily"].policy.max_partitions_per_run  # type: ignore[union-attr]
        runs = sorted((_covered(run.partition) for run in result.runs), key=lambda days: days[:1])
        assert runs == [DAYS[i:i + size] for i in range(0, len(DAYS), size)], \
            f"runs cover {runs}: the range cut into runs of {size} in order"
        sql = "select cast(event_date as varchar), events, amount from daily_events order by 1"
        first = query(contract_artifacts, sql)
        assert first == [(d, *expected_daily(contract_artifacts, d)) for d in DAYS]
        assert harness.launch_backfill(request).succeeded
        assert query(contract_artifacts, sql) == first, "running the same backfill twice changes nothing"

    @clause("C15")
    @requires("backfills")
    def test_a_backfill_of_missing_partitions_skips_those_that_already_succeeded(
        self, harness: ProviderHarness, contract_artifacts: CompiledArtifacts
    ) -> None:
        ensure_seeded(harness)
        everything = harness.launch_backfill(BackfillRequest(job="daily", start=LATER[0], end=LATER[1],
                                                             reprocess="all"))
        assert everything.succeeded
        missing = harness.launch_backfill(BackfillRequest(job="daily", start=LATER[0], end=LATER[2],
                                                          reprocess="missing"))
        assert list(missing.partitions) == [LATER[2]]

    @clause("C15")
    @requires("backfills")
    @pytest.mark.parametrize("job", [pytest.param("daily", id="ranged-runs"),
                                     pytest.param("daily_each", id="a-run-per-partition")])
    def test_each_reprocess_rule_runs_exactly_its_partitions_of_a_mixed_history(
        self, harness: ProviderHarness, contract_artifacts: CompiledArtifacts, job: str
    ) -> None:
        ensure_seeded(harness)
        succeeded, failed, never = MIXED
        execute(contract_artifacts, f"create or replace table {FAILING_DAYS} (day date)")
        execute(contract_artifacts, f"insert into {FAILING_DAYS} values ('{failed}')")
        try:
            assert harness.run_job(job, succeeded).status == "success"
            assert harness.run_job(job, failed).status == "failure"
            # The failing day keeps failing, so each rule sees the same history: one success, one failure.
            rules: list[tuple[ReprocessMode, list[str]]] = [("failed", [failed]), ("missing", [failed, never]),
                                                            ("all", MIXED)]
            for reprocess, expected in rules:
                result = harness.launch_backfill(BackfillRequest(job=job, start=MIXED[0], end=MIXED[-1],
                                                                 reprocess=reprocess))
                ran = _covered_by_recorded_runs(harness, job, [r.run_id for r in result.runs])
                assert ran == expected, f"reprocess={reprocess!r} ran {ran}, not {expected}"
        finally:
            execute(contract_artifacts, f"drop table if exists {FAILING_DAYS}")


    @clause("C15")
    @requires("backfills", "python_assets")
    def test_a_backfill_run_twice_leaves_the_same_iceberg_rows(self, harness: ProviderHarness,
                                                               contract_artifacts: CompiledArtifacts) -> None:
        from floe_core.runtime import read_table

        ensure_seeded(harness)
        days = DAYS[:3]
        assert harness.launch_backfill(BackfillRequest(job="daily", start=days[0], end=days[-1],
                                                       reprocess="all")).succeeded
        request = BackfillRequest(job="daily_python", start=days[0], end=days[-1], reprocess="all")
        assert harness.launch_backfill(request).succeeded
        first = read_table(contract_artifacts, "contract.daily_amounts").sort_by("floe_partition_start")
        assert [(str(r["floe_partition_start"]), r["amount"]) for r in first.to_pylist()] == [
            (d, expected_daily(contract_artifacts, d)[1]) for d in days]
        assert harness.launch_backfill(request).succeeded
        again = read_table(contract_artifacts, "contract.daily_amounts").sort_by("floe_partition_start")
        assert again.equals(first), "a second backfill of the same range neither adds nor changes rows"


def _covered_by_recorded_runs(harness: ProviderHarness, job: str, run_ids: list[str]) -> list[str]:
    """The partitions the engine recorded for these runs of `job` (a ranged run covers first...last)."""
    recorded = {r.run_id: r for r in harness.run_history(RunFilter(job=job, limit=10_000))}
    assert set(run_ids) <= set(recorded), "every run a backfill reports is in the engine's run history"
    days: set[str] = set()
    for run_id in run_ids:
        first, _, last = (recorded[run_id].partition or "").partition("...")
        days |= {d for d in MIXED if first <= d <= (last or first)}
    return sorted(days)


class HistoryContract:
    @clause("C16")
    @requires("run_history")
    def test_run_history_returns_the_record_of_what_ran(self, harness: ProviderHarness,
                                                        contract_artifacts: CompiledArtifacts) -> None:
        record = harness.run_job("diamond")
        history = harness.run_history(RunFilter(job="diamond"))
        match = [r for r in history if r.run_id == record.run_id]
        assert len(match) == 1
        stored = match[0]
        assert stored.status == record.status == "success"
        assert stored.engine == harness.engine
        assert {k for k, o in stored.assets.items() if o.status == "materialized"} == set(
            contract_artifacts.jobs_by_name["diamond"].assets)
        assert stored.started_at is not None and stored.ended_at is not None
        assert stored.started_at <= stored.ended_at

    @clause("C16")
    @requires("run_history")
    def test_run_history_survives_a_restart(self, harness: ProviderHarness, contract_artifacts: CompiledArtifacts,
                                            tmp_path: Path) -> None:
        record = harness.run_job("fanout")
        after_restart = history_in_new_process(harness.plugin(), RunFilter(job="fanout"), tmp_path / "history.json")
        match = [r for r in after_restart if r.run_id == record.run_id]
        assert len(match) == 1, "a new process reads the run from the engine's own store"
        stored = match[0]
        assert (stored.status, stored.partition, dict(stored.assets)) == (
            record.status, record.partition, dict(record.assets))
        assert stored.started_at == record.started_at
