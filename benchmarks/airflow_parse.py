"""Airflow DagBag parse time and peak memory of one DAG file, on the same synthetic dbt manifest:

- floe per_model: floe's two-line factory file, `build_dags(artifacts, mode="per_model")` (a task per model);
- floe build:     the same in `mode="build"` (one `dbt build` task per job);
- floe per_model, TaskFlow: per_model with each per-model task made by TaskFlow's `@task` instead of the
                  factory's `PythonOperator` (the same task ids, arguments and XCom): what TaskFlow would cost;
- Cosmos:         `DbtDag` with `LoadMode.DBT_MANIFEST` on the manifest floe compiled from (Cosmos' default
                  rendering: a run task per model plus a test task per tested model; no dbt runs at parse);
- floor:          one DAG of `EmptyOperator`s, one per model and seed, with the same edges, read from a
                  small JSON file: what Airflow itself costs for a graph this size.

    python benchmarks/airflow_parse.py [--sizes 1000 5000] [--repeats 3] [--work DIR] [--cases CASE ...]

Each measurement is a fresh process: it imports Airflow and its DagBag (not timed), then times `DagBag(folder)`
on a folder holding just that file, so the file's own imports (floe, Cosmos) are part of its parse time.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import harness
from projects import Project, prepare

CASES = ("floe per_model", "floe per_model, TaskFlow", "floe build", "Cosmos", "floor")

FLOE_FILE = """# floe's Airflow DAG factory file
from floe_airflow_provider import build_dags

globals().update(build_dags({artifacts!r}, mode={mode!r}))
"""

TASKFLOW_FILE = """# floe's factory file, with each per-model task made by TaskFlow's @task instead of a PythonOperator
from airflow.sdk import task
from floe_airflow_provider import build_dags, dags
from floe_airflow_provider.taskflow import task_operator


def taskflow_task(function, *, dag, task_id, task_group, op_kwargs, **kwargs):
    decorated = task(task_id=task_id, task_group=task_group, multiple_outputs=False, **kwargs)(function)
    return task_operator(decorated(**op_kwargs))


dags.python_task = taskflow_task
globals().update(build_dags({artifacts!r}, mode="per_model"))
"""

COSMOS_FILE = """# An Airflow DAG rendered by Cosmos from the dbt manifest (no dbt call at parse time)
from pathlib import Path

from cosmos import DbtDag, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import LoadMode

project = Path({project!r})
dag = DbtDag(
    dag_id="cosmos_synthetic",
    schedule=None,
    project_config=ProjectConfig(manifest_path=project / "target" / "manifest.json", project_name="synthetic"),
    profile_config=ProfileConfig(profile_name="synthetic", target_name="dev",
                                 profiles_yml_filepath=project / "profiles.yml"),
    execution_config=ExecutionConfig(dbt_project_path=project),
    render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST),
)
"""

FLOOR_FILE = """# An Airflow DAG of empty tasks with the graph's edges: the engine's own floor
import json

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

graph = json.load(open({graph!r}))["deps"]
with DAG("floor", schedule=None) as dag:
    ops = {{name: EmptyOperator(task_id=name) for name in graph}}
    for name, deps in graph.items():
        upstream = [ops[d] for d in deps if d in ops]
        if upstream:
            ops[name].set_upstream(upstream)
"""


def dag_folders(project: Project) -> dict[str, Path]:
    """One DAGs folder per case, each holding one file."""
    texts = {
        "floe per_model": FLOE_FILE.format(artifacts=str(project.artifacts), mode="per_model"),
        "floe per_model, TaskFlow": TASKFLOW_FILE.format(artifacts=str(project.artifacts)),
        "floe build": FLOE_FILE.format(artifacts=str(project.artifacts), mode="build"),
        "Cosmos": COSMOS_FILE.format(project=str(project.folder)),
        "floor": FLOOR_FILE.format(graph=str(project.graph)),
    }
    folders = {}
    for case, text in texts.items():
        folder = project.folder / "dags" / case.replace(",", "").replace(" ", "_").lower()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "dag.py").write_text(text)
        folders[case] = folder
    return folders


def child(folder: str) -> None:
    import airflow

    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow < 3.2
        from airflow.models.dagbag import DagBag  # type: ignore[no-redef]
    base = harness.peak_rss_mb()
    started = time.perf_counter()
    bag = DagBag(folder)
    seconds = time.perf_counter() - started
    if bag.import_errors or not bag.dags:
        raise SystemExit(f"import errors in {folder}: {bag.import_errors or 'no DAG found'}")
    harness.report(seconds, base, dags=len(bag.dags), tasks=sum(len(d.tasks) for d in bag.dags.values()),
                   airflow=airflow.__version__)


def measure(
    sizes: list[int], repeats: int, work: Path, only: tuple[str, ...] = CASES
) -> dict[int, dict[str, list[harness.Sample]]]:
    home = work / "airflow_home"
    home.mkdir(parents=True, exist_ok=True)
    env = {"AIRFLOW_HOME": str(home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
           "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "900"}
    results = {}
    for size in sizes:
        folders = dag_folders(prepare(size, work))
        log = work / f"airflow_parse_{size}.log"
        log.unlink(missing_ok=True)
        cases = {case: _runner(folders[case], env, log) for case in only}
        results[size] = harness.alternate(cases, repeats, f"airflow parse {size}")
    return results


def _runner(folder: Path, env: dict[str, str], log: Path):  # type: ignore[no-untyped-def]
    return lambda: harness.run_child([str(Path(__file__)), "--child", str(folder)], env=env, log=log)


def table(results: dict[int, dict[str, list[harness.Sample]]]) -> list[str]:
    lines = ["| models | case | DAGs / tasks | parse (s) | vs floor | vs Cosmos | peak RSS (MB) "
             "| + above imports (MB) |", "|---:|---|---:|---:|---:|---:|---:|---:|"]
    for size, by_case in results.items():
        for case in (c for c in CASES if c in by_case):
            samples = by_case[case]
            info = samples[0].info
            vs_floor = _vs(samples, by_case.get("floor"))
            vs_cosmos = _vs(samples, by_case.get("Cosmos"))
            lines.append(f"| {size} | {case} | {info['dags']} / {info['tasks']} | {harness.cell(samples)} "
                         f"| {vs_floor} | {vs_cosmos} | {harness.mb_cells(samples)} |")
    return lines


def _vs(samples: list[harness.Sample], base: list[harness.Sample] | None) -> str:
    return harness.ratio_text(harness.ratios(samples, base, harness.seconds)) if base else "-"


def targets(results: dict[int, dict[str, list[harness.Sample]]]) -> list[harness.Target]:
    size = 5000 if 5000 in results else max(results)
    r = results[size]
    floe = r["floe per_model"]
    # Issue 13: the per-model tasks become TaskFlow tasks only if that costs at most 10% more parse time.
    taskflow = [harness.Target(f"Airflow parse at {size}: per-model tasks by TaskFlow / by PythonOperator", 1.1,
                               harness.ratios(r["floe per_model, TaskFlow"], floe, harness.seconds))]
    if not {"Cosmos", "floor"} <= set(r):
        return taskflow
    return [
        *taskflow,
        harness.Target(f"Airflow parse at {size}: floe per_model / Cosmos", 0.2,
                       harness.ratios(floe, r["Cosmos"], harness.seconds)),
        harness.Target(f"Airflow parse at {size}: floe per_model / empty floor", 1.5,
                       harness.ratios(floe, r["floor"], harness.seconds)),
        harness.Target(f"Airflow peak RSS at {size}: floe per_model / Cosmos (whole process)", 0.5,
                       harness.ratios(floe, r["Cosmos"], lambda s: s.peak_mb)),
        harness.Target(f"Airflow RSS above imports at {size}: floe per_model / Cosmos", 0.5,
                       harness.ratios(floe, r["Cosmos"], lambda s: s.delta_mb)),
        *([harness.Target("Airflow parse at 1000: floe per_model / empty floor (issue 15)", 1.5,
                          harness.ratios(results[1000]["floe per_model"], results[1000]["floor"], harness.seconds))]
          if 1000 in results else []),
    ]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work", type=Path, help="where projects and logs go (default: a temporary folder)")
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES), help="measure only these")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child)
        return 0
    work = args.work or Path(tempfile.mkdtemp(prefix="floe-bench-"))
    results = measure(args.sizes, args.repeats, work, tuple(args.cases))
    print("\n".join([*table(results), "", *harness.target_table(targets(results))]))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    sys.exit(main(sys.argv[1:]))
