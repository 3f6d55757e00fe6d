"""Tiny definitions module for `dagster definitions validate -f`."""
from dagster import Definitions, asset


@asset
def smoke_asset() -> int:
    return 1


defs = Definitions(assets=[smoke_asset])
