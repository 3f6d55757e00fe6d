"""Run each seeded fault against the contract tests that should catch it; print which ones do.

    python contract-tests/faults/seed_faults.py [--provider dagster|airflow] [--fault NAME] [--env-python PATH]

Not part of CI. Each selected test set first runs once without a fault (the control, which must pass); then each
fault runs its tests in a fresh pytest process of the engine's environment with FLOE_SEED_FAULT set. A fault is
caught when pytest ends with a failed test; a run that passes or only skips is not caught; a patch that cannot be
applied, or a run that ends in errors rather than failures, is a broken fault. Two runs at a time.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from faults_plugin import ENV, FAULTS, Fault  # noqa: E402

BINDINGS = {
    "dagster": ("floe-dagster-provider/tests/test_dagster_contract.py", ROOT / ".tox/dagster113/bin/python"),
    "airflow": ("floe-airflow-provider/tests/test_contract.py", ROOT / ".tox/airflow33/bin/python"),
}
TIMEOUT = 1800
_SUMMARY = re.compile(r"^\d+ (passed|failed|skipped|deselected|xfailed|xpassed|errors?)\b.* in [\d.]+s")
_HITS = re.compile(r"^floe fault \S+: patched code ran (.+) time\(s\)")


@dataclass(frozen=True)
class Run:
    provider: str
    tests: tuple[str, ...]
    fault: str | None  # None: the control run


@dataclass(frozen=True)
class Outcome:
    code: int
    summary: str
    first_failure: str
    hits: str
    seconds: float
    log: Path

    @property
    def failed(self) -> bool:
        return self.code == 1 and "failed" in self.summary


def _command(python: Path, run: Run, basetemp: Path) -> list[str]:
    binding, _ = BINDINGS[run.provider]
    return [str(python), "-m", "pytest", binding, "-k", " or ".join(f"({t})" for t in run.tests), "-p", "faults_plugin",
            "-q", "-p", "no:cacheprovider", "-x", f"--basetemp={basetemp}"]


def _execute(run: Run, python: Path, logs: Path) -> Outcome:
    label = run.fault or f"control-{run.provider}-{'-'.join(t.split()[0][5:30] for t in run.tests)}"
    env = {k: v for k, v in os.environ.items() if k != ENV}
    env["COLUMNS"] = "400"  # pytest's short summary keeps each failure's message on its FAILED line
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(HERE), os.environ.get("PYTHONPATH", "")) if p)
    if run.fault is not None:
        env[ENV] = run.fault
    log = logs / f"{label}.log"
    started = time.monotonic()
    try:
        done = subprocess.run(_command(python, run, logs / label), cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=TIMEOUT, check=False)
        code, output = done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired as exc:
        partial = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else exc.stdout or ""
        code, output = -1, f"timed out after {TIMEOUT}s\n{partial}"
    seconds = time.monotonic() - started
    log.write_text(output, encoding="utf-8")
    lines = [line.strip().strip("= ") for line in output.splitlines()]
    summary = next((line for line in reversed(lines) if _SUMMARY.match(line)), "") or (lines[-1] if lines else "")
    failure = next((line for line in lines if line.startswith(("FAILED ", "ERROR "))), "")
    hits = next((m.group(1) for m in map(_HITS.match, lines) if m), "")
    return Outcome(code, summary, failure, hits, seconds, log)


def _verdict(outcome: Outcome, control: Outcome | None) -> str:
    if control is None or control.code != 0:
        return "not judged (control failed)"
    if outcome.failed:
        return "caught"
    if outcome.code in (0, 5) and "passed" not in outcome.summary:
        return "broken" if outcome.code == 5 else "not caught (skipped)"
    if outcome.code == 0:
        return "not caught"
    return "broken"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--provider", choices=sorted(BINDINGS))
    parser.add_argument("--fault", action="append", choices=sorted(FAULTS), metavar="NAME",
                        help="repeatable; default: every fault of the provider(s)")
    parser.add_argument("--env-python", type=Path, help="the engine environment's python (default: its tox env)")
    args = parser.parse_args(argv)

    selected: dict[str, Fault] = {name: f for name, f in FAULTS.items()
                                  if (args.provider in (None, f.provider)) and (not args.fault or name in args.fault)}
    pythons = {p: args.env_python or python for p, (_, python) in BINDINGS.items()}
    controls = list(dict.fromkeys(Run(f.provider, f.tests, None) for f in selected.values()))
    faults = [Run(f.provider, f.tests, name) for name, f in selected.items()]
    logs = Path(tempfile.mkdtemp(prefix="floe-faults-"))
    print(f"{len(controls)} control run(s), {len(faults)} fault run(s); logs in {logs}", file=sys.stderr)

    started = time.monotonic()
    outcomes: dict[Run, Outcome] = {}

    def execute(run: Run) -> None:
        outcomes[run] = outcome = _execute(run, pythons[run.provider], logs)
        print(f"  {run.fault or 'control'} [{run.provider}: {', '.join(run.tests)}] exit {outcome.code}: "
              f"{outcome.summary} ({outcome.seconds:.0f} s)", file=sys.stderr, flush=True)

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(execute, [*controls, *faults]))
    total = time.monotonic() - started

    rows, counts = [], {"caught": 0, "not caught": 0, "broken": 0, "not judged": 0}
    for run in faults:
        assert run.fault is not None
        fault = selected[run.fault]
        verdict = _verdict(outcomes[run], outcomes.get(Run(run.provider, run.tests, None)))
        counts[next(k for k in counts if verdict.startswith(k))] += 1
        rows.append((run, fault, verdict))

    print("| provider | clause | fault | test(s) | result | seconds |")
    print("|---|---|---|---|---|---|")
    for run, fault, verdict in sorted(rows, key=lambda r: (r[0].provider, int(r[1].clause[1:]), r[0].fault or "")):
        tests = "<br>".join(fault.tests)
        print(f"| {run.provider} | {fault.clause} | `{run.fault}` | {tests} | {verdict} | "
              f"{outcomes[run].seconds:.0f} |")
    print()
    print(f"{len(rows)} faults: " + ", ".join(f"{n} {k}" for k, n in counts.items()) + f"; total {total:.0f} s")
    print()
    print("Details (the fault, what it does, how its run ended, and how often the patched code ran):")
    for run, fault, verdict in rows:
        outcome = outcomes[run]
        print(f"- `{run.fault}` ({verdict}): {fault.description}. Exit {outcome.code}: {outcome.summary}; "
              f"patched code ran: {outcome.hits or '?'}. {outcome.first_failure[:300]}")
    bad_controls = [(run, o) for run, o in outcomes.items() if run.fault is None and o.code != 0]
    for run, outcome in bad_controls:
        print(f"- control FAILED [{run.provider}: {', '.join(run.tests)}]: exit {outcome.code}: {outcome.summary} "
              f"({outcome.log})")
    return 1 if bad_controls or counts["broken"] else 0


if __name__ == "__main__":
    sys.exit(main())
