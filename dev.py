"""The two quick-start commands, on a machine with only Python and pip.

    python dev.py demo    compile the demo product, draw its graph and run it on the embedded defaults
    python dev.py test    run the whole test matrix (tox, environments in parallel) and summarise it

Tools (uv, tox, tox-uv) go into ./.tools, so nothing is installed into the user's Python.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TOOLS = ROOT / ".tools"
TOOL_REQUIREMENTS = ["uv>=0.5,<1", "tox>=4.20,<5", "tox-uv>=1.20,<2"]


def _tools_bin() -> Path:
    bin_dir = TOOLS / ("Scripts" if os.name == "nt" else "bin")
    if not (bin_dir / "tox").exists():
        print("installing uv, tox and tox-uv into .tools ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(TOOLS)
        subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q", *TOOL_REQUIREMENTS], check=True)
    return bin_dir


def _interpreter_dirs() -> list[str]:
    """Folders holding python3.10 ... python3.13 under pyenv, newest patch first. Prepended to PATH so uv
    and tox find real interpreters before pyenv's shims, which fail for any version not selected."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found: dict[str, tuple[tuple[int, ...], Path]] = {}
    for version_dir in root.glob("3.*"):
        parts = version_dir.name.split(".")
        if len(parts) != 3 or not all(p.isdigit() for p in parts) or int(parts[1]) < 10:
            continue
        key = tuple(int(p) for p in parts)
        minor = parts[1]
        if (version_dir / "bin" / f"python3.{minor}").exists() and key > found.get(minor, ((), root))[0]:
            found[minor] = (key, version_dir / "bin")
    return [str(path) for _, path in sorted(found.values(), reverse=True)]


def _environment(bin_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(bin_dir), *_interpreter_dirs(), env.get("PATH", "")])
    env.setdefault("UV_PYTHON_DOWNLOADS", "never")
    return env


def _until_done(command: list[str], env: dict[str, str]) -> int:
    """Run `command`; on Ctrl-C, which reaches it too, wait while it stops what it started (the demo's UIs)."""
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        return process.wait()
    except KeyboardInterrupt:
        return process.wait()


def main(argv: list[str]) -> int:
    if len(argv) < 1 or argv[0] not in ("demo", "test"):
        print(__doc__)
        return 2
    bin_dir = _tools_bin()
    env = _environment(bin_dir)
    tox = str(bin_dir / "tox")
    if argv[0] == "demo":
        return _until_done([tox, "run", "-q", "-e", "demo", "--", *argv[1:]], env)
    shutil.rmtree(ROOT / "reports" / "junit", ignore_errors=True)
    code = subprocess.run(
        [tox, "run-parallel", "-m", "ci", "--parallel", "4", "--parallel-no-spinner", *argv[1:]],
        cwd=ROOT, env=env,
    ).returncode
    summary = subprocess.run([sys.executable, str(ROOT / "contract-tests" / "report.py")], cwd=ROOT, env=env)
    return code or summary.returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
