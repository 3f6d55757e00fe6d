"""C7: partition keys per asset are the artifacts' keys; mapped dependencies read the mapped partitions."""

from __future__ import annotations

from floe_core import CompiledArtifacts
from floe_core.partitioning import partition_keys, upstream_partition_keys

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

    @clause("C7")
    @requires("partition_mappings")
    def test_a_partition_mapping_names_the_upstream_partitions_floe_core_computes(
        self, harness: ProviderHarness, contract_artifacts: CompiledArtifacts
    ) -> None:
        mapped = [(asset, dep) for asset in contract_artifacts.orchestration.assets for dep in asset.deps
                  if dep.partition_mapping is not None and dep.partition_mapping.kind != "identity"]
        assert {dep.partition_mapping.kind for _, dep in mapped if dep.partition_mapping} >= {
            "multi_to_single", "time_window"}
        for asset, dep in mapped:
            down = contract_artifacts.asset_partitions(asset.key)
            up = contract_artifacts.asset_partitions(dep.key)
            assert down is not None and up is not None
            for key in partition_keys(down):
                expected = upstream_partition_keys(up, down, dep.partition_mapping, key)
                assert sorted(harness.upstream_partition_keys(asset.key, key, dep.key)) == sorted(expected), (
                    f"{asset.key} {key} <- {dep.key}")
