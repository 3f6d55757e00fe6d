"""The demo's Python assets and its custom sensor condition.

floe imports this module from the project folder while a job runs; nothing here runs at load time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

TIERS = ((500, "gold"), (200, "silver"), (0, "bronze"))


def customer_segments(context: Any) -> list[dict[str, Any]]:
    """Customers bucketed by lifetime value; written whole to analytics.customer_segments."""
    rows = context.read_upstream("customer_lifetime_value").to_pylist()
    segments = []
    for row in sorted(rows, key=lambda r: r["customer_id"]):
        value = float(row.get("lifetime_value") or 0)
        segment = next(name for floor, name in TIERS if value >= floor)
        segments.append({"customer_id": int(row["customer_id"]), "lifetime_value": value, "segment": segment})
    return segments


def regional_orders(context: Any) -> list[dict[str, Any]]:
    """Orders of one sales region (even customer ids sell in eu, odd ones in us): one Iceberg partition each."""
    region = context.partition_key
    rows = context.read_upstream("orders").to_pylist()
    return [
        {"order_id": int(r["order_id"]), "customer_id": int(r["customer_id"]), "amount": float(r["amount"] or 0)}
        for r in sorted(rows, key=lambda r: r["order_id"])
        if ("eu" if int(r["customer_id"]) % 2 == 0 else "us") == region
    ]


def export_requested() -> bool:
    """Fires while the file named by JAFFLE_EXPORT_FLAG exists (the sensor ships disabled)."""
    flag = os.environ.get("JAFFLE_EXPORT_FLAG")
    return flag is not None and Path(flag).exists()
