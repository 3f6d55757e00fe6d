select event_id, case when event_id = 3 then null else region end as region from {{ ref('events') }}
