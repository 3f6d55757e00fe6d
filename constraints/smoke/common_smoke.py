"""Engine-neutral smoke test: dbt on DuckDB in-process, pyiceberg on a SQLite catalog.

Usage: python common_smoke.py WORKDIR [--no-iceberg]
"""
from __future__ import annotations

import pathlib
import sys
import textwrap


def dbt_project(root: pathlib.Path) -> pathlib.Path:
    proj = root / "dbt_smoke"
    (proj / "models").mkdir(parents=True, exist_ok=True)
    (proj / "dbt_project.yml").write_text(
        "name: dbt_smoke\nversion: '1.0'\nprofile: dbt_smoke\nmodel-paths: [models]\n"
    )
    (proj / "profiles.yml").write_text(
        textwrap.dedent(
            f"""\
            dbt_smoke:
              target: dev
              outputs:
                dev:
                  type: duckdb
                  path: {root / 'smoke.duckdb'}
                  threads: 1
            """
        )
    )
    (proj / "models" / "one.sql").write_text("select 1 as id\n")
    (proj / "models" / "two.sql").write_text("select id + 1 as id from {{ ref('one') }}\n")
    return proj


def run_dbt(proj: pathlib.Path) -> None:
    from dbt.cli.main import dbtRunner

    res = dbtRunner().invoke(
        ["build", "--project-dir", str(proj), "--profiles-dir", str(proj), "--quiet"]
    )
    assert res.success, f"dbt build failed: {res.exception!r}"
    print("dbt build ok")


def run_iceberg(root: pathlib.Path) -> None:
    import pyarrow as pa
    from pyiceberg.catalog.sql import SqlCatalog

    wh = root / "warehouse"
    wh.mkdir(exist_ok=True)
    cat = SqlCatalog("smoke", uri=f"sqlite:///{root / 'catalog.db'}", warehouse=f"file://{wh}")
    cat.create_namespace("ns")
    data = pa.table({"id": pa.array([1, 2, 3], pa.int64())})
    tbl = cat.create_table("ns.t", schema=data.schema)
    tbl.append(data)
    tbl.overwrite(data.slice(0, 2))
    assert tbl.scan().to_arrow().num_rows == 2
    print("iceberg ok")


def main() -> None:
    root = pathlib.Path(sys.argv[1]).resolve()
    root.mkdir(parents=True, exist_ok=True)
    import duckdb  # noqa: F401  (importable together)
    import pydantic

    assert pydantic.VERSION.startswith("2")
    run_dbt(dbt_project(root))
    if "--no-iceberg" in sys.argv:  # no SQL catalog in this env (airflow30: SQLAlchemy<2)
        import pyarrow  # noqa: F401

        print("iceberg import ok (SQL catalog skipped)")
    else:
        run_iceberg(root)


if __name__ == "__main__":
    main()
