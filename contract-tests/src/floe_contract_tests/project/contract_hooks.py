"""Python callables the contract scenarios name: a Python asset and a custom sensor condition."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def region_totals(context: Any) -> list[dict[str, Any]]:
    rows = context.read_upstream("chain_c").to_pylist()
    return [{"region": r["region"], "amount": int(r["amount"])} for r in sorted(rows, key=lambda r: r["region"])]


def flag_file_exists() -> bool:
    """True while the file named by FLOE_CONTRACT_FLAG exists."""
    flag = os.environ.get("FLOE_CONTRACT_FLAG")
    return flag is not None and Path(flag).exists()


def daily_amounts(context: Any) -> list[dict[str, Any]]:
    """Per day of the run's window, the amount daily_events holds for it."""
    start, end = context.window
    rows = context.read_upstream("daily_events").to_pylist()
    return [{"floe_partition_start": r["event_date"], "amount": int(r["amount"])}
            for r in sorted(rows, key=lambda r: r["event_date"]) if start.date() <= r["event_date"] < end.date()]
