"""The README's "Migrating from Cosmos" snippets, as DAG files in one folder: Airflow parses the Cosmos DAG,
then floe's in its place, and the downstream DAG that scheduled on a table Cosmos built is scheduled on the
Asset that floe's task for that model produces."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from floe_airflow_provider import _compat
from floe_contract_tests.probes import DEMO, compile_for_target

pytestmark = pytest.mark.postgres

README = Path(__file__).resolve().parents[1] / "README.md"


def _snippets() -> list[str]:
    section = README.read_text().split("## Migrating from Cosmos", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


def _parse(folder: Path) -> set[str]:
    """Sync the folder's DAGs to Airflow's DB as the DAG processor does; the DAG ids Airflow loaded."""
    assert _compat.sync_dags_folder(str(folder)) == []
    return set(_compat.make_dagbag(str(folder)).dag_ids)


def _producers_and_consumers(uri: str) -> tuple[set[tuple[str, str]], set[str]]:
    from airflow.models.asset import AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        asset = session.scalar(select(AssetModel).where(AssetModel.uri == uri))
        assert asset is not None, f"Airflow has no Asset {uri}"
        assert asset.name == uri
        return ({(t.dag_id, t.task_id) for t in asset.producing_tasks}, {d.dag_id for d in asset.scheduled_dags})


def test_after_the_switch_the_downstream_dag_is_scheduled_on_floes_asset_for_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Compiled at the pg target's default address (no server needed to parse), the one the snippets name.
    monkeypatch.delenv("FLOE_PG_PORT", raising=False)
    before, after, downstream = _snippets()
    assert "DbtDag" in before and "build_dags_or_import_error" in after
    dags = tmp_path / "dags"
    compile_for_target(DEMO, dags / "jaffle_floe", "pg")
    (dags / "reporting.py").write_text(downstream)
    uri = re.search(r'Asset\("([^"]+)"\)', downstream).group(1)  # type: ignore[union-attr]

    (dags / "jaffle.py").write_text(before)
    assert _parse(dags) == {"jaffle", "reporting"}

    (dags / "jaffle.py").write_text(after)
    assert "jaffle_floe.nightly" in _parse(dags)
    producers, consumers = _producers_and_consumers(uri)
    assert ("jaffle_floe.nightly", "marts.orders") in producers
    assert consumers == {"reporting"}
