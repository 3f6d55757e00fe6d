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
