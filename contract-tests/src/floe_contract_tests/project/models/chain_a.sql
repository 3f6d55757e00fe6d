select event_id, event_date, region, amount from {{ ref('events') }}
