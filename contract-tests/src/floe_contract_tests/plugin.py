"""The pytest plugin: fixtures that compile the scenarios once per session and bind a provider harness."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from floe_core import CompiledArtifacts, load_artifacts

from floe_contract_tests.harness import ProviderHarness
from floe_contract_tests.scenarios import prepare_project


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "contract(clause): the CONTRACT.md clause a contract test proves")
    config.addinivalue_line(
        "markers", "postgres: a PostgreSQL warehouse; needs dbt-postgres (and, for the Cosmos tests, "
        "astronomer-cosmos): the postgres tox env runs these, and only these")


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


@pytest.fixture(scope="session")
def postgres_port() -> Iterator[int]:
    """A PostgreSQL server on loopback for the session; the demo's `pg` target reaches it through FLOE_PG_PORT."""
    from floe_core.postgres_server import postgres_server

    from floe_contract_tests.probes import free_port

    port = free_port()
    with postgres_server(port):
        os.environ["FLOE_PG_PORT"] = str(port)
        try:
            yield port
        finally:
            os.environ.pop("FLOE_PG_PORT", None)


@pytest.fixture(scope="session")
def pg_demo(tmp_path_factory: pytest.TempPathFactory, postgres_port: int) -> CompiledArtifacts:
    """The demo compiled for its `pg` target: the session's server, database `postgres`."""
    from floe_contract_tests.probes import DEMO, compile_for_target

    return load_artifacts(compile_for_target(DEMO, tmp_path_factory.mktemp("pg") / "jaffle_floe", "pg"))


@pytest.fixture(scope="session")
def plain_dbt_build(pg_demo: CompiledArtifacts, postgres_port: int, tmp_path_factory: pytest.TempPathFactory) -> str:
    """`dbt build` of the same project by dbt alone, into a database of its own; that database's name."""
    from dbt.cli.main import dbtRunner

    from floe_contract_tests.postgres_demo import PLAIN_DATABASE, database
    from floe_contract_tests.probes import copy_project

    with database(postgres_port, "postgres") as con, con.cursor() as cursor:
        cursor.execute(f"create database {PLAIN_DATABASE}")
    project = copy_project(pg_demo.project_dir, tmp_path_factory.mktemp("plain") / "jaffle_floe")
    os.environ["FLOE_PG_DATABASE"] = PLAIN_DATABASE
    try:
        result = dbtRunner().invoke(["build", "--project-dir", str(project), "--profiles-dir", str(project),
                                     "--target", "pg", "--log-path", str(project / "logs")])
    finally:
        os.environ.pop("FLOE_PG_DATABASE", None)
    assert result.success, result.exception
    return PLAIN_DATABASE
