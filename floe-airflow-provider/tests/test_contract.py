"""The shared contract suite, bound to Airflow."""

from __future__ import annotations

from datetime import datetime

import pytest
from harness import AirflowHarness

from floe_contract_tests import ContractSuite
from floe_contract_tests.harness import ProviderHarness
from floe_contract_tests.suite.schedules import INSTANTS
from floe_core import CompiledArtifacts

AMSTERDAM_AUTUMN = "before-amsterdam-autumn"


class TestAirflowContract(ContractSuite):
    harness_class = AirflowHarness

    @pytest.mark.parametrize(
        "after",
        [
            pytest.param(
                *p.values,
                id=p.id,
                marks=pytest.mark.xfail(
                    strict=True,
                    reason="on a fall-back day Airflow's cron timetables fire a repeated wall-clock time "
                    "(02:30 Europe/Amsterdam on 2024-10-27) at its second occurrence; floe-core fires at the "
                    "first, one hour earlier. Every other fire time matches",
                ),
            )
            if p.id == AMSTERDAM_AUTUMN
            else p
            for p in INSTANTS
        ],
    )
    def test_each_cron_schedule_fires_at_the_times_floe_core_computes(
        self, harness: ProviderHarness, contract_artifacts: CompiledArtifacts, after: datetime
    ) -> None:
        super().test_each_cron_schedule_fires_at_the_times_floe_core_computes(
            harness=harness, contract_artifacts=contract_artifacts, after=after
        )
