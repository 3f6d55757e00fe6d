"""Python assets and a custom sensor of the runtime test project."""

from __future__ import annotations

from typing import Any


def order_facts(context: Any) -> list[dict[str, Any]]:
    """One row per order in the run's daily window, read from the dbt model `orders`."""
    start, end = context.window
    orders = context.read_upstream("orders").to_pylist()
    return [
        {"order_id": o["id"], "order_date": o["order_date"], "amount": o["amount"]}
        for o in orders
        if start.date() <= o["order_date"] < end.date()
    ]


def customer_report(context: Any) -> Any:
    """Customer totals from dbt joined with the order count in the Iceberg table of `order_facts`."""
    import pyarrow as pa

    totals = context.read_upstream("customer_totals")
    facts = context.read_upstream("order_facts")
    return pa.table({"customers": [totals.num_rows], "facts": [facts.num_rows]})


def region_sales(context: Any) -> dict[str, list[Any]]:
    return {"region": [context.partition_key] * 2, "amount": [1, 2]}


def hourly_pings(context: Any) -> list[dict[str, Any]]:
    return [{"ping": i} for i in range(3)]


def nothing(context: Any) -> None:
    return None


def not_rows(context: Any) -> str:
    return "rows"


def reads_undeclared(context: Any) -> Any:
    return context.read_upstream("customers")


def always_fires() -> dict[str, str]:
    return {"reason": "ready"}


def never_fires() -> int:
    return 0
