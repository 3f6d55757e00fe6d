"""The scenario project: one dbt-on-DuckDB project whose jobs are the contract scenarios."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

from floe_core import CompiledArtifacts

from floe_contract_tests.harness import ProviderHarness
from floe_contract_tests.probes import compile_to_file, copy_project

PROJECT = Path(__file__).parent / "project"


def prepare_project(workdir: Path) -> Path:
    """Copy the scenario project to `workdir`, compile it (one dbt parse), and return the artifacts path."""
    return compile_to_file(copy_project(PROJECT, workdir / "project"))


def seed_events(artifacts: CompiledArtifacts) -> list[dict[str, str]]:
    with open(artifacts.project_dir / "seeds" / "events.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def expected_chain_c(artifacts: CompiledArtifacts) -> dict[str, tuple[int, int]]:
    """region -> (events, amount) the chain scenario must produce, computed from the seed in Python."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in seed_events(artifacts):
        if int(row["amount"]) > 50:
            totals[row["region"]][0] += 1
            totals[row["region"]][1] += int(row["amount"])
    return {region: (n, amount) for region, (n, amount) in totals.items()}


def expected_daily(artifacts: CompiledArtifacts, day: str) -> tuple[int, int]:
    rows = [r for r in seed_events(artifacts) if r["event_date"] == day]
    return len(rows), sum(int(r["amount"]) for r in rows)


SEED = "events"


def ensure_seeded(harness: ProviderHarness) -> None:
    """Partitioned scenario jobs read the `events` seed but do not build it; build it through the engine
    (the chain job holds it) so each test stands alone, in any order."""
    from floe_contract_tests.warehouse import table_exists

    if not table_exists(harness.artifacts, SEED):
        job = next(j.name for j in harness.artifacts.orchestration.jobs if SEED in j.assets)
        assert harness.run_job(job).status == "success", f"seeding {SEED!r} through job {job!r} failed"
