select event_id, amount * 2 as amount from {{ ref('fan_root') }} where event_id % 6 = 1
