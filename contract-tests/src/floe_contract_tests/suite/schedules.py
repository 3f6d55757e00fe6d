"""C5-C6: schedules fire when floe-core says they fire, across DST changes in several timezones."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from floe_core import CompiledArtifacts
from floe_core.cron import fire_times

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
            if schedule.cron is None:
                continue
            expected = fire_times(schedule.cron, schedule.timezone, after, COUNT)
            got = harness.schedule_fire_times(schedule.name, after, COUNT)
            assert _utc(got) == _utc(expected), f"{schedule.name} ({schedule.cron} {schedule.timezone})"

    @clause("C6")
    @requires("schedule_dependencies")
    def test_a_schedule_after_other_jobs_waits_for_exactly_those_jobs(
        self, harness: ProviderHarness, contract_artifacts: CompiledArtifacts
    ) -> None:
        dependent = [s for s in contract_artifacts.orchestration.schedules if s.after_jobs]
        assert dependent, "the scenarios declare a schedule with afterJobs"
        for schedule in dependent:
            assert harness.schedule_after_jobs(schedule.name) == set(schedule.after_jobs)
