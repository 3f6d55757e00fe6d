"""Credentials are referenced, never written, on Airflow.

The secret product's catalog and storage name the environment variables holding their credentials. With the
variables set to random values, the product is compiled, deployed into the DAGs folder (factory file and
artifacts) and its jobs run with `dag.test()`; then every file under the product (artifacts, dbt's target/
and logs, the Iceberg warehouse) and under AIRFLOW_HOME (the metadata DB, logs/, the DAGs folder), and
everything the runs printed or logged, is searched for the values. A run without one of the variables fails
naming it: the values are read at run time.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from floe_airflow_provider.plugin import AirflowOrchestratorPlugin
from floe_contract_tests.capabilities import run_or_refused
from floe_contract_tests.probes import SECRET_PRODUCT, files_containing, secret_values
from floe_core import CompiledArtifacts, compile_project, load_artifacts, write_artifacts


@dataclass(frozen=True)
class SecretProduct:
    root: Path
    home: Path
    artifacts: CompiledArtifacts
    values: dict[str, str]
    plugin: AirflowOrchestratorPlugin


@pytest.fixture(scope="module")
def product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecretProduct]:
    root = tmp_path_factory.mktemp("secrets")
    values = secret_values()
    with pytest.MonkeyPatch.context() as env:
        for name, value in values.items():
            env.setenv(name, value)
        project = root / "secret_product"
        shutil.copytree(SECRET_PRODUCT, project)
        result = compile_project(project)
        write_artifacts(result.artifacts, result.output)
        # The session's Airflow home (conftest), where the plugin deploys and records runs.
        home = Path(os.environ["AIRFLOW_HOME"])
        yield SecretProduct(root, home, load_artifacts(result.output), values, AirflowOrchestratorPlugin())


def _assert_written_nowhere(product: SecretProduct, printed: str, run_id: str) -> None:
    # The search reaches where the run was recorded and where the deployed artifacts name the variables.
    assert files_containing([product.home], [run_id]), "the run is not in Airflow's home"
    deployed = files_containing([product.home / "dags"], ["FLOE_TEST_S3_SECRET_ACCESS_KEY"])
    assert [Path(f).name for f in deployed["FLOE_TEST_S3_SECRET_ACCESS_KEY"]] == ["compiled_artifacts.json"]
    assert files_containing([product.root, product.home], product.values.values()) == {}
    assert not [value for value in product.values.values() if value in printed]


def test_a_dbt_run_leaves_no_secret_in_any_file_or_output(
    product: SecretProduct, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    record = product.plugin.run_job(product.artifacts, "transform")
    assert record.status == "success"
    out, err = capfd.readouterr()
    _assert_written_nowhere(product, out + err + caplog.text, record.run_id)


def test_a_python_asset_run_reads_the_secrets_when_it_runs_and_writes_them_nowhere(
    product: SecretProduct,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from floe_core.runtime import read_table

    monkeypatch.delenv("FLOE_TEST_S3_SECRET_ACCESS_KEY")
    refused = run_or_refused(product.plugin, "python_assets", lambda: product.plugin.run_job(product.artifacts,
                                                                                           "python"))
    assert refused.status == "failure"
    out, err = capfd.readouterr()
    assert "FLOE_TEST_S3_SECRET_ACCESS_KEY" in out + err + caplog.text

    monkeypatch.setenv("FLOE_TEST_S3_SECRET_ACCESS_KEY", product.values["FLOE_TEST_S3_SECRET_ACCESS_KEY"])
    record = product.plugin.run_job(product.artifacts, "python")
    assert record.status == "success"
    assert read_table(product.artifacts, "vault.rows").num_rows == 3
    out, err = capfd.readouterr()
    _assert_written_nowhere(product, out + err + caplog.text, record.run_id)
