"""DagBag parse time of the floe factory file on a generated N-model product, against a plain baseline.

    AIRFLOW_HOME=$(mktemp -d) python floe-airflow-provider/benchmarks/parse_time.py [N] [--mode per_model|build]

Generates compiled artifacts with N dbt models (each depending on up to two earlier ones, two tests each,
one job over all of them, one cron schedule), writes the two-line factory file and a baseline DAG file of
N EmptyOperators with the same edges, and reports the parse time Airflow's DagBag measured for each file.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="floe-bench-home-"))
os.environ["AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT"] = "600"

DEMO = Path(__file__).resolve().parents[2] / "examples" / "jaffle_floe" / "target" / "compiled_artifacts.json"


def generate(n: int, base: dict, out: Path) -> list[tuple[str, str]]:
    rng = random.Random(7)  # fixed: every run benchmarks the same graph
    assets, checks, edges = [], [], []
    for i in range(n):
        key = f"model_{i:05d}"
        deps = sorted({f"model_{rng.randrange(i):05d}" for _ in range(2)}) if i else []
        edges += [(d, key) for d in deps]
        assets.append(
            {
                "key": key,
                "kind": "dbt_model",
                "group": f"group_{i % 20:02d}",
                "materialization": "table",
                "deps": [{"key": d, "origin": "ref"} for d in deps],
                "dbt": {
                    "unique_id": f"model.bench.{key}",
                    "name": key,
                    "package": "bench",
                    "selector": f"fqn:bench.{key}",
                    "path": f"models/{key}.sql",
                    "relation": f"main.{key}",
                },
            }
        )
        for test in ("unique", "not_null"):
            name = f"{test}_{key}_id"
            checks.append(
                {
                    "name": name,
                    "asset": key,
                    "kind": "generic",
                    "severity": "error",
                    "unique_id": f"test.bench.{name}",
                    "selector": f"fqn:bench.{name}",
                    "test_name": test,
                    "column": "id",
                    "reads": [key],
                }
            )
    data = dict(base)
    data["identity"] = {"product": "bench", "domain": None}
    data["orchestration"] = {
        "assets": assets,
        "checks": checks,
        "partitions": [],
        "jobs": [{"name": "all_models", "assets": [a["key"] for a in assets]}],
        "schedules": [{"name": "nightly", "job": "all_models", "cron": "0 2 * * *", "timezone": "Europe/Amsterdam"}],
        "sensors": [],
        "backfills": [],
        "exposures": [],
    }
    out.write_text(json.dumps(data))
    return edges


BASELINE = """
import json
from airflow.sdk import DAG
from airflow.providers.standard.operators.empty import EmptyOperator
edges = json.load(open({edges!r}))
with DAG("baseline", schedule=None) as dag:
    ops = {{}}
    for up, down in edges:
        for key in (up, down):
            if key not in ops:
                ops[key] = EmptyOperator(task_id=key)
    for up, down in edges:
        ops[up] >> ops[down]
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=5000)
    parser.add_argument("--mode", default="per_model")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="floe-bench-"))
    artifacts = work / "compiled_artifacts.json"
    edges = generate(args.n, json.loads(DEMO.read_text()), artifacts)
    (work / "edges.json").write_text(json.dumps(edges))
    dags = work / "dags"
    dags.mkdir()
    (dags / "floe_bench.py").write_text(
        f"from floe_airflow_provider import build_dags\n"
        f"globals().update(build_dags({str(artifacts)!r}, mode={args.mode!r}))\n"
    )
    (dags / "baseline.py").write_text(BASELINE.format(edges=str(work / "edges.json")))
    from floe_airflow_provider import _compat

    started = time.perf_counter()
    bag = _compat.make_dagbag(str(dags))
    total = time.perf_counter() - started
    assert not bag.import_errors, bag.import_errors
    stats = {Path(s.file).name: s.duration.total_seconds() for s in bag.dagbag_stats}
    tasks = {dag_id: len(dag.tasks) for dag_id, dag in bag.dags.items()}
    print(
        json.dumps(
            {
                "airflow": _compat.AIRFLOW_VERSION_TEXT,
                "python": sys.version.split()[0],
                "models": args.n,
                "mode": args.mode,
                "tasks": tasks,
                "parse_seconds": stats,
                "dagbag_seconds": round(total, 2),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
