"""The demo on PostgreSQL: the Assets floe's DAGs declare for its dbt tables are the Assets Cosmos records.

Cosmos runs the same dbt project (one task per node, Airflow's own `dag.test()`), and Airflow records an
Asset event for each table it built. floe's Assets are read from its DAGs as the scheduler loads them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from floe_airflow_provider import AirflowOrchestratorPlugin, _compat
from floe_core import CompiledArtifacts

pytestmark = pytest.mark.postgres

COSMOS_DAG = "cosmos_jaffle_floe"


def floe_table_assets(artifacts: CompiledArtifacts) -> dict[str, str]:
    """name -> uri of every warehouse-table Asset a task of floe's DAGs writes, as the scheduler loads them."""
    found = {}
    for dag in AirflowOrchestratorPlugin().build(artifacts).values():
        for task in _compat.scheduler_dag(dag).tasks:
            for outlet in task.outlets:
                # A stored mapped task keeps its Assets in their serialized form.
                if isinstance(outlet, dict):
                    fields = outlet.get("__var", {})
                else:
                    fields = {"name": outlet.name, "uri": outlet.uri}
                if str(fields.get("uri", "")).startswith("postgres://"):
                    found[fields["name"]] = fields["uri"]
    return found


COSMOS_DAG_FILE = """# The Airflow DAG file a Cosmos user writes for the demo.
from datetime import datetime
from pathlib import Path

from cosmos import DbtDag, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import InvocationMode, LoadMode, TestBehavior

project = Path({project!r})
dag = DbtDag(
    dag_id={dag_id!r},
    project_config=ProjectConfig(dbt_project_path=project, manifest_path=project / "target" / "manifest.json"),
    profile_config=ProfileConfig(profile_name="jaffle_floe", target_name="pg",
                                 profiles_yml_filepath=project / "profiles.yml"),
    execution_config=ExecutionConfig(invocation_mode=InvocationMode.DBT_RUNNER),
    render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST, test_behavior=TestBehavior.NONE),
    schedule=None,
    start_date=datetime(2024, 1, 1),
)
"""


def cosmos_recorded_assets(artifacts: CompiledArtifacts, dags_folder: Path) -> dict[str, str]:
    """Run the project as a Cosmos DAG file, then read name -> uri of every Asset Airflow recorded an event for."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    dag_file = dags_folder / "cosmos_jaffle_floe.py"
    dag_file.write_text(COSMOS_DAG_FILE.format(project=str(artifacts.project_dir), dag_id=COSMOS_DAG),
                        encoding="utf-8")
    assert _compat.sync_dags_folder(str(dags_folder)) == []
    run = _compat.make_dagbag(str(dags_folder)).get_dag(COSMOS_DAG).test()
    assert run.state == "success", f"the Cosmos run of the demo on PostgreSQL ended {run.state}"
    with create_session() as session:
        rows = session.execute(
            select(AssetModel.name, AssetModel.uri)
            .join(AssetEvent, AssetEvent.asset_id == AssetModel.id)
            .where(AssetEvent.source_dag_id == COSMOS_DAG)
        ).all()
    return {name: uri for name, uri in rows}


def test_the_demo_compiles_for_postgres_with_the_targets_address(
    pg_demo: CompiledArtifacts, postgres_port: int
) -> None:
    compute = pg_demo.plugins.compute
    assert (compute.kind, compute.host, compute.port) == ("postgres", "127.0.0.1", postgres_port)


def test_floes_table_assets_are_the_assets_cosmos_records_for_the_same_models(
    pg_demo: CompiledArtifacts, dags_folder: Path
) -> None:
    floe = floe_table_assets(pg_demo)
    cosmos = cosmos_recorded_assets(pg_demo, dags_folder)
    assert cosmos, "Cosmos recorded no Asset event"
    # Every table Cosmos recorded is an Asset of floe's, the same name and URI.
    assert {name: floe.get(name) for name in cosmos} == cosmos
    # Cosmos records models and snapshots, not seeds (OpenLineage reports no output for `dbt seed`).
    seeds = {key for key, asset in pg_demo.assets_by_key.items() if asset.kind == "dbt_seed"}
    assert {name.rsplit("/", 1)[1] for name in set(floe) - set(cosmos)} == seeds
    assert f"postgres://127.0.0.1:{pg_demo.plugins.compute.port}/postgres/public/orders" in cosmos
    assert f"postgres://127.0.0.1:{pg_demo.plugins.compute.port}/postgres/snapshots/customers_snapshot" in cosmos

