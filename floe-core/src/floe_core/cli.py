"""The `floe` command: init, compile, validate, graph, run, plugins.

Every error a user can cause prints one readable message and exits with code 2; a traceback appears only
with --debug.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from floe_core.errors import FloeError, InputError, Problem

if TYPE_CHECKING:
    from floe_core.artifacts import CompiledArtifacts

EXIT_OK, EXIT_INTERNAL, EXIT_USER = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="floe", description="Compile a data product once; run it on any engine.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)

    ini = sub.add_parser("init", help="write a starter floe.yaml into a dbt project (never overwrites)")
    ini.add_argument("project", nargs="?", default=".", type=Path, help="the dbt project folder")

    comp = sub.add_parser("compile", help="compile floe.yaml and the dbt manifest into compiled_artifacts.json")
    comp.add_argument("project", nargs="?", default=".", type=Path, help="project folder or floe.yaml path")
    comp.add_argument("--output", "-o", type=Path, help="where to write (default <dbt project>/target/...)")
    comp.add_argument("--manifest", type=Path, help="use this dbt manifest and never run dbt")

    val = sub.add_parser("validate", help="validate a project or an artifacts file, optionally for an engine")
    val.add_argument("path", nargs="?", default=".", type=Path,
                     help="compiled_artifacts.json, or a project folder / floe.yaml to compile in memory")
    val.add_argument("--engine", help="check the artifacts against this installed provider's capabilities")
    val.add_argument("--manifest", type=Path, help="with a project: use this dbt manifest")

    gra = sub.add_parser("graph", help="draw the asset graph")
    gra.add_argument("path", nargs="?", default=".", type=Path, help="artifacts file, project folder or floe.yaml")
    gra.add_argument("--format", "-f", choices=("mermaid", "dot", "html"), default="mermaid")
    gra.add_argument("--select", "-s", default="", help="dbt-style selector to draw part of the graph")
    gra.add_argument("--exclude", default="", help="dbt-style selector of assets to leave out")
    gra.add_argument("--output", "-o", type=Path, help="write to a file instead of standard output")
    gra.add_argument("--manifest", type=Path, help="with a project: use this dbt manifest")

    run = sub.add_parser("run", help="run one job now, in this process, on an installed engine")
    run.add_argument("path", nargs="?", default=".", type=Path, help="artifacts file, project folder or floe.yaml")
    run.add_argument("--engine", required=True, help="an installed orchestrator plugin (see `floe plugins`)")
    run.add_argument("--job", help="the job to run (default: every job, in the order declared)")
    run.add_argument("--partition", help="the partition key to run (partitioned jobs)")
    run.add_argument("--manifest", type=Path, help="with a project: use this dbt manifest")
    run.add_argument("--verbose", "-v", action="store_true",
                     help="also show the engine's and dbt's logs (always written to <project>/target/floe_logs/)")

    sub.add_parser("plugins", help="list installed orchestrator plugins")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except FloeError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"error: {exc.render()}", file=sys.stderr)
        return EXIT_USER
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            traceback.print_exc()
        print(f"internal error: {type(exc).__name__}: {exc}\n"
              "This is a bug in floe; re-run with --debug for the traceback and report it.", file=sys.stderr)
        return EXIT_INTERNAL


def _artifacts_for(path: Path, manifest: Path | None) -> CompiledArtifacts:
    from floe_core.artifacts import load_artifacts
    from floe_core.compiler import compile_project

    if path.suffix == ".json":
        return load_artifacts(path)
    return compile_project(path, manifest=manifest).artifacts


def _init(args: argparse.Namespace) -> int:
    from floe_core.compiler import SPEC_FILE
    from floe_core.compiler.inferred_spec import DBT_PROJECT_FILE, dbt_project_name, starter_spec_text

    target = args.project / SPEC_FILE
    if target.exists():
        raise InputError(Problem("floe.yaml already exists", file=str(target),
                                 fix="edit it; `floe init` never overwrites a file"))
    if not (args.project / DBT_PROJECT_FILE).is_file():
        raise InputError(Problem("no dbt project here (dbt_project.yml not found)", file=str(args.project),
                                 fix="run `floe init` in the folder holding dbt_project.yml, or name it"))
    name = dbt_project_name(args.project)
    target.write_text(starter_spec_text(name), encoding="utf-8")
    print(f"wrote {target} for {name}: one job of every model, seed and snapshot; uncomment the examples to add "
          "schedules, sensors and partitions")
    return EXIT_OK


def _compile(args: argparse.Namespace) -> int:
    from floe_core.artifacts import write_artifacts
    from floe_core.compiler import compile_project

    result = compile_project(args.project, output=args.output, manifest=args.manifest)
    orchestrator = result.artifacts.plugins.orchestrator
    if orchestrator:
        _check_engine(result.artifacts, orchestrator)
    write_artifacts(result.artifacts, result.output)
    orch = result.artifacts.orchestration
    if result.spec_inferred:
        print("no floe.yaml: every model, seed and snapshot runs in one job (`floe init` writes a floe.yaml to "
              "edit)")
    print(f"compiled {result.artifacts.metadata.name}: {len(orch.assets)} assets, {len(orch.checks)} checks, "
          f"{len(orch.jobs)} jobs, {len(orch.schedules)} schedules, {len(orch.sensors)} sensors "
          f"-> {result.output}")
    return EXIT_OK


def _check_engine(artifacts: CompiledArtifacts, engine: str) -> None:
    from floe_core.registry import load_plugin

    load_plugin(engine).check_supported(artifacts)


def _validate(args: argparse.Namespace) -> int:
    artifacts = _artifacts_for(args.path, args.manifest)
    if args.engine:
        _check_engine(artifacts, args.engine)
        print(f"valid: {artifacts.metadata.name} runs on {args.engine}")
    else:
        print(f"valid: {artifacts.metadata.name} ({len(artifacts.orchestration.assets)} assets)")
    return EXIT_OK


def _graph(args: argparse.Namespace) -> int:
    from floe_core.graph import AssetGraph
    from floe_core.render import render
    from floe_core.selectors import select

    artifacts = _artifacts_for(args.path, args.manifest)
    graph = AssetGraph(artifacts.orchestration.assets)
    keys = select(graph, args.select or "*", args.exclude, field="--select")
    if not keys:
        raise InputError(Problem("the selector matches no asset", field="--select", found=args.select,
                                 fix="check the names, tags or paths it uses"))
    text = render(artifacts, keys, args.format)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.format} graph of {len(keys)} assets to {args.output}")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    from floe_core.registry import load_plugin
    from floe_core.run_output import JobProgress, engine_output_to, new_log_path
    from floe_core.runtime.progress import listening

    artifacts = _artifacts_for(args.path, args.manifest)
    jobs = [args.job] if args.job else [j.name for j in artifacts.orchestration.jobs]
    for name in jobs:
        if name not in artifacts.jobs_by_name:
            raise InputError(Problem(f"unknown job {name!r}", field="--job", found=name,
                                     fix=f"name one of: {', '.join(artifacts.jobs_by_name)}"))
    log_path = new_log_path(artifacts)
    print(f"floe run {artifacts.metadata.name} on {args.engine}: {', '.join(jobs)} (engine and dbt logs: "
          f"{log_path})", flush=True)
    failed = 0
    with engine_output_to(log_path, verbose=args.verbose) as console:
        plugin = load_plugin(args.engine)
        plugin.check_supported(artifacts)
        for name in jobs:
            job = artifacts.jobs_by_name[name]
            partition = args.partition
            if job.partitions is not None and partition is None:
                from floe_core.partitioning import partition_keys

                partition = partition_keys(artifacts.partitions_by_name[job.partitions])[-1]
            progress = JobProgress(console, artifacts, name, log_path)
            console.write(f"{name}{f' [{partition}]' if job.partitions else ''}: {progress.total} assets\n")
            with listening(progress):
                record = plugin.run_job(artifacts, name, None if job.partitions is None else partition)
            progress.finish(args.engine, record)
            failed += record.status != "success"
    return EXIT_OK if not failed else EXIT_INTERNAL


def _plugins(args: argparse.Namespace) -> int:
    from floe_core.plugin import FLOE_API_VERSION
    from floe_core.registry import list_plugins

    plugins = list_plugins()
    print(f"floe API {FLOE_API_VERSION}; {len(plugins)} orchestrator plugin(s) installed")
    for info in plugins:
        state = "ok" if info.compatible else f"UNUSABLE: {info.error}"
        print(f"  {info.name:<10} {info.version or '?':<10} api {info.floe_api_version or '?':<5} "
              f"{info.distribution or '?'}  {state}")
    return EXIT_OK


_COMMANDS = {"init": _init, "compile": _compile, "validate": _validate, "graph": _graph, "run": _run,
             "plugins": _plugins}

if __name__ == "__main__":
    raise SystemExit(main())
