"""Dagster run records in floe's engine-neutral words."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
from floe_dagster_provider.run_history import _STATUS, open_instance, partition_of


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        pytest.param({}, None, id="unpartitioned"),
        pytest.param({"dagster/partition": "2024-01-05"}, "2024-01-05", id="one-partition"),
        pytest.param({"dagster/asset_partition_range_start": "2024-01-01",
                      "dagster/asset_partition_range_end": "2024-01-07"}, "2024-01-01...2024-01-07", id="range"),
        pytest.param({"dagster/asset_partition_range_start": "eu",
                      "dagster/asset_partition_range_end": "eu"}, "eu", id="range-of-one"),
    ],
)
def test_a_runs_partition_reads_as_a_key_or_a_range(tags: dict[str, str], expected: str | None) -> None:
    assert partition_of(tags) == expected


def test_every_dagster_run_status_has_a_floe_status() -> None:
    assert {s.name for s in dg.DagsterRunStatus} <= set(_STATUS)


def test_an_explicit_instance_folder_wins_over_dagster_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "elsewhere"))
    instance = open_instance(tmp_path / "mine")
    try:
        assert instance.root_directory == str(tmp_path / "mine")
    finally:
        instance.dispose()
