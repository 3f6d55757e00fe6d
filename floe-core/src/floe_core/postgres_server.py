"""A PostgreSQL server of its own, in a folder, on loopback: the metadata DB of a production-like engine.

Started with the machine's PostgreSQL binaries (`initdb`, `pg_ctl`). PostgreSQL refuses to run as root, so
as root it runs as the `postgres` system user, in a temporary folder of its own (a test's temporary folders
sit below folders only their owner may enter).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from floe_core.errors import Problem, RuntimeFailure

USER = "floe"


@contextmanager
def postgres_server(port: int) -> Iterator[str]:
    """Create a cluster, serve it on 127.0.0.1:`port`, yield its URL (user `floe`, trusted locally, database
    `postgres`); on exit stop it and delete its folder."""
    for binary in ("initdb", "pg_ctl"):
        if shutil.which(binary) is None:
            raise RuntimeFailure(Problem(f"PostgreSQL's `{binary}` is not on PATH", found=binary,
                                         fix="install PostgreSQL's server binaries (15 or later)"))
    folder = Path(tempfile.mkdtemp(prefix="floe-postgres-"))
    try:
        folder.chmod(0o777)
        data, log = folder / "data", folder / "postgres.log"
        _as_server_user(folder, ["initdb", "-D", str(data), "-U", USER, "--auth=trust", "--no-sync"])
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        _as_server_user(folder, ["pg_ctl", "-D", str(data), "-o", options, "-l", str(log), "-w", "start"])
        try:
            yield f"postgresql://{USER}@127.0.0.1:{port}/postgres"
        finally:
            _as_server_user(folder, ["pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _as_server_user(folder: Path, command: list[str]) -> None:
    if os.geteuid() == 0:
        command = ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(command)]
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeFailure(Problem(f"`{shlex.join(command)}` failed: {(result.stderr or result.stdout).strip()}",
                                     fix="PostgreSQL's own message says what is wrong"))
