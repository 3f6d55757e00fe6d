select event_id, amount * 1 as amount from {{ ref('fan_root') }} where event_id % 6 = 0
