"""The quick start: compile the demo product, draw its graph, and run it on every installed engine.

    python dev.py demo        (runs this inside the tox `demo` environment)
"""

from __future__ import annotations

import sys
from pathlib import Path

from floe_core.cli import main as floe

DEMO = Path(__file__).resolve().parent / "jaffle_floe"
ARTIFACTS = DEMO / "target" / "compiled_artifacts.json"
GRAPH = DEMO / "target" / "graph.html"
ENGINES = ("dagster", "airflow")


def step(title: str, argv: list[str]) -> int:
    print(f"\n== {title}: floe {' '.join(argv)}", flush=True)
    return floe(argv)


def main() -> int:
    from floe_core.registry import list_plugins

    if step("compile", ["compile", str(DEMO)]):
        return 1
    if step("graph", ["graph", str(ARTIFACTS), "--format", "html", "--output", str(GRAPH)]):
        return 1
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
