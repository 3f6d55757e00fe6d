"""The contract suite, bound to Dagster: the one test class that inherits every contract clause."""

from __future__ import annotations

from floe_contract_tests import ContractSuite
from floe_dagster_harness import DagsterHarness


class TestDagsterContract(ContractSuite):
    harness_class = DagsterHarness
