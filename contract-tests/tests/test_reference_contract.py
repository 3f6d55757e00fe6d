"""The reference plugin passes the whole contract: the suite asks nothing no engine could do."""

from __future__ import annotations

from floe_contract_tests import ContractSuite
from floe_contract_tests.reference_harness import ReferenceHarness


class TestReferenceContract(ContractSuite):
    harness_class = ReferenceHarness
