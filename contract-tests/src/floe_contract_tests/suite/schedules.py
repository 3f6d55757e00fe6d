"""C5-C6, C19: schedules fire when floe-core says they fire, across DST changes in several timezones; a
schedule that waits on other jobs fires once all of them succeeded; a partitioned schedule runs each window
once as it closes, and nothing once its partitions have ended."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from floe_core import CompiledArtifacts
from floe_core.artifacts import TimeWindowPartitions
from floe_core.cron import fire_times
from floe_core.partitioning import scheduled_windows

from floe_contract_tests.capabilities import clause, requires
from floe_contract_tests.harness import ProviderHarness

# Instants just before DST changes: Amsterdam, New York and Sydney, spring and autumn.
INSTANTS = [
    pytest.param(datetime(2024, 3, 9, 12, tzinfo=timezone.utc), id="before-new-york-spring"),
    pytest.param(datetime(2024, 3, 30, 18, tzinfo=timezone.utc), id="before-amsterdam-spring"),
    pytest.param(datetime(2024, 4, 6, 10, tzinfo=timezone.utc), id="before-sydney-autumn"),
    pytest.param(datetime(2024, 10, 26, 18, tzinfo=timezone.utc), id="before-amsterdam-autumn"),
    pytest.param(datetime(2024, 11, 2, 18, tzinfo=timezone.utc), id="before-new-york-autumn"),
]
COUNT = 30


def _utc(times: list[datetime]) -> list[datetime]:
    return [t.astimezone(timezone.utc) for t in times]


class ScheduleContract:
    @clause("C5")
    @requires("cron_schedules")
    @pytest.mark.parametrize("after", INSTANTS)
    def test_each_cron_schedule_fires_at_the_times_floe_core_computes(
        self, harness: ProviderHarness, contract_artifacts: CompiledArtifacts, after: datetime
    ) -> None:
        for schedule in contract_artifacts.orchestration.schedules:
            # A partitioned schedule makes a run only for a window that closed, so its runs are C19's.
            if schedule.cron is None or schedule.partitioned:
                continue
            expected = fire_times(schedule.cron, schedule.timezone, after, COUNT)
            got = harness.schedule_fire_times(schedule.name, after, COUNT)
            assert _utc(got) == _utc(expected), f"{schedule.name} ({schedule.cron} {schedule.timezone})"


class PartitionedScheduleContract:
    @clause("C19")
    @requires("cron_schedules", "partitioned_schedules")
    @pytest.mark.parametrize("after", [
        pytest.param(datetime(2023, 12, 30, tzinfo=timezone.utc), id="from-before-the-first-window"),
        pytest.param(datetime(2024, 1, 10, tzinfo=timezone.utc), id="to-past-the-last-window"),
    ])
    def test_a_partitioned_schedule_runs_each_window_once_as_it_closes_and_nothing_past_the_end(
        self, harness: ProviderHarness, contract_artifacts: CompiledArtifacts, after: datetime
    ) -> None:
        schedule = next(s for s in contract_artifacts.orchestration.schedules if s.partitioned and s.cron)
        parts = contract_artifacts.partitions_by_name[contract_artifacts.jobs_by_name[schedule.job].partitions or ""]
        assert isinstance(parts, TimeWindowPartitions) and parts.end is not None
        assert schedule.cron is not None
        fires = fire_times(schedule.cron, schedule.timezone, after, 10)
        expected = [(fire, [key]) for fire, key in scheduled_windows(parts, fires)]
        assert 0 < len(expected) < len(fires), "the fires cover a partition set's edge"
        got = harness.scheduled_runs(schedule.name, after, fires[-1])
        assert [(t.astimezone(timezone.utc), keys) for t, keys in got] == expected, schedule.name


class ScheduleDependencyContract:
    @clause("C6")
    @requires("schedule_dependencies")
    def test_a_schedule_after_other_jobs_fires_once_all_of_them_succeeded_and_not_before(
        self, harness: ProviderHarness, contract_artifacts: CompiledArtifacts
    ) -> None:
        schedule = next(s for s in contract_artifacts.orchestration.schedules if len(s.after_jobs) > 1)
        first, *rest = sorted(schedule.after_jobs)
        # A clean slate: the job itself has just run, and whatever earlier tests left for the schedule is taken.
        assert harness.run_job(schedule.job).status == "success"
        baseline = harness.tick_schedule(schedule.name)
        assert harness.run_job(first).status == "success"
        waiting = harness.tick_schedule(schedule.name, baseline.cursor)
        assert [r.job for r in waiting.run_requests] == [], f"{schedule.name} fired after {first} alone"
        for job in rest:
            assert harness.run_job(job).status == "success"
        fired = harness.tick_schedule(schedule.name, waiting.cursor)
        assert [r.job for r in fired.run_requests] == [schedule.job]
        again = harness.tick_schedule(schedule.name, fired.cursor)
        assert [r.job for r in again.run_requests] == [], "one set of successes fires once"
        # The other way round: each job it waits for can be the one whose success completes the set.
        assert harness.run_job(schedule.job).status == "success"
        cursor = harness.tick_schedule(schedule.name, again.cursor).cursor
        for job in rest:
            assert harness.run_job(job).status == "success"
        waiting = harness.tick_schedule(schedule.name, cursor)
        assert [r.job for r in waiting.run_requests] == [], f"{schedule.name} fired after {', '.join(rest)} alone"
        assert harness.run_job(first).status == "success"
        fired = harness.tick_schedule(schedule.name, waiting.cursor)
        assert [r.job for r in fired.run_requests] == [schedule.job]
