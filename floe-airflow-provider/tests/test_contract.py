"""The shared contract suite, bound to Airflow."""

from __future__ import annotations

from harness import AirflowHarness

from floe_contract_tests import ContractSuite


class TestAirflowContract(ContractSuite):
    harness_class = AirflowHarness
