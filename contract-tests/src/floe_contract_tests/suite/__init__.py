"""The aggregate contract suite: a provider binds it by subclassing `ContractSuite` once.

The mixins fall in two kinds. Structural ones compare what the engine stores and loads with the artifacts;
behavioural ones run the engine and compare what it records with what the scenario makes happen.
`BehaviourSuite` is the behavioural part alone: what the reference plugin binds, since for the structural
clauses its answers would be the artifacts themselves.
"""

from floe_contract_tests.suite.backfill import BackfillContract, HistoryContract
from floe_contract_tests.suite.execution import ExecutionContract
from floe_contract_tests.suite.partitions import PartitionContract
from floe_contract_tests.suite.schedules import (
    PartitionedScheduleContract,
    ScheduleContract,
    ScheduleDependencyContract,
)
from floe_contract_tests.suite.sensors import SensorContract, SensorWiringContract
from floe_contract_tests.suite.structure import StructureContract


class BehaviourSuite(
    ScheduleDependencyContract,
    SensorContract,
    ExecutionContract,
    BackfillContract,
    HistoryContract,
):
    """Every behavioural clause: the engine runs, and what it records is compared with what must happen."""


class ContractSuite(
    StructureContract,
    ScheduleContract,
    PartitionedScheduleContract,
    PartitionContract,
    SensorWiringContract,
    BehaviourSuite,
):
    """Every contract clause. Set `harness_class` to the provider's ProviderHarness subclass."""


__all__ = [
    "BackfillContract",
    "BehaviourSuite",
    "ContractSuite",
    "ExecutionContract",
    "HistoryContract",
    "PartitionContract",
    "PartitionedScheduleContract",
    "ScheduleContract",
    "ScheduleDependencyContract",
    "SensorContract",
    "SensorWiringContract",
    "StructureContract",
]
