"""`plugins.compute`: the warehouse the dbt target writes to, resolved at compile time.

The adapter comes from the dbt target (the manifest's `adapter_type`, else profiles.yml); floe.yaml may name
it too, and then must agree. For Postgres the compiler also records the server's host and port: Airflow
names each model's Asset after its table (`postgres://host:port/database/schema/table`), and a DAG file is
parsed without dbt or its profile, so the address has to be in the artifacts. Credentials never are.
"""

from __future__ import annotations

from typing import Any

from floe_core.artifacts import ComputeSettings
from floe_core.dbt_profile import DbtTarget
from floe_core.errors import Problem, SpecError
from floe_core.spec import FloeSpec

SUPPORTED_ADAPTERS = ("duckdb", "postgres")
POSTGRES_DEFAULT_PORT = 5432


def compute_settings(
    spec: FloeSpec, spec_file: str, manifest_adapter: str | None, target: DbtTarget
) -> ComputeSettings:
    declared = spec.plugins.compute
    dbt_adapter = manifest_adapter or target.adapter
    if declared.kind is not None and dbt_adapter is not None and declared.kind != dbt_adapter:
        raise SpecError(Problem(
            "plugins.compute.kind does not match the dbt target's adapter", file=spec_file,
            field="plugins.compute.kind", found=declared.kind, expected=f"{dbt_adapter!r}, the dbt target's",
            fix=f"remove plugins.compute.kind (it follows the dbt target), or set it to {dbt_adapter}",
        ))
    kind = declared.kind or dbt_adapter or "duckdb"
    if kind not in SUPPORTED_ADAPTERS:
        raise SpecError(Problem(
            "floe does not run on this dbt adapter", file=spec_file, field="plugins.compute.kind", found=kind,
            expected=" or ".join(SUPPORTED_ADAPTERS),
            fix="point transforms.dbt.target at a duckdb or postgres target",
        ))
    settings: dict[str, Any] = {"kind": kind, "threads": declared.threads,
                                "lock_timeout_seconds": declared.lock_timeout_seconds}
    if kind == "duckdb":
        settings["path"] = declared.path or f"target/{spec.metadata.name}.duckdb"
        return ComputeSettings(**settings)
    host = declared.host or target.host
    if not host:
        raise SpecError(Problem(
            "the Postgres warehouse's host is unknown", file=spec_file, field="plugins.compute.host",
            fix="set plugins.compute.host (and port) in floe.yaml, or compile where the dbt profile is at hand",
        ))
    settings["host"] = host
    settings["port"] = declared.port or target.port or POSTGRES_DEFAULT_PORT
    return ComputeSettings(**settings)
