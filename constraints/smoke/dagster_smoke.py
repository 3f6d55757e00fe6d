"""Dagster smoke test: materialize plain assets and a @dbt_assets multi-asset in-process.

Usage: python dagster_smoke.py WORKDIR   (run common_smoke.py first: it writes the dbt project)
"""
from __future__ import annotations

import os
import pathlib
import sys

import dagster
import dagster_dbt
from dagster import asset, materialize
from dagster_dbt import DbtCliResource, dbt_assets
from dbt.cli.main import dbtRunner

root = pathlib.Path(sys.argv[1]).resolve()
proj = root / "dbt_smoke"
res = dbtRunner().invoke(["parse", "--project-dir", str(proj), "--profiles-dir", str(proj), "--quiet"])
assert res.success, res.exception


@asset
def upstream() -> int:
    return 1


@asset
def downstream(upstream: int) -> int:
    return upstream + 1


@dbt_assets(manifest=proj / "target" / "manifest.json")
def smoke_dbt(context, dbt: DbtCliResource):
    yield from dbt.cli(["build"], context=context).stream()


dbt_exe = str(pathlib.Path(sys.executable).with_name("dbt"))
result = materialize(
    [upstream, downstream, smoke_dbt],
    resources={"dbt": DbtCliResource(project_dir=os.fspath(proj), profiles_dir=os.fspath(proj), dbt_executable=dbt_exe)},
)
assert result.success
mats = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
assert {"upstream", "downstream", "one", "two"} <= mats, mats
print(f"dagster {dagster.__version__} / dagster-dbt {dagster_dbt.__version__}: materialized {sorted(mats)}")
