"""Schedules evaluated at chosen instants, in their own timezone, across DST changes."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import dagster as dg
import pytest
from floe_dagster_provider import _compat
from floe_dagster_provider.schedules import after_jobs_request

UTC = timezone.utc


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        pytest.param(_utc(2024, 1, 15), _utc(2024, 1, 15, 1, 30), id="winter-cet"),
        pytest.param(_utc(2024, 7, 15), _utc(2024, 7, 15, 0, 30), id="summer-cest"),
        # 02:30 does not exist on 2024-03-31 in Amsterdam: Dagster runs at the next existing time, 03:00 CEST.
        pytest.param(_utc(2024, 3, 30, 12), _utc(2024, 3, 31, 1, 0), id="spring-forward-runs-at-three"),
        # 02:30 happens twice on 2024-10-27: Dagster runs once, at the second 02:30 (CET).
        pytest.param(_utc(2024, 10, 26, 12), _utc(2024, 10, 27, 1, 30), id="fall-back-runs-once"),
    ],
)
def test_the_nightly_schedule_fires_at_half_past_two_amsterdam_time(
    demo_harness: Any, after: datetime, expected: datetime
) -> None:
    ticks = demo_harness.schedule_fire_times("nightly_build", after, 2)
    assert ticks[0].astimezone(UTC) == expected
    assert (ticks[1] - ticks[0]).total_seconds() in (23 * 3600, 24 * 3600, 24.5 * 3600, 25 * 3600, 23.5 * 3600)


def test_the_nightly_schedule_runs_the_nightly_job_in_amsterdam_time(demo_harness: Any) -> None:
    schedule = demo_harness.repository.get_schedule_def("nightly_build")
    assert (schedule.cron_schedule, schedule.execution_timezone, schedule.job_name) == (
        "30 2 * * *", "Europe/Amsterdam", "nightly")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def _evaluate(demo_harness: Any, name: str, moment: datetime) -> Any:
    schedule = demo_harness.repository.get_schedule_def(name)
    with dg.build_schedule_context(
        instance=demo_harness.plugin().instance,
        scheduled_execution_time=moment,
        repository_def=demo_harness.repository,
    ) as ctx:
        return schedule.evaluate_tick(ctx)


@pytest.mark.parametrize(
    ("moment", "partitions"),
    [
        pytest.param(_utc(2024, 1, 6, 3), ["2024-01-05"], id="runs-the-day-that-just-ended"),
        pytest.param(_utc(2024, 1, 1, 3), [], id="nothing-before-the-first-day-ends"),
        pytest.param(_utc(2024, 3, 1, 3), ["2024-01-31"], id="after-the-set-ends-the-last-day"),
    ],
)
def test_the_partitioned_schedule_runs_the_partition_whose_window_just_closed(
    demo_harness: Any, moment: datetime, partitions: list[str]
) -> None:
    data = _evaluate(demo_harness, "daily_orders_schedule", moment)
    requests = data.run_requests or []
    assert [r.partition_key for r in requests] == partitions
    assert all(r.run_key == r.partition_key for r in requests), "a re-evaluated tick never launches twice"
    if not partitions:
        assert data.skip_message


def test_a_schedule_after_another_job_is_a_run_status_sensor_on_that_job(demo_harness: Any) -> None:
    sensor = demo_harness.repository.get_sensor_def("regional_after_nightly")
    assert isinstance(sensor, dg.RunStatusSensorDefinition)
    assert sensor.job_name == "regional"


def test_a_schedule_after_other_jobs_requests_a_run_once_each_has_succeeded_since_it_last_ran() -> None:
    @dg.asset
    def upstream_a() -> int:
        return 1

    @dg.asset
    def upstream_b() -> int:
        return 2

    @dg.asset
    def downstream() -> int:
        return 3

    jobs = {name: dg.define_asset_job(name, [asset]) for name, asset in
            (("a", upstream_a), ("b", upstream_b), ("c", downstream))}
    repository = dg.Definitions(assets=[upstream_a, upstream_b, downstream], jobs=list(jobs.values()),
                                ).get_repository_def()
    with dg.DagsterInstance.ephemeral() as instance:

        def run(name: str) -> str:
            return repository.get_job(name).execute_in_process(instance=instance).run_id

        assert isinstance(after_jobs_request(instance, "c", ("a", "b")), dg.SkipReason)
        first_a = run("a")
        assert isinstance(after_jobs_request(instance, "c", ("a", "b")), dg.SkipReason), "b has not run"
        first_b = run("b")
        request = after_jobs_request(instance, "c", ("a", "b"))
        assert isinstance(request, dg.RunRequest) and request.run_key == f"{first_a},{first_b}"
        run("c")
        assert isinstance(after_jobs_request(instance, "c", ("a", "b")), dg.SkipReason), "c ran since"
        run("a")
        assert isinstance(after_jobs_request(instance, "c", ("a",)), dg.RunRequest)


def test_dagster_ticks_equal_floe_cores_across_dst_changes() -> None:
    from floe_core.cron import fire_times

    for after in (_utc(2024, 3, 9), _utc(2024, 3, 30), _utc(2024, 10, 26), _utc(2024, 11, 2)):
        for cron, tz in (("30 2 * * *", "Europe/Amsterdam"), ("0 9 * * 1-5", "Australia/Sydney"),
                         ("*/15 * * * *", "Europe/Amsterdam"), ("0 * * * *", "America/New_York")):
            assert [t.astimezone(UTC) for t in _compat.cron_ticks(cron, tz, after, 120)] == [
                t.astimezone(UTC) for t in fire_times(cron, tz, after, 120)], (cron, tz, after)
