"""C8-C9: sensors target their job and fire on their condition, and only on it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from floe_core import CompiledArtifacts

from floe_contract_tests.capabilities import clause, requires
from floe_contract_tests.harness import ProviderHarness, SensorTick
from floe_contract_tests.warehouse import execute


def _sensor(artifacts: CompiledArtifacts, kind: str):  # type: ignore[no-untyped-def]
    return next(s for s in artifacts.orchestration.sensors if s.kind == kind)


def _jobs(tick: SensorTick) -> list[str]:
    return [r.job for r in tick.run_requests]


class SensorWiringContract:
    @clause("C8")
    def test_each_sensor_triggers_the_job_the_artifacts_name(self, harness: ProviderHarness,
                                                             contract_artifacts: CompiledArtifacts) -> None:
        assert harness.sensor_jobs() == {s.name: s.job for s in contract_artifacts.orchestration.sensors}


class SensorContract:
    @clause("C9")
    @requires("file_sensors")
    def test_a_file_sensor_fires_once_per_new_file(self, harness: ProviderHarness,
                                                   contract_artifacts: CompiledArtifacts) -> None:
        sensor = _sensor(contract_artifacts, "file")
        folder = contract_artifacts.in_project(sensor.path)
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
        first = harness.tick_sensor(sensor.name)
        assert _jobs(first) == []
        (folder / "orders_001.csv").write_text("id\n1\n")
        (folder / "ignored.txt").write_text("not matched by the pattern\n")
        second = harness.tick_sensor(sensor.name, first.cursor)
        assert _jobs(second) == [sensor.job]
        third = harness.tick_sensor(sensor.name, second.cursor)
        assert _jobs(third) == [], "a file fires once"
        (folder / "orders_002.csv").write_text("id\n2\n")
        fourth = harness.tick_sensor(sensor.name, third.cursor)
        assert _jobs(fourth) == [sensor.job], "the next new file fires, alone"
        fifth = harness.tick_sensor(sensor.name, fourth.cursor)
        assert _jobs(fifth) == [], "and once"

    @clause("C9")
    @requires("sql_sensors")
    def test_a_sql_sensor_fires_only_while_its_query_is_true(self, harness: ProviderHarness,
                                                             contract_artifacts: CompiledArtifacts) -> None:
        sensor = _sensor(contract_artifacts, "sql")
        execute(contract_artifacts, "create or replace table main.sensor_flag (id integer)")
        assert _jobs(harness.tick_sensor(sensor.name)) == []
        execute(contract_artifacts, "insert into main.sensor_flag values (1)")
        assert _jobs(harness.tick_sensor(sensor.name)) == [sensor.job]
        execute(contract_artifacts, "delete from main.sensor_flag")
        assert _jobs(harness.tick_sensor(sensor.name)) == []

    @clause("C9")
    @requires("custom_sensors")
    def test_a_custom_sensor_fires_only_when_its_callable_says_so(self, harness: ProviderHarness,
                                                                  contract_artifacts: CompiledArtifacts,
                                                                  tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
        sensor = _sensor(contract_artifacts, "custom")
        flag = tmp_path / "flag"
        monkeypatch.setenv("FLOE_CONTRACT_FLAG", str(flag))
        assert _jobs(harness.tick_sensor(sensor.name)) == []
        flag.touch()
        assert _jobs(harness.tick_sensor(sensor.name)) == [sensor.job]
        flag.unlink()
        assert os.environ["FLOE_CONTRACT_FLAG"] and _jobs(harness.tick_sensor(sensor.name)) == []

    @clause("C9")
    @requires("asset_sensors")
    def test_an_asset_sensor_fires_after_its_asset_is_materialized(self, harness: ProviderHarness,
                                                                   contract_artifacts: CompiledArtifacts) -> None:
        sensor = _sensor(contract_artifacts, "asset")
        baseline = harness.tick_sensor(sensor.name)
        quiet = harness.tick_sensor(sensor.name, baseline.cursor)
        assert _jobs(quiet) == [], "nothing new since the last tick"
        job = next(j.name for j in contract_artifacts.orchestration.jobs if set(sensor.assets) <= set(j.assets))
        assert harness.run_job(job).status == "success"
        fired = harness.tick_sensor(sensor.name, quiet.cursor)
        assert _jobs(fired) == [sensor.job]

    @clause("C9")
    @requires("run_status_sensors")
    def test_a_run_status_sensor_fires_after_the_watched_job_succeeds(self, harness: ProviderHarness,
                                                                      contract_artifacts: CompiledArtifacts) -> None:
        sensor = _sensor(contract_artifacts, "run_status")
        baseline = harness.tick_sensor(sensor.name)
        quiet = harness.tick_sensor(sensor.name, baseline.cursor)
        assert _jobs(quiet) == []
        assert harness.run_job(sensor.watched_job).status == "success"
        fired = harness.tick_sensor(sensor.name, quiet.cursor)
        assert _jobs(fired) == [sensor.job]
