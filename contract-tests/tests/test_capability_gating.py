"""The gating rule itself. Where a capability is declared missing: the provider's own refusal
(`UnsupportedFeatureError` naming the feature) skips with a generated reason; any other exception fails the
test with its traceback; a pass fails the test, since the declaration is then wrong."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

BINDING = """
from floe_contract_tests.reference import ReferenceOrchestratorPlugin
from floe_contract_tests.reference_harness import ReferenceHarness
from floe_contract_tests.suite.structure import StructureContract
from floe_core import Capabilities, UnsupportedFeatureError


class NoChecksPlugin(ReferenceOrchestratorPlugin):
    @property
    def capabilities(self):
        return Capabilities(**{n: n != "supports_asset_checks" for n in Capabilities.model_fields})


class HonestHarness(ReferenceHarness):
    engine = "nochecks"

    def setup(self, artifacts, home):
        super().setup(artifacts, home)
        self._plugin = NoChecksPlugin({"instance_dir": home})


class RefusingHarness(HonestHarness):
    engine = "refuses"

    def checks(self):
        raise UnsupportedFeatureError.for_feature("refuses", "1.0", "asset_checks")


class RefusingOtherHarness(HonestHarness):
    engine = "refusesother"

    def checks(self):
        raise UnsupportedFeatureError.for_feature("refusesother", "1.0", "sql_sensors")


class BrokenHarness(HonestHarness):
    engine = "brokenchecks"

    def checks(self):
        return {}


class TestPassingWhileUndeclared(StructureContract):
    harness_class = HonestHarness


class TestRefusedWhileUndeclared(StructureContract):
    harness_class = RefusingHarness


class TestRefusedForAnotherFeature(StructureContract):
    harness_class = RefusingOtherHarness


class TestFailingWhileUndeclared(StructureContract):
    harness_class = BrokenHarness
"""


def test_only_the_providers_refusal_of_an_undeclared_capability_skips(pytester: pytest.Pytester) -> None:
    # One subprocess for every binding: the scenario project compiles once.
    pytester.makepyfile(test_binding=BINDING)
    result = pytester.runpytest_subprocess("-k", "check", "-rsf", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=3, skipped=1, deselected=12)
    out = result.stdout.str()
    assert "passes although nochecks declares supports_asset_checks=False" in out
    assert "refuses declares supports_asset_checks=False and refuses: refuses 1.0 cannot run" in out
    assert "FAILED test_binding.py::TestRefusedForAnotherFeature" in out
    assert "FAILED test_binding.py::TestFailingWhileUndeclared" in out
    assert "brokenchecks declares" not in out, "an assertion failure is never reported as a declared gap"
