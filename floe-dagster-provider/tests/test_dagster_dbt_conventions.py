"""floe's default Dagster definitions name dbt nodes as dagster-dbt's own `@dbt_assets` does, on the same
manifest: asset keys, deps, groups, owners, tags and check keys, for every fixture manifest (dbt 1.3 to 1.11,
schema v7 to v12) and for a project written here with custom schemas, versions, aliases, groups, and
`meta.dagster` keys, groups and owners (parsed once by dbt).

dagster-dbt is imported by these tests only; floe's load path never imports it.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import dagster_dbt  # a test dependency of every Dagster env
import pytest
from floe_core import CompiledArtifacts, compile_project
from floe_dagster_provider import FloeKeyTranslator
from floe_dagster_provider.definitions import definitions_from_artifacts

TESTS = Path(__file__).resolve().parent
MANIFESTS = sorted((TESTS.parents[1] / "floe-core" / "tests" / "fixtures" / "manifests").glob("dbt-*-v*.json"))


@dataclass(frozen=True)
class Node:
    key: dg.AssetKey
    deps: frozenset[dg.AssetKey]
    group: str | None
    owners: tuple[str, ...]
    tags: frozenset[tuple[str, str]]


def _node(spec: dg.AssetSpec) -> Node:
    return Node(
        key=spec.key,
        deps=frozenset(d.asset_key for d in spec.deps),
        # Dagster puts an asset with no group in `default`; a spec may say either.
        group=spec.group_name or "default",
        owners=tuple(spec.owners),
        # Kinds are stored as `dagster/kind/*` tags: compared separately (the adapter's, not a convention).
        tags=frozenset((k, v) for k, v in spec.tags.items() if not k.startswith("dagster/kind/")),
    )


@dataclass(frozen=True)
class Compared:
    floe: dict[str, Node]  # by dbt unique_id
    dagster_dbt: dict[str, Node]
    floe_checks: set[dg.AssetCheckKey]
    dagster_dbt_checks: set[dg.AssetCheckKey]
    source_keys: dict[str, tuple[dg.AssetKey, dg.AssetKey]]  # unique_id: (floe, dagster-dbt)


def _compare(artifacts: CompiledArtifacts, manifest: dict[str, Any]) -> Compared:
    @dagster_dbt.dbt_assets(manifest=manifest, dagster_dbt_translator=dagster_dbt.DagsterDbtTranslator())
    def theirs(context):  # type: ignore[no-untyped-def]  # never run; Dagster reads the annotations
        raise NotImplementedError

    by_uid = {a.key: a.dbt.unique_id for a in artifacts.orchestration.assets if a.dbt is not None}
    graph = definitions_from_artifacts(artifacts).get_repository_def().asset_graph
    floe: dict[str, Node] = {}
    source_keys: dict[str, tuple[dg.AssetKey, dg.AssetKey]] = {}
    translator = dagster_dbt.DagsterDbtTranslator()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        floe_key = str(node.metadata["floe/key"])
        uid = by_uid.get(floe_key)
        if uid is None:
            continue
        spec = dg.AssetSpec(key=key, deps=[dg.AssetDep(k) for k in node.parent_keys], group_name=node.group_name,
                            owners=list(node.owners), tags=dict(node.tags))
        floe[uid] = _node(spec)
        if uid.startswith("source."):
            source_keys[uid] = (key, translator.get_asset_key(manifest["sources"][uid]))
    uid_of_theirs = {spec.key: str(spec.metadata["dagster_dbt/unique_id"]) for spec in theirs.specs}
    return Compared(
        floe={uid: n for uid, n in floe.items() if not uid.startswith("source.")},
        dagster_dbt={uid_of_theirs[spec.key]: _node(spec) for spec in theirs.specs},
        floe_checks=set(graph.asset_check_keys),
        dagster_dbt_checks={spec.key for spec in theirs.check_specs},
        source_keys=source_keys,
    )


def _assert_same(compared: Compared) -> None:
    assert compared.floe.keys() == compared.dagster_dbt.keys(), "the same dbt nodes are assets"
    for uid, theirs in compared.dagster_dbt.items():
        assert compared.floe[uid] == theirs, uid
    for uid, (ours, theirs_key) in compared.source_keys.items():
        assert ours == theirs_key, uid
    # dagster-dbt leaves out tests it cannot attach to one node (floe attaches them downstream of all they
    # read) and, from 0.26 on, tests of sources: every check it makes, floe makes under the same key.
    assert compared.dagster_dbt_checks
    assert compared.dagster_dbt_checks <= compared.floe_checks


def _compile_manifest(manifest_path: Path, tmp_path: Path) -> tuple[CompiledArtifacts, dict[str, Any]]:
    manifest = json.loads(manifest_path.read_text())
    project = tmp_path / "project"
    project.mkdir()
    (project / "dbt_project.yml").write_text(
        f"name: {manifest['metadata'].get('project_name') or 'jaffle_floe'}\nprofile: none\nversion: '1'\n"
    )
    return compile_project(project, manifest=manifest_path).artifacts, manifest


@pytest.mark.parametrize("manifest_path", MANIFESTS, ids=[p.stem for p in MANIFESTS])
def test_every_fixture_manifest_gets_dagster_dbts_keys_groups_owners_tags_and_checks(
    manifest_path: Path, tmp_path: Path
) -> None:
    artifacts, manifest = _compile_manifest(manifest_path, tmp_path)
    _assert_same(_compare(artifacts, manifest))


def test_floe_key_translator_keeps_floe_keys(tmp_path: Path) -> None:
    artifacts, _ = _compile_manifest(MANIFESTS[-1], tmp_path)
    graph = definitions_from_artifacts(artifacts, translator=FloeKeyTranslator()).get_repository_def().asset_graph
    assert {dg.AssetKey(a.key.split("/")) for a in artifacts.orchestration.assets} == set(graph.get_all_asset_keys())


# -- a project with every convention dagster-dbt keys on ------------------------------------------------------

FILES = {
    "dbt_project.yml": """
        name: conv
        version: "1.0"
        profile: conv
        config-version: 2
        models:
          conv:
            staging:
              +schema: staging
        seeds:
          conv:
            +schema: landing
    """,
    "profiles.yml": """
        conv:
          target: dev
          outputs:
            dev: {type: duckdb, path: conv.duckdb}
    """,
    "seeds/seed_people.csv": "id,name\n1,a\n",
    "models/staging/stg_people.sql": "select * from {{ ref('seed_people') }}",
    "models/staging/stg_events.sql": "select * from {{ source('raw', 'events') }}",
    "models/marts/between.sql": "{{ config(materialized='ephemeral') }} select * from {{ ref('stg_people') }}",
    "models/marts/plain.sql": "select * from {{ ref('between') }}",
    "models/marts/own_schema.sql": "{{ config(schema='finance', tags=['daily', 'has space', 'ok-tag']) }}"
    " select * from {{ ref('plain') }}",
    "models/marts/keyed.sql": "select * from {{ ref('plain') }} join {{ source('raw', 'users') }} using (id)",
    "models/marts/grouped.sql": "select * from {{ ref('keyed') }}",
    "models/marts/dim_v1.sql": "select 1 as id",
    "models/marts/dim_v2.sql": "select 2 as id",
    "snapshots/snap.sql": """
        {% snapshot snap %}
        {{ config(target_schema='snaps', unique_key='id', strategy='check', check_cols='all') }}
        select * from {{ ref('seed_people') }}
        {% endsnapshot %}
    """,
    "tests/two_models.sql": "select * from {{ ref('plain') }} join {{ ref('keyed') }} using (id) where false",
    "models/schema.yml": """
        version: 2
        groups:
          - name: finance
            owner: {name: Finance, email: finance@conv.example}
          - name: ops
            owner: {name: Ops}
        sources:
          - name: raw
            tables:
              - name: events
                meta: {dagster: {asset_key: [landing, events_table]}}
              - name: users
                columns:
                  - name: id
                    data_tests: [not_null]
        models:
          - name: plain
            meta: {owner: someone@conv.example}
            columns:
              - name: id
                data_tests: [not_null, {unique: {config: {severity: warn}}}]
          - name: keyed
            config:
              group: finance
              meta: {dagster: {asset_key: [warehouse, keyed_table]}}
          - name: grouped
            config:
              group: ops
              meta: {dagster: {group: custom_group, owners: ["team:marts", "lead@conv.example"]}}
            columns:
              - name: id
                data_tests: [not_null]
          - name: dim
            latest_version: 2
            versions:
              - v: 1
              - v: 2
                config: {alias: dim_latest}
    """,
}


@pytest.fixture(scope="module")
def conventions_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[CompiledArtifacts, dict[str, Any]]:
    project = tmp_path_factory.mktemp("conventions") / "conv"
    for name, text in FILES.items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).strip() + "\n")
    artifacts = compile_project(project).artifacts  # dbt parses the project, once
    return artifacts, json.loads((project / "target" / "manifest.json").read_text())


def test_a_project_using_every_convention_gets_dagster_dbts_names(
    conventions_project: tuple[CompiledArtifacts, dict[str, Any]],
) -> None:
    artifacts, manifest = conventions_project
    compared = _compare(artifacts, manifest)
    _assert_same(compared)
    keys = {uid.split(".", 2)[2]: node.key for uid, node in compared.floe.items()}
    # Each convention is really exercised (and not equal by accident of both sides being plain).
    assert keys["stg_people"] == dg.AssetKey(["staging", "stg_people"])
    assert keys["own_schema"] == dg.AssetKey(["finance", "own_schema"])
    assert keys["keyed"] == dg.AssetKey(["warehouse", "keyed_table"])
    assert keys["dim.v2"] == dg.AssetKey(["dim_latest"])
    assert keys["dim.v1"] == dg.AssetKey(["dim_v1"])
    assert keys["seed_people"] == dg.AssetKey(["landing", "seed_people"])
    assert compared.source_keys["source.conv.raw.events"][0] == dg.AssetKey(["landing", "events_table"])
    grouped = compared.floe["model.conv.grouped"]
    assert (grouped.group, grouped.owners) == ("custom_group", ("team:marts", "lead@conv.example"))
    keyed = compared.floe["model.conv.keyed"]
    assert (keyed.group, keyed.owners) == ("finance", ("finance@conv.example",))
    assert compared.floe["model.conv.own_schema"].tags == {("daily", ""), ("ok-tag", "")}
    assert dg.AssetCheckKey(dg.AssetKey(["warehouse", "keyed_table"]), "two_models") in compared.floe_checks
