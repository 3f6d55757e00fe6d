"""floe jobs as asset jobs over the keys the compiler resolved (no selector is re-evaluated here)."""

from __future__ import annotations

import re
from typing import Any

import dagster as dg
from floe_core.artifacts import CompiledArtifacts

from floe_dagster_provider.assets import retry_policy
from floe_dagster_provider.translator import DagsterTranslator

JOB_TAG = "floe/job"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def build_jobs(artifacts: CompiledArtifacts, translator: DagsterTranslator) -> dict[str, Any]:
    """Job name -> the (unresolved) asset job Definitions resolves against the assets.

    A job's partitions are its assets' partitions: Dagster infers them from the selection.
    """
    default_retry = artifacts.orchestration.default_retry
    jobs: dict[str, Any] = {}
    for job in artifacts.orchestration.jobs:
        tags = {JOB_TAG: job.name, **{f"floe/{_UNSAFE.sub('_', t)}": "true" for t in job.tags}}
        jobs[job.name] = dg.define_asset_job(
            name=job.name,
            selection=dg.AssetSelection.assets(*(translator.get_asset_key(k) for k in job.assets)),
            description=job.description or None,
            tags=tags,
            # An asset's own retry policy wins over this one, as floe's per-asset retry wins over the job's.
            op_retry_policy=retry_policy(job.retry or default_retry),
        )
    return jobs
