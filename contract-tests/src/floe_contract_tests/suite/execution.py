"""C10-C14, C17: runs materialize the selection in order, fail the way dbt users expect, and write data."""

from __future__ import annotations

from floe_core import CompiledArtifacts

from floe_contract_tests.capabilities import clause, requires
from floe_contract_tests.harness import ProviderHarness
from floe_contract_tests.scenarios import ensure_seeded, expected_chain_c, expected_daily
from floe_contract_tests.warehouse import execute, query


def _materialized(record) -> set[str]:  # type: ignore[no-untyped-def]
    return {k for k, o in record.assets.items() if o.status == "materialized"}


class ExecutionContract:
    @clause("C10")
    def test_a_run_materializes_every_selected_asset_and_the_tables_hold_the_expected_rows(
        self, harness: ProviderHarness, contract_artifacts: CompiledArtifacts
    ) -> None:
        record = harness.run_job("chain")
        assert record.status == "success"
        assert _materialized(record) == set(contract_artifacts.jobs_by_name["chain"].assets)
        rows = {r[0]: (r[1], r[2]) for r in query(contract_artifacts, "select region, events, amount from chain_c")}
        assert rows == expected_chain_c(contract_artifacts)

    @clause("C10")
    def test_diamond_and_fan_out_jobs_complete(self, harness: ProviderHarness,
                                               contract_artifacts: CompiledArtifacts) -> None:
        for job in ("diamond", "fanout"):
            record = harness.run_job(job)
            assert record.status == "success", job
            assert _materialized(record) == set(contract_artifacts.jobs_by_name[job].assets), job
        assert query(contract_artifacts, "select region, events from diamond_bottom order by region") == [
            ("eu", 10), ("us", 10)]

    @clause("C11")
    def test_a_failing_model_fails_the_run_stops_its_downstream_and_lets_the_independent_branch_finish(
        self, harness: ProviderHarness, contract_artifacts: CompiledArtifacts
    ) -> None:
        execute(contract_artifacts, "drop table if exists main.contract_switch")
        execute(contract_artifacts, "drop table if exists main.fail_after")
        record = harness.run_job("failing")
        assert record.status == "failure"
        assert record.assets["fail_bad"].status == "failed"
        assert record.assets["fail_after"].status == "skipped", "the failed model's downstream never starts"
        assert {"fail_root", "fail_independent"} <= _materialized(record)
        assert query(contract_artifacts, "select count(*) from information_schema.tables "
                                         "where table_name = 'fail_after'") == [(0,)]

    @clause("C12")
    def test_a_rerun_of_failed_work_runs_only_what_failed_and_what_depends_on_it(
        self, harness: ProviderHarness, contract_artifacts: CompiledArtifacts
    ) -> None:
        execute(contract_artifacts, "drop table if exists main.contract_switch")
        failed = harness.run_job("failing")
        assert failed.status == "failure"
        execute(contract_artifacts, "create table main.contract_switch as select 1 as on_")
        rerun = harness.run_job("failing", rerun_of=failed.run_id)
        assert rerun.status == "success"
        assert _materialized(rerun) == {"fail_bad", "fail_after"}
        assert query(contract_artifacts, "select events from fail_after") == [(20,)]

    @clause("C13")
    @requires("blocking_checks")
    def test_a_blocking_check_stops_downstream_and_a_warning_check_does_not(
        self, harness: ProviderHarness, contract_artifacts: CompiledArtifacts
    ) -> None:
        record = harness.run_job("checks")
        assert record.status == "failure", "a failed blocking check fails the run"
        assert "blocked_after" not in _materialized(record)
        assert "warned_after" in _materialized(record)
        assert record.checks["not_null_blocked_source_region"] == "failed"
        assert record.checks["not_null_warned_source_region"] == "warned"

    @clause("C14")
    @requires("time_window_partitions")
    def test_a_partition_run_hands_its_window_to_dbt(self, harness: ProviderHarness,
                                                     contract_artifacts: CompiledArtifacts) -> None:
        ensure_seeded(harness)
        execute(contract_artifacts, "drop table if exists main.daily_events")
        record = harness.run_job("daily", "2024-01-03")
        assert record.status == "success" and record.partition == "2024-01-03"
        rows = query(contract_artifacts, "select cast(event_date as varchar), events, amount from daily_events")
        assert rows == [("2024-01-03", *expected_daily(contract_artifacts, "2024-01-03"))]

    @clause("C14")
    @requires("static_partitions")
    def test_a_static_partition_run_hands_its_key_to_dbt(self, harness: ProviderHarness,
                                                         contract_artifacts: CompiledArtifacts) -> None:
        ensure_seeded(harness)
        execute(contract_artifacts, "drop table if exists main.regional_events")
        record = harness.run_job("regional", "us")
        assert record.status == "success" and record.partition == "us"
        assert query(contract_artifacts, "select region, events from regional_events") == [("us", 10)]

    @clause("C14")
    @requires("multi_partitions", "time_window_partitions")
    def test_a_partition_reads_the_upstream_partitions_its_mapping_names(
        self, harness: ProviderHarness, contract_artifacts: CompiledArtifacts
    ) -> None:
        ensure_seeded(harness)
        execute(contract_artifacts, "drop table if exists main.multi_events")
        execute(contract_artifacts, "drop table if exists main.daily_rollup")
        for key in ("2024-01-02|eu", "2024-01-02|us", "2024-01-03|eu"):
            assert harness.run_job("multi", key).status == "success", key
        record = harness.run_job("rollup", "2024-01-02")
        assert record.status == "success" and _materialized(record) == {"daily_rollup"}
        rows = query(contract_artifacts, "select cast(event_date as varchar), regions, amount from daily_rollup")
        _events, amount = expected_daily(contract_artifacts, "2024-01-02")
        assert rows == [("2024-01-02", 2, amount)]
        reading_upstream = [c.name for c in contract_artifacts.checks_by_asset["daily_rollup"] if len(c.reads) > 1]
        assert reading_upstream and all(record.checks.get(n) == "passed" for n in reading_upstream), (
            "a test that also reads an upstream model outside the run runs once its asset is built")

    @clause("C18")
    @requires("retries")
    def test_a_model_that_fails_once_is_retried_and_ends_green_with_two_attempts(
        self, harness: ProviderHarness, contract_artifacts: CompiledArtifacts
    ) -> None:
        execute(contract_artifacts, "drop table if exists main.flaky_attempts")
        record = harness.run_job("flaky")
        assert record.status == "success"
        assert record.assets["flaky"].status == "materialized"
        assert record.assets["flaky"].attempts == 2
        assert query(contract_artifacts, "select attempts from flaky") == [(2,)]

    @clause("C17")
    @requires("python_assets")
    def test_a_python_asset_writes_its_rows_to_iceberg(self, harness: ProviderHarness,
                                                       contract_artifacts: CompiledArtifacts) -> None:
        from floe_core.runtime import read_table

        assert harness.run_job("chain").status == "success"
        record = harness.run_job("python")
        assert record.status == "success" and _materialized(record) == {"region_totals"}
        table = read_table(contract_artifacts, "contract.region_totals").to_pylist()
        expected = sorted((region, amount) for region, (_n, amount) in expected_chain_c(contract_artifacts).items())
        assert sorted((r["region"], r["amount"]) for r in table) == expected, "one row per region, no more"
        assert harness.run_job("python").status == "success"
        again = read_table(contract_artifacts, "contract.region_totals").to_pylist()
        assert sorted(again, key=str) == sorted(table, key=str), "running it again neither adds nor loses rows"
