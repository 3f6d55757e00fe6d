"""Paths and texts the floe-core tests share."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "jaffle_floe"
FIXTURES = Path(__file__).parent / "fixtures"
MANIFESTS = FIXTURES / "manifests"
DEMO_MANIFEST = MANIFESTS / "dbt-1.11-v12.json"

MINIMAL_SPEC = "apiVersion: floe.dev/v1\nkind: FloeSpec\nmetadata:\n  name: jaffle_floe\n"
