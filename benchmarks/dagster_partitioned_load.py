"""How long `build_definitions` takes on a generated project of N dbt models (default 5,000).

    python benchmarks/dagster_partitioned_load.py [N ...] [--group-jobs G]

The artifacts are built as CompiledArtifacts objects (no dbt involved): N models in 25 layers, each model
reading 1-3 models of the layer before, two tests per model (one warn), every 50th model daily-partitioned
(so partitioned and unpartitioned models interleave, the hard case), a job over every unpartitioned model,
one over the partitioned ones, G jobs over one dbt group each (default 4), a cron schedule and a
partitioned schedule. Prints one JSON line per N, in seconds, measured in a fresh process: importing
dagster, importing the provider, `build_definitions` (what a code location's import costs), and resolving
the repository, asset graph and every job (what `dagster definitions validate` and a code server add).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from floe_core.artifacts import (
    Asset,
    AssetDep,
    BackfillPolicy,
    Check,
    CompiledArtifacts,
    DbtNodeRef,
    DbtProfiles,
    DbtProject,
    Identity,
    Job,
    Metadata,
    MultiRunBackfill,
    Orchestration,
    Schedule,
    TimeWindowPartitions,
    Transforms,
    write_artifacts,
)

GROUPS = 20


def generate_artifacts(models: int, group_jobs: int = 4, seed: int = 7) -> CompiledArtifacts:
    rng = random.Random(seed)
    layer_size = max(1, models // 25)
    assets: list[Asset] = []
    checks: list[Check] = []
    for i in range(models):
        key = f"model_{i:05d}"
        layer = i // layer_size
        previous = range(max(0, (layer - 1) * layer_size), layer * layer_size)
        deps = sorted(set(rng.sample(previous, k=min(len(previous), rng.randint(1, 3))))) if layer else []
        daily = i % 50 == 49
        assets.append(
            Asset(
                key=key,
                kind="dbt_model",
                description=f"Generated model {i}.",
                group=f"group_{i % GROUPS:02d}",
                tags=("generated", f"layer_{layer}"),
                deps=tuple(AssetDep(key=f"model_{d:05d}", origin="ref") for d in deps),
                materialization="table",
                partitions="daily" if daily else None,
                dbt=DbtNodeRef(
                    unique_id=f"model.bench.{key}",
                    name=key,
                    package="bench",
                    selector=f"fqn:bench.{key}",
                    path=f"models/{key}.sql",
                    relation=f'"bench"."main"."{key}"',
                ),
            )
        )
        for test, severity in (("not_null", "error"), ("unique", "warn")):
            name = f"{test}_{key}_id"
            checks.append(
                Check(name=name, asset=key, kind="generic", severity=severity, unique_id=f"test.bench.{name}",
                      selector=f"fqn:bench.{name}", test_name=test, column="id", reads=(key,))
            )
    unpartitioned = tuple(a.key for a in assets if a.partitions is None)
    jobs = [Job(name="everything", assets=unpartitioned, selection="*")]
    jobs += [
        Job(name=f"group_{g:02d}", assets=tuple(k for k in unpartitioned if int(k[6:]) % GROUPS == g))
        for g in range(min(group_jobs, GROUPS))
    ]
    jobs.append(Job(name="daily", assets=tuple(a.key for a in assets if a.partitions), partitions="daily"))
    return CompiledArtifacts(
        metadata=Metadata(name="bench", floe_version="0.1.0", inputs_sha256="0" * 64),
        identity=Identity(product="bench"),
        transforms=Transforms(dbt=DbtProject(project_name="bench", project_dir=".", profiles_dir=".",
                                             dbt_version="1.11.0", manifest_schema_version=12)),
        dbt_profiles=DbtProfiles(profile="bench", target="dev"),
        orchestration=Orchestration(
            assets=tuple(assets),
            checks=tuple(checks),
            partitions=(TimeWindowPartitions(name="daily", cadence="daily", start=datetime(2024, 1, 1)),),
            jobs=tuple(jobs),
            schedules=(
                Schedule(name="everything_nightly", job="everything", cron="0 2 * * *", timezone="Europe/Amsterdam"),
                Schedule(name="daily_partitioned", job="daily", cron="0 3 * * *", partitioned=True),
            ),
            backfills=(BackfillPolicy(job="daily", policy=MultiRunBackfill(max_partitions_per_run=7)),),
        ),
    )


_MEASURE = """
import json, sys, time
t0 = time.perf_counter()
import dagster
t1 = time.perf_counter()
from floe_dagster_provider import build_definitions
t2 = time.perf_counter()
defs = build_definitions(sys.argv[1])
t3 = time.perf_counter()
repo = defs.get_repository_def()
repo.asset_graph
repo.get_all_jobs()
t4 = time.perf_counter()
print(json.dumps({"import_dagster": t1 - t0, "import_provider": t2 - t1, "build_definitions": t3 - t2,
                  "resolve": t4 - t3, "dbt_imported": "dbt" in sys.modules}))
"""


def measure(models: int, folder: Path, group_jobs: int = 4) -> dict[str, object]:
    path = folder / f"artifacts_{models}.json"
    started = time.perf_counter()
    write_artifacts(generate_artifacts(models, group_jobs), path)
    generated = time.perf_counter() - started
    out = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    rounded = {k: round(v, 2) if isinstance(v, float) else v for k, v in result.items()}
    size = round(path.stat().st_size / 1e6, 1)
    return {"models": models, "jobs": group_jobs + 2, "file_mb": size, "generate_s": round(generated, 2), **rounded}


def main(argv: list[str]) -> int:
    group_jobs = 4
    if "--group-jobs" in argv:
        at = argv.index("--group-jobs")
        group_jobs = int(argv[at + 1])
        argv = argv[:at] + argv[at + 2 :]
    sizes = [int(a) for a in argv] or [5000]
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            print(json.dumps(measure(n, Path(tmp), group_jobs)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
