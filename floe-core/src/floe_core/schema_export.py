"""The committed JSON Schema of CompiledArtifacts: `python -m floe_core.schema_export` rewrites it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from floe_core.artifacts import CompiledArtifacts
from floe_core.artifacts.compiled import ARTIFACTS_SCHEMA_ID, ARTIFACTS_VERSION

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema" / "compiled-artifacts.v1.json"


def artifacts_schema() -> str:
    schema = CompiledArtifacts.model_json_schema(by_alias=True, mode="serialization")
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": ARTIFACTS_SCHEMA_ID,
              "x-floe-artifacts-version": ARTIFACTS_VERSION, **schema}
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def main() -> int:
    SCHEMA_FILE.parent.mkdir(parents=True, exist_ok=True)
    SCHEMA_FILE.write_text(artifacts_schema(), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
