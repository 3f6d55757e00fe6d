"""floe's contract suite: one set of tests every orchestrator provider binds and must pass."""

from floe_contract_tests.capabilities import clause, requires
from floe_contract_tests.harness import CheckView, ProviderHarness, RunRequestView, SensorTick
from floe_contract_tests.suite import BehaviourSuite, ContractSuite

__all__ = [
    "BehaviourSuite",
    "CheckView",
    "ContractSuite",
    "ProviderHarness",
    "RunRequestView",
    "SensorTick",
    "clause",
    "requires",
]
