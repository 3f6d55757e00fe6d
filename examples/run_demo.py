"""The quick start: compile the demo product, draw its graph, and run it on every installed engine.

    python dev.py demo                  (runs this inside the tox `demo` environment)
    python dev.py demo --ui dagster     the same compile, then Dagster's own UI on it (webserver + daemon)
    python dev.py demo --ui airflow     ... or Airflow's (api-server, scheduler, dag-processor, triggerer)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from floe_core.cli import main as floe

DEMO = Path(__file__).resolve().parent / "jaffle_floe"
ARTIFACTS = DEMO / "target" / "compiled_artifacts.json"
GRAPH = DEMO / "target" / "graph.html"
ENGINES = ("dagster", "airflow")
UI_PORTS = {"dagster": 3000, "airflow": 8080}


def step(title: str, argv: list[str]) -> int:
    print(f"\n== {title}: floe {' '.join(argv)}", flush=True)
    return floe(argv)


def show_ui(engine: str) -> int:
    """Start the engine's UI on the compiled demo and keep it up until Ctrl-C."""
    from floe_core.errors import FloeError

    if engine == "dagster":
        from floe_dagster_provider.local_ui import serve
    else:
        from floe_airflow_provider.local_ui import serve  # type: ignore[assignment]
    home = DEMO / "target" / f"{engine}_ui"
    print(f"\n== {engine} UI: starting (its services log to {home})", flush=True)
    try:
        with serve(ARTIFACTS, home, UI_PORTS[engine]) as ui:
            print(f"{engine} UI: {ui.url}  (Ctrl-C stops it)", flush=True)
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        print(f"\n{engine} UI stopped")
    except FloeError as exc:
        print(f"error: {exc.render()}", file=sys.stderr)
        return 2
    return 0


def main() -> int:
    from floe_core.registry import list_plugins

    parser = argparse.ArgumentParser(description="compile the demo, draw it, run it or show it in an engine's UI")
    parser.add_argument("--ui", choices=ENGINES, help="start this engine's own UI on the demo instead of running it")
    args = parser.parse_args()
    if step("compile", ["compile", str(DEMO)]):
        return 1
    if step("graph", ["graph", str(ARTIFACTS), "--format", "html", "--output", str(GRAPH)]):
        return 1
    if args.ui:
        return show_ui(args.ui)
    step("graph (mermaid)", ["graph", str(ARTIFACTS), "--select", "+orders"])
    installed = {p.name for p in list_plugins() if p.compatible}
    results = {}
    for engine in ENGINES:
        if engine not in installed:
            print(f"\n== {engine}: provider not installed, skipped")
            continue
        results[engine] = step(f"run on {engine}", ["run", str(ARTIFACTS), "--engine", engine])
    print("\n== summary")
    print(f"artifacts: {ARTIFACTS}\ngraph:     {GRAPH} (open it in a browser)")
    for engine, code in results.items():
        print(f"{engine:<8} {'all jobs succeeded' if code == 0 else 'some jobs failed (see above)'}")
    return max(results.values(), default=0)


if __name__ == "__main__":
    sys.exit(main())
