"""C7: partition keys per asset are the artifacts' keys."""

from __future__ import annotations

from floe_core import CompiledArtifacts
from floe_core.partitioning import partition_keys

from floe_contract_tests.capabilities import clause, requires
from floe_contract_tests.harness import ProviderHarness


def _keys(artifacts: CompiledArtifacts, kind: str) -> dict[str, list[str]]:
    result = {}
    for asset in artifacts.orchestration.assets:
        parts = artifacts.asset_partitions(asset.key)
        if parts is not None and parts.kind == kind:
            result[asset.key] = partition_keys(parts)
    return result


class PartitionContract:
    @clause("C7")
    @requires("time_window_partitions")
    def test_time_window_partition_keys_equal_the_artifacts(self, harness: ProviderHarness,
                                                            contract_artifacts: CompiledArtifacts) -> None:
        expected = _keys(contract_artifacts, "time_window")
        assert expected
        assert {key: harness.partition_keys(key) for key in expected} == expected

    @clause("C7")
    @requires("static_partitions")
    def test_static_partition_keys_equal_the_artifacts(self, harness: ProviderHarness,
                                                       contract_artifacts: CompiledArtifacts) -> None:
        expected = _keys(contract_artifacts, "static")
        assert expected
        assert {key: harness.partition_keys(key) for key in expected} == expected

    @clause("C7")
    @requires("multi_partitions")
    def test_two_dimensional_partition_keys_equal_the_artifacts(self, harness: ProviderHarness,
                                                                contract_artifacts: CompiledArtifacts) -> None:
        expected = _keys(contract_artifacts, "multi")
        assert expected
        assert {key: sorted(harness.partition_keys(key)) for key in expected} == {
            k: sorted(v) for k, v in expected.items()}

    @clause("C7")
    def test_unpartitioned_assets_have_no_partition_keys(self, harness: ProviderHarness,
                                                         contract_artifacts: CompiledArtifacts) -> None:
        plain = [a.key for a in contract_artifacts.orchestration.assets if a.partitions is None and a.is_executable]
        assert all(harness.partition_keys(key) == [] for key in plain)
