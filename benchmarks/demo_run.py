"""End-to-end runs on each engine against a plain `dbt build` of the same selection, on two projects: the demo
product's `nightly` job (seeds, staging, marts, the snapshot, their tests) and a synthetic 50-model project's
one job over everything (`synthetic.write_runnable_project`: 6 seeds, 50 models, 85 tests):

- plain dbt:         dbt's own CLI (`dbt build --select <the job's nodes> --indirect-selection cautious
                     --threads <the product's threads>`), the same selectors and flags floe's runtime passes;
- Dagster:           `DagsterOrchestratorPlugin.run_job` (Dagster's in-process executor, one dbt step) on a
                     SQLite instance in a folder, as a deployment keeps its run history;
- Dagster in-memory: the same on an ephemeral instance, what `floe run` uses without DAGSTER_HOME;
- Airflow build:     `AirflowOrchestratorPlugin.run_job`, build mode (`dag.test()`, one `dbt build` task);
- Airflow per_model: the same in per_model mode (`dag.test()`, a task and a dbt invocation per model).

    python benchmarks/demo_run.py [--repeats 3] [--project demo|synthetic-50] [--work DIR]

The time is the whole fresh process, start to exit, as a user or scheduler sees it: every case imports dbt
(about 5 s here) and parses the project (partial parsing, warmed once before the clock starts). The project
is a copy in the work folder; each engine case has its own home (each Airflow mode a migrated AIRFLOW_HOME).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import harness
import synthetic

DEMO = harness.HERE.parent / "examples" / "jaffle_floe"
CASES = ("plain dbt", "Dagster", "Dagster in-memory", "Airflow build", "Airflow per_model")
# project -> its job; the titles name what each one is.
PROJECTS = {"demo": "nightly", "synthetic-50": "all"}
TITLES = {"demo": "examples/jaffle_floe job `nightly`", "synthetic-50": "synthetic 50-model project, job `all`"}


def prepare(work: Path, name: str) -> Path:
    """Copy or write the project, compile it with `floe compile`; returns its folder."""
    project = work / name
    if not (project / "target" / "compiled_artifacts.json").exists():
        if name == "demo":
            shutil.copytree(DEMO, project, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("target", "logs", "*.duckdb", "*.wal", ".floe"))
        else:
            synthetic.write_runnable_project(int(name.rsplit("-", 1)[1]), project)
        code = "from floe_core.cli import main; raise SystemExit(main(['compile', '.']))"
        subprocess.run([sys.executable, "-c", code], cwd=project, check=True, capture_output=True)
    return project


def plain_dbt_args(artifacts_file: Path, job: str) -> tuple[list[str], dict[str, str]]:
    """The dbt CLI arguments and environment floe's runtime would use for the job's dbt assets."""
    from floe_core.artifacts import load_artifacts
    from floe_core.runtime.dbt import DUCKDB_PATH_ENV, project_args
    from floe_core.runtime.warehouse import duckdb_path

    artifacts = load_artifacts(artifacts_file)
    keys = artifacts.jobs_by_name[job].assets
    selectors = [a.dbt.selector for k in keys if (a := artifacts.assets_by_key[k]).dbt is not None]
    args = ["build", "--select", *selectors, "--indirect-selection", "cautious",
            "--threads", str(artifacts.plugins.compute.threads),
            *project_args(artifacts)]
    return args, {DUCKDB_PATH_ENV: str(duckdb_path(artifacts))}


def child(case: str, project: str, job: str, home: str, setup: bool = False) -> None:
    base = harness.peak_rss_mb()
    started = time.perf_counter()
    from floe_core.artifacts import load_artifacts
    from floe_core.plugin import OrchestratorPlugin

    plugin: OrchestratorPlugin
    if case.startswith("Dagster"):
        from floe_dagster_provider.plugin import DagsterOrchestratorPlugin

        os.environ.pop("DAGSTER_HOME", None)
        plugin = DagsterOrchestratorPlugin({"instance_dir": None if case.endswith("in-memory") else home})
    else:
        from floe_airflow_provider.plugin import AirflowOrchestratorPlugin

        plugin = AirflowOrchestratorPlugin({"instance_dir": home, "mode": case.split()[-1]})
    artifacts = load_artifacts(Path(project) / "target" / "compiled_artifacts.json")
    plugin.check_supported(artifacts)  # as `floe run` does; it also points Airflow at its home (and migrates it)
    if setup:
        harness.report(time.perf_counter() - started, base, status="success")
        return
    record = plugin.run_job(artifacts, job)
    failed = sorted(k for k, o in record.assets.items() if o.status != "materialized")
    harness.report(time.perf_counter() - started, base, status=record.status, not_materialized=failed,
                   assets=len(record.assets))


def measure(repeats: int, work: Path, name: str = "demo") -> dict[str, list[harness.Sample]]:
    project, job = prepare(work, name), PROJECTS[name]
    log = work / f"{name}_run.log"
    log.unlink(missing_ok=True)
    homes = {case: work / "homes" / name / case.replace(" ", "_").lower() for case in CASES}
    for home in homes.values():
        home.mkdir(parents=True, exist_ok=True)

    dbt_args, dbt_env = plain_dbt_args(project / "target" / "compiled_artifacts.json", job)
    dbt = [str(Path(sys.executable).parent / "dbt"), *dbt_args]

    def runner(case: str, *setup: str):  # type: ignore[no-untyped-def]
        if case == "plain dbt":
            return lambda: harness.run_child(dbt, cwd=project, log=log, env=dbt_env, python=False)
        argv = [str(Path(__file__)), "--child", case, str(project), job, str(homes[case]), *setup]
        return lambda: _checked(harness.run_child(argv, cwd=project, log=log))

    # Untimed: one dbt build (partial parse, the snapshot's first run) and each engine home's set-up.
    warm_up = {"plain dbt": runner("plain dbt"), **{case: runner(case, "--setup") for case in CASES[1:]}}
    harness.alternate(warm_up, 1, f"{name} warm-up")
    return harness.alternate({case: runner(case) for case in CASES}, repeats, f"{name} run {job}")


def _checked(sample: harness.Sample) -> harness.Sample:
    if sample.info.get("status", "success") != "success":
        raise harness.ChildFailed(f"the run did not succeed: {json.dumps(sample.info)}")
    return sample


def table(results: dict[str, list[harness.Sample]]) -> list[str]:
    lines = ["| case | run, whole process (s) | vs plain dbt | peak RSS (MB) |", "|---|---:|---:|---:|"]
    for case in CASES:
        samples = results[case]
        lines.append(f"| {case} | {harness.cell(samples, _wall)} "
                     f"| {harness.ratio_text(harness.ratios(samples, results['plain dbt'], _wall))} "
                     f"| {harness.cell(samples, lambda s: s.peak_mb, '{:.0f}')} |")
    return lines


def targets(name: str, results: dict[str, list[harness.Sample]]) -> list[harness.Target]:
    """Issue 15's run-overhead targets: whole processes, wall time, against plain `dbt build`."""
    plain = results["plain dbt"]
    return [
        harness.Target(f"{name} run: Dagster in-memory (`floe run`) / plain dbt build", 1.15,
                       harness.ratios(results["Dagster in-memory"], plain, _wall)),
        harness.Target(f"{name} run: Airflow build mode / plain dbt build", 1.5,
                       harness.ratios(results["Airflow build"], plain, _wall)),
        harness.Target(f"{name} run: Airflow per_model / plain dbt build", 2.0,
                       harness.ratios(results["Airflow per_model"], plain, _wall)),
    ]


def _wall(sample: harness.Sample) -> float:
    return sample.wall


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--project", choices=sorted(PROJECTS), action="append",
                        help="the project(s) to run (default: both)")
    parser.add_argument("--work", type=Path, help="where the project copy and logs go (default: a temporary folder)")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        case, project, job, home = args.child
        child(case, project, job, home, setup=args.setup)
        return 0
    work = args.work or Path(tempfile.mkdtemp(prefix="floe-bench-"))
    for name in args.project or list(PROJECTS):
        results = measure(args.repeats, work, name)
        print("\n".join([f"{TITLES[name]}:", *table(results), "", *harness.target_table(targets(name, results))]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
