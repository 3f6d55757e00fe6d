"""`floe run --engine airflow` as a person reads it (the checks are shared with Dagster: floe_contract_tests)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DEMO
from floe_contract_tests.run_output import (
    check_a_failing_model_prints_its_dbt_error_once,
    check_the_nightly_output_fits_one_screen,
)

pytestmark = pytest.mark.processes  # each test starts `floe run` processes


def test_the_nightly_output_fits_one_screen_and_names_every_asset(demo_artifacts_path: Path) -> None:
    check_the_nightly_output_fits_one_screen("airflow", demo_artifacts_path)


def test_a_failing_model_prints_its_dbt_error_once_with_its_log_and_skipped_downstream(
        tmp_path: Path) -> None:
    check_a_failing_model_prints_its_dbt_error_once("airflow", DEMO, tmp_path)
