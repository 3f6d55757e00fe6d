{#- A day listed in main.contract_failing_days fails the run whose window holds it: the backfill scenario's
    failed partitions. The hook is a statement of its own, so it fails whether or not the window has rows. -#}
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='event_date', pre_hook=[
    "{% if var('floe_partition_start', none) is not none
          and adapter.get_relation(this.database, 'main', 'contract_failing_days') is not none %}
     select case when count(*) > 0 then error('a failing day is in this window, on purpose') end
     from main.contract_failing_days
     where day >= cast('{{ var('floe_partition_start') }}' as date) and day < cast('{{ var('floe_partition_end') }}' as date)
     {% else %} select 1 {% endif %}",
]) }}
{%- set start = var('floe_partition_start', none) -%}
{%- set end = var('floe_partition_end', none) %}
select event_date, count(*) as events, sum(amount) as amount
from {{ ref('events') }}
{%- if start is not none %}
where event_date >= cast('{{ start }}' as date) and event_date < cast('{{ end }}' as date)
{%- endif %}
group by event_date
