from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from core_paths import DEMO_MANIFEST, MINIMAL_SPEC
from floe_core.cli import main


@pytest.fixture
def demo_artifacts(make_project, demo_spec_text, tmp_path: Path) -> Path:
    project = make_project(demo_spec_text)
    out = tmp_path / "artifacts.json"
    assert main(["compile", str(project), "--manifest", str(DEMO_MANIFEST), "--output", str(out)]) == 0
    return out


def test_compile_writes_the_artifacts_and_says_what_it_compiled(make_project, demo_spec_text, tmp_path: Path,
                                                                capsys) -> None:
    out = tmp_path / "artifacts.json"
    assert main(["compile", str(make_project(demo_spec_text)), "--manifest", str(DEMO_MANIFEST), "-o", str(out)]) == 0
    assert json.loads(out.read_text())["metadata"]["name"] == "jaffle_floe"
    assert "compiled jaffle_floe: 19 assets" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("fmt", "markers"),
    [
        pytest.param("mermaid", ["flowchart LR", "subgraph marts", "-->"], id="mermaid"),
        pytest.param("dot", ["digraph floe {", '"stg_orders" -> "orders";'], id="dot"),
        pytest.param("html", ["<!DOCTYPE html>", "<svg", 'data-key="orders"', "<script>"], id="html"),
    ],
)
def test_graph_draws_every_format(demo_artifacts: Path, tmp_path: Path, fmt: str, markers: list[str]) -> None:
    out = tmp_path / f"graph.{fmt}"
    assert main(["graph", str(demo_artifacts), "--format", fmt, "--output", str(out)]) == 0
    text = out.read_text()
    for marker in markers:
        assert marker in text


def test_a_selector_scopes_the_graph_to_the_selected_assets(demo_artifacts: Path, capsys) -> None:
    capsys.readouterr()
    assert main(["graph", str(demo_artifacts), "--format", "dot", "--select", "+orders"]) == 0
    out = capsys.readouterr().out
    assert '"stg_orders" -> "orders"' in out
    assert '"customers"' not in out


def test_the_html_graph_is_one_self_contained_file(demo_artifacts: Path, tmp_path: Path) -> None:
    out = tmp_path / "g.html"
    main(["graph", str(demo_artifacts), "-f", "html", "-o", str(out)])
    text = out.read_text()
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in text and "<link" not in text and "src=" not in text


def test_validate_for_an_engine_names_every_feature_it_cannot_run(demo_artifacts: Path, capsys,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from floe_contract_tests.reference import ReferenceOrchestratorPlugin
    from floe_core import Capabilities

    class Limited(ReferenceOrchestratorPlugin):
        name = "limited"

        @property
        def capabilities(self) -> Capabilities:
            return Capabilities(supports_cron_schedules=True, supports_asset_checks=True)

    monkeypatch.setattr("floe_core.registry.load_plugin", lambda name: Limited())
    code = main(["validate", str(demo_artifacts), "--engine", "limited"])
    err = capsys.readouterr().err
    assert code == 2
    for feature in ("sql sensors", "static partitions", "python assets", "schedule dependencies", "backfills"):
        assert feature in err
    assert "orchestration.sensors[3]" in err, "each feature names where the artifacts use it"


def test_an_unknown_engine_lists_the_installed_ones(demo_artifacts: Path, capsys) -> None:
    assert main(["validate", str(demo_artifacts), "--engine", "prefect"]) == 2
    err = capsys.readouterr().err
    assert "no orchestrator plugin named 'prefect'" in err and "reference" in err


def test_plugins_lists_the_installed_plugins_with_versions(capsys) -> None:
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert "floe API 1.0" in out and "reference" in out


def test_the_installed_command_exits_2_without_a_traceback_and_shows_one_with_debug(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    plain = subprocess.run([sys.executable, "-m", "floe_core.cli", "validate", str(missing)],
                           capture_output=True, text=True)
    assert plain.returncode == 2 and "Traceback" not in plain.stderr
    assert "compiled artifacts file not found" in plain.stderr and "floe compile" in plain.stderr
    debug = subprocess.run([sys.executable, "-m", "floe_core.cli", "--debug", "validate", str(missing)],
                           capture_output=True, text=True)
    assert debug.returncode == 2 and "Traceback" in debug.stderr


def test_compile_from_a_prebuilt_manifest_needs_no_dbt_profile_and_leaves_the_target_to_run_time(
        tmp_path: Path) -> None:
    home, product = tmp_path / "empty_home", tmp_path / "product"
    home.mkdir()
    product.mkdir()
    (product / "floe.yaml").write_text("metadata: {name: from_ci}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBT_")}
    env["HOME"] = str(home)
    done = subprocess.run([sys.executable, "-m", "floe_core.cli", "compile", str(product), "--manifest",
                           str(DEMO_MANIFEST), "--output", str(tmp_path / "a.json")],
                          capture_output=True, text=True, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    written = json.loads((tmp_path / "a.json").read_text())
    assert written["dbt_profiles"] == {"profile": None, "target": None}
    assert written["transforms"]["dbt"]["profiles_dir"] is None
    assert not list(home.iterdir()), "compiling wrote nothing under HOME"


def test_a_dbt_project_without_floe_yaml_compiles_to_one_job_named_after_the_project(make_project, tmp_path: Path,
                                                                                       capsys) -> None:
    project = make_project(MINIMAL_SPEC)
    (project / "floe.yaml").unlink()
    out = tmp_path / "a.json"
    assert main(["compile", str(project), "--manifest", str(DEMO_MANIFEST), "-o", str(out)]) == 0
    assert "no floe.yaml" in capsys.readouterr().out
    written = json.loads(out.read_text())
    assert written["metadata"]["name"] == "jaffle_floe"
    assert [j["name"] for j in written["orchestration"]["jobs"]] == ["all_assets"]
    assert main(["graph", str(project), "--manifest", str(DEMO_MANIFEST), "-f", "mermaid"]) == 0
    assert "stg_orders" in capsys.readouterr().out


def test_init_writes_a_floe_yaml_whose_examples_compile_and_never_overwrites_it(make_project, tmp_path: Path,
                                                                                capsys) -> None:
    project = make_project(MINIMAL_SPEC)
    (project / "floe.yaml").unlink()
    assert main(["init", str(project)]) == 0
    written = (project / "floe.yaml").read_text()
    assert main(["compile", str(project), "--manifest", str(DEMO_MANIFEST), "-o", str(tmp_path / "a.json")]) == 0
    assert json.loads((tmp_path / "a.json").read_text())["orchestration"]["jobs"][0]["name"] == "all_assets"
    examples = re.sub(r"^# (?=[a-z ])", "", written, flags=re.MULTILINE)  # every commented example, switched on
    (project / "floe.yaml").write_text(examples.replace("tag:daily", "fct_daily_orders"))
    assert main(["compile", str(project), "--manifest", str(DEMO_MANIFEST), "-o", str(tmp_path / "b.json")]) == 0
    compiled = json.loads((tmp_path / "b.json").read_text())["orchestration"]
    assert {s["name"] for s in compiled["schedules"]} == {"nightly_build", "daily_build"}
    assert [s["name"] for s in compiled["sensors"]] == ["new_files"]
    capsys.readouterr()
    assert main(["init", str(project)]) == 2
    assert "floe.yaml already exists" in capsys.readouterr().err
    assert (project / "floe.yaml").read_text() == examples.replace("tag:daily", "fct_daily_orders")
