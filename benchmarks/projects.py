"""One synthetic product per size, shared by the engine benchmarks: the dbt manifest, floe's compiled artifacts
of it, and the bare graph (node -> deps, node -> tests) that the engine floors are built from."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synthetic import ONE_JOB_FLOE_YAML, write_project

RENDERED = ("model", "seed")  # what floe, Cosmos and dagster-dbt each make a task or an asset of


@dataclass(frozen=True)
class Project:
    size: int
    folder: Path
    manifest: Path
    artifacts: Path
    # {"deps": {node: [dep, ...]}, "tests": {node: [test, ...]}}: models and seeds; deps include sources as
    # "source_name.table"; each test under the node it is attached to
    graph: Path


def prepare(size: int, root: Path) -> Project:
    """Write (once) the project of `size` models under `root`, compiled with floe-core like `floe compile`."""
    from floe_core import compile_project
    from floe_core.artifacts import dump_artifacts

    folder = root / f"synthetic_{size}"
    artifacts = folder / "target" / "compiled_artifacts.json"
    graph = folder / "target" / "graph.json"
    manifest = folder / "target" / "manifest.json"
    if not graph.exists():
        write_project(size, folder, ONE_JOB_FLOE_YAML)
        artifacts.write_text(dump_artifacts(compile_project(folder, manifest=manifest).artifacts))
        graph.write_text(json.dumps(bare_graph(json.loads(manifest.read_text()))))
    return Project(size=size, folder=folder, manifest=manifest, artifacts=artifacts, graph=graph)


def bare_graph(manifest: dict[str, dict[str, dict[str, Any]]]) -> dict[str, dict[str, list[str]]]:
    nodes = manifest["nodes"]
    names = {uid: str(node["name"]) for uid, node in nodes.items() if node["resource_type"] in RENDERED}
    names.update({uid: f"{node['source_name']}.{node['name']}" for uid, node in manifest["sources"].items()})
    deps = {names[uid]: sorted(names[d] for d in node["depends_on"]["nodes"] if d in names)
            for uid, node in nodes.items() if node["resource_type"] in RENDERED}
    tests: dict[str, list[str]] = {}
    for node in nodes.values():
        if node["resource_type"] == "test" and node.get("attached_node") in names:
            tests.setdefault(names[node["attached_node"]], []).append(str(node["name"]))
    return {"deps": deps, "tests": tests}
