"""floe-core's bad-artifacts corpus through Dagster: `build_definitions` raises one error per case, worded
exactly as `floe validate` words it, and Dagster's own code-location loading reports that same text.

Only artifacts files reach an engine: every floe.yaml and manifest case of the corpus stops at `floe compile`,
which writes nothing (floe-core's test_bad_inputs.py checks that).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import yaml
from floe_contract_tests.probes import cli_message
from floe_core import compile_project, write_artifacts
from floe_core.errors import ArtifactsError
from floe_dagster_provider import build_definitions

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "floe-core" / "tests" / "bad_inputs" / "artifacts"
CASES: dict[str, dict[str, str | None]] = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))
# The demo's own manifest, kept by floe-core's tests: the good product compiles without a dbt parse.
DEMO_MANIFEST = REPO / "floe-core" / "tests" / "fixtures" / "manifests" / "dbt-1.11-v12.json"
CODE_LOCATION = "from floe_dagster_provider import build_definitions\n\ndefs = build_definitions({path!r})\n"


def load_code_location(python_file: Path, instance: dg.DagsterInstance) -> Any:
    """Load a code location from a file the way `dagster dev` does in-process (no code-server process)."""
    # Test code may use Dagster's internals; the origin class moved modules in 1.10.
    try:
        from dagster._core.remote_origin import InProcessCodeLocationOrigin
    except ImportError:  # Dagster 1.9
        from dagster._core.remote_representation.origin import (  # type: ignore[no-redef]
            InProcessCodeLocationOrigin,
        )
    from dagster._core.types.loadable_target_origin import LoadableTargetOrigin

    target = LoadableTargetOrigin(
        executable_path=sys.executable, python_file=str(python_file), working_directory=str(python_file.parent)
    )
    return InProcessCodeLocationOrigin(loadable_target_origin=target).create_location(instance)


@pytest.fixture(scope="module")
def instance() -> Any:
    with dg.DagsterInstance.ephemeral() as ephemeral:
        yield ephemeral


def test_the_corpus_has_artifacts_cases() -> None:
    assert len(CASES) >= 10


@pytest.mark.parametrize("case", sorted(CASES), ids=sorted(CASES))
def test_build_definitions_raises_the_cli_message(case: str) -> None:
    path = CORPUS / f"{case}.json"
    with pytest.raises(ArtifactsError) as raised:
        build_definitions(path)
    message = str(raised.value)
    assert message == cli_message(path)
    expected = CASES[case]
    if expected["field"]:
        assert raised.value.field is not None and raised.value.field.startswith(str(expected["field"]))
    assert str(expected["contains"]) in message
    assert raised.value.file == str(path)
    assert raised.value.fix


@pytest.mark.parametrize("case", sorted(CASES), ids=sorted(CASES))
def test_dagsters_code_location_load_reports_the_cli_message(case: str, tmp_path: Path, instance: Any) -> None:
    from dagster._core.errors import DagsterUserCodeLoadError
    from dagster._utils.error import serializable_error_info_from_exc_info

    path = CORPUS / f"{case}.json"
    code = tmp_path / "definitions.py"
    code.write_text(CODE_LOCATION.format(path=str(path)), encoding="utf-8")
    with pytest.raises(DagsterUserCodeLoadError) as raised:
        load_code_location(code, instance)
    cause = raised.value.__cause__
    assert isinstance(cause, ArtifactsError)
    assert str(cause) == cli_message(path)
    # What the UI and `dagster definitions validate` show for the location: the floe message, whole.
    shown = serializable_error_info_from_exc_info(raised.value.original_exc_info).to_string()
    assert f"ArtifactsError: {cli_message(path)}" in shown


# Dagster's snapshot of a schedule reads its own deprecated `environment_vars` (1.13).
@pytest.mark.filterwarnings("ignore:Property `ScheduleDefinition.environment_vars` is deprecated:DeprecationWarning")
def test_the_same_load_path_loads_a_good_product(tmp_path: Path, instance: Any) -> None:
    result = compile_project(REPO / "examples" / "jaffle_floe", manifest=DEMO_MANIFEST, output=tmp_path / "a.json")
    write_artifacts(result.artifacts, result.output)
    code = tmp_path / "definitions.py"
    code.write_text(CODE_LOCATION.format(path=str(result.output)), encoding="utf-8")
    location = load_code_location(code, instance)
    (repository,) = location.get_repositories().values()
    jobs = {job.name for job in repository.get_all_jobs()}
    assert {"nightly", "daily_orders", "regional", "segments"} <= jobs
