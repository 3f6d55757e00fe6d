{#- Set the var rt_break_orders to 'yes' to make this model fail at run time (a cast error in DuckDB). -#}
{%- if var('rt_break_orders', 'no') == 'yes' %}
select cast('not a number' as integer) as id
{%- else %}
select * from {{ ref('stg_orders') }}
{%- endif %}
