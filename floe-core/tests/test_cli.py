from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from core_paths import DEMO_MANIFEST
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
