from __future__ import annotations

import pytest
from floe_core import PluginIncompatibleError, PluginNotFoundError, load_plugin
from floe_core.registry import api_compatible, list_plugins


@pytest.mark.parametrize(("required", "ok"), [("1.0", True), ("1.1", False), ("0.9", False), ("2.0", False),
                                              ("garbage", False)], ids=str)
def test_a_plugin_loads_only_on_the_same_api_major_with_no_newer_minor(required: str, ok: bool) -> None:
    assert api_compatible(required) is ok


def test_the_reference_plugin_is_found_through_its_entry_point() -> None:
    plugin = load_plugin("reference")
    assert plugin.name == "reference"
    assert any(info.name == "reference" and info.compatible for info in list_plugins())


def test_a_missing_plugin_error_lists_what_is_installed() -> None:
    with pytest.raises(PluginNotFoundError, match=r"expected one of: .*reference") as caught:
        load_plugin("nifi")
    assert isinstance(caught.value, LookupError)
    assert caught.value.found == "nifi"


def test_an_incompatible_plugin_says_which_api_it_needs(monkeypatch: pytest.MonkeyPatch) -> None:
    from floe_contract_tests.reference import ReferenceOrchestratorPlugin

    monkeypatch.setattr(ReferenceOrchestratorPlugin, "floe_api_version", "2.0")
    with pytest.raises(PluginIncompatibleError, match=r"needs floe API 2\.0"):
        load_plugin("reference")
