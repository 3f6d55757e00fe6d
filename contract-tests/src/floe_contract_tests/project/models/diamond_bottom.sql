select 'eu' as region, count(*) as events from {{ ref('diamond_left') }}
union all
select 'us' as region, count(*) as events from {{ ref('diamond_right') }}
