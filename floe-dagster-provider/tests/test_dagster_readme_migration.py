"""The README's "Migrating from dagster-dbt" snippets, run as written beside the compiled demo: the code
location before (dagster-dbt's `@dbt_assets`) and after (floe) name every dbt asset with the same key and
group, so the history recorded before is the history of the assets after."""

from __future__ import annotations

import os
import re
import runpy
import sys
from pathlib import Path

import dagster as dg
import pytest
from floe_core import load_artifacts

README = Path(__file__).resolve().parents[1] / "README.md"


def _snippets() -> list[str]:
    text = README.read_text()
    section = text.split("## Migrating from dagster-dbt", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


def test_the_migration_guide_has_a_before_and_an_after() -> None:
    before, after = _snippets()
    assert "dbt_assets" in before and "build_definitions" in after


def test_before_and_after_give_the_dbt_assets_the_same_keys_and_groups(
    demo_artifacts_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DbtCliResource looks for the `dbt` executable on PATH: this interpreter's, as in an activated env.
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    folder = demo_artifacts_path.parents[2]  # beside the jaffle_floe project the snippets name
    assert (folder / "jaffle_floe" / "target" / "manifest.json").is_file()
    before_text, after_text = _snippets()
    (folder / "before.py").write_text(before_text)
    (folder / "after.py").write_text(after_text)
    before: dg.Definitions = runpy.run_path(str(folder / "before.py"))["defs"]
    after: dg.Definitions = runpy.run_path(str(folder / "after.py"))["defs"]

    before_graph = before.get_repository_def().asset_graph
    after_graph = after.get_repository_def().asset_graph
    dbt_keys = {k for k in before_graph.get_all_asset_keys() if before_graph.get(k).is_materializable}
    artifacts = load_artifacts(demo_artifacts_path)
    assert len(dbt_keys) == sum(1 for a in artifacts.orchestration.assets if a.is_dbt)
    assert dbt_keys <= set(after_graph.get_all_asset_keys())
    assert {after_graph.get(k).group_name for k in dbt_keys} == {"jaffle"}
    assert set(after_graph.asset_check_keys) >= set(before_graph.asset_check_keys)
