"""Dagster: load definitions and resolve the asset graph, on the same synthetic dbt manifest:

- floe:       `build_definitions(compiled_artifacts.json)` (assets, checks and the one job `all`);
- dagster-dbt: `@dbt_assets(manifest=manifest.json)` + `Definitions(assets=..., resources={"dbt": ...})`
               (dagster-dbt's defaults: one multi-asset, an asset check per test) and floe's job: one asset
               job over everything;
- floor:      the same models and seeds as bare `dg.AssetSpec`s with the same deps (sources as deps), read
              from a small JSON file: what Dagster itself costs for a graph this size;
- executable floor: those specs, and an `AssetCheckSpec` per test, in one subsettable `@multi_asset`, plus
              the same job: what any executable rendering of the graph costs Dagster (floe's and
              dagster-dbt's shape) before a line of integration code.

    python benchmarks/dagster_load.py [--sizes 1000 5000] [--repeats 3] [--work DIR]

Each measurement is a fresh process: it imports dagster (not timed), then times loading the definitions
(the code location's import: floe's or dagster-dbt's own imports included) and resolving them as a code
server does (`get_repository_def()`, its asset graph and every job).
"""

# No `from __future__ import annotations`: Dagster reads the asset function's annotations at runtime.
import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import harness
from projects import Project, prepare

CASES = ("floe", "dagster-dbt", "floor", "executable floor")


def load_floe(project: Path) -> Any:
    from floe_dagster_provider import build_definitions

    return build_definitions(project / "target" / "compiled_artifacts.json")


def load_dagster_dbt(project: Path) -> Any:
    import dagster as dg
    from dagster_dbt import DbtCliResource, dbt_assets

    @dbt_assets(manifest=project / "target" / "manifest.json")
    def synthetic(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Any:
        yield from dbt.cli(["build"], context=context).stream()

    dbt = DbtCliResource(project_dir=str(project), dbt_executable=str(Path(sys.executable).parent / "dbt"))
    return dg.Definitions(assets=[synthetic], jobs=[_job()], resources={"dbt": dbt})


def _job() -> Any:
    import dagster as dg

    return dg.define_asset_job("all", selection=dg.AssetSelection.all())


def _specs(project: Path) -> tuple[list[Any], dict[str, list[str]]]:
    import json

    import dagster as dg

    graph = json.loads((project / "target" / "graph.json").read_text())
    specs = [dg.AssetSpec(name, deps=[dg.AssetKey(d.split(".")) for d in deps]) for name, deps in graph["deps"].items()]
    return specs, graph["tests"]


def load_floor(project: Path) -> Any:
    import dagster as dg

    return dg.Definitions(assets=_specs(project)[0])


def load_executable_floor(project: Path) -> Any:
    import dagster as dg

    specs, tests = _specs(project)
    checks = [dg.AssetCheckSpec(test, asset=node) for node, names in tests.items() for test in names]

    @dg.multi_asset(specs=specs, check_specs=checks, can_subset=True)
    def everything(context: dg.AssetExecutionContext) -> Any:
        yield from ()

    return dg.Definitions(assets=[everything], jobs=[_job()])


LOADERS = {"floe": load_floe, "dagster-dbt": load_dagster_dbt, "floor": load_floor,
           "executable floor": load_executable_floor}


def child(case: str, project: str) -> None:
    import dagster as dg  # imported before the clock starts: every case pays it alike

    base = harness.peak_rss_mb()
    started = time.perf_counter()
    defs = LOADERS[case](Path(project))
    loaded = time.perf_counter()
    repo = defs.get_repository_def()
    graph = repo.asset_graph
    jobs = repo.get_all_jobs()
    done = time.perf_counter()
    harness.report(done - started, base, load=loaded - started, resolve=done - loaded,
                   assets=len(graph.get_all_asset_keys()), checks=len(graph.asset_check_keys),
                   jobs=len(jobs), dagster=dg.__version__)


def measure(sizes: list[int], repeats: int, work: Path) -> dict[int, dict[str, list[harness.Sample]]]:
    results = {}
    for size in sizes:
        project = prepare(size, work)
        log = work / f"dagster_load_{size}.log"
        log.unlink(missing_ok=True)
        cases = {case: _runner(case, project, log) for case in CASES}
        results[size] = harness.alternate(cases, repeats, f"dagster load {size}")
    return results


def _runner(case: str, project: Project, log: Path):  # type: ignore[no-untyped-def]
    argv = [str(Path(__file__)), "--child", case, str(project.folder)]
    return lambda: harness.run_child(argv, log=log)


def table(results: dict[int, dict[str, list[harness.Sample]]]) -> list[str]:
    lines = ["| models | case | assets / checks | load (s) | + resolve (s) | total (s) | vs floor "
             "| vs executable floor | vs dagster-dbt | peak RSS (MB) | + above imports (MB) |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for size, by_case in results.items():
        for case in CASES:
            samples = by_case[case]
            info = samples[0].info
            versus = [harness.ratio_text(harness.ratios(samples, by_case[other], harness.seconds))
                      for other in ("floor", "executable floor", "dagster-dbt")]
            lines.append(f"| {size} | {case} | {info['assets']} / {info['checks']} "
                         f"| {harness.cell(samples, lambda s: s.info['load'])} "
                         f"| {harness.cell(samples, lambda s: s.info['resolve'])} | {harness.cell(samples)} "
                         f"| {' | '.join(versus)} | {harness.mb_cells(samples)} |")
    return lines


def targets(results: dict[int, dict[str, list[harness.Sample]]]) -> list[harness.Target]:
    size = 5000 if 5000 in results else max(results)
    r = results[size]
    return [
        harness.Target(f"Dagster load + resolve at {size}: floe / dagster-dbt", 0.3,
                       harness.ratios(r["floe"], r["dagster-dbt"], harness.seconds)),
        harness.Target(f"Dagster peak RSS at {size}: floe / dagster-dbt (whole process)", 0.5,
                       harness.ratios(r["floe"], r["dagster-dbt"], lambda s: s.peak_mb)),
        harness.Target(f"Dagster RSS above imports at {size}: floe / dagster-dbt", 0.5,
                       harness.ratios(r["floe"], r["dagster-dbt"], lambda s: s.delta_mb)),
        *([harness.Target("Dagster load + resolve at 1000: floe / executable floor (issue 15)", 1.5,
                          harness.ratios(results[1000]["floe"], results[1000]["executable floor"], harness.seconds))]
          if 1000 in results else []),
    ]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work", type=Path, help="where projects and logs go (default: a temporary folder)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    work = args.work or Path(tempfile.mkdtemp(prefix="floe-bench-"))
    results = measure(args.sizes, args.repeats, work)
    print("\n".join([*table(results), "", *harness.target_table(targets(results))]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
