select event_id, case when event_id = 4 then null else region end as region from {{ ref('events') }}
