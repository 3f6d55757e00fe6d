{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='region') }}
{%- set region = var('floe_partition_key', none) %}
select region, count(*) as events from {{ ref('events') }}
{%- if region is not none %}
where region = '{{ region }}'
{%- endif %}
group by region
