-- Daily, reading every region of its day from the date x region model (a multi-to-single mapping on `date`).
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='event_date') }}
{%- set start = var('floe_partition_start', none) -%}
{%- set end = var('floe_partition_end', none) %}
select event_date, count(*) as regions, sum(amount) as amount
from {{ ref('multi_events') }}
{%- if start is not none %}
where event_date >= cast('{{ start }}' as date) and event_date < cast('{{ end }}' as date)
{%- endif %}
group by event_date
