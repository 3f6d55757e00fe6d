"""One Airflow home per test session: a temporary AIRFLOW_HOME with a SQLite DB migrated once.

Airflow reads its home when it is first imported, so this module sets it before anything imports Airflow.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

_HOME = Path(tempfile.mkdtemp(prefix="floe-airflow-home-"))
os.environ["AIRFLOW_HOME"] = str(_HOME)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(_HOME / "dags")
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"
# Cron DAGs stay due for ever in a test DB (no scheduler creates their runs); asset_triggers reads the
# scheduler's due-DAG query, which would otherwise stop at the first 10 of them.
os.environ["AIRFLOW__SCHEDULER__MAX_DAGRUNS_TO_CREATE_PER_LOOP"] = "100000"
(_HOME / "dags").mkdir()

import pytest  # noqa: E402
from floe_contract_tests.probes import compile_to_file, copy_project  # noqa: E402
from floe_core import CompiledArtifacts, load_artifacts  # noqa: E402

DEMO = Path(__file__).resolve().parents[2] / "examples" / "jaffle_floe"


@pytest.fixture(scope="session", autouse=True)
def airflow_db() -> Iterator[Path]:
    """`airflow db migrate`, once, on the session's SQLite file."""
    from airflow.utils.db import upgradedb

    upgradedb()
    yield _HOME
    shutil.rmtree(_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def demo_artifacts_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo product copied to a temporary folder and compiled there (the repo's copy stays clean)."""
    return compile_to_file(copy_project(DEMO, tmp_path_factory.mktemp("demo") / "jaffle_floe"))


@pytest.fixture(scope="session")
def demo_artifacts(demo_artifacts_path: Path) -> CompiledArtifacts:
    return load_artifacts(demo_artifacts_path)


@pytest.fixture(scope="session")
def dags_folder(airflow_db: Path) -> Path:
    return airflow_db / "dags"

