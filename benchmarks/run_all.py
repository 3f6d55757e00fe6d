"""Every side-by-side benchmark in one go: what `tox -e bench` runs.

    python benchmarks/run_all.py [--sizes 1000 5000] [--repeats 3] [--run-repeats 2]
                                 [--only airflow dagster compile run] [--work DIR] [--readme]

Prints one markdown section (machine, versions, a table per comparison, the issue-6 targets met or missed);
`--readme` also writes it into benchmarks/README.md between its `bench:begin` / `bench:end` markers.
Progress goes to stderr; each child's own output to `<work>/*.log`.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import airflow_parse
import dagster_load
import demo_run
import harness

README = harness.HERE / "README.md"
BEGIN, END = "<!-- bench:begin (written by run_all.py --readme) -->", "<!-- bench:end -->"
PACKAGES = ("apache-airflow", "astronomer-cosmos", "dagster", "dagster-dbt", "dbt-core", "dbt-duckdb", "pydantic")
PARTS = ("airflow", "dagster", "compile", "run")


def versions() -> str:
    found = []
    for name in PACKAGES:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def compile_table(sizes: list[int], repeats: int) -> list[str]:
    """compile_bench.py's own table, run as it is (it times in one process, alternating A/B)."""
    argv = [sys.executable, "compile_bench.py", "--models", *map(str, sizes), "--repeats", str(repeats)]
    out = subprocess.run(argv, cwd=harness.HERE, capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if line.startswith("|")]


def run(parts: list[str], sizes: list[int], repeats: int, run_repeats: int, work: Path) -> list[str]:
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    targets: list[harness.Target] = []
    body: list[str] = []
    if "airflow" in parts:
        print("== Airflow DAG-file parse", file=sys.stderr, flush=True)
        results = airflow_parse.measure(sizes, repeats, work)
        body += ["### Airflow: DagBag parse of one DAG file", "", *airflow_parse.table(results), ""]
        targets += airflow_parse.targets(results)
    if "dagster" in parts:
        print("== Dagster definitions load", file=sys.stderr, flush=True)
        results_d = dagster_load.measure(sizes, repeats, work)
        body += ["### Dagster: load definitions + resolve the asset graph and jobs", "",
                 *dagster_load.table(results_d), ""]
        targets += dagster_load.targets(results_d)
    if "compile" in parts:
        print("== floe compile (compile_bench.py)", file=sys.stderr, flush=True)
        body += ["### floe compile vs `json.loads` of the manifest (compile_bench.py)", "",
                 *compile_table(sizes, repeats), ""]
    if "run" in parts:
        for name in demo_run.PROJECTS:
            print(f"== {name} run", file=sys.stderr, flush=True)
            results_r = demo_run.measure(run_repeats, work, name)
            body += [f"### Run: {demo_run.TITLES[name]}, end to end", "", *demo_run.table(results_r), ""]
            targets += demo_run.targets(name, results_r)
    minutes = (time.perf_counter() - started) / 60
    head = [
        *textwrap.wrap(
            f"Measured {date.today().isoformat()} on {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"load average {load_before:.1f} at the start and {os.getloadavg()[0]:.1f} at the end; "
            f"{repeats} repetitions ({run_repeats} for the demo run), {minutes:.0f} min in all. {versions()}.",
            width=115),
        "",
        *textwrap.wrap(
            f"Command: `tox -e bench -- --sizes {' '.join(map(str, sizes))} --repeats {repeats} "
            f"--run-repeats {run_repeats} --readme`. Cells are median (min-max); ratios are taken within each "
            "repetition, then summarised.", width=115, break_on_hyphens=False),
        "",
    ]
    tail = ["### Targets (issues 6 and 15)", "", *harness.target_table(targets), ""] if targets else []
    return [*head, *body, *tail]


def write_readme(section: list[str]) -> None:
    text = README.read_text()
    block = "\n".join([BEGIN, *section, END])
    if BEGIN in text and END in text:
        before, rest = text.split(BEGIN, 1)
        text = before + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    README.write_text(text)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--run-repeats", type=int, default=2, help="repetitions of the demo run (default 2)")
    parser.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS))
    parser.add_argument("--work", type=Path, help="where projects and logs go (default: a temporary folder)")
    parser.add_argument("--readme", action="store_true", help="write the results into benchmarks/README.md")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="floe-bench-"))
    print(f"work folder: {work}", file=sys.stderr, flush=True)
    section = run(args.only, args.sizes, args.repeats, args.run_repeats, work)
    print("\n".join(section))
    if args.readme:
        write_readme(section)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
