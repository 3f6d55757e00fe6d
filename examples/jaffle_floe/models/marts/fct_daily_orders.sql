{#-
  Daily order facts, partitioned by order_date.

  With the vars `floe_partition_start` and `floe_partition_end` (ISO dates, end
  exclusive) only that window is processed: its days are deleted from the table
  and inserted again (delete+insert on order_date), so running the same window
  twice gives the same rows. Without the vars every day is (re)processed.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='order_date',
        on_schema_change='fail',
    )
}}

{%- set partition_start = var('floe_partition_start', none) -%}
{%- set partition_end = var('floe_partition_end', none) %}

select
    order_date,
    status,
    count(*) as order_count,
    sum(amount) as amount
from {{ ref('orders') }}
{%- if partition_start is not none and partition_end is not none %}
where order_date >= cast('{{ partition_start }}' as date)
  and order_date < cast('{{ partition_end }}' as date)
{%- elif partition_start is not none or partition_end is not none %}
{{ exceptions.raise_compiler_error("fct_daily_orders: set both floe_partition_start and floe_partition_end, or neither") }}
{%- endif %}
group by order_date, status
