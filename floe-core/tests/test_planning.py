"""The backfill reprocess rules: one definition every provider plans with (CONTRACT.md, "Backfill reprocess
rules")."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from floe_core.errors import UnsupportedFeatureError
from floe_core.planning import latest_status_by_partition, neighbour_stretches, partitions_to_run
from floe_core.plugin import RunRecord

KEYS = ["d1", "d2", "d3", "d4"]


def _run(partition: str, status: str, hour: int | None) -> RunRecord:
    started = None if hour is None else datetime(2024, 1, 1, hour, tzinfo=timezone.utc)
    return RunRecord(run_id=f"{partition}-{hour}", engine="test", job="daily", status=status,  # type: ignore[arg-type]
                     partition=partition, started_at=started)


# d1 succeeded, d2 failed, d3 failed then succeeded, d4 never ran.
HISTORY = [_run("d1", "success", 1), _run("d2", "failure", 2), _run("d3", "failure", 3), _run("d3", "success", 4)]


@pytest.mark.parametrize(
    ("reprocess", "expected"),
    [
        pytest.param("missing", ["d2", "d4"], id="missing-is-everything-not-yet-succeeded"),
        pytest.param("failed", ["d2"], id="failed-is-only-what-failed-last"),
        pytest.param("all", KEYS, id="all-is-every-partition"),
    ],
)
def test_each_reprocess_rule_picks_its_partitions_from_the_latest_run_of_each(reprocess: str,
                                                                              expected: list[str]) -> None:
    latest = latest_status_by_partition("daily", HISTORY, KEYS)
    assert partitions_to_run(KEYS, reprocess, latest) == expected  # type: ignore[arg-type]


def test_a_ranged_run_counts_for_every_partition_it_covered_and_unstarted_runs_count_as_oldest() -> None:
    history = [_run("d1...d3", "failure", 5), _run("d2", "success", None)]
    assert latest_status_by_partition("daily", history, KEYS) == {"d1": "failure", "d2": "failure", "d3": "failure"}


def test_runs_never_span_a_partition_the_rule_skips() -> None:
    assert neighbour_stretches(KEYS, {"d1", "d2", "d4"}) == [["d1", "d2"], ["d4"]]


def test_a_refused_feature_names_the_engine_the_feature_and_the_fix_and_keeps_the_feature_through_with_file() -> None:
    error = UnsupportedFeatureError.for_feature("airflow", "3.0.6", "python_assets", field="orchestration.jobs[py]")
    assert error.features == ("python_assets",)
    assert str(error) == ("orchestration.jobs[py]: airflow 3.0.6 cannot run python assets. Fix: remove it from "
                          "floe.yaml or use an engine whose provider supports_python_assets")
    moved = error.with_file("a.json")
    assert isinstance(moved, UnsupportedFeatureError) and moved.features == ("python_assets",)
    assert moved.file == "a.json"
