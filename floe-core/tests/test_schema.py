from __future__ import annotations

from floe_core.schema_export import SCHEMA_FILE, artifacts_schema


def test_the_committed_json_schema_matches_the_models() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == artifacts_schema(), (
        "the CompiledArtifacts models changed: run `python -m floe_core.schema_export`, commit the schema, and "
        "bump ARTIFACTS_VERSION as COMPATIBILITY.md says"
    )
