"""floe-core's bad-artifacts corpus through Airflow's DagBag: one DAGs folder holds a factory file per bad case
next to a good product. Each bad file is one import error of its own, worded exactly as `floe validate` words
it (file, field path, value found, fix) and free of Python tracebacks; the good product's DAGs still load.

Only artifacts files reach an engine: every floe.yaml and manifest case of the corpus stops at `floe compile`,
which writes nothing (floe-core's test_bad_inputs.py checks that).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from floe_airflow_provider import _compat
from floe_airflow_provider.deploy import deploy, factory_file_text
from floe_airflow_provider.import_errors import ERROR_DAG_ID
from floe_contract_tests.probes import cli_message
from floe_core import compile_project

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "floe-core" / "tests" / "bad_inputs" / "artifacts"
# The demo's own manifest, kept by floe-core's tests: the good product compiles without a dbt parse.
DEMO_MANIFEST = REPO / "floe-core" / "tests" / "fixtures" / "manifests" / "dbt-1.11-v12.json"
CASES: dict[str, dict[str, str | None]] = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))
TRACEBACK_HEADER = "Traceback (most recent call last)"


@pytest.fixture(scope="module")
def folder_and_bag(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """One DAGs folder, one DagBag: a factory file and its artifacts per bad case, plus the demo product."""
    folder = tmp_path_factory.mktemp("bad-dags").resolve()
    for case in CASES:
        artifacts_file = folder / f"floe_{case}" / "compiled_artifacts.json"
        artifacts_file.parent.mkdir()
        shutil.copy(CORPUS / f"{case}.json", artifacts_file)
        (folder / f"floe_{case}.py").write_text(factory_file_text(artifacts_file, case), encoding="utf-8")
    deploy(compile_project(REPO / "examples" / "jaffle_floe", manifest=DEMO_MANIFEST).artifacts, folder)
    return folder, _compat.make_dagbag(str(folder))


def _errors_by_file_name(bag: Any) -> dict[str, str]:
    return {Path(file).name: message for file, message in bag.import_errors.items()}


def test_the_corpus_has_artifacts_cases() -> None:
    assert len(CASES) >= 10


def test_each_bad_factory_file_is_exactly_one_import_error_and_the_good_product_still_loads(
    folder_and_bag: tuple[Path, Any],
) -> None:
    _, bag = folder_and_bag
    assert len(bag.import_errors) == len(CASES)
    assert sorted(_errors_by_file_name(bag)) == sorted(f"floe_{case}.py" for case in CASES)
    assert ERROR_DAG_ID not in bag.dags
    assert sorted(bag.dags) == [
        "jaffle_floe.daily_orders",
        "jaffle_floe.nightly",
        "jaffle_floe.regional",
        "jaffle_floe.segments",
        "jaffle_floe.sensors.after_daily_orders",
        "jaffle_floe.sensors.clv_updated",
        "jaffle_floe.sensors.export_requested",
        "jaffle_floe.sensors.new_order_files",
        "jaffle_floe.sensors.returned_orders",
    ]


@pytest.mark.parametrize("case", sorted(CASES), ids=sorted(CASES))
def test_the_import_error_is_the_cli_message_without_a_traceback(case: str, folder_and_bag: tuple[Path, Any]) -> None:
    folder, bag = folder_and_bag
    artifacts_file = folder / f"floe_{case}" / "compiled_artifacts.json"
    message = _errors_by_file_name(bag)[f"floe_{case}.py"]
    assert message == f"ArtifactsError: {cli_message(artifacts_file)}"
    assert str(artifacts_file) in message
    expected = CASES[case]
    if expected["field"]:
        assert f": {expected['field']}" in message
    assert str(expected["contains"]) in message
    assert ". Fix: " in message
    assert TRACEBACK_HEADER not in message
    assert not [line for line in message.splitlines() if line.lstrip().startswith('File "')]
