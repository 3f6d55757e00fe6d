"""`floe compile` against `json.loads` of the same manifest, alternated in one process.

    python benchmarks/compile_bench.py [--models 1000 5000 10000] [--repeats 5]

Each repetition runs A (json.loads of manifest.json) then B (compile_project + dump to JSON text, as the
CLI does, without the file write), so machine noise hits both alike. Prints median and spread per size.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from floe_core import compile_project
from floe_core.artifacts import dump_artifacts
from synthetic import write_project


def _time(fn) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print("| models | json.loads (s) | floe compile (s) | ratio | spread of ratio |")
    print("|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.models:
            folder = Path(tmp) / f"p{size}"
            manifest = write_project(size, folder)
            loads, compiles, ratios = [], [], []
            for _ in range(args.repeats):
                a = _time(lambda: json.loads(manifest.read_bytes()))  # noqa: B023 - used at once
                b = _time(lambda: dump_artifacts(compile_project(folder, manifest=manifest).artifacts))  # noqa: B023
                loads.append(a)
                compiles.append(b)
                ratios.append(b / a)
            print(f"| {size} | {statistics.median(loads):.3f} | {statistics.median(compiles):.3f} | "
                  f"{statistics.median(ratios):.2f}x | {min(ratios):.2f}-{max(ratios):.2f}x |")


if __name__ == "__main__":
    main()
