"""The pytest plugin: fixtures that compile the scenarios once per session and bind a provider harness."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from floe_core import CompiledArtifacts, load_artifacts

from floe_contract_tests.harness import ProviderHarness
from floe_contract_tests.scenarios import prepare_project


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "contract(clause): the CONTRACT.md clause a contract test proves")


@pytest.fixture(scope="session")
def contract_artifacts_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepare_project(tmp_path_factory.mktemp("contract"))


@pytest.fixture(scope="session")
def contract_artifacts(contract_artifacts_path: Path) -> CompiledArtifacts:
    return load_artifacts(contract_artifacts_path)


@pytest.fixture(scope="class")
def harness(request: pytest.FixtureRequest, contract_artifacts: CompiledArtifacts,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProviderHarness]:
    factory = getattr(request.cls, "harness_class", None)
    if factory is None:
        raise pytest.UsageError(f"{request.cls} binds the contract suite but sets no `harness_class`")
    bound: ProviderHarness = factory()
    bound.setup(contract_artifacts, tmp_path_factory.mktemp(f"{bound.engine}-home"))
    yield bound
    bound.teardown()
