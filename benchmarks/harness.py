"""Measuring in fresh subprocesses, alternating the compared cases, and summarising as median and spread.

A child process does its imports, notes its peak RSS so far (`base`), runs the measured step, then prints one
`BENCH {json}` line with the step's seconds, `base` and its final peak RSS (`resource.getrusage`, which on
Linux reports the high-water mark in KiB). The parent runs A, B, C, then B, C, A, then C, A, B... so load on
the shared machine falls on every case alike, and compares cases by the ratio within each repetition.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MARKER = "BENCH "
HERE = Path(__file__).resolve().parent


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(seconds: float, base_mb: float, **info: Any) -> None:
    """Called by a child as its last act: the measured step's seconds, the peak RSS before it, and `info`."""
    print(MARKER + json.dumps({"seconds": seconds, "base_mb": base_mb, "peak_mb": peak_rss_mb(), **info}), flush=True)


@dataclass(frozen=True)
class Sample:
    seconds: float
    peak_mb: float
    base_mb: float
    wall: float  # the whole child process, interpreter start to exit
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def delta_mb(self) -> float:
        """Peak RSS the measured step added above everything imported before it."""
        return self.peak_mb - self.base_mb


class ChildFailed(RuntimeError):
    pass


def run_child(argv: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None,
              log: Path | None = None, python: bool = True) -> Sample:
    """Run `python argv...` (or the command `argv` itself) in a fresh process; stderr goes to `log`.

    The child is started by a small launcher process (`harness.py --launch`), which times it and reads its
    peak RSS from `RUSAGE_CHILDREN`. Started straight from this process, the child's `ru_maxrss` would
    never read below this (large) process's own: Linux carries the high-water mark of the forked image
    across `exec`. A Python child's BENCH line gives the measured step's seconds and its peak before
    that step; for any other command the step is the whole process.
    """
    command = [sys.executable, *argv] if python else list(argv)
    with open(log or os.devnull, "a") as sink, tempfile.TemporaryDirectory() as tmp:
        stats = Path(tmp) / "stats.json"
        proc = subprocess.run([sys.executable, str(Path(__file__)), "--launch", str(stats), *command],
                              stdout=subprocess.PIPE, stderr=sink, text=True, env={**os.environ, **(env or {})},
                              cwd=cwd, check=False)
        measured = json.loads(stats.read_text()) if stats.exists() else {}
    lines = [line for line in proc.stdout.splitlines() if line.startswith(MARKER)]
    if proc.returncode != 0 or (python and not lines):
        raise ChildFailed(f"{' '.join(command)} exited {proc.returncode}; see {log}\n{proc.stdout[-2000:]}")
    data = json.loads(lines[-1][len(MARKER):]) if lines else {"seconds": measured["wall"], "base_mb": 0.0}
    data.pop("peak_mb", None)
    seconds, base = data.pop("seconds"), data.pop("base_mb")
    return Sample(seconds=seconds, peak_mb=measured["peak_mb"], base_mb=base, wall=measured["wall"], info=data)


def _launch(stats: str, command: list[str]) -> int:
    started = time.perf_counter()
    code = subprocess.run(command, check=False).returncode
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    Path(stats).write_text(json.dumps({"wall": wall, "peak_mb": peak}))
    return code


def alternate(cases: Mapping[str, Callable[[], Sample]], repeats: int, label: str = "") -> dict[str, list[Sample]]:
    """Each case `repeats` times, in rotating order (ABC, BCA, CAB, ...), one fresh process per measurement."""
    names = list(cases)
    results: dict[str, list[Sample]] = {name: [] for name in names}
    for rep in range(repeats):
        for name in names[rep % len(names):] + names[: rep % len(names)]:
            sample = cases[name]()
            results[name].append(sample)
            print(f"  {label} rep {rep + 1}/{repeats} {name}: {sample.seconds:.2f} s, peak {sample.peak_mb:.0f} MB "
                  f"(+{sample.delta_mb:.0f}), wall {sample.wall:.1f} s", file=sys.stderr, flush=True)
    return results


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def spread(values: Sequence[float], fmt: str = "{:.2f}") -> str:
    """`median (min-max)`."""
    return f"{fmt.format(median(values))} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def cell(samples: Sequence[Sample], metric: Callable[[Sample], float] = lambda s: s.seconds,
         fmt: str = "{:.2f}") -> str:
    return spread([metric(s) for s in samples], fmt)


def mb_cells(samples: Sequence[Sample]) -> str:
    """Two table cells: the process's peak RSS and what the measured step added above its imports."""
    return f"{cell(samples, lambda s: s.peak_mb, '{:.0f}')} | {cell(samples, lambda s: s.delta_mb, '{:.0f}')}"


def seconds(sample: Sample) -> float:
    return sample.seconds


def ratios(a: Sequence[Sample], b: Sequence[Sample], metric: Callable[[Sample], float]) -> list[float]:
    """Per-repetition ratios a/b: both were measured back to back in the same repetition."""
    return [metric(x) / metric(y) for x, y in zip(a, b, strict=True)]


def ratio_text(values: Sequence[float]) -> str:
    return f"{median(values):.2f}x ({min(values):.2f}-{max(values):.2f})"


@dataclass
class Target:
    """One issue-6 target: `what` is met when the median ratio is at most `limit`."""

    what: str
    limit: float
    values: list[float]

    @property
    def met(self) -> bool:
        return median(self.values) <= self.limit

    def row(self) -> str:
        verdict = "**met**" if self.met else "**missed**"
        return f"| {self.what} | ≤ {self.limit:g}x | {ratio_text(self.values)} | {verdict} |"


def target_table(targets: Sequence[Target]) -> list[str]:
    return ["| target | limit | measured (median, spread) | |", "|---|---:|---:|---|", *(t.row() for t in targets)]


if __name__ == "__main__" and sys.argv[1:2] == ["--launch"]:
    sys.exit(_launch(sys.argv[2], sys.argv[3:]))
