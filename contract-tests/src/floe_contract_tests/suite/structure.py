"""C1-C4: the engine's graph is the artifacts' graph."""

from __future__ import annotations

from floe_core import AssetGraph, CompiledArtifacts

from floe_contract_tests.capabilities import clause, requires
from floe_contract_tests.harness import ProviderHarness


class StructureContract:
    @clause("C1")
    def test_the_engine_knows_exactly_the_artifacts_asset_keys(self, harness: ProviderHarness,
                                                                contract_artifacts: CompiledArtifacts) -> None:
        assert harness.asset_keys() == {a.key for a in contract_artifacts.orchestration.assets}

    @clause("C2")
    def test_the_engine_honours_exactly_the_artifacts_dependency_edges(self, harness: ProviderHarness,
                                                                       contract_artifacts: CompiledArtifacts) -> None:
        assert harness.edges() == set(AssetGraph(contract_artifacts.orchestration.assets).edges)

    @clause("C3")
    @requires("asset_checks")
    def test_every_check_is_attached_to_its_asset_and_blocks_only_when_severity_is_error(
        self, harness: ProviderHarness, contract_artifacts: CompiledArtifacts
    ) -> None:
        seen = harness.checks()
        expected = contract_artifacts.orchestration.checks
        assert set(seen) == {c.name for c in expected}
        for check in expected:
            assert seen[check.name].asset == check.asset, check.name
            assert seen[check.name].blocking == check.blocking, check.name

    @clause("C4")
    def test_each_job_runs_exactly_its_resolved_asset_selection(self, harness: ProviderHarness,
                                                                contract_artifacts: CompiledArtifacts) -> None:
        expected = {j.name: set(j.assets) for j in contract_artifacts.orchestration.jobs}
        assert harness.job_assets() == expected
