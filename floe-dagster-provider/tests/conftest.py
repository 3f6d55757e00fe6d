"""Fixtures shared by the provider's tests: the demo product compiled once, one Dagster instance, one plugin.

dbt parses each project once per session: the demo is compiled into a session temp folder, and every
dbt run in the session goes through floe-core's in-process runner, which keeps the parsed manifest.
"""

from __future__ import annotations

import importlib.util
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from floe_contract_tests.probes import copy_project
from floe_core import CompiledArtifacts, RunRecord, compile_project, load_artifacts, write_artifacts

TESTS = Path(__file__).resolve().parent
DEMO = TESTS.parents[1] / "examples" / "jaffle_floe"


def _load_harness() -> None:
    # Every provider's tests folder has a `harness.py`; registering ours under a unique name keeps a run
    # over several providers' tests (tox's `latest` env) from importing the wrong one.
    spec = importlib.util.spec_from_file_location("floe_dagster_harness", TESTS / "harness.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "processes: starts `floe run` or a Dagster run worker in processes of its own (slow; one tox env per engine "
        "runs them)")
    # Dagster 1.11 defines a pydantic model with a class-based `config` in its components package, which
    # warns when dagster is first imported (here, under the ini's "error", hence the local filter too).
    config.addinivalue_line(
        "filterwarnings", "ignore:Support for class-based `config` is deprecated:DeprecationWarning"
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Support for class-based `config` is deprecated", DeprecationWarning)
        import dagster

        _load_harness()

    # Dagster's notices about its own APIs, by class (the classes differ across 1.9-1.13), so any other
    # warning still fails the run.
    for name in ("BetaWarning", "PreviewWarning", "SupersessionWarning", "ExperimentalWarning"):
        if hasattr(dagster, name):
            config.addinivalue_line("filterwarnings", f"ignore::dagster.{name}")
    # Dagster 1.13 calls its own deprecated `InitResourceContext.dagster_run` when it initializes nested
    # resources (the IO manager's catalog and storage); nothing in floe calls it.
    config.addinivalue_line(
        "filterwarnings", "ignore:InitResourceContext.dagster_run is deprecated:DeprecationWarning"
    )
    # dagster-dbt 0.25 (Dagster 1.9's, imported by the dagster-dbt equality tests only) still declares
    # pydantic V1 validators.
    config.addinivalue_line(
        "filterwarnings",
        "ignore:Pydantic V1 style `@validator` validators are deprecated:DeprecationWarning:dagster_dbt.*",
    )
    # Dagster's event log storage calls datetime.utcfromtimestamp, deprecated from Python 3.12 on.
    config.addinivalue_line(
        "filterwarnings", r"ignore:datetime.datetime.utcfromtimestamp\(\) is deprecated:DeprecationWarning:dagster\..*"
    )
    # Dagster 1.9 reads `model_fields` from pydantic instances, which pydantic 2.11 deprecated.
    config.addinivalue_line(
        "filterwarnings",
        "ignore:Accessing the 'model_fields' attribute on the instance is deprecated:DeprecationWarning",
    )


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the demo product, so runs never write into the source tree."""
    return copy_project(DEMO, tmp_path_factory.mktemp("demo") / "jaffle_floe")


@pytest.fixture(scope="session")
def demo_artifacts_path(demo_dir: Path) -> Path:
    result = compile_project(demo_dir)
    write_artifacts(result.artifacts, result.output)
    return result.output


@pytest.fixture(scope="session")
def demo_artifacts(demo_artifacts_path: Path) -> CompiledArtifacts:
    return load_artifacts(demo_artifacts_path)


@pytest.fixture(scope="session")
def demo_harness(demo_artifacts: CompiledArtifacts, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The demo bound to Dagster through the same harness the contract suite uses (one instance)."""
    from floe_dagster_harness import DagsterHarness

    bound = DagsterHarness()
    bound.setup(demo_artifacts, tmp_path_factory.mktemp("demo-home"))
    yield bound
    bound.teardown()


@pytest.fixture(scope="session")
def plugin(demo_harness: Any) -> Any:
    return demo_harness.plugin()


@pytest.fixture(scope="session")
def nightly_run(plugin: Any, demo_artifacts: CompiledArtifacts) -> RunRecord:
    """The demo's nightly job, run for real once per session (dbt on DuckDB)."""
    record: RunRecord = plugin.run_job(demo_artifacts, "nightly")
    return record
