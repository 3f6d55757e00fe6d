"""The reference plugin passes every behavioural clause: the suite asks nothing no engine could do.

It binds only `BehaviourSuite`: for the structural clauses its answers are the artifacts themselves, so they
would be their own oracle (see CONTRACT.md).
"""

from __future__ import annotations

from floe_contract_tests import BehaviourSuite
from floe_contract_tests.reference_harness import ReferenceHarness


class TestReferenceContract(BehaviourSuite):
    harness_class = ReferenceHarness
