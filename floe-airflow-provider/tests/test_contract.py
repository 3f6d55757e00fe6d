"""The shared contract suite, bound to Airflow."""

from __future__ import annotations

from floe_contract_tests import ContractSuite
from harness import AirflowHarness


class TestAirflowContract(ContractSuite):
    harness_class = AirflowHarness
