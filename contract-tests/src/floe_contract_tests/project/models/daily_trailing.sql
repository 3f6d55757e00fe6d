-- Daily, reading its own day and the day before from daily_events (a time-window mapping, start offset -1).
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='event_date') }}
{%- set start = var('floe_partition_start', none) -%}
{%- set end = var('floe_partition_end', none) %}
select day.event_date, sum(window_day.events) as events_two_days
from {{ ref('daily_events') }} as day
join {{ ref('daily_events') }} as window_day
  on window_day.event_date between day.event_date - interval 1 day and day.event_date
{%- if start is not none %}
where day.event_date >= cast('{{ start }}' as date) and day.event_date < cast('{{ end }}' as date)
{%- endif %}
group by day.event_date
