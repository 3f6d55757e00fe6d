"""`plugins.compute`: the warehouse the dbt target writes to, resolved at compile time.

The adapter comes from the dbt target (the manifest's `adapter_type`, else profiles.yml); floe.yaml may name
it too, and then must agree. For Postgres the compiler also records the server's host and port: Airflow
names each model's Asset after its table (`postgres://host:port/database/schema/table`), and a DAG file is
parsed without dbt or its profile, so the address has to be in the artifacts. Credentials never are.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from floe_core.artifacts import ComputeSettings
from floe_core.errors import Problem, SpecError
from floe_core.spec import FloeSpec

SUPPORTED_ADAPTERS = ("duckdb", "postgres")
POSTGRES_DEFAULT_PORT = 5432


@dataclass(frozen=True)
class DbtTarget:
    """The few fields of a dbt profile target floe reads, rendered as dbt renders them."""

    adapter: str | None = None
    host: str | None = None
    port: int | None = None


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


def read_dbt_target(profiles_dir: Path, profile: str | None, target: str | None) -> DbtTarget:
    """The adapter, host and port of the dbt target, or an empty DbtTarget when profiles.yml is not at hand.

    Values are rendered with dbt's `env_var`, so a profile that reads the address from the environment
    gives the address this process sees.
    """
    try:
        profiles = yaml.safe_load((profiles_dir / "profiles.yml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return DbtTarget()
    entry = profiles.get(profile) if isinstance(profiles, dict) and profile else None
    if not isinstance(entry, dict):
        return DbtTarget()
    name = target or _render(entry.get("target"))
    outputs = entry.get("outputs") or {}
    output = outputs.get(name) if isinstance(outputs, dict) and name else None
    if not isinstance(output, dict):
        return DbtTarget()
    port = _render(output.get("port"))
    return DbtTarget(
        adapter=_render(output.get("type")),
        host=_render(output.get("host")),
        port=int(port) if port and port.isdigit() else None,
    )


def _render(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)
    if "{{" not in text:
        return text
    import jinja2

    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.globals["env_var"] = _env_var
    for name in ("as_number", "as_text", "as_native", "as_bool"):
        env.filters[name] = lambda v: v
    try:
        return env.from_string(text).render()
    except (jinja2.TemplateError, LookupError):
        # Left to dbt, which reports a profile it cannot render with its own message when it runs.
        return None


def _env_var(name: str, default: str | None = None) -> str:
    if name in os.environ:
        return os.environ[name]
    if default is None:
        raise LookupError(name)
    return default
