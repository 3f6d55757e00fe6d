"""Run dbt in-process on a selection of assets, parsing each project once per process.

Most of a dbt run's cost is starting dbt: importing it (~5 s) and parsing the project. So dbt runs inside
the calling process (`dbtRunner`), and the parsed `Manifest` is kept for the life of the process, keyed by
project, profile, target and a fingerprint of the project's files; an edit re-parses. Every invocation
after the first in a process skips both costs.

Concurrency: each invocation writes its run_results.json, compiled SQL and dbt.log to its own folder,
`<project>/target/floe_runs/<time>-<pid>-<random>/`, so parallel task processes on one project never
overwrite each other's results. Parsing uses the project's own target folder, so partial parsing is shared
with `floe compile` and the user's dbt. Run folders older than a day are removed by later invocations.
Inside one process, invocations are serialized: dbt keeps global state (flags, adapters, event logging).

Vars: `dbt_vars` reach model SQL when it is compiled for the run. Because the parse is shared, a var read
while parsing (in `config()`, `dbt_project.yml` or a source definition) sees its default value.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import logging
import os
import secrets
import shutil
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from hashlib import sha256
from pathlib import Path
from typing import Any, Literal

from floe_core.artifacts import CompiledArtifacts
from floe_core.errors import Problem, RuntimeFailure
from floe_core.graph import AssetGraph
from floe_core.runtime.dbt_results import DbtRunResult, asset_outcomes, check_outcomes, node_results
from floe_core.runtime.progress import report_dbt_nodes
from floe_core.runtime.warehouse import duckdb_path, is_lock_error
from floe_core.runtime.warehouse_lock import warehouse_writer

DbtCommand = Literal["build", "run", "seed", "snapshot", "test"]

DUCKDB_PATH_ENV = "FLOE_DUCKDB_PATH"
RUNS_FOLDER = Path("target") / "floe_runs"
RUN_FOLDER_MAX_AGE_SECONDS = 24 * 3600
# Files dbt reads while parsing. Anything else in the project (the DuckDB file, notebooks) may change on
# every run and must not force a re-parse.
_PARSED_SUFFIXES = frozenset({".sql", ".yml", ".yaml", ".csv", ".md", ".py", ".jinja", ".j2"})
_SKIPPED_DIRS = frozenset({"target", "logs", "__pycache__", "node_modules", "venv"})

_INSTALL_FIX = "install the runtime extra: pip install 'floe-core[runtime]' (or dbt-core and dbt-duckdb)"

_lock = threading.RLock()
_manifests: dict[tuple[str, str, str | None, str | None], _CachedManifest] = {}


class _CachedManifest:
    """A parsed Manifest kept pristine. dbt mutates the manifest it is handed while compiling (ephemeral
    models are marked as already injected), so every invocation after the first gets its own deep copy."""

    def __init__(self, fingerprint: str, manifest: Any) -> None:
        self.fingerprint = fingerprint
        self._pristine = manifest
        self._handed_out = False

    def for_invocation(self) -> Any:
        if not self._handed_out:
            self._handed_out = True
            self._pristine, first = copy.deepcopy(self._pristine), self._pristine
            return first
        return copy.deepcopy(self._pristine)


def run_dbt(
    artifacts: CompiledArtifacts,
    command: DbtCommand,
    asset_keys: Sequence[str] | None,
    *,
    dbt_vars: Mapping[str, str] | None = None,
    full_refresh: bool = False,
    late_checks: bool = False,
) -> DbtRunResult:
    """Run `dbt <command>` on the dbt assets among `asset_keys` (None: the whole project).

    Keys of non-dbt assets (Python, sources) are ignored, so a caller can pass a job's keys as they are.
    A test reading several models (a `relationships` test) runs only when all of them are selected; with
    `late_checks`, a build also runs, once its asset is built, each such test whose other models are all
    upstream of that asset (built earlier in the run, or before it). Node failures are reported in the
    result, not raised; call `raise_on_failure()` to raise them.
    """
    selection = _selection(artifacts, asset_keys)
    if selection == []:
        return DbtRunResult(command=command, success=True, nodes={}, selected=())
    extra = ["--indirect-selection", "cautious"] if selection is not None else []
    if full_refresh and command in ("build", "run", "seed"):
        extra.append("--full-refresh")
    keys = tuple(selection_keys(artifacts, asset_keys))
    result = _execute(artifacts, command, selection, extra, keys, dbt_vars)
    late = _checks_left_out(artifacts, keys, result) if late_checks and command == "build" else []
    return result.merged(run_dbt_checks(artifacts, late, dbt_vars=dbt_vars)) if late else result


def _checks_left_out(artifacts: CompiledArtifacts, keys: Sequence[str], result: DbtRunResult) -> list[str]:
    """Tests of built assets that dbt's cautious selection left out for reading a model outside `keys`,
    when every such model is upstream of the test's asset, so it is already built."""
    selected = set(keys)
    graph: AssetGraph | None = None
    names = []
    for check in artifacts.orchestration.checks:
        if check.asset not in selected or len(check.reads) < 2 or result.check_status(check.name) is not None:
            continue
        if result.asset_status(check.asset) != "materialized":
            continue
        graph = graph or AssetGraph(artifacts.orchestration.assets)
        if set(check.reads) - selected <= graph.upstream(check.asset):
            names.append(check.name)
    return names


def run_dbt_checks(
    artifacts: CompiledArtifacts, check_names: Sequence[str], *, dbt_vars: Mapping[str, str] | None = None
) -> DbtRunResult:
    """Run exactly the named checks (`dbt test`), and no other test, without building any model.

    For a check that reads several models, run after all of them were built (each by its own task).
    """
    by_name = {check.name: check for check in artifacts.orchestration.checks}
    unknown = [name for name in check_names if name not in by_name]
    if unknown:
        raise RuntimeFailure(
            Problem(
                "checks are not in the compiled artifacts",
                field="orchestration.checks",
                found=unknown,
                fix="re-run `floe compile` so the artifacts match the project, or pass names they hold",
            )
        )
    if not check_names:
        return DbtRunResult(command="test", success=True, nodes={})
    selectors = [by_name[name].selector for name in dict.fromkeys(check_names)]
    # `empty`: the selectors name tests, and no test other than those may run.
    return _execute(artifacts, "test", selectors, ["--indirect-selection", "empty"], (), dbt_vars)


def _execute(
    artifacts: CompiledArtifacts,
    command: DbtCommand,
    selection: list[str] | None,
    extra: list[str],
    keys: tuple[str, ...],
    dbt_vars: Mapping[str, str] | None,
) -> DbtRunResult:
    _check_project(artifacts)
    with _lock:
        started = time.perf_counter()
        run_dir = _new_run_dir(artifacts)
        manifest, parsed = _manifest(artifacts, log_dir=run_dir)
        _check_duckdb_folder(artifacts)
        args = [command, *_common_args(artifacts, run_dir, target_dir=run_dir)]
        args += ["--threads", str(artifacts.plugins.compute.threads)]
        if selection is not None:
            args += ["--select", *selection]
        args += extra
        if dbt_vars:
            args += ["--vars", json.dumps(dict(dbt_vars))]
        with warehouse_writer(artifacts):
            outcome = _invoke(artifacts, args, manifest)
        elapsed = time.perf_counter() - started
    result = outcome.result
    if outcome.exception is not None or result is None:
        raise _invocation_error(artifacts, command, outcome.exception, run_dir)
    nodes = node_results(result.results)
    lock_errors = [n.message for n in nodes.values() if n.message and is_lock_error(n.message)]
    if lock_errors:
        raise _lock_failure(artifacts, command, lock_errors[0])
    report_dbt_nodes(artifacts, nodes, run_dir / "dbt.log")
    return DbtRunResult(
        command=command,
        success=bool(outcome.success),
        nodes=nodes,
        assets=asset_outcomes(artifacts, keys, nodes),
        checks=check_outcomes(artifacts, nodes),
        selected=keys,
        args=tuple(args),
        run_dir=run_dir,
        elapsed=elapsed,
        parsed=parsed,
    )


def selection_keys(artifacts: CompiledArtifacts, asset_keys: Sequence[str] | None) -> list[str]:
    """The dbt asset keys a call would select, in artifacts order when `asset_keys` is None."""
    if asset_keys is None:
        return [a.key for a in artifacts.orchestration.assets if a.is_dbt]
    unknown = [k for k in asset_keys if k not in artifacts.assets_by_key]
    if unknown:
        raise RuntimeFailure(
            Problem(
                "asset keys are not in the compiled artifacts",
                field="orchestration.assets",
                found=unknown,
                fix="re-run `floe compile` so the artifacts match the project, or pass keys they hold",
            )
        )
    return [k for k in dict.fromkeys(asset_keys) if artifacts.assets_by_key[k].is_dbt]


def dbt_manifest(artifacts: CompiledArtifacts) -> Any:
    """The parsed dbt Manifest of the artifacts' project, parsed at most once per process and edit."""
    _check_project(artifacts)
    with _lock:
        return _manifest(artifacts, log_dir=None)[0]


def clear_manifest_cache() -> None:
    with _lock:
        _manifests.clear()


def _selection(artifacts: CompiledArtifacts, asset_keys: Sequence[str] | None) -> list[str] | None:
    if asset_keys is None:
        return None
    selectors: list[str] = []
    for key in selection_keys(artifacts, asset_keys):
        ref = artifacts.assets_by_key[key].dbt
        if ref is None:
            raise RuntimeFailure(
                Problem(
                    "a dbt asset has no dbt node reference",
                    field=f"orchestration.assets[{key}].dbt",
                    fix="re-run `floe compile`; the artifacts file may have been edited by hand",
                )
            )
        selectors.append(ref.selector)
    return selectors


def _manifest(artifacts: CompiledArtifacts, *, log_dir: Path | None) -> tuple[Any, bool]:
    """The cached Manifest and whether this call had to parse (logging to `log_dir` or a new run folder)."""
    key = (
        str(artifacts.project_dir),
        str(artifacts.profiles_dir),
        artifacts.dbt_profiles.profile,
        artifacts.dbt_profiles.target,
    )
    fingerprint = project_fingerprint(artifacts.project_dir)
    cached = _manifests.get(key)
    if cached is not None and cached.fingerprint == fingerprint:
        return cached.for_invocation(), False
    log_dir = log_dir or _new_run_dir(artifacts)
    outcome = _invoke(artifacts, ["parse", *_common_args(artifacts, log_dir, target_dir=None)], None)
    if not outcome.success or outcome.result is None:
        raise _invocation_error(artifacts, "parse", outcome.exception, log_dir)
    _manifests[key] = _CachedManifest(fingerprint, outcome.result)
    return _manifests[key].for_invocation(), True


def project_fingerprint(project_dir: Path) -> str:
    """A digest of the path, size and mtime of every file dbt parses; it changes when any of them does."""
    digest = sha256()
    for root, dirs, files in os.walk(project_dir):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS and not d.startswith("."))
        for name in sorted(files):
            if os.path.splitext(name)[1] not in _PARSED_SUFFIXES:
                continue
            path = os.path.join(root, name)
            try:
                stat = os.stat(path)
            except OSError:
                continue
            relative = os.path.relpath(path, project_dir)
            digest.update(f"{relative}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def project_args(artifacts: CompiledArtifacts) -> list[str]:
    """dbt's project, profiles folder, profile and target flags; an unset profile or target is dbt's default."""
    args = ["--project-dir", str(artifacts.project_dir), "--profiles-dir", str(artifacts.profiles_dir)]
    if artifacts.dbt_profiles.profile:
        args += ["--profile", artifacts.dbt_profiles.profile]
    if artifacts.dbt_profiles.target:
        args += ["--target", artifacts.dbt_profiles.target]
    return args


def _common_args(artifacts: CompiledArtifacts, log_dir: Path, *, target_dir: Path | None) -> list[str]:
    args = [*project_args(artifacts), "--log-path", str(log_dir)]
    if target_dir is not None:
        args += ["--target-path", str(target_dir)]
    return args


def _invoke(artifacts: CompiledArtifacts, args: list[str], manifest: Any) -> Any:
    runner_class = _dbt_runner_class()
    with _duckdb_env(artifacts):
        try:
            return runner_class(manifest=manifest).invoke(args)
        except Exception as exc:  # dbt's CLI layer can raise before it wraps errors in a result
            return _Failed(exc)
        finally:
            _release_duckdb()
            _close_dbt_log_files()


class _Failed:
    success = False
    result = None

    def __init__(self, exception: BaseException) -> None:
        self.exception = exception


@contextmanager
def _duckdb_env(artifacts: CompiledArtifacts) -> Iterator[None]:
    # The demo profiles read the DuckDB path from this variable; an absolute path keeps dbt independent
    # of the working directory the engine starts tasks in.
    if artifacts.plugins.compute.kind != "duckdb":
        yield
        return
    previous = os.environ.get(DUCKDB_PATH_ENV)
    os.environ[DUCKDB_PATH_ENV] = str(duckdb_path(artifacts))
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(DUCKDB_PATH_ENV, None)
        else:
            os.environ[DUCKDB_PATH_ENV] = previous


def _release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open after an in-process invocation.

    dbt-duckdb (1.9+, `keep_open` defaults to true) holds the file open for the life of the process. That
    would keep DuckDB's write lock away from every other process (sensors, other tasks, the user's shell)
    and refuse read-only connections in this one, so floe closes it once each invocation is done.
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:
        return
    manager: Any = DuckDBConnectionManager
    with getattr(manager, "_LOCK", threading.RLock()):
        env = getattr(manager, "_ENV", None)
        manager._ENV = None
    if env is not None:
        env.close()


def _close_dbt_log_files() -> None:
    """Close the dbt.log handle of the finished invocation.

    dbt opens a new log file handler per invocation and only drops the previous one, so a long-lived
    worker would leak one open file per run (and Python warns when they are collected).
    """
    try:
        from dbt_common.events.event_manager_client import get_event_manager
    except ImportError:
        return
    for logger in list(getattr(get_event_manager(), "loggers", [])):
        python_logger = getattr(logger, "_python_logger", None)
        if not isinstance(python_logger, logging.Logger):
            continue
        for handler in list(python_logger.handlers):
            if isinstance(handler, logging.FileHandler):
                handler.close()
                python_logger.removeHandler(handler)


def _dbt_runner_class() -> Any:
    try:
        from dbt.cli.main import dbtRunner
    except ImportError as exc:
        raise RuntimeFailure(
            Problem(f"dbt-core is not installed in this environment ({exc})", fix=_INSTALL_FIX)
        ) from None
    return dbtRunner


def _check_project(artifacts: CompiledArtifacts) -> None:
    project = artifacts.project_dir
    if not (project / "dbt_project.yml").is_file():
        raise RuntimeFailure(
            Problem(
                "the dbt project folder has no dbt_project.yml",
                file=str(project),
                field="transforms.dbt.project_dir",
                fix="deploy the dbt project beside the artifacts file, or re-run `floe compile` from where "
                "the project lives",
            )
        )
    if not (artifacts.profiles_dir / "profiles.yml").is_file():
        raise RuntimeFailure(
            Problem(
                "profiles.yml is missing: dbt needs it to reach the warehouse",
                file=str(artifacts.profiles_dir / "profiles.yml"),
                field="transforms.dbt.profiles_dir",
                fix="create that file, point DBT_PROFILES_DIR at the folder holding yours, or set "
                "transforms.dbt.profilesDir in floe.yaml and re-compile",
            )
        )
    kind = artifacts.plugins.compute.kind
    if importlib.util.find_spec("dbt") is not None and importlib.util.find_spec(f"dbt.adapters.{kind}") is None:
        fix = _INSTALL_FIX if kind == "duckdb" else f"pip install dbt-{kind} in the environment that runs the jobs"
        raise RuntimeFailure(
            Problem(f"the dbt-{kind} adapter is not installed", field="plugins.compute.kind", found=kind, fix=fix)
        )


def _check_duckdb_folder(artifacts: CompiledArtifacts) -> None:
    if artifacts.plugins.compute.kind != "duckdb":
        return
    folder = duckdb_path(artifacts).parent
    if not folder.is_dir():
        raise RuntimeFailure(
            Problem(
                "the folder of the DuckDB file does not exist",
                file=str(folder),
                field="plugins.compute.path",
                fix=f"create {folder}, or point plugins.compute.path at a file in an existing folder",
            )
        )


def _new_run_dir(artifacts: CompiledArtifacts) -> Path:
    root = artifacts.project_dir / RUNS_FOLDER
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    run_dir = root / f"{stamp}-{os.getpid()}-{secrets.token_hex(3)}"
    try:
        run_dir.mkdir(parents=True)
    except OSError as exc:
        raise RuntimeFailure(
            Problem(
                f"cannot create the folder for this dbt run's results and logs ({exc})",
                file=str(run_dir),
                fix="make the dbt project folder writable by the engine's worker user",
            )
        ) from None
    _prune_run_dirs(root, keep=run_dir)
    return run_dir


def _prune_run_dirs(root: Path, keep: Path) -> None:
    cutoff = time.time() - RUN_FOLDER_MAX_AGE_SECONDS
    for entry in root.iterdir():
        try:
            if entry != keep and entry.is_dir() and entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            continue


def _invocation_error(
    artifacts: CompiledArtifacts, command: str, exception: BaseException | None, log_dir: Path
) -> RuntimeFailure:
    detail = str(exception).strip() if exception is not None else "no result and no error from dbt"
    if is_lock_error(detail):
        return _lock_failure(artifacts, command, detail)
    fix = (
        f"fix the dbt project so `dbt parse` succeeds in {artifacts.project_dir}"
        if command == "parse"
        else "fix the error dbt reports above; the full log is in the file named here"
    )
    return RuntimeFailure(Problem(f"dbt {command} failed: {detail}", file=str(log_dir / "dbt.log"), fix=fix))


def _lock_failure(artifacts: CompiledArtifacts, command: str, detail: str) -> RuntimeFailure:
    return RuntimeFailure(
        Problem(
            f"dbt {command} could not open the DuckDB file: another process holds its lock ({detail})",
            file=str(duckdb_path(artifacts)),
            fix="DuckDB allows one writing process per file: run dbt jobs of this project one at a time "
            "(a concurrency limit of 1 in the engine), then retry",
        )
    )
