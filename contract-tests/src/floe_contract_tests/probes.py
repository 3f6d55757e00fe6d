"""What every provider's reliability tests share: the small products they run (`products/`), the CLI's message for
a bad file, a search of every file a run left behind, an Iceberg table's state, and a run killed inside its
Iceberg commit."""

from __future__ import annotations

import contextlib
import io
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from floe_core import CompiledArtifacts, compile_project, write_artifacts

PRODUCTS = Path(__file__).parent / "products"
# The repository's demo product (examples/jaffle_floe), beside the packages.
DEMO = Path(__file__).resolve().parents[3] / "examples" / "jaffle_floe"
SECRET_PRODUCT = PRODUCTS / "secret_product"
SECRET_VARS = ("FLOE_TEST_CATALOG_TOKEN", "FLOE_TEST_S3_ACCESS_KEY_ID", "FLOE_TEST_S3_SECRET_ACCESS_KEY")
SLOW_WRITE_PRODUCT = PRODUCTS / "slow_write_product"
# The slow-write product's switches and table (see its slow_write_assets.py).
LEDGER_TABLE = "slow.ledger"
LABEL_ENV = "FLOE_TEST_LEDGER_LABEL"
HOLD_ENV = "FLOE_TEST_HOLD_COMMIT"
LEDGER_ROWS = 5
FLOE_CLI = "from floe_core.cli import main; raise SystemExit(main())"
# What runs leave in a project folder; a fresh copy starts without it.
RUN_LEFTOVERS = ("target", "logs", "__pycache__", "*.duckdb*")

_SEARCH = """
import json, sys
from pathlib import Path

roots, needles = json.load(sys.stdin)
hits = {}
for root in roots:
    for path in sorted(p for p in Path(root).rglob("*") if p.is_file()):
        data = path.read_bytes()
        for needle in needles:
            if needle.encode() in data:
                hits.setdefault(needle, []).append(str(path))
print(json.dumps(hits))
"""


def copy_project(source: Path, dest: Path, *leave_out: str) -> Path:
    """A copy of a product's folder without what earlier runs left in it (nor the `leave_out` patterns)."""
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns(*RUN_LEFTOVERS, *leave_out))
    return dest


def compile_to_file(project: Path) -> Path:
    """`floe compile` of the project into its default artifacts file; returns that file."""
    result = compile_project(project)
    write_artifacts(result.artifacts, result.output)
    return result.output


def compile_for_target(source: Path, dest: Path, target: str) -> Path:
    """A copy of a product compiled for another target of its dbt profile (floe.yaml's transforms.dbt.target)."""
    import yaml

    project = copy_project(source, dest)
    spec = yaml.safe_load((project / "floe.yaml").read_text(encoding="utf-8"))
    spec.setdefault("transforms", {}).setdefault("dbt", {})["target"] = target
    (project / "floe.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    return compile_to_file(project)


def floe_run_args(artifacts_file: Path, engine: str, job: str) -> list[str]:
    """`floe run` of one job as a process of its own, with this interpreter."""
    return [sys.executable, "-c", FLOE_CLI, "run", str(artifacts_file), "--engine", engine, "--job", job]


def free_port() -> int:
    """A loopback port nothing listens on, for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli_message(path: Path) -> str:
    """What `floe validate <path>` prints for a bad file, without its `error: ` prefix: the message an engine
    loading that file must show too."""
    from floe_core.cli import main as floe_cli

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = floe_cli(["validate", str(path)])
    text = err.getvalue()
    assert code == 2 and text.startswith("error: "), text
    return text[len("error: ") :].rstrip("\n")


def secret_values() -> dict[str, str]:
    """A fresh random value per secret variable, unlike anything a run would print by chance."""
    return {name: f"floe-secret-{secrets.token_hex(16)}" for name in SECRET_VARS}


def files_containing(roots: Iterable[Path], needles: Iterable[str]) -> dict[str, list[str]]:
    """For each needle found, every file under `roots` whose bytes hold it.

    Searched from a process of its own: the caller may hold an engine's SQLite files open, and opening and
    closing one of them again in that process would drop its SQLite locks on it (POSIX locks are per
    process), which can leave later reads of the database stale or failing.
    """
    request = json.dumps([[str(root) for root in roots], list(needles)])
    done = subprocess.run([sys.executable, "-c", _SEARCH], input=request, capture_output=True, text=True, check=True)
    found: dict[str, list[str]] = json.loads(done.stdout)
    return found


def table_state(artifacts: CompiledArtifacts, table: str = LEDGER_TABLE) -> dict[str, Any]:
    """Where an Iceberg table points, its snapshots, its metadata history and its rows, read with pyiceberg."""
    from floe_core.runtime import open_catalog

    loaded = open_catalog(artifacts).load_table(table)
    rows = loaded.scan().to_arrow().to_pylist()
    return {
        "metadata_location": loaded.metadata_location,
        "snapshot_id": loaded.current_snapshot().snapshot_id,
        "snapshots": [(s.snapshot_id, s.parent_snapshot_id) for s in loaded.snapshots()],
        "metadata_log": [entry.metadata_file for entry in loaded.metadata.metadata_log],
        "rows": sorted((row["label"], row["n"]) for row in rows),
    }


def data_files(project: Path) -> set[Path]:
    return set((project / "target" / "iceberg").rglob("*.parquet"))


def kill_inside_the_commit(args: list[str], env: dict[str, str], marker: Path, log: Path) -> dict[str, Any]:
    """Start `args`, wait until its writer holds inside the commit, SIGKILL the writer; the held marker."""
    with log.open("wb") as out:
        child = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 120
            while not marker.exists():
                assert child.poll() is None, f"the run ended before its commit:\n{log.read_text()[-3000:]}"
                assert time.monotonic() < deadline, f"the run never reached its commit:\n{log.read_text()[-3000:]}"
                time.sleep(0.05)
            held: dict[str, Any] = json.loads(marker.read_text(encoding="utf-8"))
            os.kill(held["pid"], signal.SIGKILL)
            child.wait(timeout=60)
        finally:
            if child.poll() is None:  # only on a failure above: never leave the run behind
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
    held["returncode"] = child.returncode
    held["child_pid"] = child.pid
    return held
