{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key=['event_date', 'region']) }}
{%- set day = var('floe_partition_date', none) -%}
{%- set region = var('floe_partition_region', none) %}
select event_date, region, sum(amount) as amount from {{ ref('events') }}
{%- if day is not none %}
where event_date = cast('{{ day }}' as date) and region = '{{ region }}'
{%- endif %}
group by event_date, region
