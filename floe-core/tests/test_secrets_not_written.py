"""Credentials are referenced, never written: `floe compile` stores the names of the environment variables that
hold them, and neither the artifacts, nor anything dbt's parse leaves in the project, nor the CLI's output
holds their values. The engine tests (one per provider) run the same product and search what the runs leave.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from floe_contract_tests.probes import SECRET_PRODUCT, SECRET_VARS, files_containing, secret_values
from floe_core.cli import main


def test_compile_and_validate_write_the_variable_names_and_never_their_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    values = secret_values()
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    project = tmp_path / "secret_product"
    shutil.copytree(SECRET_PRODUCT, project)
    output = project / "target" / "compiled_artifacts.json"

    assert main(["compile", str(project)]) == 0
    assert main(["validate", str(output)]) == 0
    out, err = capsys.readouterr()

    plugins = json.loads(output.read_text(encoding="utf-8"))["plugins"]
    assert plugins["catalog"]["token_env"] == "FLOE_TEST_CATALOG_TOKEN"
    assert plugins["storage"]["access_key_id_env"] == "FLOE_TEST_S3_ACCESS_KEY_ID"
    assert plugins["storage"]["secret_access_key_env"] == "FLOE_TEST_S3_SECRET_ACCESS_KEY"
    # The search reads what compile left: the names are found, in the artifacts, beside dbt's own files.
    assert (project / "target" / "manifest.json").is_file()
    assert str(output) in files_containing([tmp_path], SECRET_VARS)["FLOE_TEST_S3_SECRET_ACCESS_KEY"]
    assert files_containing([tmp_path], values.values()) == {}
    assert not [value for value in values.values() if value in out or value in err]
