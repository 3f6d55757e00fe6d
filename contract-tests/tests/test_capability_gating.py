"""The gating rule itself: an undeclared capability skips with a generated reason when the test fails, and
fails the test when it passes anyway."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

BINDING = """
from floe_contract_tests.reference import ReferenceOrchestratorPlugin
from floe_contract_tests.reference_harness import ReferenceHarness
from floe_contract_tests.suite.structure import StructureContract
from floe_core import Capabilities


class NoChecksPlugin(ReferenceOrchestratorPlugin):
    @property
    def capabilities(self):
        return Capabilities(**{n: n != "supports_asset_checks" for n in Capabilities.model_fields})


class HonestHarness(ReferenceHarness):
    engine = "nochecks"

    def setup(self, artifacts, home):
        super().setup(artifacts, home)
        self._plugin = NoChecksPlugin({"instance_dir": home})


class BrokenHarness(HonestHarness):
    engine = "brokenchecks"

    def checks(self):
        return {}


class TestPassingWhileUndeclared(StructureContract):
    harness_class = HonestHarness


class TestFailingWhileUndeclared(StructureContract):
    harness_class = BrokenHarness
"""


def test_an_undeclared_capability_fails_a_passing_test_and_skips_a_failing_one(pytester: pytest.Pytester) -> None:
    # One subprocess for both bindings: the scenario project compiles once.
    pytester.makepyfile(test_binding=BINDING)
    result = pytester.runpytest_subprocess("-k", "check", "-rsf", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1, skipped=1, deselected=6)
    out = result.stdout.str()
    assert "passes although nochecks declares supports_asset_checks=False" in out
    assert "brokenchecks declares supports_asset_checks=False" in out
