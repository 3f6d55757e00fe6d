"""`floe compile`: floe.yaml + the dbt manifest -> one self-contained, deterministic artifacts file."""

from __future__ import annotations

import gc
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from floe_core.artifacts import (
    CatalogSettings,
    CompiledArtifacts,
    DbtProfiles,
    DbtProject,
    Identity,
    Metadata,
    Observability,
    Orchestration,
    Plugins,
    RetryPolicy,
    StorageSettings,
    Transforms,
)
from floe_core.artifacts.compiled import default_profiles_dir
from floe_core.compiler.compute import compute_settings
from floe_core.compiler.dbt_assets import DbtTranslator, build_checks, build_dbt_assets, build_exposures
from floe_core.compiler.inferred_spec import DBT_PROJECT_FILE, infer_spec
from floe_core.compiler.manifest_source import ensure_manifest
from floe_core.compiler.orchestration import Resolver
from floe_core.compiler.spec_loader import load_spec
from floe_core.dbt_profile import DbtTarget, read_dbt_target
from floe_core.errors import FloeError
from floe_core.graph import AssetGraph
from floe_core.manifest import read_manifest
from floe_core.spec import FloeSpec
from floe_core.version import __version__

DEFAULT_OUTPUT = Path("target") / "compiled_artifacts.json"
SPEC_FILE = "floe.yaml"


@dataclass(frozen=True)
class CompileResult:
    artifacts: CompiledArtifacts
    output: Path
    spec_inferred: bool = False  # no floe.yaml: the smallest spec, from dbt_project.yml


def resolve_spec_path(project: Path) -> Path:
    return project if project.is_file() else project / SPEC_FILE


def compile_project(
    project: Path,
    *,
    output: Path | None = None,
    manifest: Path | None = None,
    translator: DbtTranslator | None = None,
) -> CompileResult:
    """Compile without writing anything; `output` only decides how stored paths are made relative."""
    spec_path = resolve_spec_path(project)
    spec_dir = spec_path.resolve().parent
    inferred = not spec_path.exists() and (spec_dir / DBT_PROJECT_FILE).is_file()
    if inferred:
        spec, spec_path = infer_spec(spec_dir), spec_dir / DBT_PROJECT_FILE
    else:
        spec = load_spec(spec_path)
    project_dir = (spec_dir / spec.transforms.dbt.project_dir).resolve()
    profiles_dir = _profiles_dir(spec, spec_dir)
    dbt_profiles_dir = profiles_dir or default_profiles_dir(project_dir)
    target = read_dbt_target(dbt_profiles_dir, _profile(project_dir), spec.transforms.dbt.target)
    manifest_path = manifest.resolve() if manifest else ensure_manifest(
        project_dir, dbt_profiles_dir, spec.transforms.dbt.target, target.adapter)
    output = (output or project_dir / DEFAULT_OUTPUT).resolve()
    with _gc_paused():
        artifacts = _compile(spec, spec_path, project_dir, profiles_dir, manifest_path, output,
                             translator or DbtTranslator(), target)
    return CompileResult(artifacts, output, spec_inferred=inferred)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Hold off the cyclic garbage collector while compiling.

    A compile allocates hundreds of thousands of objects (the parsed manifest, then nodes, assets and
    checks), and reference counting frees every one that does not live on in the result: they form no
    cycles. Left on, the collector, triggered by allocation counts alone, walks the whole growing heap
    again and again; at 5,000 models that took as long as the compile itself.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _compile(spec: FloeSpec, spec_path: Path, project_dir: Path, profiles_dir: Path | None, manifest_path: Path,
             output: Path, translator: DbtTranslator, target: DbtTarget) -> CompiledArtifacts:
    dbt_manifest = read_manifest(manifest_path)
    shown_spec = str(spec_path)

    assets_list, keyed = build_dbt_assets(dbt_manifest, translator, str(manifest_path))
    assets = {a.key: a for a in assets_list}
    resolver = Resolver(spec.orchestration, shown_spec)
    partitions = {p.name: p for p in resolver.partitions()}
    resolver.extra_assets(assets)
    resolver.raise_if_any()
    resolver.apply_overrides(assets, partitions)
    resolver.raise_if_any()
    graph = AssetGraph(list(assets.values()))
    try:
        graph.check(file=shown_spec)
    except FloeError as exc:
        raise exc.with_file(shown_spec) from None
    resolver.check_partition_mappings(assets, partitions)
    jobs = resolver.jobs(graph, assets)
    resolver.raise_if_any()
    jobs_by_name = {j.name: j for j in jobs}
    schedules = resolver.schedules(jobs_by_name)
    sensors = resolver.sensors(jobs_by_name, assets)
    backfills = resolver.backfills(jobs_by_name)
    resolver.raise_if_any()

    base = output.parent
    default_retry = spec.orchestration.defaults.retry
    artifacts = CompiledArtifacts(
        version=CompiledArtifacts.model_fields["version"].default,
        metadata=Metadata(
            name=spec.metadata.name,
            description=spec.metadata.description,
            owners=spec.metadata.owners,
            floe_version=__version__,
            compiled_from=_relative(spec_path.resolve(), base),
            inputs_sha256=_digest(spec_path, manifest_path),
        ),
        identity=Identity(product=spec.metadata.name, domain=spec.metadata.domain),
        plugins=Plugins(
            orchestrator=spec.plugins.orchestrator,
            compute=compute_settings(spec, shown_spec, dbt_manifest.adapter_type, target),
            catalog=CatalogSettings(**spec.plugins.catalog.model_dump()),
            storage=StorageSettings(**spec.plugins.storage.model_dump()),
        ),
        transforms=Transforms(dbt=DbtProject(
            project_name=dbt_manifest.project_name,
            project_dir=_relative(project_dir, base),
            profiles_dir=_relative(profiles_dir, base) if profiles_dir else None,
            dbt_version=dbt_manifest.dbt_version,
            manifest_schema_version=dbt_manifest.schema_version,
        )),
        dbt_profiles=DbtProfiles(profile=_profile(project_dir), target=spec.transforms.dbt.target),
        observability=Observability(),
        orchestration=Orchestration(
            assets=tuple(assets[key] for key in sorted(assets)),
            checks=tuple(build_checks(dbt_manifest, keyed, graph)),
            partitions=tuple(partitions.values()),
            jobs=tuple(jobs),
            schedules=tuple(schedules),
            sensors=tuple(sensors),
            backfills=tuple(backfills),
            exposures=tuple(build_exposures(dbt_manifest, keyed)),
            default_retry=RetryPolicy(**default_retry.model_dump()),
        ),
    )
    return artifacts.located_at(output)


def _relative(path: Path, base: Path) -> str:
    return Path(os.path.relpath(path, base)).as_posix()


def _digest(*files: Path) -> str:
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.read_bytes())
    return digest.hexdigest()


def _profiles_dir(spec: FloeSpec, spec_dir: Path) -> Path | None:
    if spec.transforms.dbt.profiles_dir:
        return (spec_dir / spec.transforms.dbt.profiles_dir).resolve()
    return None


def _profile(project_dir: Path) -> str | None:
    """The profile dbt_project.yml names; None when the project is not at hand (a prebuilt manifest)."""
    try:
        project_cfg = yaml.safe_load((project_dir / "dbt_project.yml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return None
    profile = project_cfg.get("profile") if isinstance(project_cfg, dict) else None
    return str(profile) if profile else None
