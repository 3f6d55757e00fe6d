"""The bad-input corpus: every case gives one clear error through the CLI, exit code 2, no traceback, and
writes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from core_paths import DEMO, DEMO_MANIFEST
from floe_core.cli import main

CORPUS = Path(__file__).parent / "bad_inputs"
SPEC_CASES = yaml.safe_load((CORPUS / "spec" / "expected.yaml").read_text())
ARTIFACT_CASES = yaml.safe_load((CORPUS / "artifacts" / "expected.yaml").read_text())
MANIFEST_CASES = yaml.safe_load((CORPUS / "manifests" / "expected.yaml").read_text())


def _assert_clear_error(capsys: pytest.CaptureFixture[str], code: int, expected: dict[str, str]) -> str:
    out, err = capsys.readouterr()
    assert code == 2, f"exit code {code}; stderr: {err}"
    assert "Traceback" not in err and "Traceback" not in out
    assert err.startswith("error: ")
    if expected["field"]:
        assert expected["field"] in err, err
    assert expected["contains"] in err, err
    return err


@pytest.mark.parametrize("case", sorted(SPEC_CASES), ids=sorted(SPEC_CASES))
def test_a_bad_floe_yaml_gives_one_clear_error_and_writes_nothing(case: str, tmp_path: Path, capsys) -> None:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(DEMO / name, project / name)
    shutil.copy(CORPUS / "spec" / f"{case}.yaml", project / "floe.yaml")
    output = tmp_path / "out" / "compiled_artifacts.json"
    code = main(["compile", str(project), "--manifest", str(DEMO_MANIFEST), "--output", str(output)])
    err = _assert_clear_error(capsys, code, SPEC_CASES[case])
    assert "floe.yaml" in err, "the message names the file"
    assert not output.exists() and not output.parent.exists()


@pytest.mark.parametrize("case", sorted(ARTIFACT_CASES), ids=sorted(ARTIFACT_CASES))
def test_a_bad_artifacts_file_gives_one_clear_error(case: str, capsys) -> None:
    path = CORPUS / "artifacts" / f"{case}.json"
    code = main(["validate", str(path)])
    err = _assert_clear_error(capsys, code, ARTIFACT_CASES[case])
    assert path.name in err


@pytest.mark.parametrize("case", sorted(MANIFEST_CASES), ids=sorted(MANIFEST_CASES))
def test_a_bad_manifest_gives_one_clear_error(case: str, tmp_path: Path, capsys) -> None:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(DEMO / "floe.yaml", project / "floe.yaml")
    output = tmp_path / "compiled.json"
    manifest = CORPUS / "manifests" / f"{case}.json"
    code = main(["compile", str(project), "--manifest", str(manifest), "--output", str(output)])
    _assert_clear_error(capsys, code, MANIFEST_CASES[case])
    assert not output.exists()


def test_the_corpus_covers_at_least_forty_cases() -> None:
    assert len(SPEC_CASES) + len(ARTIFACT_CASES) + len(MANIFEST_CASES) >= 40
