"""The runtime tests' dbt project on DuckDB, hand-built CompiledArtifacts for it, and helpers.

A module of its own (not conftest.py) so tests and the subprocesses they start can import it by a name no
other test folder uses.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from floe_core.artifacts import (
    Asset,
    AssetDep,
    CatalogSettings,
    Check,
    CompiledArtifacts,
    ComputeSettings,
    DbtNodeRef,
    DbtProfiles,
    DbtProject,
    Identity,
    Job,
    Metadata,
    MultiPartitions,
    Orchestration,
    PartitionDimension,
    Plugins,
    PythonCallable,
    StaticPartitions,
    TimeWindowPartitions,
    Transforms,
)

PROJECT_SOURCE = Path(__file__).parent / "project"
PACKAGE = "rt_demo"
DUCKDB_FILE = "target/rt.duckdb"

# dbt reports usage to a remote service by default; tests must not depend on the network.
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")

# (node name, asset key, kind, severity, assets read)
CHECKS: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    ("customers_id_not_null", "customers", "generic", "error", ("customers",)),
    ("orders_customer_exists", "orders", "generic", "error", ("orders", "customers")),
    ("orders_status_known", "orders", "generic", "warn", ("orders",)),
    ("customer_totals_not_negative", "customer_totals", "singular", "error", ("customer_totals",)),
)


def dbt_asset(name: str, kind: str = "dbt_model", deps: tuple[str, ...] = (), materialization: str = "table") -> Asset:
    resource = "seed" if kind == "dbt_seed" else "model"
    return Asset(
        key=name,
        kind=kind,  # type: ignore[arg-type]
        deps=tuple(AssetDep(key=d, origin="ref") for d in deps),
        materialization=materialization,
        dbt=DbtNodeRef(
            unique_id=f"{resource}.{PACKAGE}.{name}",
            name=name,
            package=PACKAGE,
            selector=f"fqn:{PACKAGE}.{name}",
            path=f"{name}.sql",
            relation=f'"rt"."main"."{name}"',
        ),
    )


def python_asset(key: str, function: str, deps: tuple[str, ...] = (), partitions: str | None = None) -> Asset:
    return Asset(
        key=key,
        kind="python",
        deps=tuple(AssetDep(key=d, origin="explicit") for d in deps),
        partitions=partitions,
        python=PythonCallable(callable=function if ":" in function else f"rt_assets:{function}"),
        iceberg_table=f"analytics.{key}",
    )


ASSETS: tuple[Asset, ...] = (
    dbt_asset("raw_customers", "dbt_seed"),
    dbt_asset("raw_orders", "dbt_seed"),
    dbt_asset("stg_orders", deps=("raw_orders",), materialization="view"),
    dbt_asset("customers", deps=("raw_customers",)),
    dbt_asset("orders", deps=("stg_orders",)),
    dbt_asset("customer_totals", deps=("customers", "orders")),
    python_asset("order_facts", "order_facts", deps=("orders",), partitions="daily"),
    python_asset("customer_report", "customer_report", deps=("customer_totals", "order_facts")),
    python_asset("region_sales", "region_sales", partitions="regions"),
    python_asset("hourly_pings", "hourly_pings", partitions="hourly"),
    python_asset("daily_region_sales", "region_sales", partitions="daily_regions"),
    python_asset("nothing", "nothing"),
    python_asset("not_rows", "not_rows"),
    python_asset("reads_undeclared", "reads_undeclared", deps=("orders",)),
    python_asset("missing_function", "nope"),
    python_asset("missing_module", "no_such_module:run"),
)

DAILY = TimeWindowPartitions(name="daily", cadence="daily", start=datetime(2024, 1, 1), end=datetime(2024, 1, 4))
REGIONS = StaticPartitions(name="regions", keys=("eu", "us"))
PARTITIONS = (
    DAILY,
    REGIONS,
    TimeWindowPartitions(
        name="hourly",
        cadence="hourly",
        start=datetime(2024, 3, 31),
        end=datetime(2024, 4, 1),
        timezone="Europe/Berlin",
    ),
    MultiPartitions(
        name="daily_regions",
        dimensions=(
            PartitionDimension(name="date", partitions=DAILY),
            PartitionDimension(name="region", partitions=REGIONS),
        ),
    ),
)


def make_artifacts(
    project_dir: Path,
    checks: tuple[Check, ...] = (),
    *,
    warehouse: str = "target/iceberg",
    duckdb_file: str = DUCKDB_FILE,
    catalog: CatalogSettings | None = None,
    assets: tuple[Asset, ...] = ASSETS,
) -> CompiledArtifacts:
    artifacts = CompiledArtifacts(
        metadata=Metadata(name="rt", floe_version="0.1.0", inputs_sha256="0" * 64),
        identity=Identity(product="rt"),
        plugins=Plugins(
            compute=ComputeSettings(path=duckdb_file, threads=2),
            catalog=catalog or CatalogSettings(warehouse=warehouse),
        ),
        transforms=Transforms(
            dbt=DbtProject(
                project_name=PACKAGE,
                project_dir=".",
                profiles_dir=".",
                dbt_version="1.11",
                manifest_schema_version=12,
            )
        ),
        dbt_profiles=DbtProfiles(profile=PACKAGE, target="dev"),
        orchestration=Orchestration(
            assets=assets,
            checks=checks,
            partitions=PARTITIONS,
            jobs=(Job(name="everything", assets=tuple(a.key for a in assets)),),
        ),
    )
    return artifacts.located_at(project_dir / "compiled_artifacts.json")


def checks_from_manifest(manifest: Any) -> tuple[Check, ...]:
    """The test project's checks, with the unique_ids dbt gave them (generic tests carry a hash)."""
    by_name = {node.name: node for node in manifest.nodes.values() if node.resource_type == "test"}
    return tuple(
        Check(
            name=name,
            asset=asset,
            kind=kind,  # type: ignore[arg-type]
            severity=severity,  # type: ignore[arg-type]
            unique_id=by_name[name].unique_id,
            selector="fqn:" + ".".join(by_name[name].fqn),
            reads=reads,
        )
        for name, asset, kind, severity, reads in CHECKS
    )


_HOLD_WRITE_LOCK = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("ready", flush=True)
time.sleep(120)
"""


@contextmanager
def write_lock_held_elsewhere(path: Path) -> Iterator[None]:
    """Another process holds DuckDB's write lock on `path`, as a running dbt job in another task would."""
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_WRITE_LOCK, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        yield
    finally:
        holder.kill()
        holder.communicate()
