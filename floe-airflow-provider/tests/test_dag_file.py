"""The DAG factory file as Airflow's DAG processor sees it: imports, errors, determinism, shape."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path

import pytest
from floe_airflow_provider import _compat, build_dags
from floe_airflow_provider.deploy import factory_file_text
from floe_airflow_provider.naming import DagNaming
from floe_airflow_provider.partitions import last_closed_window
from floe_core import CompiledArtifacts
from floe_core.cron import fire_times


def _bag(folder: Path):  # type: ignore[no-untyped-def]
    return _compat.make_dagbag(str(folder))


@pytest.fixture(scope="module")
def demo_dags(demo_artifacts_path: Path) -> dict:  # type: ignore[type-arg]
    return build_dags(demo_artifacts_path)


def test_the_factory_file_imports_into_a_dagbag_with_zero_errors(demo_artifacts_path: Path, tmp_path: Path) -> None:
    (tmp_path / "floe_demo.py").write_text(factory_file_text(demo_artifacts_path, "jaffle_floe"))
    bag = _bag(tmp_path)
    assert bag.import_errors == {}
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


def test_parsing_the_same_artifacts_twice_gives_the_same_serialized_dags(demo_artifacts_path: Path) -> None:
    def serialized() -> dict[str, str]:
        dags = build_dags(demo_artifacts_path)
        return {dag_id: json.dumps(_compat.serialize_dag(dag), sort_keys=True) for dag_id, dag in dags.items()}

    assert serialized() == serialized()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(None, ["compiled artifacts file not found", "floe compile"], id="missing-file"),
        pytest.param("{not json", ["not valid JSON", "floe compile"], id="not-json"),
        pytest.param('{"version": "9.0.0"}', ["version", "incompatible floe version"], id="newer-major"),
    ],
)
def test_a_bad_artifacts_file_is_one_import_error_for_its_dag_file_only(
    tmp_path: Path, content: str | None, expected: list[str]
) -> None:
    artifacts = tmp_path / "data" / "compiled_artifacts.json"
    if content is not None:
        artifacts.parent.mkdir()
        artifacts.write_text(content)
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "floe_bad.py").write_text(factory_file_text(artifacts, "bad"))
    (dags / "other.py").write_text("from airflow.sdk import DAG\nwith DAG('other', schedule=None):\n    pass\n")
    bag = _bag(dags)
    assert list(bag.dags) == ["other"]
    assert len(bag.import_errors) == 1
    ((file, message),) = bag.import_errors.items()
    assert file.endswith("floe_bad.py")
    assert str(artifacts) in message
    for text in expected:
        assert text in message


def test_an_invalid_field_is_named_in_the_import_error(demo_artifacts_path: Path, tmp_path: Path) -> None:
    data = json.loads(demo_artifacts_path.read_text())
    data["orchestration"]["jobs"][0]["name"] = "not a valid name"
    broken = tmp_path / "compiled_artifacts.json"
    broken.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=r"orchestration\.jobs\[0\]\.name") as error:
        build_dags(broken)
    assert str(broken) in str(error.value)


def test_parsing_imports_no_dbt_pyiceberg_or_duckdb(demo_artifacts_path: Path) -> None:
    code = (
        "import sys\n"
        "from floe_airflow_provider import build_dags\n"
        f"dags = build_dags({str(demo_artifacts_path)!r})\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('dbt', 'pyiceberg', 'duckdb', 'pyarrow'))\n"
        "print(len(dags), heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "9 []"


def test_each_model_is_a_task_with_its_asset_as_outlet_and_multi_model_tests_run_after_all_they_read(
    demo_dags: dict,
    demo_artifacts: CompiledArtifacts,  # type: ignore[type-arg]
) -> None:
    dag = demo_dags["jaffle_floe.nightly"]
    key_of = DagNaming.of(demo_artifacts).key_of_asset_uri
    outlets = {key_of(o.uri): t.task_id for t in dag.tasks for o in t.outlets if key_of(o.uri)}
    assert set(outlets) == set(demo_artifacts.jobs_by_name["nightly"].assets)
    assert outlets["orders"] == "marts.orders"
    relationship = dag.task_dict["marts.test__relationships_orders_customer_id__customer_id__ref_customers_"]
    assert relationship.upstream_task_ids == {"marts.orders", "marts.customers"}
    assert dag.task_dict["job_succeeded"].outlets[0].uri == "floe-job://jaffle_floe/nightly/succeeded"


def test_build_mode_renders_one_dbt_build_task_and_its_status_task(demo_artifacts_path: Path) -> None:
    dag = build_dags(demo_artifacts_path, mode="build")["jaffle_floe.nightly"]
    assert sorted(dag.task_ids) == ["dbt_build", "dbt_build_status", "job_succeeded"]
    assert dag.task_dict["dbt_build"].downstream_task_ids == {"dbt_build_status"}


def test_schedules_become_timetables_asset_conditions_and_paused_flags(demo_dags: dict) -> None:  # type: ignore[type-arg]
    nightly = demo_dags["jaffle_floe.nightly"]
    assert type(_compat.core_timetable(nightly)).__name__ == "FloeCronTriggerTimetable"
    daily_orders = _compat.core_timetable(demo_dags["jaffle_floe.daily_orders"])
    assert type(daily_orders).__name__ == "FloeCronDataIntervalTimetable"
    regional = demo_dags["jaffle_floe.regional"]
    assert [a.uri for a in _compat.schedule_assets(regional)] == ["floe-job://jaffle_floe/nightly/succeeded"]
    assert demo_dags["jaffle_floe.sensors.export_requested"].is_paused_upon_creation is True
    assert nightly.is_paused_upon_creation is False


def _nightly_fire_times(demo_dags: dict, after: datetime, count: int) -> list[datetime]:  # type: ignore[type-arg]
    timetable = _compat.core_timetable(demo_dags["jaffle_floe.nightly"])
    return [t.astimezone(timezone.utc) for t in islice(_compat.iter_fire_times(timetable, after), count)]


@pytest.mark.parametrize(
    "after",
    [
        pytest.param(datetime(2024, 7, 1, 12, tzinfo=timezone.utc), id="summer-time"),
        pytest.param(datetime(2024, 10, 26, 12, tzinfo=timezone.utc), id="across-fall-back"),
        pytest.param(datetime(2024, 12, 1, 12, tzinfo=timezone.utc), id="winter-time"),
    ],
)
def test_the_nightly_schedule_fires_at_0230_amsterdam_time_as_floe_core_computes(
    demo_dags: dict,
    after: datetime,  # type: ignore[type-arg]
) -> None:
    expected = [t.astimezone(timezone.utc) for t in fire_times("30 2 * * *", "Europe/Amsterdam", after, 10)]
    assert _nightly_fire_times(demo_dags, after, 10) == expected


def test_on_the_spring_forward_day_the_missing_0230_fires_at_the_jump(demo_dags: dict) -> None:  # type: ignore[type-arg]
    # 02:30 does not exist in Amsterdam on 2024-03-31: the clock jumps from 02:00 CET to 03:00 CEST (01:00 UTC).
    # Airflow's own cron timetables would fire at 03:30 CEST, one gap late; floe's timetable fires at the jump.
    after = datetime(2024, 3, 30, 12, tzinfo=timezone.utc)
    assert _nightly_fire_times(demo_dags, after, 2) == [
        datetime(2024, 3, 31, 1, 0, tzinfo=timezone.utc),
        datetime(2024, 4, 1, 0, 30, tzinfo=timezone.utc),
    ]


@pytest.mark.parametrize(
    ("moment", "key"),
    [
        pytest.param(datetime(2024, 1, 6, 3, tzinfo=timezone.utc), "2024-01-05", id="daily-after-0300-tick"),
        pytest.param(datetime(2024, 1, 6, 0, tzinfo=timezone.utc), "2024-01-05", id="daily-on-boundary"),
        pytest.param(datetime(2024, 1, 5, 23, 59, tzinfo=timezone.utc), "2024-01-04", id="daily-before-boundary"),
    ],
)
def test_a_run_is_for_the_last_window_closed_by_its_data_interval_end(
    demo_artifacts: CompiledArtifacts, moment: datetime, key: str
) -> None:
    parts = demo_artifacts.partitions_by_name["daily"]
    assert last_closed_window(parts, moment) == key  # type: ignore[arg-type]


def test_a_sql_sensor_on_a_missing_connection_names_it_and_how_to_define_it() -> None:
    from floe_airflow_provider.sql_sensor import FloeSqlSensor
    from floe_core.errors import RuntimeFailure

    sensor = FloeSqlSensor(task_id="wait", conn_id="orders_db", sql="select 1", floe_sensor="orders_ready")
    with pytest.raises(RuntimeFailure, match="AIRFLOW_CONN_ORDERS_DB") as error:
        sensor.poke({})
    assert "orders_db" in str(error.value) and "orders_ready" in str(error.value)


def test_a_relative_artifacts_path_is_read_beside_the_dag_file_whatever_the_working_directory(
    demo_artifacts_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from floe_airflow_provider.deploy import with_absolute_paths
    from floe_core.artifacts import load_artifacts, write_artifacts

    bundle = tmp_path / "bundle"
    # The artifacts travel with the DAG file, as in a DAG bundle; its dbt paths point back at the demo.
    write_artifacts(with_absolute_paths(load_artifacts(demo_artifacts_path)), bundle / "compiled_artifacts.json")
    (bundle / "floe_demo.py").write_text("from floe_airflow_provider import build_dags_or_import_error\n\n"
                                         "globals().update(build_dags_or_import_error('compiled_artifacts.json'))\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    bag = _bag(bundle)
    assert bag.import_errors == {}
    assert "jaffle_floe.nightly" in bag.dags


_PARSE_AND_LIST_MODULES = """
import json, sys
from floe_airflow_provider import _compat
bag = _compat.make_dagbag(sys.argv[1])
assert not bag.import_errors, bag.import_errors
print(json.dumps(sorted(sys.modules)))
"""
# What the workers need and a DAG file does not: dbt and its graph library, the compiler, the data libraries.
_NOT_AT_PARSE = ("networkx", "dbt", "duckdb", "pyiceberg", "pyarrow", "floe_core.compiler", "floe_core.graph",
                 "floe_core.runtime.dbt", "floe_core.runtime.iceberg", "floe_core.runtime.python_assets",
                 "floe_core.runtime.sensors", "floe_core.planning")


@pytest.mark.processes
def test_parsing_the_demo_dag_file_imports_no_dbt_compiler_graph_or_data_library(demo_artifacts_path: Path,
                                                                                  tmp_path: Path) -> None:
    (tmp_path / "floe_demo.py").write_text(factory_file_text(demo_artifacts_path, "jaffle_floe"))
    done = subprocess.run([sys.executable, "-c", _PARSE_AND_LIST_MODULES, str(tmp_path)], capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    modules = json.loads(done.stdout.splitlines()[-1])
    assert "floe_airflow_provider.dags" in modules
    loaded = [m for m in modules if m.split(".")[0] in _NOT_AT_PARSE or m.startswith(_NOT_AT_PARSE)]
    assert loaded == [], "a DAG file imports only what its DAGs need"


def test_a_dbt_tables_asset_is_named_by_its_duckdb_table_and_other_assets_by_their_floe_key(demo_dags: dict) -> None:  # type: ignore[type-arg]
    dag = demo_dags["jaffle_floe.nightly"]
    orders = dag.task_dict["marts.orders"].outlets[0]
    assert (orders.name, orders.uri) == ("duckdb://jaffle_floe.duckdb/jaffle_floe/main/orders",) * 2
    snapshot = dag.task_dict["snapshots.customers_snapshot"].outlets[0]
    assert snapshot.uri == "duckdb://jaffle_floe.duckdb/jaffle_floe/snapshots/customers_snapshot"
    segments = demo_dags["jaffle_floe.segments"].task_dict["python.customer_segments"].outlets[0]
    assert (segments.name, segments.uri) == ("customer_segments", "floe://jaffle_floe/customer_segments")
