"""The dbt profile's target, read from profiles.yml and rendered as dbt renders it (its `env_var`s), for the
few fields floe needs: the adapter and the server's address (at compile time), and how to connect to a
Postgres warehouse (at run time, for Python assets that read it). Values stay in memory; nothing here is
written anywhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class DbtTarget:
    adapter: str | None = None
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    dbname: str | None = None


def read_dbt_target(profiles_dir: Path, profile: str | None, target: str | None) -> DbtTarget:
    """The dbt target's fields, or an empty DbtTarget when profiles.yml or the target is not at hand.

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
        user=_render(output.get("user")),
        password=_render(output.get("password") or output.get("pass")),
        dbname=_render(output.get("dbname") or output.get("database")),
    )


def _render(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)
    if "{{" not in text:
        return text
    import jinja2

    try:
        return str(_environment().from_string(text).render())
    except (jinja2.TemplateError, LookupError):
        # Left to dbt, which reports a profile it cannot render with its own message when it runs.
        return None


@cache
def _environment() -> Any:
    """dbt's profile Jinja, as far as a profile's address and credentials use it: `env_var` and the `as_*`
    filters (which only change how dbt types the rendered text)."""
    import jinja2

    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.globals["env_var"] = _env_var
    for name in ("as_number", "as_text", "as_native", "as_bool"):
        env.filters[name] = lambda v: v
    return env


def _env_var(name: str, default: str | None = None) -> str:
    if name in os.environ:
        return os.environ[name]
    if default is None:
        raise LookupError(name)
    return default
