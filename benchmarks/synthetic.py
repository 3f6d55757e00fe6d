"""Realistic synthetic dbt projects for benchmarks: N models in layers, written as a dbt manifest (schema v12).

Shape, like real projects: sources and seeds feed a staging layer (one model per source table), then
intermediate and mart layers with fan-in (each model refs 1-4 models of earlier layers, mostly the previous
one) and fan-out (popular upstream models are picked more often). Most models carry `unique`/`not_null`
tests; one in twenty has a `relationships` test reading two models; a few marts are partitioned by day.
Deterministic for a given N (seeded RNG), so runs compare like with like.

    python benchmarks/synthetic.py 5000 /tmp/bench5000     # writes project/, manifest.json, floe.yaml
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

PROJECT = "synthetic"
SCHEMA_URL = "https://schemas.getdbt.com/dbt/manifest/v12.json"
LAYERS = (("staging", 0.30), ("intermediate", 0.35), ("marts", 0.35))


def _node(uid: str, name: str, kind: str, path: str, fqn: list[str], deps: list[str], materialized: str,
          tags: list[str]) -> dict[str, object]:
    return {
        "unique_id": uid, "resource_type": kind, "name": name, "package_name": PROJECT,
        "path": path, "original_file_path": path, "fqn": fqn, "alias": name, "schema": "main",
        "database": "bench", "relation_name": f'"bench"."main"."{name}"', "tags": tags,
        "description": f"{name} ({kind})", "meta": {}, "group": None, "version": None,
        "config": {"materialized": materialized, "tags": tags, "enabled": True, "meta": {}},
        "depends_on": {"nodes": deps, "macros": []},
    }


def _test(name: str, model_uid: str, model: str, column: str, test: str, deps: list[str],
          kwargs: dict[str, object]) -> tuple[str, dict[str, object]]:
    uid = f"test.{PROJECT}.{name}"
    node = _node(uid, name, "test", f"models/{model}.yml", [PROJECT, name], deps, "test", [])
    node.update({"attached_node": model_uid, "column_name": column,
                 "test_metadata": {"name": test, "kwargs": {"column_name": column, **kwargs}}})
    node["config"]["severity"] = "ERROR"  # type: ignore[index]
    return uid, node


def build_manifest(n_models: int, seed: int = 7) -> dict[str, object]:
    rng = random.Random(seed)
    nodes: dict[str, dict[str, object]] = {}
    sources: dict[str, dict[str, object]] = {}
    n_sources = max(3, n_models // 20)
    for i in range(n_sources):
        uid = f"source.{PROJECT}.raw.table_{i:05d}"
        sources[uid] = {"unique_id": uid, "resource_type": "source", "name": f"table_{i:05d}",
                        "source_name": "raw", "package_name": PROJECT, "path": "models/sources.yml",
                        "original_file_path": "models/sources.yml", "fqn": [PROJECT, "raw", f"table_{i:05d}"],
                        "relation_name": f'"bench"."raw"."table_{i:05d}"', "tags": [], "description": "",
                        "meta": {}, "config": {"enabled": True}}
    for i in range(3):
        name = f"seed_{i}"
        uid = f"seed.{PROJECT}.{name}"
        nodes[uid] = _node(uid, name, "seed", f"seeds/{name}.csv", [PROJECT, name], [], "seed", ["seed"])
    layers: list[list[str]] = []
    made = 0
    for depth, (layer, share) in enumerate(LAYERS):
        count = n_models - made if depth == len(LAYERS) - 1 else int(n_models * share)
        current = []
        for j in range(count):
            name = f"{layer[:3]}_{made + j:05d}"
            uid = f"model.{PROJECT}.{name}"
            if depth == 0:
                deps = [f"source.{PROJECT}.raw.table_{rng.randrange(n_sources):05d}"]
                if rng.random() < 0.1:
                    deps.append(f"seed.{PROJECT}.seed_{rng.randrange(3)}")
            else:
                pool = layers[-1]
                # Fan-out: a quarter of the previous layer is "popular" and picked three times as often.
                popular = pool[: max(1, len(pool) // 4)]
                picks = {rng.choice(popular if rng.random() < 0.75 else pool) for _ in range(rng.randint(1, 4))}
                if depth == 2 and rng.random() < 0.3:
                    picks.add(rng.choice(layers[0]))
                deps = sorted(picks)
            materialized = "view" if depth == 0 else "table"
            nodes[uid] = _node(uid, name, "model", f"models/{layer}/{name}.sql", [PROJECT, layer, name], deps,
                               materialized, [layer])
            if rng.random() < 0.8:
                for test in ("unique", "not_null"):
                    tuid, tnode = _test(f"{test}_{name}_id", uid, name, "id", test, [uid], {})
                    nodes[tuid] = tnode
            if depth > 0 and rng.random() < 0.05:
                other = deps[0]
                tuid, tnode = _test(f"relationships_{name}_ref", uid, name, "ref_id", "relationships",
                                    [other, uid], {"to": f"ref('{other.rsplit('.', 1)[1]}')", "field": "id"})
                nodes[tuid] = tnode
            current.append(uid)
        layers.append(current)
        made += count
    parent_map = {uid: list(node["depends_on"]["nodes"]) for uid, node in nodes.items()}  # type: ignore[index]
    parent_map.update({uid: [] for uid in sources})
    child_map: dict[str, list[str]] = {uid: [] for uid in parent_map}
    for uid, parents in parent_map.items():
        for parent in parents:
            child_map[parent].append(uid)
    # Every top-level key of a schema-v12 manifest (readers such as dagster-dbt index them unguarded).
    return {
        "metadata": {"dbt_schema_version": SCHEMA_URL, "dbt_version": "1.11.0", "project_name": PROJECT},
        "nodes": nodes, "sources": sources, "macros": {}, "docs": {}, "exposures": {}, "metrics": {},
        "groups": {}, "selectors": {}, "disabled": {}, "parent_map": parent_map, "child_map": child_map,
        "group_map": {}, "saved_queries": {}, "semantic_models": {}, "unit_tests": {},
    }


FLOE_YAML = """apiVersion: floe.dev/v1
kind: FloeSpec
metadata:
  name: synthetic
orchestration:
  partitions:
    - {name: daily, kind: timeWindow, cadence: daily, start: 2024-01-01, end: 2025-01-01}
  assets:
    - {select: "mar_0*0", partitions: daily}
  jobs:
    - {name: staging, select: "tag:staging"}
    - {name: transform, select: "tag:intermediate tag:marts", exclude: "mar_0*0"}
    - {name: daily_marts, select: "mar_0*0"}
  schedules:
    - {name: nightly, job: staging, cron: "0 2 * * *", timezone: Europe/Amsterdam}
    - {name: after_staging, job: transform, afterJobs: [staging]}
    - {name: daily, job: daily_marts, cron: "0 4 * * *", partitioned: true}
  backfills:
    - {job: daily_marts, policy: multiRun, maxPartitionsPerRun: 7}
"""


# One job over the whole graph and nothing else: the shape Cosmos' DbtDag and dagster-dbt's `@dbt_assets`
# render, so the engine benchmarks compare the same graph.
ONE_JOB_FLOE_YAML = """apiVersion: floe.dev/v1
kind: FloeSpec
metadata:
  name: synthetic
orchestration:
  jobs:
    - {name: all, select: "*"}
"""


def write_project(n_models: int, folder: Path, floe_yaml: str = FLOE_YAML) -> Path:
    """A compilable project: dbt_project.yml, profiles.yml, floe.yaml and target/manifest.json."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dbt_project.yml").write_text(f"name: {PROJECT}\nversion: '1.0'\nconfig-version: 2\n"
                                            f"profile: {PROJECT}\n")
    (folder / "profiles.yml").write_text(f"{PROJECT}:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
                                         "      path: target/bench.duckdb\n")
    (folder / "floe.yaml").write_text(floe_yaml)
    target = folder / "target"
    target.mkdir(exist_ok=True)
    manifest = target / "manifest.json"
    manifest.write_text(json.dumps(build_manifest(n_models)))
    return manifest


SEED_ROWS = 100


def write_runnable_project(n_models: int, folder: Path) -> Path:
    """The same graph as real dbt files that `dbt build` runs on DuckDB; returns the project folder.

    Source tables become seeds of 100 rows (`id`, `value`); a staging model reads its seed, every later model
    sums the `value`s of its upstream models by `id`. Every model therefore has the ids 1-100 once each, so
    `unique`, `not_null` and `relationships` tests all pass, and each model does a little real work.
    """
    manifest = build_manifest(n_models)
    nodes: dict[str, dict[str, Any]] = manifest["nodes"]  # type: ignore[assignment]
    sources: dict[str, dict[str, Any]] = manifest["sources"]  # type: ignore[assignment]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dbt_project.yml").write_text(f"name: {PROJECT}\nversion: '1.0'\nconfig-version: 2\n"
                                            f"profile: {PROJECT}\n")
    (folder / "profiles.yml").write_text(f"{PROJECT}:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
                                         "      path: \"{{ env_var('FLOE_DUCKDB_PATH', 'target/bench.duckdb') }}\"\n"
                                         "      threads: 1\n")
    (folder / "floe.yaml").write_text(ONE_JOB_FLOE_YAML)
    seeds = folder / "seeds"
    seeds.mkdir(exist_ok=True)
    rows = "".join(f"{i},{i * 7 % 13}\n" for i in range(1, SEED_ROWS + 1))
    for node in [*sources.values(), *(n for n in nodes.values() if n["resource_type"] == "seed")]:
        (seeds / f"{node['name']}.csv").write_text("id,value\n" + rows)
    tests: dict[str, list[dict[str, Any]]] = {}
    for node in nodes.values():
        if node["resource_type"] == "test":
            meta = node["test_metadata"]
            model = nodes[node["attached_node"]]["name"]
            kwargs = {k: v for k, v in meta["kwargs"].items() if k != "column_name"}
            test = {meta["name"]: {**kwargs, "to": "ref('{}')".format(kwargs["to"].split("'")[1])}} if kwargs \
                else meta["name"]
            tests.setdefault(f"{model}.{meta['kwargs']['column_name']}", []).append(test)
    schema: list[dict[str, Any]] = []
    for node in nodes.values():
        if node["resource_type"] != "model":
            continue
        refs = [(sources.get(d) or nodes[d])["name"] for d in node["depends_on"]["nodes"]]
        path = folder / node["path"]
        path.parent.mkdir(parents=True, exist_ok=True)
        union = "\n  union all\n".join(f"  select id, value from {{{{ ref('{r}') }}}}" for r in refs)
        path.write_text(f"{{{{ config(materialized='{node['config']['materialized']}') }}}}\n"
                        f"select id, sum(value) as value, id as ref_id from (\n{union}\n) as upstream group by id\n")
        columns = [{"name": column, "data_tests": tests[f"{node['name']}.{column}"]}
                   for column in ("id", "ref_id") if f"{node['name']}.{column}" in tests]
        schema.append({"name": node["name"], "columns": columns})
    (folder / "models" / "schema.yml").write_text(json.dumps({"version": 2, "models": schema}, indent=1))
    return folder


if __name__ == "__main__":
    size, out = int(sys.argv[1]), Path(sys.argv[2])
    print(write_project(size, out))
