"""The aggregate contract suite: a provider binds it by subclassing `ContractSuite` once."""

from floe_contract_tests.suite.backfill import BackfillContract, HistoryContract
from floe_contract_tests.suite.execution import ExecutionContract
from floe_contract_tests.suite.partitions import PartitionContract
from floe_contract_tests.suite.schedules import ScheduleContract
from floe_contract_tests.suite.sensors import SensorContract
from floe_contract_tests.suite.structure import StructureContract


class ContractSuite(
    StructureContract,
    ScheduleContract,
    PartitionContract,
    SensorContract,
    ExecutionContract,
    BackfillContract,
    HistoryContract,
):
    """Every contract clause. Set `harness_class` to the provider's ProviderHarness subclass."""


__all__ = [
    "BackfillContract",
    "ContractSuite",
    "ExecutionContract",
    "HistoryContract",
    "PartitionContract",
    "ScheduleContract",
    "SensorContract",
    "StructureContract",
]
